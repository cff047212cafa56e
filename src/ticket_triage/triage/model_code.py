"""The labeled model's code file, as MLflow's models-from-code logging wants it (no pickling):
MLflow runs this file when it loads the model."""

from mlflow.models import set_model

from ticket_triage.triage.mlflow_model import TicketTriageModel

set_model(TicketTriageModel())
