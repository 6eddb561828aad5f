"""Tests that compare a finished Spark build (``make test-spark``) with DuckDB.

They run only from ``make test-spark``, after the DuckDB build (``duckdb.duckdb``) and
the Spark build of the same data in one folder, which comes in the environment variable
SPARK_BUILD_DIR. Without it they fail: nothing here is skipped.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# the shared dbt runner of the main test suite
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


@pytest.fixture(scope="session")
def spark_build() -> Path:
    """The scratch folder of the Spark build: raw/ and spark-warehouse/ inside."""
    folder = os.environ.get("SPARK_BUILD_DIR")
    assert folder, "SPARK_BUILD_DIR is not set: run these tests with make test-spark"
    path = Path(folder)
    assert (path / "spark-warehouse").is_dir(), f"no Spark build in {path}: run make test-spark"
    assert (path / "duckdb.duckdb").is_file(), f"no DuckDB build in {path}: run make test-spark"
    return path
