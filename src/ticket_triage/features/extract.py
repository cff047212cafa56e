"""The ``extract_features`` stage: chapter 7.2.2's feature extraction, for real.

* Every ticket of every split becomes one vector: the trained model's ``features`` layer output
  (``data/features/{train,val,test}.parquet``: ``ticket_id``, ``split``, ``vector``), beside
  the model's department for it, its calibrated ``confidence`` and ``route`` (``trust.json``).
* The test tickets go to TensorBoard's projector (vectors, plus department, priority, title and
  route as metadata: the tickets sent to review show where the departments overlap):
  ``tensorboard --logdir data/features/projector`` shows them in 3D.
* Where the data has difficulty labels, a new ``difficulty`` head is put on the trained
  ``features`` (the trained layers frozen), trained, and its test accuracy reported beside the
  majority-class baseline; where it has none, that is said and the vectors are still written.

Results go to ``reports/features.json`` and to the MLflow run that trained the model.
"""

import json
import logging
from pathlib import Path

import keras
import numpy as np
import pandas as pd

from ticket_triage.data import schema
from ticket_triage.data.split import SPLITS
from ticket_triage.features.projector import write_projector
from ticket_triage.models.features import add_difficulty_head, features_and_heads
from ticket_triage.models.spec import DEPARTMENT, DIFFICULTY, FEATURES
from ticket_triage.outputs import fresh_folder
from ticket_triage.tracking.runs import TrackedRun
from ticket_triage.tracking.store import outage_errors, retrying
from ticket_triage.training.trained import load_trained, split_outputs
from ticket_triage.trust.profile import Trust

log = logging.getLogger(__name__)


def extract_features(cfg):
    """Write the feature vectors and projector files; train the difficulty head if possible."""
    with fresh_folder(cfg.paths.features_dir) as out:  # replaces paths.features_dir on success
        return _extract_into(cfg, out)


def _extract_into(cfg, out):
    models_dir = Path(cfg.paths.models_dir)
    model, built, data = load_trained(cfg, seed=cfg.seed)

    extractor = features_and_heads(model)
    trust = Trust.load(models_dir)
    vectors, routed = {}, {}
    for split in SPLITS:
        outputs = split_outputs(extractor, data, split, [FEATURES, *built.heads])
        vectors[split] = outputs[FEATURES]
        routed[split] = _routed(outputs.get(DEPARTMENT), data.departments, trust)
        pd.DataFrame(
            {
                schema.TICKET_ID: data.frames[split][schema.TICKET_ID],
                "split": split,
                "vector": list(vectors[split]),
                **routed[split],
            }
        ).to_parquet(out / f"{split}.parquet", index=False)
    shown = cfg.projector.max_tickets
    write_projector(
        vectors["test"][:shown],
        data.frames["test"].head(shown).assign(**{k: v[:shown] for k, v in routed["test"].items()}),
        out / "projector",
    )

    report = {
        "vectors": {split: len(v) for split, v in vectors.items()},
        "dimension": int(vectors["train"].shape[1]),
        "difficulty": train_difficulty_head(model, data, cfg.difficulty, out),
    }
    Path(cfg.paths.reports_dir).mkdir(parents=True, exist_ok=True)
    (Path(cfg.paths.reports_dir) / "features.json").write_text(json.dumps(report, indent=2) + "\n")
    _log_to_mlflow(TrackedRun.load(models_dir), report)
    return report


def _routed(raw, departments, trust):
    """``predicted_department``, calibrated ``confidence`` and ``route`` per ticket, from the
    department head's ``raw`` probabilities (none without that head or a ``trust.json``)."""
    if raw is None or trust is None or trust.temperature is None:
        return {}
    probabilities = trust.calibrate(raw)
    confidence = probabilities.max(axis=1)
    return {
        "predicted_department": np.asarray(departments)[probabilities.argmax(axis=1)],
        "confidence": confidence.astype("float32"),
        "route": trust.routes(confidence),
    }


def train_difficulty_head(model, data, settings, out_dir):
    """Fit a ``difficulty`` head on the frozen trained features; its test accuracy and baseline.

    The chapter's three-head model (priority, department, difficulty) is saved to
    ``out_dir/with_difficulty.keras``. Returns ``None`` (and says so) when the data has no
    difficulty labels.
    """
    if DIFFICULTY not in data.labels:
        log.info("the data has no difficulty labels: feature vectors written, no difficulty head")
        return None
    labels = data.labels[DIFFICULTY]
    model.trainable = (
        False  # keep the trained trunk and heads as they are: only the new head learns
    )
    with_difficulty = add_difficulty_head(model, num_difficulties=len(labels))
    # Train through a view with the difficulty output only: the other heads have no targets here.
    trainer = keras.Model(with_difficulty.input, {DIFFICULTY: with_difficulty.output[DIFFICULTY]})
    trainer.compile(
        optimizer=keras.optimizers.RMSprop(settings.learning_rate),
        loss={DIFFICULTY: "sparse_categorical_crossentropy"},
        metrics={DIFFICULTY: ["accuracy"]},
    )
    heads = [DIFFICULTY]
    trainer.fit(
        data.dataset("train", heads, settings.epochs),
        steps_per_epoch=data.steps("train"),
        epochs=settings.epochs,
        validation_data=data.dataset("val", heads),
        verbose=2,
        shuffle=False,  # the dataset is already shuffled per epoch
    )
    results = trainer.evaluate(data.dataset("test", heads), return_dict=True, verbose=0)
    with_difficulty.save(Path(out_dir) / "with_difficulty.keras")
    test = data.frames["test"][schema.DIFFICULTY]
    majority = data.frames["train"][schema.DIFFICULTY].value_counts().index[0]
    accuracy = next(value for name, value in results.items() if name.endswith("accuracy"))
    report = {
        "test_accuracy": round(float(accuracy), 4),
        "baseline_majority_accuracy": round(float((test == majority).mean()), 4),
        "classes": labels,
    }
    log.info(
        "difficulty head: test accuracy %.4f (majority class %.4f)",
        report["test_accuracy"],
        report["baseline_majority_accuracy"],
    )
    return report


def _log_to_mlflow(run, report):
    if run is None:
        return
    try:
        client = run.client
        if report["difficulty"]:
            retrying(
                client.log_metric,
                run.run_id,
                "test_difficulty_accuracy",
                report["difficulty"]["test_accuracy"],
            )
        retrying(client.log_dict, run.run_id, report, "features/features.json")
    except outage_errors() as error:  # the files are written; tracking is a copy
        log.warning("could not log the features report to MLflow run %s: %s", run.run_id, error)
