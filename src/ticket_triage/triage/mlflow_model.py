"""The labeled MLflow model: ticket text in, department names, probabilities and priority out.

The Keras serving model answers with bare arrays (``department``: one probability per class, in
the order of ``departments.txt``); a caller would have to know that order. This
``mlflow.pyfunc.PythonModel`` wraps it with the class names and the priority bands, so
``mlflow models serve`` answers one row per ticket: ``department``, ``department_probability``,
the runner-up departments, ``priority``, ``priority_band`` and a ``probability_<name>`` column
per department. The training run logs it as its model ``model`` (the raw Keras serving model
stays beside it as ``keras_model``); ``evaluate`` registers it.

Request columns (the signature names them): ``title`` and ``body`` (strings; send ``""`` for a
missing one) and, for a model trained with tags, the optional ``tags`` (one string, tags
separated by commas).

Example:
    >>> model = mlflow.pyfunc.load_model("models:/ticket-triage@champion")  # doctest: +SKIP
    >>> model.predict(pd.DataFrame({"title": ["Charged twice"], "body": ["Refund please"]}))
    ... # doctest: +SKIP
      department  department_probability  ...  priority priority_band  probability_billing ...
    0    billing                  0.9712  ...     0.412        normal               0.9712 ...
"""

from pathlib import Path

import mlflow
import pandas as pd
from mlflow.models import ModelSignature, infer_signature
from mlflow.types import ColSpec, Schema

from ticket_triage.data import schema
from ticket_triage.data.clean import tag_lists
from ticket_triage.data.vocab import load_vocabulary
from ticket_triage.triage.inputs import serving_inputs
from ticket_triage.triage.labels import PriorityBands, label_outputs

SERVING_MODEL = "serving_model"  # artifact names inside the logged model
DEPARTMENTS = "departments"
REQUEST_TAGS_SEPARATOR = ","


class TicketTriageModel(mlflow.pyfunc.PythonModel):
    """The Keras serving model plus department names and priority bands (``model_config``:
    ``priority_bands``, ``top_departments``)."""

    def load_context(self, context):
        import keras

        from ticket_triage.triage.predictor import Predictor  # TensorFlow loads here

        serving = keras.saving.load_model(context.artifacts[SERVING_MODEL], safe_mode=True)
        departments = context.artifacts.get(DEPARTMENTS)
        self.predictor = Predictor(serving, load_vocabulary(departments) if departments else [])
        self.bands = PriorityBands(context.model_config["priority_bands"])
        self.top = int(context.model_config["top_departments"])

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        tickets = tickets_from_request(pd.DataFrame(model_input))
        outputs = self.predictor.predict(serving_inputs(tickets, self.predictor.input_names))
        return label_outputs(
            outputs, self.predictor.departments, self.bands, top=self.top, per_department=True
        )


def tickets_from_request(frame):
    """Request rows -> tickets with ``title``, ``body`` and ``tags`` lists, as ``prepare`` makes
    them (text stripped, tags lower-cased and de-duplicated)."""
    tickets = pd.DataFrame(
        {column: _text(frame, column) for column in (schema.TITLE, schema.BODY)}, index=frame.index
    )
    tags = frame[schema.TAGS] if schema.TAGS in frame else pd.Series(None, index=frame.index)
    tickets[schema.TAGS] = tag_lists(tags.astype(object), REQUEST_TAGS_SEPARATOR)
    return tickets.reset_index(drop=True)


def _text(frame, column):
    return frame[column].astype(object).where(frame[column].notna(), "").astype(str).str.strip()


def request_example(tickets, with_tags):
    """A few prepared tickets as a request: the input example logged with the model."""
    request = pd.DataFrame({column: tickets[column] for column in (schema.TITLE, schema.BODY)})
    if with_tags:
        request[schema.TAGS] = tickets[schema.TAGS].map(REQUEST_TAGS_SEPARATOR.join)
    return request.reset_index(drop=True)


def log_triage_model(serving_file, departments_file, example, settings, **log_model_args):
    """Log the labeled model into the active MLflow run as ``model``; return its ``ModelInfo``.

    Args:
        serving_file: the saved Keras serving model (``models/serving.keras``).
        departments_file: the department class names, one a line, or ``None`` without that head.
        example: a :func:`request_example`; the signature's outputs are its predictions.
        settings: the ``triage`` config: ``priority_bands``, ``top_departments``.
        **log_model_args: passed to ``mlflow.pyfunc.log_model`` (requirements, code paths).
    """
    artifacts = {SERVING_MODEL: str(serving_file)}
    if departments_file is not None:
        artifacts[DEPARTMENTS] = str(departments_file)
    model_config = {
        "priority_bands": PriorityBands(settings["priority_bands"]).to_dict(),
        "top_departments": int(settings["top_departments"]),
    }
    loaded = TicketTriageModel()  # to answer the example for the signature
    loaded.load_context(mlflow.pyfunc.PythonModelContext(artifacts, model_config))
    return mlflow.pyfunc.log_model(
        name="model",
        python_model=str(Path(__file__).with_name("model_code.py")),
        artifacts=artifacts,
        model_config=model_config,
        signature=signature(example, loaded.predict(None, example)),
        input_example=example,
        **log_model_args,
    )


def signature(example, answer):
    """Named inputs (``tags`` optional) and the outputs of ``answer``."""
    inputs = [ColSpec("string", schema.TITLE), ColSpec("string", schema.BODY)]
    if schema.TAGS in example:
        inputs.append(ColSpec("string", schema.TAGS, required=False))
    return ModelSignature(inputs=Schema(inputs), outputs=infer_signature(example, answer).outputs)
