"""Training: objectives (losses, metrics, optimizer) and the ``train`` stage that runs a loop."""
