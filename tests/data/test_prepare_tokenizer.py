"""`prepare` with a tokenizer: recorded for the later stages, the chapter's vocabularies on
English text, a clear error instead of an empty vocabulary, and a column without text allowed."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from tests.conftest import compose_config
from ticket_triage.data import schema, synthetic, tokenizer
from ticket_triage.data.prepare import prepare_dataset
from ticket_triage.data.vocab import load_vocabulary


def export_csv(tickets, path):
    """Write generated tickets as a user's CSV export (tags joined by '|')."""
    frame = tickets.assign(tags=tickets[schema.TAGS].map("|".join))
    frame.to_csv(path, index=False)
    return path


CSV = ["data=csv", "data.tags_separator=|", "data.columns.difficulty=difficulty"]


def vocabularies(prepared):
    return {
        column: load_vocabulary(Path(prepared) / schema.VOCABULARY_FILES[column])
        for column in (schema.TITLE, schema.BODY)
    }


def test_auto_and_whitespace_give_the_same_vocabularies_on_english(prepare_config):
    prepared = {}
    for mode in tokenizer.MODES:
        cfg = prepare_config("data.num_tickets=3000", f"data.tokenizer={mode}")
        report = prepare_dataset(cfg)
        assert report["tokenizer"] == mode
        assert tokenizer.load_mode(cfg.paths.prepared_dir) == mode
        prepared[mode] = vocabularies(cfg.paths.prepared_dir)
    assert prepared["auto"] == prepared["whitespace"]
    assert len(prepared["auto"][schema.BODY]) > 100


def test_chinese_with_the_whitespace_tokenizer_stops_with_a_clear_error(prepare_config, tmp_path):
    tickets = synthetic.generate_tickets(600, seed=0, language="zh")
    tickets[schema.BODY] = tickets[schema.BODY].str.replace(" ", "")  # not one space in a body
    path = export_csv(tickets, tmp_path / "zh.csv")
    cfg = prepare_config(*CSV, f"data.path={path}", "data.tokenizer=whitespace")
    with pytest.raises(schema.DataError) as error:
        prepare_dataset(cfg)
    message = str(error.value)
    assert message.startswith("vocabulary of body is empty: none of its ")
    assert "occurs at least vocab.min_count=2 times in the 47" in message  # 47x training tickets
    assert "use data.tokenizer=auto" in message


def test_chinese_with_the_auto_tokenizer_has_character_ngram_vocabularies(prepare_config, tmp_path):
    path = export_csv(synthetic.generate_tickets(600, seed=0, language="zh"), tmp_path / "zh.csv")
    cfg = prepare_config(*CSV, f"data.path={path}")
    report = prepare_dataset(cfg)
    assert report["tokenizer"] == "auto"
    words = vocabularies(cfg.paths.prepared_dir)
    assert {"退款", "发票", "密码", "包裹", "api", "500"} <= set(words[schema.BODY])
    assert {"退", "款", "同步"} <= set(words[schema.TITLE])


def test_too_few_tickets_for_min_count_says_so(prepare_config, tmp_path):
    rows = [(f"r{i}", f"unique{i} title{i}", f"body{i} text{i}", "it") for i in range(30)]
    path = tmp_path / "tiny.csv"
    pd.DataFrame(rows, columns=["ticket_id", "title", "body", "department"]).to_csv(path)
    cfg = prepare_config(
        "data=csv", f"data.path={path}", "data.columns.tags=null", "data.columns.priority=null"
    )
    with pytest.raises(schema.DataError, match=r"lower vocab\.min_count or prepare more tickets"):
        prepare_dataset(cfg)


@pytest.fixture(scope="module")
def without_titles(tmp_path_factory):
    """A CSV export prepared with ``data.columns.title=null``: every title is empty."""
    root = tmp_path_factory.mktemp("without_titles")
    path = export_csv(synthetic.generate_tickets(800, seed=1), root / "export.csv")
    cfg = compose_config(
        "prepare",
        [f"paths.data_dir={root}/data", *CSV, f"data.path={path}", "data.columns.title=null"],
    )
    return prepare_dataset(cfg), Path(cfg.paths.prepared_dir)


def test_a_column_without_text_is_only_the_oov_slot(without_titles):
    """A mapped-but-absent title is not an error: the body carries the text, and the model's
    title input is one always-zero column."""
    from ticket_triage.inputs.pipeline import TicketData
    from ticket_triage.models.spec import TicketSpec

    report, prepared = without_titles
    assert report["vocabulary_sizes"][schema.TITLE] == 0
    assert report["vocabulary_sizes"][schema.BODY] > 100
    spec = TicketSpec.from_prepared(prepared)
    assert spec.title_dim == 1
    for sparse in (False, True):
        data = TicketData.load(prepared, batch_size=64, sparse=sparse)
        inputs, _ = next(iter(data.dataset("train", spec.heads)))
        title = tf.sparse.to_dense(inputs["title"]) if sparse else inputs["title"]
        assert title.shape == (64, 1) and not np.any(title)


def test_a_column_without_text_still_trains(without_titles, tmp_path):
    from ticket_triage.training.run import train

    _, prepared = without_titles
    summary = train(
        compose_config(
            "train",
            [
                f"paths.prepared_dir={prepared}",
                f"paths.models_dir={tmp_path}/models",
                f"paths.reports_dir={tmp_path}/reports",
                "tracking=none",
                "loop.verbose=0",
                "trainer.epochs=3",
                "trainer.batch_size=32",
                "model.width=16",
            ],
        )
    )
    assert summary["final"]["val_department_accuracy"] > 0.6


def test_report_and_file_name_the_tokenizer(prepare_config):
    cfg = prepare_config(
        "data.num_tickets=500",
        "data.tokenizer=whitespace",
        "vocab.ngrams=1",
        "vocab.output_mode=multi_hot",
    )
    prepare_dataset(cfg)
    prepared = Path(cfg.paths.prepared_dir)
    report = json.loads((prepared / "report.json").read_text())
    assert (report["tokenizer"], report["ngrams"], report["output_mode"]) == (
        "whitespace",
        1,
        "multi_hot",
    )
    record = (prepared / tokenizer.FILE).read_text()
    assert (
        record == "whitespace\nngrams=1\noutput_mode=multi_hot\nmax_tokens=2000\nnormalize=none\n"
    )
