"""Applying a trained model to tickets: bulk triage of an export, the labeled MLflow model that
serves single tickets, and promotion of model versions in the MLflow model registry."""
