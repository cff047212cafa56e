"""MkDocs hook: generate the reference pages that must not be copied by hand.

Two pages are written at build time, each from the files it describes (in git they are stubs
that say so):

- ``reference/configuration.md`` from ``conf/``: every stage config and every option of every
  config group, each key with its default and its comment (read line by line from the YAML, so
  the comments come along);
- ``reference/benchmarks.md`` from ``benchmarks/results/*.json``, with each benchmark's
  description taken from its script's docstring.

Registered in ``mkdocs.yml`` under ``hooks:``; needs nothing beyond MkDocs itself.
"""

import ast
import json
import re
from pathlib import Path

import yaml

CONFIG_PAGE = "reference/configuration.md"
BENCHMARKS_PAGE = "reference/benchmarks.md"

KEY = re.compile(r"^(?P<indent> *)(?P<key>[^\s#:\-][^:]*?):(?:\s+(?P<rest>.*))?$")
ITEM = re.compile(r"^(?P<indent> *)- (?P<rest>.*)$")
# "Run: python -m ..." in a file's opening comment: a label, then a command.
COMMAND = re.compile(
    r"(?:^|(?<=\. ))(?P<label>[A-Z][\w ]{0,40}):\s+"
    r"(?P<cmd>(?:python|ray|mlflow|dvc|tensorboard|[A-Z_]+=)\S*.*)$"
)
CODE_SPAN = re.compile(r"(`[^`]*`)")


def on_page_markdown(markdown, page, config, files):
    """Replace the stub of a generated page (kept in git so links to it resolve) with its text."""
    root = Path(config.config_file_path).parent
    if page.file.src_uri == CONFIG_PAGE:
        return configuration_page(root / "conf")
    if page.file.src_uri == BENCHMARKS_PAGE:
        return benchmarks_page(root / "benchmarks")
    return markdown


# --- Markdown helpers ---------------------------------------------------------------------


def prose(text, in_table=False):
    """Comment text as Markdown: code spans kept, ``<`` ``>`` ``&`` shown as written."""
    parts = []
    for part in CODE_SPAN.split(text):
        if not (part.startswith("`") and part.endswith("`") and len(part) > 1):
            part = part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        parts.append(part.replace("|", "\\|") if in_table else part)
    return "".join(parts)


def code(value, in_table=False):
    value = value.replace("|", "\\|") if in_table else value
    return f"`` {value} ``" if "`" in value else f"`{value}`"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


# --- conf/ ----------------------------------------------------------------------------------


def split_comment(rest):
    """``value  # comment`` -> (value, comment); a ``#`` inside quotes is part of the value."""
    quote = None
    for i, char in enumerate(rest):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or rest[i - 1].isspace()):
            return rest[:i].strip(), rest[i + 1 :].strip()
    return rest.strip(), ""


def parse_yaml(path):
    """One Hydra config file -> its header, package directive, defaults list and keys.

    Keys come in file order as (dotted key, value, comment); a mapping's own line has value
    None. Handles the block style conf/ is written in (mappings, one-line values, lists of
    scalars), which is all a reference page needs.
    """
    header, package, defaults, keys = [], None, [], []
    stack = []  # (indent, key) of the mappings the current line is inside
    pending = []  # full-line comments in the body: they belong to the next key
    in_header = True
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            text = stripped[1:]
            if text.strip().startswith("@package"):
                package = text.split("@package", 1)[1].strip()
            elif in_header:
                header.append(text[1:] if text.startswith(" ") else text)
            else:
                pending.append(text.strip())
            continue
        if not stripped:
            if in_header and header:
                header.append("")
            continue
        in_header = False
        if match := ITEM.match(line):
            value, comment = split_comment(match["rest"])
            if stack and stack[-1][1] == "defaults" and len(stack) == 1:
                defaults.append((value, comment))
            elif keys:
                dotted, old, old_comment = keys[-1]
                joined = value if old in (None, "") else f"{old}, {value}"
                keys[-1] = (dotted, joined, " ".join(filter(None, [old_comment, comment])))
            continue
        match = KEY.match(line)
        if not match:
            continue
        indent = len(match["indent"])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        key = match["key"].strip()
        value, comment = split_comment(match["rest"] or "")
        comment = " ".join([*pending, comment]).strip()
        pending = []
        if not stack and key == "defaults":
            stack.append((indent, key))
            continue
        dotted = ".".join([k for _, k in stack] + [key])
        keys.append((dotted, value or None, comment))
        if not value:
            stack.append((indent, key))
    while header and not header[-1]:
        header.pop()
    return {"header": header, "package": package, "defaults": defaults, "keys": keys}


