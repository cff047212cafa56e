"""Check ``group=option`` overrides against the config tree before Hydra composes it.

Hydra reports an unknown option (``loop=fitt``) as a multi-line block with its search path and
exits 1; a data mistake here is one line and exit status 2. This check makes config mistakes read
the same way: ``error: loop=fitt: no such option in conf/loop; choices: eager, fit, graph,
train_step``. Options in an extra config directory (``--config-dir``, ``hydra.searchpath``) count.

The command line is read by Hydra's own parsers, its argument parser and its override grammar
(``OverridesParser``), so every form Hydra takes is understood as Hydra understands it: sweeps
(``loop=fit,eager``, ``choice()``, ``range()``, ``glob()``), deletions (``~group``), packages
(``group@pkg=option``) and additions (``+group=option``). What Hydra cannot parse is left to
Hydra to report.

An option's ``name`` is the option itself (``conf/model/mixed.yaml`` says ``name: mixed``):
recorded with the run, it selects nothing, so an override of it is reported as well.

Example:
    >>> unknown_choices(["loop=fit", "model=functionl"], ["conf"])           # doctest: +SKIP
    ["model=functionl: no such option in conf/model; choices: functional, mixed, ..."]
"""

import os
import sys
from pathlib import Path

from hydra._internal.utils import get_args_parser  # the parser of hydra.main's command line
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Glob
from hydra.errors import HydraException

from ticket_triage.errors import USAGE_ERROR


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
    """A message for each override of ``argv`` choosing an option that is in none of
    ``config_dirs``, or overriding an option's ``name``."""
    problems = []
    for override in overrides(argv):
        if override.is_hydra_override():
            continue  # Hydra's own groups: plugins add options there (hydra/launcher=joblib)
        key = override.get_key_element()
        if folders := group_folders(override.key_or_group, config_dirs):
            choices = options(folders)
            value = override.value()
            if isinstance(value, Glob) and not value.filter(choices):
                problems.append(
                    f"{override.input_line}: matches no option in "
                    f"{_shown(folders[0])}; choices: {', '.join(choices)}"
                )
            problems += [
                f"{key}={option}: no such option in {_shown(folders[0])}; "
                f"choices: {', '.join(choices)}"
                for option in chosen(override)
                if option not in choices
            ]
            continue
        group, _, field = override.key_or_group.rpartition(".")
        if field == "name" and (folders := group_folders(group, config_dirs)):
            problems.append(
                f"{override.input_line}: {group}.name is set by the option chosen; choose one "
                f"with {group}=<option>; choices: {', '.join(options(folders))}"
            )
    return problems


def overrides(argv):
    """The overrides of a command line, parsed as Hydra parses them (unparseable ones left out)."""
    parser = OverridesParser.create()
    parsed = []
    for text in get_args_parser().parse_known_args(argv)[0].overrides:
        try:
            parsed.append(parser.parse_override(text))
        except HydraException:  # OverrideParseException, or the grammar's own
            continue  # Hydra reports it
    return parsed


def chosen(override):
    """The options an override names, as strings: one, a sweep's (``choice``, ``range``, a
    list), none for a deletion, ``null``, an ``interval`` or a ``glob`` (checked apart)."""
    value = override.value()
    if isinstance(value, Glob) or override.is_interval_sweep() or value is None:
        return []
    if override.is_sweep_override():
        return list(override.sweep_string_iterator())
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


def group_folders(group, config_dirs):
    """The folders of config group ``group`` (``model``, ``hydra/launcher``) in ``config_dirs``."""
    return [Path(folder) / group for folder in config_dirs if (Path(folder) / group).is_dir()]


def options(folders):
    """The options of a config group: its YAML files' names, sorted."""
    return sorted({path.stem for folder in folders for path in folder.glob("*.yaml")})


def _shown(folder):
    """``conf/loop`` when run from the project, the absolute path from elsewhere."""
    relative = os.path.relpath(folder)
    return folder if relative.startswith("..") else relative


def extra_config_dirs(argv):
    """Folders added by ``--config-dir``/``-cd`` and ``hydra.searchpath=[file://...]``."""
    folders = []
    config_dir = get_args_parser().parse_known_args(argv)[0].config_dir
    if config_dir:
        folders.append(Path(config_dir))
    for override in overrides(argv):
        if override.key_or_group == "hydra.searchpath" and isinstance(override.value(), list):
            folders += [
                Path(str(entry).removeprefix("file://"))
                for entry in override.value()
                if str(entry).startswith("file://")
            ]
    return folders
