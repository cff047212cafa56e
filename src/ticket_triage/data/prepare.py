"""The ``prepare`` stage: raw tickets in, validated and split tickets plus vocabularies out.

Every input row is accounted for: ``report.json`` holds
``rows_in == rows_kept + rows_rejected + duplicates_dropped``; rejected rows are in ``rejects.csv``
with their reason, dropped duplicates in ``duplicates.csv`` with the ticket they repeat.

Outputs, all under ``paths.prepared_dir``:
    train.parquet, val.parquet, test.parquet   the tickets (schema in ``data.schema``)
    vocab_title.txt, vocab_body.txt            token vocabularies of the train split
    vocab_tags.txt, departments.txt, difficulties.txt   present when the data has those columns
    report.json, rejects.csv, duplicates.csv
"""

import json
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ticket_triage.data import (
    clean,
    ingest,
    schema,
    source,
    split,
    synthetic,
    tokenizer,
    vocab,
)
from ticket_triage.outputs import fresh_folder

log = logging.getLogger(__name__)


def prepare_dataset(cfg):
    """Run the stage for a resolved config (``data``, ``split``, ``vocab``, ``paths``, ``seed``).

    Returns:
        The report, as also written to ``report.json``.
    """
    with fresh_folder(cfg.paths.prepared_dir) as out:
        return _prepare_into(cfg, out, Path(cfg.paths.prepared_dir))


def _prepare_into(cfg, out, final):
    """The stage, writing into ``out``, a fresh folder that becomes ``final`` when it succeeds."""
    started = time.perf_counter()

    # Independent streams: reusing one seed for generator and split correlates them (the split
    # would sort tickets by the very draws that chose their department).
    generator_seed, split_seed = np.random.SeedSequence(cfg.seed).spawn(2)
    tickets, rejects, rows_in, source_name, read_as = load_tickets(cfg.data, generator_seed)
    log.info("%s: %d rows read, %d rejected", source_name, rows_in, len(rejects))
    tickets, duplicates = drop_duplicates(tickets)
    log.info("%d duplicates dropped, %d tickets kept", len(duplicates), len(tickets))
    if tickets.empty:  # the previous output stays; the rejects go beside it
        rejected = final.with_name(f"{final.name}.rejects.csv")
        _write_csv(rejects, rejected)
        raise schema.DataError(
            f"no usable rows in {source_name}: {_top_reasons(rejects)}; see {rejected}"
        )

    stratify_by = cfg.split.stratify_by if cfg.split.stratify_by in tickets else None
    splits, rare = split.split_frame(
        tickets, stratify_by, cfg.split.val_fraction, cfg.split.test_fraction, split_seed
    )
    if rare:
        log.warning("classes too rare to stratify, kept in train only: %s", rare)
    vocabularies = build_vocabularies(splits["train"], cfg.vocab, cfg.data.tokenizer)

    for name, frame in splits.items():
        frame.to_parquet(out / f"{name}.parquet", index=False)
    for column, tokens in vocabularies.items():
        vocab.save_vocabulary(tokens, out / schema.VOCABULARY_FILES[column])
    for column, weights in weigh_tokens(splits["train"], vocabularies, cfg).items():
        vocab.save_weights(weights, out / schema.IDF_FILES[column])
    # train and serving tokenize the same way
    tokenizer.save_mode(
        cfg.data.tokenizer,
        out,
        cfg.vocab.ngrams,
        cfg.vocab.output_mode,
        cfg.vocab.max_tokens_per_text,
        cfg.vocab.normalize,
    )
    cut = texts_cut(tickets, cfg)
    _write_csv(rejects, out / "rejects.csv")
    _write_csv(duplicates, out / "duplicates.csv")

    report = {
        "source": source_name,
        **read_as,  # the encoding and CSV separator the file was read with
        "rows_in": rows_in,
        "rows_kept": len(tickets),
        "rows_rejected": len(rejects),
        "duplicates_dropped": len(duplicates),
        "reject_reasons": clean.reason_counts(rejects),
        "columns": [column for column in schema.ALL_COLUMNS if column in tickets],
        "stratified_by": stratify_by,
        "rare_classes": rare,
        "splits": {name: len(frame) for name, frame in splits.items()},
        "labels": _label_distributions(splits),
        "tokenizer": cfg.data.tokenizer,
        "ngrams": cfg.vocab.ngrams,
        "output_mode": cfg.vocab.output_mode,
        "vocabulary_sizes": {column: len(tokens) for column, tokens in vocabularies.items()},
        "max_tokens_per_text": cfg.vocab.max_tokens_per_text,
        "texts_cut": cut,  # texts longer than that: the model reads their first tokens
    }
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    # Timings go to the log only: report.json is a DVC output and must hash the same on a rerun.
    log.info("prepared %s in %.1f s -> %s", report["splits"], time.perf_counter() - started, final)
    return report


