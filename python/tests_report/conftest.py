"""Fixtures of the report render tests (``make test-report``): the main suite's small
generated data set and dbt build, taken from python/tests/conftest.py, not copied.

These tests need Chromium; without it they fail with how to install it (nothing here
is skipped).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

MAIN_SUITE = Path(__file__).resolve().parents[1] / "tests"
# dbt_runner and the main suite's conftest import each other by plain module name
sys.path.insert(0, str(MAIN_SUITE))

_spec = importlib.util.spec_from_file_location("main_suite_conftest", MAIN_SUITE / "conftest.py")
assert _spec and _spec.loader
_main_suite = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_main_suite)

# pytest finds fixtures by the conftest's attributes
small_raw = _main_suite.small_raw
small_build = _main_suite.small_build
