"""The ``evaluate`` stage: test-split metrics (``sklearn.metrics``) beside trivial and linear
baselines, plot data and figures."""
