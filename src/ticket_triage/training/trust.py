"""After training: fit what tells a help desk how far to trust the model, on the validation split.

Three things, all from the best checkpoint's answers on tickets it did not train on:

* the department temperature (``trust.calibration``), so that a confidence of 0.9 is right
  about 90% of the time;
* the review threshold: the lowest calibrated confidence whose routed tickets reach
  ``triage.target_precision`` (``trust.routing``);
* the drift reference: the split's unknown-word share, text lengths and predicted department
  mix (``trust.drift``), which ``predict`` compares each export with.

A model without a department head gets the drift reference only, and the log says so.
"""

import logging

import numpy as np

from ticket_triage.data import schema
from ticket_triage.data.vocab import class_ids
from ticket_triage.models.spec import DEPARTMENT
from ticket_triage.training.trained import split_outputs
from ticket_triage.trust import calibration, routing
from ticket_triage.trust.drift import TextProfile
from ticket_triage.trust.profile import Trust

log = logging.getLogger(__name__)


def fit_trust(model, data, heads, target_precision):
    """The :class:`Trust` of ``model`` (the best checkpoint), fitted on ``data``'s val split.

    Args:
        model: the trained ticket model.
        data: its ``TicketData`` (vectorizer, department names, frames).
        heads: the model's heads.
        target_precision: precision the automatically routed tickets must reach.
    """
    val = data.frames["val"]
    vectorizer = data.vectorizer
    reference = TextProfile(vectorizer.vocabularies, vectorizer.tokenizer, vectorizer.max_tokens)
    if DEPARTMENT not in heads:
        reference.add(val[schema.TITLE].tolist(), val[schema.BODY].tolist())
        log.info("no department head: calibration and the review route are skipped")
        return Trust(None, None, None, reference.summary())
    raw = split_outputs(model, data, "val", [DEPARTMENT])[DEPARTMENT]
    true = class_ids(val[schema.DEPARTMENT], data.departments)
    temperature = calibration.fit_temperature(raw, true)
    probabilities = calibration.calibrated(raw, temperature)
    confidence, correct = probabilities.max(axis=1), probabilities.argmax(axis=1) == true
    threshold = routing.review_threshold(confidence, correct, target_precision)
    names = np.asarray(data.departments, dtype=object)[probabilities.argmax(axis=1)]
    reference.add(val[schema.TITLE].tolist(), val[schema.BODY].tolist(), names)
    validation = {
        "ece_before": round(calibration.expected_calibration_error(raw, true), 4),
        "ece": round(calibration.expected_calibration_error(probabilities, true), 4),
        "routing": routing.routing_scores(confidence, correct, threshold),
    }
    log.info(
        "calibration: temperature %.3f, validation ECE %.4f -> %.4f; review route: confidence "
        "below %.3f goes to review (validation: %.0f%% routed automatically at %.3f precision)",
        temperature,
        validation["ece_before"],
        validation["ece"],
        threshold,
        100 * validation["routing"]["coverage"],
        validation["routing"]["precision"],
    )
    return Trust(temperature, target_precision, threshold, reference.summary(), validation)
