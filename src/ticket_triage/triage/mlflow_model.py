"""The labeled MLflow model: ticket text in, department names, probabilities and priority out.

The Keras serving model answers with bare arrays (``department``: one probability per class, in
the order of ``departments.txt``); a caller would have to know that order. This
``mlflow.pyfunc.PythonModel`` wraps it with the class names and the priority bands, so
``mlflow models serve`` answers one row per ticket: ``department``, ``department_probability``
(calibrated), the runner-up departments, ``route`` (``auto`` or ``review``, by the review
threshold of ``trust.json``), ``priority``, ``priority_band`` and a ``probability_<name>`` column
per department. With the request parameter ``explain`` (``{"params": {"explain": true}}``) it
adds ``explanation``, the tokens that chose the department; off by default, as it costs a
backward pass. The training run logs it as its model ``model`` (the raw Keras serving model
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

import functools
from pathlib import Path
from typing import NamedTuple

import mlflow
import numpy as np
import pandas as pd
from mlflow.models import ModelSignature, infer_signature
from mlflow.types import ColSpec, Schema

from ticket_triage.data import schema
from ticket_triage.data.clean import tag_lists
from ticket_triage.triage.artifacts import (
    mlflow_artifacts,
    read_departments,
    read_predictor,
    read_trust,
)
from ticket_triage.triage.labels import PriorityBands, label_outputs

EXPLAIN = "explain"  # the request parameter that asks for explanations
REQUEST_TAGS_SEPARATOR = ","


class TicketTriageModel(mlflow.pyfunc.PythonModel):
    """The Keras serving model plus department names, its trust file and priority bands
    (``model_config``: ``priority_bands``, ``top_departments``, ``explain_tokens``)."""

    def load_context(self, context):
        self.predictor = read_predictor(context.artifacts)  # TensorFlow loads here
        explained = int(context.model_config.get("explain_tokens", 0))  # logged before: none
        self.explaining = functools.cache(  # traced on the first request that asks for it
            lambda: self.predictor.explaining(explained)
        )
        self.bands = PriorityBands(context.model_config["priority_bands"])
        self.top = int(context.model_config["top_departments"])

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        predictor = self.explaining() if (params or {}).get(EXPLAIN) else self.predictor
        inputs = request_inputs(pd.DataFrame(model_input), predictor.input_names)
        return labeled(predictor.predict(inputs), predictor, self.bands, self.top)


def labeled(outputs, predictor, bands, top):
    """The serving model's ``outputs`` as the labeled model answers them: one row per ticket."""
    return label_outputs(
        outputs,
        predictor.departments,
        bands,
        top=top,
        per_department=True,
        threshold=predictor.threshold,
        explained=predictor.explained,
    )


def request_inputs(frame, input_names):
    """Request rows -> the serving model's inputs, cleaned as ``prepare`` cleans tickets (text
    stripped, a missing value empty; tags split at commas, lower-cased, de-duplicated).

    Plain loops over the values rather than pandas string methods: a single-ticket request is
    the common case, and there pandas' per-call overhead was most of the latency.
    """
    size = len(frame)

    def column(name):
        return frame[name].to_numpy(object) if name in frame else np.full(size, None, object)

    def text(name):
        values = [_stripped(value) for value in column(name)]
        return np.array(values, dtype=object).reshape(-1, 1)

    inputs = {schema.INPUT_TITLE: text(schema.TITLE), schema.INPUT_BODY: text(schema.BODY)}
    if schema.INPUT_TAGS in input_names:
        tags = tag_lists(pd.Series(column(schema.TAGS), dtype=object), REQUEST_TAGS_SEPARATOR)
        joined = [schema.TAG_SEPARATOR.join(ticket_tags) for ticket_tags in tags]
        inputs[schema.INPUT_TAGS] = np.array(joined, dtype=object).reshape(-1, 1)
    return inputs


def _stripped(value):
    missing = value is None or (isinstance(value, float) and np.isnan(value))
    return "" if missing else str(value).strip()


def request_example(tickets, with_tags):
    """A few prepared tickets as a request: the input example logged with the model."""
    request = pd.DataFrame({column: tickets[column] for column in (schema.TITLE, schema.BODY)})
    if with_tags:
        request[schema.TAGS] = tickets[schema.TAGS].map(REQUEST_TAGS_SEPARATOR.join)
    return request.reset_index(drop=True)


def log_triage_model(
    serving_file, departments_file, trust_file, example, answer, settings, **log_model_args
):
    """Log the labeled model into the active MLflow run as ``model``; return its ``ModelInfo``.

    Args:
        serving_file: the saved Keras serving model (``models/serving.keras``).
        departments_file: the department class names, one a line, or ``None`` without that head.
        trust_file: the model's ``trust.json`` (calibration, review threshold, drift reference).
        example: a :func:`request_example`, logged as the model's input example.
        answer: the serving model's outputs for ``example``; labeled here as the model labels
            them, they give the signature's outputs without loading the model again.
        settings: the ``triage`` config: ``priority_bands``, ``top_departments``,
            ``explain_tokens``.
        **log_model_args: passed to ``mlflow.pyfunc.log_model`` (requirements, code paths).
    """
    artifacts = mlflow_artifacts(serving_file, departments_file, trust_file)
    model_config = {
        "priority_bands": PriorityBands(settings["priority_bands"]).to_dict(),
        "top_departments": int(settings["top_departments"]),
        "explain_tokens": int(settings["explain_tokens"]),
    }
    answers = labeled(
        answer,
        Labels(read_departments(artifacts), read_trust(artifacts)),
        PriorityBands(model_config["priority_bands"]),
        model_config["top_departments"],
    )
    return mlflow.pyfunc.log_model(
        name="model",
        python_model=str(Path(__file__).with_name("model_code.py")),
        artifacts=artifacts,
        model_config=model_config,
        signature=signature(example, answers, {EXPLAIN: False}),
        input_example=example,
        **log_model_args,
    )


class Labels(NamedTuple):
    """What :func:`labeled` reads of a ``Predictor``, from the files alone (no TensorFlow)."""

    departments: list
    trust: object

    @property
    def threshold(self):
        return self.trust.threshold if self.trust is not None else None

    explained = 0  # the signature is the default answer's: without explanations


def signature(example, answer, params):
    """Named inputs (``tags`` optional), the outputs of ``answer`` and the request ``params``
    (with their defaults)."""
    inputs = [ColSpec("string", schema.TITLE), ColSpec("string", schema.BODY)]
    if schema.TAGS in example:
        inputs.append(ColSpec("string", schema.TAGS, required=False))
    inferred = infer_signature(example, answer, params=params)
    return ModelSignature(Schema(inputs), inferred.outputs, inferred.params)
