"""Data tests scoped to the rows written since they last passed (macros/tests/scoped/):
what a scoped test still finds, what it leaves to a full check, and that only passes
are recorded."""

from __future__ import annotations

from pathlib import Path

import duckdb
from dbt_runner import copy_of_warehouse, run_dbt

UNIQUE = "unique_stg_raw__orders_order_id"
NOT_NULL = "not_null_stg_raw__orders_amount"


def last_passes(warehouse: Path) -> dict[str, object]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute(
            "select split_part(test_id, '.', 3), max(write_batch) from test_pass_log "
            "where split_part(test_id, '.', 3) in (?, ?) group by 1",
            [UNIQUE, NOT_NULL],
        ).fetchall()
    return dict(rows)


def add_bad_orders(warehouse: Path, batch: str) -> None:
    """Two staged rows a faulty build could write, of batch `batch`: a second row of an
    order already stored (its first row keeps its old batch) and an order without an
    amount."""
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(
            f"""
            insert into base_raw__orders by name
            select * replace ({batch} as write_batch)
            from (
                select * from base_raw__orders
                where row_status = 'staged' order by order_id limit 1
            )
            union all by name
            select * replace ('bad-order-without-amount' as order_id, null as amount,
                {batch} as write_batch)
            from (
                select * from base_raw__orders
                where row_status = 'staged' order by order_id limit 1
            )
            """
        )


def compiled(run, test: str) -> str:
    return next((run.target / "run").rglob(f"{test}.sql")).read_text()


def test_a_scoped_test_checks_new_rows_against_old_ones_and_records_only_passes(
    small_build, small_raw, tmp_path
) -> None:
    """After a build, the primary-key and not-null tests of stg_raw__orders read only
    what was written since they passed: a new row that repeats an old order id and a
    new row without an amount fail them. A failed test records no pass, so the next run
    checks those rows again."""
    workdir = copy_of_warehouse(small_build, tmp_path, "scoped")
    warehouse = workdir / "warehouse.duckdb"
    passed = last_passes(warehouse)
    assert sorted(passed) == sorted([UNIQUE, NOT_NULL])
    add_bad_orders(warehouse, "(select max(write_batch) + 1 from test_pass_log)")
    settings = {"raw_dir": str(small_raw)}

    for attempt in range(2):
        run = run_dbt(["test", "--select", UNIQUE, NOT_NULL], workdir, settings)
        assert run.returncode == 1, run.output[-4000:]
        assert f"Failure in test {UNIQUE}" in run.output, run.output[-4000:]
        assert f"Failure in test {NOT_NULL}" in run.output, run.output[-4000:]
        for test in (UNIQUE, NOT_NULL):
            assert "write_batch >" in compiled(run, test), attempt
        assert last_passes(warehouse) == passed, attempt

    with duckdb.connect(str(warehouse)) as connection:
        duplicated = connection.execute(f"select * from ({compiled(run, UNIQUE)})").fetchall()
    # exactly the repeated order: the old row of it was found through the new one
    assert [row[0] for row in duplicated] == [1], duplicated


def test_rows_older_than_the_last_pass_are_left_to_a_full_check(
    small_build, small_raw, tmp_path
) -> None:
    """A row that no build wrote since the last pass (here: edited in with an old batch)
    is outside the scoped tests, which pass and record it; var scoped_tests false
    checks every row and finds it."""
    workdir = copy_of_warehouse(small_build, tmp_path, "unscoped")
    warehouse = workdir / "warehouse.duckdb"
    passed = last_passes(warehouse)
    add_bad_orders(warehouse, "write_batch")
    settings = {"raw_dir": str(small_raw)}

    scoped = run_dbt(["test", "--select", UNIQUE, NOT_NULL], workdir, settings)
    assert scoped.returncode == 0, scoped.output[-4000:]
    recorded = last_passes(warehouse)
    assert all(recorded[test] > passed[test] for test in (UNIQUE, NOT_NULL)), recorded

    full = run_dbt(
        ["test", "--select", UNIQUE, NOT_NULL],
        workdir,
        {**settings, "scoped_tests": False},
    )
    assert full.returncode == 1, full.output[-4000:]
    for test in (UNIQUE, NOT_NULL):
        assert f"Failure in test {test}" in full.output, full.output[-4000:]
        assert "write_batch" not in compiled(full, test)
    assert last_passes(warehouse) == recorded