def load_tickets(data, seed):
    """Tickets and rejects from the configured source: ``data.source`` is synthetic or file.

    ``seed`` (an int or a ``numpy.random.SeedSequence``) drives the synthetic generator.

    Returns:
        ``(tickets, rejects, rows_in, source_name, read_as)``; ``read_as`` holds the ``encoding``
        and ``csv_separator`` the file was read with (``None`` where they do not apply).
    """
    if source.choose(data) == source.SYNTHETIC:
        generated = synthetic.generate_tickets(
            data.num_tickets, seed=seed, language=data.language, long_tail=data.long_tail
        )
        generated.insert(0, ingest.ROW, range(1, len(generated) + 1))
        tickets, rejects = clean.clean_rows(generated)
        read_as = {"encoding": None, "csv_separator": None}
        return tickets, rejects, len(generated), source.name(data), read_as
    path = Path(data.path)
    records, malformed, encoding, separator = ingest.read_export(
        path, data.format, data.num_tickets, data.csv_separator, data.encoding
    )
    table = ingest.map_columns(records, data.columns, source=path)
    priority_column = data.columns.get(schema.PRIORITY)
    tickets, rejects = clean.clean_rows(
        table,
        priority_map=data.priority_map,
        departments=data.departments,
        tags_separator=data.tags_separator,
        where=f"column '{priority_column}' of {path}",
    )
    if len(malformed):
        rejects = pd.concat([rejects, malformed], ignore_index=True)
        rejects[[ingest.ROW, ingest.LINE]] = rejects[[ingest.ROW, ingest.LINE]].astype("Int64")
    read_as = {"encoding": encoding, "csv_separator": separator}
    return tickets, rejects, len(records) + len(malformed), source.name(data), read_as


def drop_duplicates(tickets):
    """Drop tickets whose title and body repeat an earlier ticket's (case and spacing ignored),
    then tickets whose id repeats an earlier ticket's with other text: one id, one ticket, so a
    pair cannot land in two splits.

    Returns:
        ``(unique_tickets, duplicates)``; ``duplicates`` has ``ticket_id``, ``duplicate_of`` and
        ``reason``.
    """
    text = pc.binary_join_element_wise(
        pa.Array.from_pandas(tickets[schema.TITLE]),
        pa.Array.from_pandas(tickets[schema.BODY]),
        pa.scalar("\n", pa.large_string()),
    )
    key = pc.utf8_trim_whitespace(pc.replace_substring_regex(pc.utf8_lower(text), r"\s+", " "))
    key = pd.Series(key.to_pandas(), index=tickets.index)
    repeated = key.duplicated(keep="first")
    first_id = pd.Series(tickets[schema.TICKET_ID].to_numpy(), index=key).groupby(level=0).first()
    same_text = pd.DataFrame(
        {
            schema.TICKET_ID: tickets.loc[repeated, schema.TICKET_ID].to_numpy(),
            "duplicate_of": first_id.reindex(key[repeated]).to_numpy(),
            "reason": "same title and body",
        }
    )
    tickets = tickets[~repeated]
    same_id = tickets[schema.TICKET_ID].duplicated(keep="first")
    if same_id.any():
        log.warning(
            "%d tickets repeat an earlier ticket's id with other text: the first of each is "
            "kept, the others are in duplicates.csv",
            int(same_id.sum()),
        )
    other_text = pd.DataFrame(
        {
            schema.TICKET_ID: tickets.loc[same_id, schema.TICKET_ID].to_numpy(),
            "duplicate_of": tickets.loc[same_id, schema.TICKET_ID].to_numpy(),
            "reason": "ticket id repeated with other text",
        }
    )
    duplicates = pd.concat([same_text, other_text], ignore_index=True)
    return tickets[~same_id].reset_index(drop=True), duplicates


