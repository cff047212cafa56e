"""The ``evaluate`` stage: test-split metrics beside trivial baselines, plot data and figures."""
