"""dvc.yaml's code and config dependencies, generated from what each stage really loads.

A stage depends on every project module its entry point can import (top-level or inside a
function, through any chain: found by reading the imports, nothing is run), every module a
``_target_`` of its config names (Hydra's ``instantiate`` imports it) with what that imports,
and every config group its config composes, so a change there reruns it and a change elsewhere
does not. A folder
stands for its files when the stage loads all of them. Data dependencies (``data/``,
``models``) are kept as written.

    python scripts/stage_deps.py          # rewrite the deps: lists of dvc.yaml
    python scripts/stage_deps.py --check  # exit 1 if they differ from the generated ones (CI)
"""

import ast
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DVC_YAML = ROOT / "dvc.yaml"
SOURCES = {"ticket_triage": ROOT / "src", "pipelines": ROOT}
CODE = ("pipelines/", "src/", "conf/")  # deps that are generated; the rest are kept


def module_file(name):
    """The file of project module ``name`` (a package's ``__init__.py``), or ``None``."""
    root = SOURCES.get(name.split(".")[0])
    if root is None:
        return None
    path = root.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def imported_modules(name):
    """The project modules that module ``name`` imports, anywhere in its file."""
    path = module_file(name)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {module for module in found if module_file(module)}


def code_files(*entries):
    """Every project file that importing the modules ``entries`` can load (parent packages
    too)."""
    seen, todo = set(), list(entries)
    while todo:
        name = todo.pop()
        parts = name.split(".")
        for prefix in (".".join(parts[:depth]) for depth in range(1, len(parts) + 1)):
            if prefix not in seen:
                seen.add(prefix)
                todo.append(prefix)
        todo.extend(imported_modules(name) - seen)
    files = {module_file(name).relative_to(ROOT) for name in seen}
    for package, globs in _package_data().items():  # files a loaded package reads (phrases)
        if package in seen:
            folder = module_file(package).parent
            files |= {path.relative_to(ROOT) for glob in globs for path in folder.glob(glob)}
    kernels = ROOT / "src/ticket_triage/kernels"
    if Path("src/ticket_triage/kernels/__init__.py") in files:  # the sources of its library
        files |= {
            path.relative_to(ROOT) for path in kernels.iterdir() if path.suffix in (".cc", ".h")
        }
    return files


def _package_data():
    """Package -> the globs of its data files, from pyproject.toml (what a wheel ships)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    return config.get("package-data", {})


def config_files(stage):
    """``conf/<stage>.yaml`` and each config group it composes (the whole group: an override can
    pick another option)."""
    from hydra import compose, initialize_config_dir

    sys.path.insert(0, str(ROOT / "src"))
    import ticket_triage.params  # noqa: F401  (the resolver conf/ uses)

    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose(stage, return_hydra_config=True)
    groups = {
        group.split("/")[0]
        for group, choice in cfg.hydra.runtime.choices.items()
        if choice is not None and not group.startswith("hydra")
    }
    return {Path(f"conf/{stage}.yaml"), *(Path(f"conf/{group}") for group in groups)}


def target_modules(config):
    """The project modules that the ``_target_`` values of the YAML files under ``config``
    (files or folders) name: the module of ``ticket_triage.loops.fit.train_with_fit``, say."""
    modules = set()
    for path in config:
        for yaml_file in [ROOT / path] if path.suffix else sorted((ROOT / path).rglob("*.yaml")):
            todo = [yaml.safe_load(yaml_file.read_text())]
            while todo:
                node = todo.pop()
                values = node.values() if isinstance(node, dict) else node
                if isinstance(node, dict) and isinstance(node.get("_target_"), str):
                    parts = node["_target_"].split(".")
                    prefixes = (".".join(parts[:depth]) for depth in range(len(parts), 0, -1))
                    modules.add(next((m for m in prefixes if module_file(m)), None))
                todo.extend(v for v in values if isinstance(v, dict | list))
    return modules - {None}


def collapse(files):
    """``files`` with each folder whose every file is listed standing for them."""
    files = set(files)
    folders = sorted({parent for path in files for parent in path.parents if parent != Path(".")})
    for folder in sorted(folders, key=lambda f: len(f.parts)):
        inside = {p.relative_to(ROOT) for p in (ROOT / folder).rglob("*") if _source(p)}
        if inside and inside <= files and not any(parent in files for parent in folder.parents):
            files = (files - inside) | {folder}
    return sorted(str(path) for path in files)


def _source(path):
    return path.is_file() and path.suffix in (".py", ".cc", ".h", ".yaml")


def generated_deps(stage, current):
    """The stage's deps: its code and config, then its data deps as they are."""
    config = config_files(stage)
    code = collapse(code_files(f"pipelines.{stage}", *target_modules(config)) | config)
    return code + [dep for dep in current if not dep.startswith(CODE)]


def main(check=False):
    stages = yaml.safe_load(DVC_YAML.read_text())["stages"]
    text = DVC_YAML.read_text()
    for stage, spec in stages.items():
        old, new = spec["deps"], generated_deps(stage, spec["deps"])
        if old != new:
            if check:
                print(
                    f"dvc.yaml: stage {stage}'s deps are not the generated ones; run "
                    f"python scripts/stage_deps.py\n  missing: {sorted(set(new) - set(old))}\n"
                    f"  extra: {sorted(set(old) - set(new))}"
                )
                return 1
            text = _replace_deps(text, stage, new)
    DVC_YAML.write_text(text)
    return 0


def _replace_deps(text, stage, deps):
    """``text`` with stage ``stage``'s ``deps:`` list replaced (comments elsewhere kept)."""
    lines = text.splitlines(keepends=True)
    start = lines.index(f"  {stage}:\n")
    first = next(i for i in range(start, len(lines)) if lines[i] == "    deps:\n") + 1
    end = first
    while end < len(lines) and lines[end].startswith("      - "):
        end += 1
    return "".join(lines[:first] + [f"      - {dep}\n" for dep in deps] + lines[end:])


if __name__ == "__main__":
    sys.exit(main(check="--check" in sys.argv))
