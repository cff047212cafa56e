"""The ``predict`` stage: triage a whole export with a trained model, a chunk at a time.

For every usable ticket the output (CSV or Parquet, by the suffix of ``predict.output``) holds one
row: ``ticket_id``, ``department`` and its calibrated ``department_probability``, the runner-up
departments with theirs, ``route`` (``auto``, or ``review`` below the model's review threshold),
``explanation`` (the ``triage.explain_tokens`` tokens that chose the department), ``priority``
and ``priority_band`` (``triage.priority_bands``). Rows that cannot be used go to
``<output stem>.rejects.csv`` with their reason, and ``<output stem>.report.json`` adds it up:
``rows_in == rows_predicted + rows_rejected``, the routes, and ``drift``: the export beside the
validation split the model was checked on, with a warning per figure past its limit
(``triage.drift``). Memory stays bounded by ``predict.chunk_size``.

Example:
    python -m pipelines.predict data=csv data.path=exports/new.csv predict.output=triaged.parquet
    python -m pipelines.predict predict.model_uri=models:/ticket-triage@champion ...
"""

import json
import logging
import time
from collections import Counter
from pathlib import Path

from tqdm import tqdm

from ticket_triage.data import clean, ingest, schema, source
from ticket_triage.data.tokenizer import count_cut
from ticket_triage.tracking.predictions import log_prediction_report
from ticket_triage.triage.inputs import serving_inputs
from ticket_triage.triage.labels import PriorityBands, label_outputs
from ticket_triage.triage.sources import known_size, ticket_chunks
from ticket_triage.triage.table_writer import TableWriter, check_output
from ticket_triage.trust.drift import TextProfile, compare

log = logging.getLogger(__name__)

REJECT_COLUMNS = (
    ingest.ROW,
    ingest.LINE,
    ingest.REASON,
    ingest.COLUMN,
    schema.TICKET_ID,
    schema.TITLE,
    schema.BODY,
    schema.TAGS,
    ingest.RAW,
)


def triage_export(cfg):
    """Run the stage for a resolved ``conf/predict.yaml``; return the report it writes."""
    settings = cfg.predict
    output = Path(settings.output)
    check_output(output, "predict.output")  # mistakes first: loading a model takes seconds
    source.choose(cfg.data)
    bands = PriorityBands(cfg.triage.priority_bands)
    started = time.perf_counter()

    from ticket_triage.triage.artifacts import load_predictor  # TensorFlow loads here

    predictor = load_predictor(
        cfg.paths.models_dir,
        settings.model_uri,
        settings.tracking_uri,
        settings.batch_size,
        cfg.triage.explain_tokens,
    )
    log.info("triaging %s with %s", source.name(cfg.data), predictor.source)
    if predictor.threshold is None:
        log.info("no review route: the model has no department head, or predates trust.json")
    vectorizer = predictor.vectorizer
    profile = TextProfile(
        vectorizer.vocabularies,
        vectorizer.tokenizer,
        vectorizer.max_tokens,
        cfg.triage.drift.sample_size,
    )
    rejects_file = output.with_name(f"{output.stem}.rejects.csv")
    report_file = output.with_name(f"{output.stem}.report.json")
    for stale in (output, rejects_file, report_file):  # an earlier run's, which this replaces
        stale.unlink(missing_ok=True)
    counts = {"rows_in": 0, "rows_predicted": 0, "rows_rejected": 0, "texts_cut": 0}
    reasons, departments, bands_seen, routed = Counter(), Counter(), Counter(), Counter()
    progress = tqdm(total=known_size(cfg.data), unit=" tickets", desc="predict", disable=None)
    chunks = ticket_chunks(cfg.data, settings.chunk_size, cfg.seed)
    items = ((chunk, serving_inputs(chunk.tickets, predictor.input_names)) for chunk in chunks)
    with TableWriter(output) as table, progress:
        for chunk, outputs in predictor.stream(items):
            if len(chunk.tickets):
                triaged = label_outputs(
                    outputs,
                    predictor.departments,
                    bands,
                    top=cfg.triage.top_departments,
                    threshold=predictor.threshold,
                    explained=predictor.explained,
                )
                triaged.insert(0, schema.TICKET_ID, chunk.tickets[schema.TICKET_ID].to_numpy())
                table.write(triaged)
                departments.update(triaged.get(schema.HEAD_DEPARTMENT, ()))
                bands_seen.update(triaged.get("priority_band", ()))
                routed.update(triaged.get("route", ()))
                profile.add(
                    chunk.tickets[schema.TITLE],
                    chunk.tickets[schema.BODY],
                    triaged.get(schema.HEAD_DEPARTMENT, ()),
                )
            _append_rejects(chunk.rejects, rejects_file)
            reasons.update(clean.reason_counts(chunk.rejects))
            counts["rows_in"] += chunk.rows_in
            counts["rows_predicted"] += len(chunk.tickets)
            counts["rows_rejected"] += len(chunk.rejects)
            counts["texts_cut"] += sum(  # longer than the model reads: their first tokens count
                count_cut(chunk.tickets[column], vectorizer.tokenizer, vectorizer.max_tokens)
                for column in (schema.TITLE, schema.BODY)
            )
            progress.update(chunk.rows_in)
    if counts["rows_predicted"] == 0:
        raise schema.DataError(
            f"no usable rows in {source.name(cfg.data)}: "
            f"{', '.join(f'{n} x {r}' for r, n in reasons.items()) or 'no rows at all'}; "
            f"see {rejects_file}"
        )
    seconds = time.perf_counter() - started
    report = {
        "source": source.name(cfg.data),
        "model": predictor.source,
        "output": str(output),
        "rejects": str(rejects_file) if counts["rows_rejected"] else None,
        **counts,
        "reject_reasons": dict(reasons),
        "departments": dict(departments.most_common()),
        "priority_bands": {name: bands_seen[name] for name in bands.names if bands_seen[name]},
        "routes": dict(routed),
        "drift": _drift(predictor.trust, profile, cfg.triage.drift),
    }
    report_file.write_text(json.dumps(report, indent=2) + "\n")
    for warning in (report["drift"] or {}).get("warnings", ()):
        log.warning("drift: %s", warning)
    if settings.model_uri:  # a registered model: its drift goes where the team watches it
        log_prediction_report(settings.tracking_uri, settings.model_uri, report)
    log.info(
        "%d tickets triaged into %s, %d rejected, in %.1f s (%.0f tickets/s)",
        counts["rows_predicted"],
        output,
        counts["rows_rejected"],
        seconds,
        counts["rows_in"] / seconds,
    )
    return report


def _drift(trust, profile, limits):
    """The export's figures beside the validation split's (``None`` for a model trained before
    the reference was saved with it)."""
    if trust is None:
        log.info("drift: not measured (the model has no trust.json; train it again)")
        return None
    return compare(trust.reference, profile.summary(), limits)


def _append_rejects(rejects, path):
    if rejects.empty:
        return
    frame = rejects.reindex(columns=REJECT_COLUMNS)
    frame[schema.TAGS] = clean.tags_as_text(frame[schema.TAGS])
    frame.to_csv(path, mode="a", header=not path.exists(), index=False)