def header_markdown(lines):
    """A file's opening comment: sentences as paragraphs, ``Run: <command>`` lines as code."""
    out, paragraph, commands = [], [], []

    def flush():
        if paragraph:
            out.append(prose(" ".join(paragraph)) + "\n")
            paragraph.clear()
        if commands:
            out.append("```bash\n" + "\n".join(commands) + "\n```\n")
            commands.clear()

    for line in lines:
        if not line.strip():
            flush()
        elif commands and line.startswith("  "):  # an indented continuation of a command
            commands[-1] += " \\\n    " + line.strip()
        elif match := COMMAND.search(line.strip()):
            if before := line.strip()[: match.start()].strip():
                paragraph.append(before)
            if match["label"] not in ("Run", "Sweep"):
                paragraph.append(match["label"] + ":")
            if paragraph:
                flush()
            commands.extend(c.strip() for c in re.split(r"\s{2,}\w+:\s+", match["cmd"]))
        else:
            if commands:
                flush()
            paragraph.append(line.strip())
    flush()
    return "\n".join(out)


def keys_table(keys, prefix):
    rows = []
    for dotted, value, comment in keys:
        name = f"{prefix}.{dotted}" if prefix else dotted
        if value is None:
            shown = ""
        elif value == "???":
            shown = code(value, True) + " (required)"
        else:
            shown = code(value, True)
        rows.append([code(name, True), shown, prose(comment, in_table=True)])
    return table(["key", "default", "meaning"], rows) if rows else ""


def defaults_markdown(defaults, intro):
    if not defaults:
        return ""
    lines = [intro]
    for entry, comment in defaults:
        lines.append(f"- {code(entry)}" + (f": {prose(comment)}" if comment else ""))
    return "\n".join(lines) + "\n"


def configuration_page(conf):
    # Stage configs in the order of the DVC pipeline, then the others (predict) by name.
    pipeline = list(yaml.safe_load((conf.parent / "dvc.yaml").read_text())["stages"])
    stages = sorted(
        conf.glob("*.yaml"),
        key=lambda p: (pipeline.index(p.stem) if p.stem in pipeline else len(pipeline), p.stem),
    )
    groups = {}
    for path in sorted(conf.rglob("*.yaml")):
        if path.parent != conf:
            groups.setdefault(path.parent.relative_to(conf).as_posix(), []).append(path)
    parsed = {
        path: parse_yaml(path) for path in [*stages, *(p for g in groups.values() for p in g)]
    }

    chosen = {}  # group -> option -> stages whose defaults list picks it
    for path in stages:
        for entry, _ in parsed[path]["defaults"]:
            group, _, option = entry.partition(":")
            if option.strip() and option.strip() != "null":
                chosen.setdefault(group.strip(), {}).setdefault(option.strip(), []).append(
                    path.stem
                )

    out = [
        "# Configuration reference\n",
        "This page is generated from `conf/` each time the site is built: every key below, its "
        "default and its comment are read from the YAML files themselves. To change a value for "
        "one run, give `key=value` on the command line "
        "(`python -m pipelines.train trainer.epochs=3`); to pick another option of a config "
        "group, give `group=option` (`python -m pipelines.train model=mixed`). The few knobs a "
        "pipeline run chooses live in `params.yaml`; `dvc.yaml` passes them to the stages as "
        "these same overrides.\n",
        "A value of `???` must be given. `${...}` is an interpolation: the value of another key "
        "or an environment variable. In a defaults list, `_self_` marks where the file's own "
        "keys go relative to the configs it includes.\n",
        "## Stage configs\n",
        "One file per entry point (`python -m pipelines.<stage>`). Its defaults list chooses an "
        "option of each config group; the keys after it belong to the stage itself.\n",
    ]
    for path in stages:
        info = parsed[path]
        out.append(f"### {path.stem}\n")
        out.append(f"`conf/{path.name}`\n")
        out.append(header_markdown(info["header"]))
        out.append(defaults_markdown(info["defaults"], "Defaults list:\n"))
        out.append(keys_table(info["keys"], ""))

    out += [
        "## Config groups\n",
        "Each folder of `conf/` is a config group and each file in it an option. Keys of an "
        "option sit under the group's name (`model.width`) unless the file says "
        "`@package _global_`, in which case they are written from the top.\n",
    ]
    for group, paths in groups.items():
        options = ", ".join(code(p.stem) for p in paths)
        out.append(f"### {group}\n")
        out.append(f"Options: {options}.\n")
        if picks := chosen.get(group):
            where = "; ".join(f"{code(o)} in {', '.join(s)}" for o, s in sorted(picks.items()))
            out.append(f"Default: {where}.\n")
        for path in paths:
            info = parsed[path]
            global_package = info["package"] == "_global_"
            prefix = "" if global_package else group.replace("/", ".")
            out.append(f"#### {group}={path.stem}\n")
            where = " (keys at the top level)" if global_package else ""
            chosen_with = code(f"{group}={path.stem}")
            out.append(f"`conf/{group}/{path.name}`, chosen with {chosen_with}{where}.\n")
            out.append(header_markdown(info["header"]))
            out.append(defaults_markdown(info["defaults"], "Builds on:\n"))
            out.append(keys_table(info["keys"], prefix))
    return "\n".join(part for part in out if part)


