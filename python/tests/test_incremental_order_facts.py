"""The order facts (int_orders_converted_to_usd) on an incremental run look for missing
orders among those that can be missing (macro order_facts_unseen_batch), not among every
staged order; what no load names (a customer eligible again, a changed rate) still
comes back, and the result equals a full refresh."""

from __future__ import annotations

import duckdb
import pandas as pd
from dbt_runner import compiled_sql, copy_of_warehouse, rows_without_batch, run_dbt

FACTS = "int_orders_converted_to_usd"


def test_order_facts_look_among_the_orders_that_can_be_missing(
    small_build, small_raw, tmp_path
) -> None:
    workdir = copy_of_warehouse(small_build, tmp_path, "facts")
    warehouse = workdir / "warehouse.duckdb"
    built = rows_without_batch(warehouse, FACTS, "order_id")
    settings = {"raw_dir": str(small_raw)}
    run = ["run", "--select", FACTS]
    with duckdb.connect(str(warehouse)) as connection:
        # the two customers with the most orders: one loses all of them (as when their
        # consent was withdrawn in an earlier run and is given again now), the other
        # one order (a row no build would delete)
        eligible_again, edited = [
            row[0]
            for row in connection.execute(
                f"select customer_id from {FACTS} group by 1 order by count(*) desc, 1 limit 2"
            ).fetchall()
        ]
        (lost_order,) = connection.execute(
            f"select min(order_id) from {FACTS} where customer_id = ?", [edited]
        ).fetchone()
        connection.execute(
            f"delete from {FACTS} where customer_id = ? or order_id = ?",
            [eligible_again, lost_order],
        )
        # as after later daily runs: the table's latest batch (5) is later than every
        # staged order's (1), and this run's batch is 6
        connection.execute("insert into test_pass_log values ('test.later.daily.runs', 'none', 5)")
        connection.execute(
            f"update {FACTS} set write_batch = 5 where order_id = ?", [built.order_id[0]]
        )

    narrowed = run_dbt(run, workdir, settings)
    assert narrowed.returncode == 0, narrowed.output[-4000:]
    assert "staged.write_batch >= 5" in compiled_sql(narrowed, FACTS)
    after = rows_without_batch(warehouse, FACTS, "order_id")
    # the customer's orders are back, though no load named them
    assert (after.customer_id == eligible_again).sum() == (
        built.customer_id == eligible_again
    ).sum()
    # the order deleted by hand is not: only orders that can be missing are looked for
    expected = built[built.order_id != lost_order].reset_index(drop=True)
    pd.testing.assert_frame_equal(after, expected, check_exact=True)

    # a changed rate: every order is looked at (no batch filter), the order lost by hand
    # comes back too, and the result is what a full refresh builds
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(
            "update currency_rates set usd_per_unit = usd_per_unit * 2 where currency_code = 'EUR'"
        )
    changed = run_dbt(run, workdir, settings)
    assert changed.returncode == 0, changed.output[-4000:]
    assert "write_batch >=" not in compiled_sql(changed, FACTS)
    incremental = rows_without_batch(warehouse, FACTS, "order_id")
    assert lost_order in set(incremental.order_id)
    euro = incremental.currency_code == "EUR"
    assert euro.any()
    assert (
        incremental.usd_per_unit[euro]
        == 2 * built.set_index("order_id").usd_per_unit[incremental.order_id[euro]].to_numpy()
    ).all()
    refreshed = run_dbt([*run, "--full-refresh"], workdir, settings)
    assert refreshed.returncode == 0, refreshed.output[-4000:]
    pd.testing.assert_frame_equal(
        incremental, rows_without_batch(warehouse, FACTS, "order_id"), check_exact=True
    )
