"""Shared fixtures: a small generated raw data set and one dbt build on it.

dbt has several seconds of fixed start-up per command, so the end-to-end tests
share one session-scoped build, made once for all pytest-xdist workers (`make test`
runs three): the first worker to need it builds it while the others wait. Tests read it
only (read-only connections, copies of the warehouse); tests that need a failing or
another build make their own.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from dbt_runner import DbtRun, finished_run, generate_small, run_dbt


def shared_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of this test run that every xdist worker sees (their common parent)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def made_once(folder: Path) -> Iterator[bool]:
    """Hold ``folder``'s lock; yields whether it still has to be made (no ``.done``
    mark). The caller makes it; the mark is written only if that succeeded."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    done = folder.parent / f"{folder.name}.done"
    with open(folder.parent / f"{folder.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield not done.exists()
            done.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def small_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated raw data set (parquet); its truth is in the sibling ``truth``."""
    root = shared_folder(tmp_path_factory) / "small"
    with made_once(root) as missing:
        if missing:
            generate_small(root, "parquet")
    return root / "raw"


def build_small(small_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    """``dbt build`` of the whole project on the small data set, made once per test run;
    fails loudly if it fails."""
    workdir = shared_folder(tmp_path_factory) / "small_build"
    settings = {"raw_dir": str(small_raw)}
    with made_once(workdir) as missing:
        if missing:
            run = run_dbt(["build"], workdir, settings)
            assert run.returncode == 0, run.output[-6000:]
            return run
    return finished_run(workdir, settings)


@pytest.fixture(scope="session")
def small_build(small_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    """``dbt build`` of the whole project on the small data set (build_small)."""
    return build_small(small_raw, tmp_path_factory)
