"""Shared fixtures: a small generated raw data set and one dbt build on it.

dbt has several seconds of fixed start-up per command, so the end-to-end tests
share one session-scoped build (one per pytest-xdist worker: `make test` runs two);
tests that need a failing build make their own.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dbt_runner import END_DATE, SEED, SMALL_CUSTOMERS, DbtRun, run_dbt
from segmentation.generate import generate


@pytest.fixture(scope="session")
def small_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated raw data set (parquet); its truth is in the sibling ``truth``."""
    root = tmp_path_factory.mktemp("small")
    generate(
        customers=SMALL_CUSTOMERS,
        seed=SEED,
        out=root / "raw",
        truth_out=root / "truth",
        end_date=END_DATE,
        fmt="parquet",
    )
    return root / "raw"


def build_small(small_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    """``dbt build`` of the whole project on the small data set; fails loudly if it fails."""
    run = run_dbt(["build"], tmp_path_factory.mktemp("build"), {"raw_dir": str(small_raw)})
    assert run.returncode == 0, run.output[-6000:]
    return run


@pytest.fixture(scope="session")
def small_build(small_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    """``dbt build`` of the whole project on the small data set (build_small)."""
    return build_small(small_raw, tmp_path_factory)
