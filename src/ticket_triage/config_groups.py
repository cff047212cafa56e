"""Check ``group=option`` overrides against the config tree before Hydra composes it.

Hydra reports an unknown option (``loop=fitt``) as a multi-line block with its search path and
exits 1; a data mistake here is one line and exit status 2. This check makes config mistakes read
the same way: ``error: loop=fitt: no such option in conf/loop; choices: eager, fit, graph,
train_step``. Options in an extra config directory (``--config-dir``, ``hydra.searchpath``) count.

Example:
    >>> unknown_choices(["loop=fit", "model=functionl"], ["conf"])           # doctest: +SKIP
    ["model=functionl: no such option in conf/model; choices: functional, mixed, ..."]
"""

import os
import re
import sys
from pathlib import Path

from ticket_triage.errors import USAGE_ERROR

_OVERRIDE = re.compile(r"^\+{0,2}(?P<group>[\w/]+)=(?P<options>[\w.-]+(,[\w.-]+)*)$")
_SEARCHPATH = re.compile(r"^\+{0,2}hydra\.searchpath=\[(?P<paths>.*)\]$")


def exit_on_unknown_choice(argv, conf_dir):
    """Print one line per unknown option and exit 2; return quietly when every option exists.

    Args:
        argv: the command-line arguments after the program name.
        conf_dir: the project's ``conf/`` folder.
    """
    problems = unknown_choices(argv, [Path(conf_dir), *extra_config_dirs(argv)])
    if problems:
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        raise SystemExit(USAGE_ERROR)


def unknown_choices(argv, config_dirs):
    """``group=option`` overrides whose option is in none of ``config_dirs``; a message each."""
    problems = []
    for argument in argv:
        match = _OVERRIDE.match(argument)
        if not match:
            continue
        group = match["group"]
        if group.startswith("hydra/"):
            continue  # Hydra's own groups: plugins add options there (hydra/launcher=joblib)
        folders = [folder / group for folder in config_dirs if (folder / group).is_dir()]
        if not folders:
            continue  # a plain value (seed=1)
        choices = sorted({path.stem for folder in folders for path in folder.glob("*.yaml")})
        for option in match["options"].split(","):
            if option not in choices and option != "null":
                problems.append(
                    f"{group}={option}: no such option in {_shown(folders[0])}; "
                    f"choices: {', '.join(choices)}"
                )
    return problems


def _shown(folder):
    """``conf/loop`` when run from the project, the absolute path from elsewhere."""
    relative = os.path.relpath(folder)
    return folder if relative.startswith("..") else relative


def extra_config_dirs(argv):
    """Folders added by ``--config-dir``/``-cd`` and ``hydra.searchpath=[file://...]``."""
    folders = []
    for index, argument in enumerate(argv):
        if argument in ("--config-dir", "-cd") and index + 1 < len(argv):
            folders.append(Path(argv[index + 1]))
        elif argument.startswith("--config-dir="):
            folders.append(Path(argument.split("=", 1)[1]))
        elif match := _SEARCHPATH.match(argument):
            folders += [
                Path(entry.strip().removeprefix("file://"))
                for entry in match["paths"].split(",")
                if entry.strip().startswith("file://")
            ]
    return folders
