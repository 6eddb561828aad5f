"""Privacy: a deletion request that arrives after a build removes the customer from every
model after staging on the next (incremental) build, history, assignments and activation
exports included; no table after staging holds a raw email."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
from dbt_runner import MODELS_AND_SEEDS, copy_of_warehouse, run_dbt
from segmentation.activation_export import export_activation

# staging keeps the raw rows (and the request itself); everything after it must forget
STAGING_PREFIXES = ("base_raw__", "stg_raw__")


def tables_after_staging(con: duckdb.DuckDBPyConnection) -> list[str]:
    names = [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main' "
            "order by table_name"
        ).fetchall()
    ]
    return [name for name in names if not name.startswith(STAGING_PREFIXES)]


def columns_of(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'main' and table_name = ? order by ordinal_position",
            [table],
        ).fetchall()
    ]


def tables_naming(con: duckdb.DuckDBPyConnection, value: str) -> set[str]:
    """The tables after staging with any column (of any type, as text) holding value."""
    found = set()
    for table in tables_after_staging(con):
        columns = columns_of(con, table)
        hits = " or ".join(f'contains(cast("{column}" as varchar), $value)' for column in columns)
        if con.execute(f"select count(*) from {table} where {hits}", {"value": value}).fetchone()[
            0
        ]:
            found.add(table)
    return found


def file_names(path: Path, value: str) -> bool:
    """Whether an exported file (Parquet read by DuckDB, NDJSON as text) holds value."""
    if path.suffix == ".parquet":
        rows = duckdb.sql(f"select cast(columns(*) as varchar) from '{path}'").fetchall()
        return any(cell is not None and value in cell for row in rows for cell in row)
    return value in path.read_text(encoding="utf-8")


def test_a_deletion_request_removes_the_customer_after_staging(small_build, small_raw, tmp_path):
    with small_build.connect() as con:
        # a customer scored now and in the monthly history, with the most history rows
        (customer,) = con.execute(
            "select customer_id from int_customer_segments_by_month "
            "where customer_id in (select customer_id from customer_segment_assignments) "
            "group by customer_id order by count(*) desc, customer_id limit 1"
        ).fetchone()
        before = tables_naming(con, customer)
    # the check can fail: the customer is everywhere before the request
    assert {
        "customer_features",
        "customer_features_monthly",
        "int_customer_activity_aggregated_to_days",
        "int_orders_converted_to_usd",
        "int_customer_segments_by_month",
        "customer_segment_assignments",
        "dim_customer_segments",
        "customer_profiles",
        "customer_next_best_action",
    } <= before, before
    exported_before = export_activation(small_build.warehouse, tmp_path / "exports_before")
    assert all(file_names(file.path, customer) for file in exported_before)

    raw = tmp_path / "raw"
    shutil.copytree(small_raw, raw)
    duckdb.sql(
        f"copy (select '{customer}' as customer_id, timestamp '2026-09-30 12:00:00' as "
        f"requested_at) to '{raw / 'deletion_requests_2.parquet'}'"
    )
    # the next daily build on the same warehouse (the incremental models take their
    # incremental path), scoring with the stored model
    run = run_dbt(
        MODELS_AND_SEEDS,
        copy_of_warehouse(small_build, tmp_path, "after"),
        {"raw_dir": str(raw), "segmentation_retrain": False},
    )
    assert run.returncode == 0, run.output[-4000:]
    executed = next((run.target / "run").rglob("int_customer_segments_by_month.sql")).read_text()
    assert executed.lstrip().startswith("insert into")
    with run.connect() as con:
        assert tables_naming(con, customer) == set()
        # staging still records the request (and the raw rows): it is the audit trail
        assert con.execute(
            "select count(*) from stg_raw__deletion_requests where customer_id = ?", [customer]
        ).fetchone() == (1,)
    exported = export_activation(run.warehouse, tmp_path / "exports")
    assert exported
    for file in exported:
        assert not file_names(file.path, customer), file.path


def test_no_table_after_staging_holds_a_raw_email(small_build, small_raw) -> None:
    """Every column of every table after staging, nested ones cast to text, is free of
    the raw addresses (as given and normalized) and of any text with an @."""
    emails = duckdb.sql(
        f"select distinct email from '{small_raw}/customers*.parquet' where email like '%@%'"
    ).fetchall()
    addresses = {value for (email,) in emails for value in (email, email.strip().lower())}
    assert len(addresses) > 100
    with small_build.connect() as con:
        tables = tables_after_staging(con)
        assert {"customer_profiles", "int_customers_filtered_to_eligible"} <= set(tables)
        for table in tables:
            columns = columns_of(con, table)
            assert not [c for c in columns if "email" in c and c != "email_hash"], table
            for column in columns:
                values = {
                    value
                    for (value,) in con.execute(
                        f'select distinct cast("{column}" as varchar) from {table}'
                    ).fetchall()
                    if value is not None
                }
                assert not values & addresses, (table, column)
                assert not [value for value in values if "@" in value], (table, column)
