"""Applying a trained model to tickets: bulk triage of an export, and the labeled MLflow model
that serves single tickets. Registering and promoting model versions is ``registry``'s."""
