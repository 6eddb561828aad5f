"""Prediction inputs (issue 9): labels from what customers did after each month end,
checked against an independent pandas computation, and features at a month end that
use no later data (the same rows when every order and event after it is withheld)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
from dbt_runner import run_dbt

MONTH_END = "2026-03-31"


def test_labels_equal_a_recomputation_from_the_order_facts(small_build) -> None:
    with small_build.connect() as con:
        labels = con.execute(
            "select * from int_customer_purchase_labels order by customer_id, month_end"
        ).df()
        months = con.execute("select customer_id, month_end from customer_features_monthly").df()
        (as_of,) = con.execute("select as_of_date from int_as_of_date").fetchone()
        orders = con.execute(
            "select customer_id, order_date from int_orders_converted_to_usd "
            "where is_completed and order_date <= (select as_of_date from int_as_of_date)"
        ).df()
    as_of = pd.Timestamp(as_of)
    assert len(labels) == len(months) > 0
    # the next completed order strictly after each month end, by a sorted search
    days = orders.drop_duplicates().sort_values(["customer_id", "order_date"])
    by_customer = {
        customer: np.sort(group["order_date"].to_numpy(dtype="datetime64[D]"))
        for customer, group in days.groupby("customer_id")
    }
    expected = []
    for row in months.sort_values(["customer_id", "month_end"]).itertuples():
        month_end = np.datetime64(row.month_end, "D")
        dates = by_customer.get(row.customer_id, np.array([], dtype="datetime64[D]"))
        later = dates[dates > month_end]
        following = later[0] if len(later) else None
        day30, day90 = month_end + np.timedelta64(30, "D"), month_end + np.timedelta64(90, "D")
        expected.append(
            (
                row.customer_id,
                following,
                None if day30 > as_of else following is not None and following <= day30,
                None if day90 > as_of else not (following is not None and following <= day90),
            )
        )
    got = [
        (
            row.customer_id,
            None if pd.isna(row.next_order_date) else np.datetime64(row.next_order_date, "D"),
            None if pd.isna(row.purchased_next_30d) else bool(row.purchased_next_30d),
            None if pd.isna(row.churned_next_90d) else bool(row.churned_next_90d),
        )
        for row in labels.itertuples()
    ]
    assert got == expected
    # all kinds occur: bought within 30 days, churned, and not yet known
    assert {value for *_, value in expected} == {True, False, None}
    assert {value for _, _, value, _ in expected} == {True, False, None}


def test_features_at_a_month_end_use_no_later_data(small_build, small_raw, tmp_path) -> None:
    """Withhold every order and event placed after MONTH_END (all loads of such a key)
    and rebuild the monthly history as of MONTH_END: its rows at MONTH_END and before
    equal the full build's."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for path in small_raw.glob("*.parquet"):
        table = path.stem
        key, moment = {
            "orders": ("order_id", "ordered_at"),
            "events": ("event_id", "occurred_at"),
        }.get(table, (None, None))
        where = (
            f"where {key} is null or {key} not in (select {key} from '{path}' "
            f"where {moment} >= date '{MONTH_END}' + 1 and {key} is not null)"
            if key
            else ""
        )
        duckdb.sql(f"copy (select * from '{path}' {where}) to '{raw / path.name}'")
    withheld = duckdb.sql(
        f"select count(*) from '{small_raw}/orders.parquet' "
        f"where ordered_at >= date '{MONTH_END}' + 1"
    ).fetchone()[0]
    assert withheld > 0
    run = run_dbt(
        [
            "build",
            "--select",
            "+customer_features_monthly",
            "--exclude",
            "tag:python",
            "--indirect-selection",
            "cautious",
        ],
        tmp_path / "build",
        {"raw_dir": str(raw), "as_of_date": MONTH_END},
    )
    assert run.returncode == 0, run.output[-4000:]
    query = (
        "select * exclude (last_loaded_at) from customer_features_monthly "
        f"where month_end <= date '{MONTH_END}' order by customer_id, month_end"
    )
    with run.connect() as con:
        truncated = con.execute(query).df()
    with small_build.connect() as con:
        full = con.execute(query).df()
    assert len(full) > 1000
    pd.testing.assert_frame_equal(truncated, full, check_exact=True)
    # and the labels of those month ends do look past them: the later data matters
    with small_build.connect() as con:
        known = con.execute(
            f"select count(*) from int_customer_purchase_labels where month_end = '{MONTH_END}' "
            "and purchased_next_30d"
        ).fetchone()[0]
    assert known > 0