def build_vocabularies(train, settings, tokenizer_mode="auto"):
    """Token vocabularies (title, body, tags) and label lists, from the training split only.

    Raises:
        DataError: when the model would get no usable text (see ``vocab.check_text_vocabularies``).
    """
    reserved = 1  # the lookup layer's OOV index counts towards max_tokens
    limits = {schema.TITLE: settings.max_title_tokens, schema.BODY: settings.max_body_tokens}
    ngrams = tokenizer.check_ngrams(settings.ngrams)
    tokenizer.check_output_mode(settings.output_mode)  # before any file is written
    tokenizer.check_normalize(settings.normalize, settings.output_mode)
    vocabularies = {
        column: vocab.build_vocabulary(
            train[column],
            limit - reserved,
            settings.min_count,
            tokenizer_mode,
            ngrams,
            settings.max_tokens_per_text,
        )
        for column, limit in limits.items()
    }
    texts = {column: train[column] for column in limits}
    vocab.check_text_vocabularies(texts, vocabularies, settings.min_count, tokenizer_mode)
    if schema.TAGS in train:
        vocabularies[schema.TAGS] = vocab.build_vocabulary(
            train[schema.TAGS], settings.max_tags - reserved
        )
    for label in schema.LABEL_COLUMNS:
        if label in train:
            vocabularies[label] = sorted(train[label].unique().tolist())
    return vocabularies


def texts_cut(tickets, cfg):
    """Title and body -> how many texts ``vocab.max_tokens_per_text`` cuts (a warning if any)."""
    cut = {
        column: tokenizer.count_cut(
            tickets[column], cfg.data.tokenizer, cfg.vocab.max_tokens_per_text
        )
        for column in (schema.TITLE, schema.BODY)
    }
    if any(cut.values()):
        log.warning(
            "texts longer than vocab.max_tokens_per_text=%s tokens, read up to it: %s",
            cfg.vocab.max_tokens_per_text,
            cut,
        )
    return cut


def weigh_tokens(train, vocabularies, cfg):
    """Title and body idf weights for ``vocab.output_mode=tf_idf`` (none for ``multi_hot``)."""
    if tokenizer.check_output_mode(cfg.vocab.output_mode) != "tf_idf":
        return {}
    return {
        column: vocab.idf_weights(
            train[column],
            vocabularies[column],
            cfg.data.tokenizer,
            cfg.vocab.ngrams,
            cfg.vocab.max_tokens_per_text,
        )
        for column in schema.IDF_FILES
    }


def _label_distributions(splits):
    distributions = {}
    for label in schema.LABEL_COLUMNS:
        if label in splits["train"]:
            distributions[label] = {
                name: frame[label].value_counts().sort_index().to_dict()
                for name, frame in splits.items()
            }
    if schema.PRIORITY in splits["train"]:
        distributions[schema.PRIORITY] = {
            name: _score_summary(frame[schema.PRIORITY]) for name, frame in splits.items()
        }
    return distributions


def _score_summary(scores):
    if scores.empty:
        return {"count": 0}
    histogram = pd.cut(scores, bins=[i / 10 for i in range(11)], include_lowest=True)
    return {
        "count": int(scores.size),
        "mean": round(float(scores.mean()), 4),
        "std": round(float(scores.std(ddof=0)), 4),
        "histogram_0_to_1_by_0.1": histogram.value_counts(sort=False).tolist(),
    }


def _top_reasons(rejects):
    counts = clean.reason_counts(rejects)
    return ", ".join(f"{count} x {reason}" for reason, count in counts.items()) or "no rows at all"


def _write_csv(frame, path):
    frame = frame.copy()
    if schema.TAGS in frame:
        frame[schema.TAGS] = clean.tags_as_text(frame[schema.TAGS])
    frame.to_csv(path, index=False)
