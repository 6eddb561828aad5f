"""The monthly segments (int_customer_segments_by_month) on an incremental run compare
and score only the customers whose monthly features were written since the table's
latest batch (macro segments_unseen_batch); customers no longer eligible leave; another
model version or other month ends make it compare every row again. Each result equals
a full refresh, but for a row deleted by hand from a customer no run rewrote, which
only the full comparison brings back."""

from __future__ import annotations

import duckdb
import pandas as pd
from dbt_runner import compiled_sql, copy_of_warehouse, rows_without_batch, run_dbt
from test_features import project_vars

SEGMENTS = "int_customer_segments_by_month"
MONTHLY = "customer_features_monthly"


def without(frame: pd.DataFrame, customer: str, month_end) -> pd.DataFrame:
    """``frame`` without the row of ``customer`` at ``month_end``."""
    kept = ~((frame.customer_id == customer) & (frame.month_end.dt.date == month_end))
    assert (~kept).sum() == 1
    return frame[kept].reset_index(drop=True)


def test_monthly_segments_look_only_at_rewritten_customers(
    small_build, small_raw, tmp_path
) -> None:
    workdir = copy_of_warehouse(small_build, tmp_path, "segments")
    warehouse = workdir / "warehouse.duckdb"
    settings = {"raw_dir": str(small_raw)}
    run = ["run", "--select", SEGMENTS]
    feature = next(iter(project_vars()["scaled_features"]))
    with duckdb.connect(str(warehouse)) as connection:
        # three customers with rows at every scored month end: `untouched` loses a
        # segment row by hand (no build deletes one alone), `rewritten` has its
        # monthly rows written again by a later run (one with another feature value,
        # so another hash) and loses a segment row too, `gone` is no longer eligible
        # and leaves the monthly features (as when consent is withdrawn)
        untouched, rewritten, gone = [
            row[0]
            for row in connection.execute(
                f"select customer_id from {SEGMENTS} group by 1 "
                f"having count(*) = (select count(distinct month_end) from {SEGMENTS}) "
                "order by 1 limit 3"
            ).fetchall()
        ]
        months = [
            row[0]
            for row in connection.execute(
                f"select distinct month_end from {SEGMENTS} order by 1"
            ).fetchall()
        ]
        lost_untouched, lost_rewritten, changed = months[0], months[-1], months[1]
        connection.execute(
            f"delete from {SEGMENTS} where customer_id = ? and month_end = ? "
            "or customer_id = ? and month_end = ?",
            [untouched, lost_untouched, rewritten, lost_rewritten],
        )
        # as after later daily runs: the table's latest batch is 5 and this run's is 6;
        # the rewritten customer's monthly rows are of batch 5, the others' earlier
        connection.execute("insert into test_pass_log values ('test.later.daily.runs', 'none', 5)")
        connection.execute(
            f"update {SEGMENTS} set write_batch = 5 where customer_id = ?", [untouched]
        )
        assert connection.execute(f"select max(write_batch) from {MONTHLY}").fetchone()[0] < 5
        connection.execute(
            f"update {MONTHLY} set write_batch = 5, "
            f"{feature} = case when month_end = ? then coalesce({feature}, 0) + 7 "
            f"else {feature} end "
            "where customer_id = ?",
            [changed, rewritten],
        )
        for table in (MONTHLY, "int_customers_filtered_to_eligible"):
            connection.execute(f"delete from {table} where customer_id = ?", [gone])
        scored_before = connection.execute(
            f"select month_end, features_hash, write_batch from {SEGMENTS} "
            "where customer_id = ? order by month_end",
            [rewritten],
        ).df()

    narrowed = run_dbt(run, workdir, settings)
    assert narrowed.returncode == 0, narrowed.output[-4000:]
    assert "rewritten.write_batch >= 5" in compiled_sql(narrowed, SEGMENTS)
    after_narrowed = rows_without_batch(warehouse, SEGMENTS, "customer_id, month_end")
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        scored_after = connection.execute(
            f"select month_end, features_hash, write_batch from {SEGMENTS} "
            "where customer_id = ? order by month_end",
            [rewritten],
        ).df()
    # the rewritten customer: the row deleted by hand and the row whose features
    # changed are scored again (batch 6), the others kept as they were
    rescored = scored_after.write_batch == 6
    assert set(scored_after.month_end[rescored].dt.date) == {lost_rewritten, changed}
    kept = scored_after[~rescored].reset_index(drop=True)
    expected_kept = scored_before[scored_before.month_end.dt.date != changed]
    pd.testing.assert_frame_equal(kept, expected_kept.reset_index(drop=True), check_exact=True)
    changed_hash = scored_after.features_hash[scored_after.month_end.dt.date == changed].item()
    assert (
        changed_hash
        != scored_before.features_hash[scored_before.month_end.dt.date == changed].item()
    )
    assert gone not in set(after_narrowed.customer_id)

    # a stored row of a model version that no longer scores: every row is compared
    # (no batch filter), so the untouched customer's lost row comes back
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(
            f"update {SEGMENTS} set model_version = 'retired' "
            "where customer_id = ? and month_end = ?",
            [rewritten, changed],
        )
    retired = run_dbt(run, workdir, settings)
    assert retired.returncode == 0, retired.output[-4000:]
    assert "write_batch >=" not in compiled_sql(retired, SEGMENTS)
    after_retired = rows_without_batch(warehouse, SEGMENTS, "customer_id, month_end")

    # month ends stored that are not those scored (the earliest month's rows gone, as
    # when segment_history_months grew): every row is compared again, so they come back
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(f"delete from {SEGMENTS} where month_end = ?", [months[0]])
    other_months = run_dbt(run, workdir, settings)
    assert other_months.returncode == 0, other_months.output[-4000:]
    assert "write_batch >=" not in compiled_sql(other_months, SEGMENTS)
    after_other_months = rows_without_batch(warehouse, SEGMENTS, "customer_id, month_end")

    refreshed = run_dbt([*run, "--full-refresh"], workdir, settings)
    assert refreshed.returncode == 0, refreshed.output[-4000:]
    full = rows_without_batch(warehouse, SEGMENTS, "customer_id, month_end")
    assert gone not in set(full.customer_id)
    pd.testing.assert_frame_equal(
        after_narrowed, without(full, untouched, lost_untouched), check_exact=True
    )
    pd.testing.assert_frame_equal(after_retired, full, check_exact=True)
    pd.testing.assert_frame_equal(after_other_months, full, check_exact=True)
