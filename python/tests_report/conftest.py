"""Fixtures of the report render tests (``make test-report``): the main suite's small
generated data set and dbt build, taken from python/tests/conftest.py, not copied.

These tests need Chromium; without it they fail with how to install it (nothing here
is skipped).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

MAIN_SUITE = Path(__file__).resolve().parents[1] / "tests"
# dbt_runner and the main suite's conftest import each other by plain module name
sys.path.insert(0, str(MAIN_SUITE))

_spec = importlib.util.spec_from_file_location("main_suite_conftest", MAIN_SUITE / "conftest.py")
assert _spec and _spec.loader
_main_suite = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_main_suite)

import pytest  # noqa: E402
from dbt_runner import DbtRun  # noqa: E402

# pytest finds fixtures by the conftest's attributes
small_raw = _main_suite.small_raw
# REPORT_WAREHOUSE (set by .ci/run): a warehouse make test-spark already built from the
# same generated data set (2,000 customers, seed 7), rendered instead of building one
REPORT_WAREHOUSE = os.environ.get("REPORT_WAREHOUSE")


@pytest.fixture(scope="session")
def small_build(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> DbtRun:
    """The main suite's build of the small data set, or the warehouse REPORT_WAREHOUSE."""
    if not REPORT_WAREHOUSE:
        return _main_suite.build_small(request.getfixturevalue("small_raw"), tmp_path_factory)
    warehouse = Path(REPORT_WAREHOUSE).resolve()
    if not warehouse.is_file():
        raise FileNotFoundError(f"REPORT_WAREHOUSE={REPORT_WAREHOUSE}: no such warehouse file")
    return DbtRun(0, "", warehouse, warehouse.parent)
