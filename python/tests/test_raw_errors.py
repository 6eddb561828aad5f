"""Bad raw input stops ``dbt build`` with a message naming the table, the column and
the problem, before any model runs, and without a Python traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from dbt_runner import run_dbt


@pytest.fixture
def raw_copy(small_raw: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "raw"
    shutil.copytree(small_raw, copy)
    return copy


def build_fails_with(raw_dir: Path, workdir: Path, *fragments: str) -> None:
    run = run_dbt(["build"], workdir, {"raw_dir": str(raw_dir)})
    assert run.returncode != 0
    assert "does not meet the contract" in run.output, run.output[-3000:]
    for fragment in fragments:
        assert fragment in run.output, (fragment, run.output[-3000:])
    assert "Traceback" not in run.output
    # nothing was built
    assert "START sql" not in run.output


def test_missing_raw_file(raw_copy: Path, tmp_path: Path) -> None:
    (raw_copy / "events.parquet").unlink()
    build_fails_with(raw_copy, tmp_path / "build", "raw table 'events'", "no file matches")


def test_a_raw_dir_without_any_file(tmp_path: Path) -> None:
    """A mistyped raw_dir: every table is named, not DuckDB's "cannot commit" (which
    the hook raised when it had made no view at all)."""
    empty = tmp_path / "no_such_folder"
    build_fails_with(
        empty,
        tmp_path / "build",
        *(f"raw table '{table}': no file matches" for table in ("customers", "orders")),
    )


def test_missing_required_column(raw_copy: Path, tmp_path: Path) -> None:
    orders = raw_copy / "orders.parquet"
    duckdb.sql(f"copy (select * exclude (currency) from '{orders}') to '{tmp_path}/o.parquet'")
    shutil.move(tmp_path / "o.parquet", orders)
    build_fails_with(
        raw_copy, tmp_path / "build", "raw table 'orders'", "column 'currency' is missing"
    )


def test_dates_in_another_format(raw_copy: Path, tmp_path: Path) -> None:
    """A text column is parsed row by row; one where nothing parses stops the build."""
    customers = raw_copy / "customers.parquet"
    duckdb.sql(
        f"copy (select * replace (strftime(signup_at, '%d/%m/%Y') as signup_at) "
        f"from '{customers}') to '{tmp_path}/c.parquet'"
    )
    shutil.move(tmp_path / "c.parquet", customers)
    build_fails_with(
        raw_copy,
        tmp_path / "build",
        "raw table 'customers'",
        "column 'signup_at' is text and none of its first",
        "parses as timestamp (for example '",
    )


def test_wrong_column_type(raw_copy: Path, tmp_path: Path) -> None:
    orders = raw_copy / "orders.parquet"
    duckdb.sql(
        f"copy (select * replace (amount > 0 as amount) from '{orders}') to '{tmp_path}/o.parquet'"
    )
    shutil.move(tmp_path / "o.parquet", orders)
    build_fails_with(
        raw_copy,
        tmp_path / "build",
        "raw table 'orders'",
        "column 'amount' has type BOOLEAN",
        "expected a numeric type, or text",
    )
