"""The CSV field separator: sniffed from the first lines, or given, and named when it is wrong."""

import shlex
from pathlib import Path

import pytest

from tests.conftest import compose_config
from ticket_triage.data import separator


@pytest.mark.parametrize(
    "text, expected",
    [
        ("id,subject,body\n1,Printer,Jams; always\n2,Login,Fails; twice\n", ","),
        ('id;subject;body\n1;Printer;"Jams, always, every page"\n2;Login;Fails, twice\n', ";"),
        ("id\tsubject\tbody\n1\tPrinter, floor 2\tJams; always\n", "\t"),
        ("id|subject|body\n1|Printer, floor 2|Jams; always\n", "|"),
        ("title\nPrinter jams\n", ","),  # one column: nothing to sniff
    ],
)
def test_sniffs_the_separator_that_splits_header_and_lines_alike(text, expected):
    assert separator.sniff_separator(text) == expected


def test_lines_that_disagree_with_the_header_lose():
    """The header splits on both; only ``;`` splits the records into as many fields."""
    text = "id;subject,kind;body\n" + "".join(f"{i};Printer {i};Jams\n" for i in range(10))
    assert separator.sniff_separator(text) == ";"


def test_auto_reads_only_the_head_of_the_file(tmp_path):
    path = tmp_path / "export.csv"
    head = "id;title\n" + "".join(f"{i};Ticket {i}\n" for i in range(20_000))
    path.write_text(head + "tail,with,commas,only\n" * 20_000)
    assert separator.resolve_separator(path, "auto", "utf-8") == ";"


def test_tsv_files_are_tab_separated_and_explicit_values_win(tmp_path):
    path = tmp_path / "export.tsv"
    path.write_text("id,title\n1,x\n")
    assert separator.resolve_separator(path, "auto", "utf-8") == "\t"
    assert separator.resolve_separator(path, ",", "utf-8") == ","
    assert separator.resolve_separator(path, "\\t", "utf-8") == "\t"  # as a shell passes '\t'


@pytest.mark.parametrize(
    "column, used, hint",
    [
        ("id;subject;description;queue;prio", ",", ";"),
        ("id\tsubject\tbody", ",", "\t"),
        ("id|subject|body", ";", "|"),
        ("id,subject,body", ";", ","),
        ("subject", ",", None),
    ],
)
def test_a_single_column_names_the_separator_to_set(column, used, hint):
    """The hint, pasted into a shell, gives Hydra the separator: the shell's words (shlex) are
    what the entry point receives."""
    printed = separator.single_column_hint(column, used)
    if hint is None:
        assert printed is None
        return
    [override] = shlex.split(printed.removeprefix("set "))
    cfg = compose_config("prepare", ["data=csv", "data.path=tickets.csv", override])
    assert separator.resolve_separator(Path("tickets.csv"), cfg.data.csv_separator, "utf-8") == hint
