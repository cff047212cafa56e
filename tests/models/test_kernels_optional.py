"""The compiled kernels are optional: a build that fails, a library that does not load or one
built for another TensorFlow gives one warning and the TensorFlow ops, never a failed set-up;
``TICKET_TRIAGE_KERNELS=require`` turns each of those into an error, ``off`` into silence."""

import logging
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from ticket_triage import kernels
from ticket_triage.errors import KernelsUnavailable


@pytest.fixture
def kernel_folder(tmp_path, monkeypatch):
    """``ticket_triage.kernels`` looking for its library in an empty folder of the test's own."""
    monkeypatch.setattr(kernels, "FOLDER", tmp_path)
    kernels.compiled.cache_clear()
    yield tmp_path
    kernels.compiled.cache_clear()  # the real library again for the tests after


def compiled(monkeypatch, mode):
    monkeypatch.setenv("TICKET_TRIAGE_KERNELS", mode)
    kernels.compiled.cache_clear()
    return kernels.compiled()


def test_a_library_that_does_not_load_falls_back_with_one_warning(
    kernel_folder, monkeypatch, caplog
):
    (kernel_folder / kernels.library_path().name).write_bytes(b"not a shared library")
    with caplog.at_level(logging.WARNING, logger="ticket_triage.kernels"):
        assert compiled(monkeypatch, "auto") is None
    [warning] = caplog.records
    assert "TensorFlow ops" in warning.getMessage()
    assert kernels.library_path().name in warning.getMessage()  # the cause, named
    with pytest.raises(KernelsUnavailable, match="required"):
        compiled(monkeypatch, "require")


def test_a_library_built_for_another_tensorflow_is_not_loaded(kernel_folder, monkeypatch, caplog):
    (kernel_folder / "_kernels.tf2.0.0.so").write_bytes(b"a library for another TensorFlow")
    with caplog.at_level(logging.WARNING, logger="ticket_triage.kernels"):
        assert compiled(monkeypatch, "auto") is None
    assert "_kernels.tf2.0.0.so, built for another TensorFlow" in caplog.text


def test_off_is_silent_and_a_wrong_mode_is_named(kernel_folder, monkeypatch, caplog):
    with caplog.at_level(logging.WARNING, logger="ticket_triage.kernels"):
        assert compiled(monkeypatch, "off") is None
    assert caplog.records == []
    with pytest.raises(KernelsUnavailable, match=r"'fast'.*auto, off, require"):
        compiled(monkeypatch, "fast")


def build(tmp_path, mode):
    """scripts/build-kernels.sh with a C++ compiler that fails first on PATH."""
    fake = tmp_path / "bin"
    fake.mkdir(exist_ok=True)
    (fake / "g++").write_text("#!/bin/sh\necho 'g++: error: this compiler is broken' >&2\nexit 1\n")
    (fake / "g++").chmod(0o755)
    environment = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"}
    environment.pop("CXX", None)
    environment["TICKET_TRIAGE_KERNELS"] = mode
    return subprocess.run(
        ["scripts/build-kernels.sh", sys.executable],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_failing_compiler_warns_once_and_the_build_goes_on(tmp_path):
    library = kernels.library_path()
    before = library.stat().st_mtime_ns if library.exists() else None
    result = build(tmp_path, "auto")
    assert result.returncode == 0, result.stderr
    [warning] = result.stderr.strip().splitlines()
    assert "this compiler is broken" in warning and "TensorFlow ops" in warning
    after = library.stat().st_mtime_ns if library.exists() else None
    assert after == before  # a failed build leaves the library it had as it was
    required = build(tmp_path, "require")
    assert required.returncode == 1
    assert "TICKET_TRIAGE_KERNELS=require" in required.stderr
