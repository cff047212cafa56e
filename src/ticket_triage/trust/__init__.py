"""How far to trust the model's answers: calibrated confidence, a review route, drift warnings.

A help desk lets a model route the tickets it is sure about and sends the rest to a person. That
needs probabilities that mean what they say (``calibration``), a confidence threshold chosen for
a target precision (``routing``), and a warning when new tickets stop looking like the ones the
model learned from (``drift``). ``train`` fits all three on the validation split and saves them
beside the model (``profile``); ``evaluate`` scores them on the test split; ``predict`` and the
served model apply them. NumPy only: no TensorFlow here.
"""