# --- benchmarks/results/ --------------------------------------------------------------------


def is_records(value):
    """A list of objects: a table of its own, not one cell."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def is_cell(value):
    """A value that fits in one table cell: a scalar or a list of scalars."""
    return not isinstance(value, dict) and not is_records(value)


def number(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"{value:,}"
    if isinstance(value, list):
        return ", ".join(number(v) for v in value)
    return str(value)


UNITS = {"_s": " (s)", "_ms": " (ms)", "_mib": " (MiB)"}


def label(key):
    key = str(key)
    for suffix, unit in UNITS.items():
        if key.endswith(suffix):
            return key.removesuffix(suffix).replace("_", " ") + unit
    return key.replace("_", " ")


def rows_table(mapping, first_column):
    """{row: {column: value}} -> a table; cells that do not fit get tables of their own."""
    columns = []
    for row in mapping.values():
        columns += [c for c, v in row.items() if c not in columns and is_cell(v)]
    body = [
        [code(name) if isinstance(name, str) else str(name)] + [number(row.get(c)) for c in columns]
        for name, row in mapping.items()
    ]
    return table([first_column] + [label(c) for c in columns], body)


def render_json(data, level, title=None):
    """A results object: its cells as a field/value table, each nested part under a heading."""
    heading = "#" * (level + 1)
    out = [f"{'#' * level} {title}\n"] if title else []
    cells = {k: v for k, v in data.items() if is_cell(v)}
    if cells:
        out.append(table(["field", "value"], [[label(k), number(v)] for k, v in cells.items()]))
    for key, value in data.items():
        if key in cells:
            continue
        if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
            out.append(f"{heading} {label(key)}\n")
            out.append(rows_table(value, "row" if key == "rows" else label(key)))
            for name, row in value.items():
                for column, records in row.items():
                    if is_records(records):
                        out.append(f"{label(key)}, {code(str(name))}, {label(column)}:\n")
                        out.append(rows_table(dict(enumerate(records, 1)), "#"))
        elif isinstance(value, dict):
            out.append(render_json(value, level + 1, label(key)))
        else:
            out.append(f"{heading} {label(key)}\n")
            out.append(rows_table(dict(enumerate(value, 1)), "#"))
    return "\n".join(out)


def docstring(script):
    if not script.exists():
        return ""
    text = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8"))) or ""
    return text


def benchmarks_page(benchmarks):
    results = sorted((benchmarks / "results").glob("*.json"))
    scripts = sorted(benchmarks.glob("*.py"))
    out = [
        "# Benchmarks\n",
        "This page is generated from `benchmarks/results/*.json` each time the site is built, "
        "so it shows the figures of the last recorded run of each benchmark; the description "
        "of each comes from its script's docstring. The benchmarks are run by hand "
        "(`python benchmarks/<name>.py`), never by the tests. Throughput depends on the "
        "machine and its load: compare rows of one table, not figures across machines.\n",
    ]
    for path in results:
        out.append(f"## {path.stem}\n")
        script = benchmarks / f"{path.stem}.py"
        if text := docstring(script):
            out.append(f"`benchmarks/{script.name}`\n")
            out.append(text + "\n")
        out.append(f"Results: `benchmarks/results/{path.name}`\n")
        out.append(render_json(json.loads(path.read_text(encoding="utf-8")), 2))
    without = [s for s in scripts if not (benchmarks / "results" / f"{s.stem}.json").exists()]
    if without:
        out.append("## Benchmarks without stored results\n")
        out.append(
            "These print their figures and write no results file, so no figures are shown "
            "here. Run them to measure on your machine.\n"
        )
        for script in without:
            out.append(f"### {script.stem}\n")
            out.append(f"`benchmarks/{script.name}`\n")
            out.append(docstring(script) + "\n")
    return "\n".join(part for part in out if part)
