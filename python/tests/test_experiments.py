"""Experiments: hash assignment recomputed with hashlib, the readout recomputed with
pandas, and the z-test and its p-value checked against scipy."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest
from dbt_runner import run_dbt
from scipy import stats


@pytest.fixture(scope="module")
def con(small_build):
    with small_build.connect() as connection:
        yield connection


@pytest.fixture(scope="module")
def experiments(con) -> pd.DataFrame:
    return con.execute("select * from experiments order by experiment_id").df()


@pytest.fixture(scope="module")
def expected_assignments(con, experiments) -> pd.DataFrame:
    """Targeted customers and arms from the seed, the monthly segments and hashlib."""
    segments = con.execute(
        "select customer_id, month_end, segment_id from int_customer_segments_by_month"
    ).df()
    frames = []
    for experiment in experiments.itertuples():
        month_end = pd.Timestamp(experiment.start_date) - pd.offsets.MonthEnd(1)
        month = segments[pd.to_datetime(segments["month_end"]) == month_end]
        if isinstance(experiment.target_segment_ids, str) and experiment.target_segment_ids:
            targets = {int(s) for s in experiment.target_segment_ids.split("|")}
            month = month[month["segment_id"].isin(targets)]
        buckets = [
            int(hashlib.md5(f"{experiment.experiment_id}:{c}".encode()).hexdigest()[:8], 16)
            % 10_000
            for c in month["customer_id"]
        ]
        frames.append(
            pd.DataFrame(
                {
                    "experiment_id": experiment.experiment_id,
                    "customer_id": month["customer_id"].to_numpy(),
                    "segment_id": month["segment_id"].to_numpy(),
                    "hash_bucket": buckets,
                    "is_holdout": np.array(buckets) < round(experiment.holdout_share * 10_000),
                }
            )
        )
    return pd.concat(frames).sort_values(["experiment_id", "customer_id"]).reset_index(drop=True)


def test_assignment_is_the_documented_hash_of_experiment_and_customer(
    con, expected_assignments
) -> None:
    got = con.execute(
        "select experiment_id, customer_id, segment_id, hash_bucket, is_holdout "
        "from experiment_assignments order by experiment_id, customer_id"
    ).df()
    assert len(got) > 0
    for column in ["experiment_id", "customer_id"]:
        assert got[column].tolist() == expected_assignments[column].tolist()
    for column in ["segment_id", "hash_bucket"]:
        assert got[column].astype(int).tolist() == expected_assignments[column].tolist()
    assert got["is_holdout"].tolist() == expected_assignments["is_holdout"].tolist()


def test_holdout_share_is_close_to_the_requested_share(con, experiments) -> None:
    shares = con.execute(
        "select experiment_id, avg(case when is_holdout then 1.0 else 0.0 end) as share, "
        "count(*) as n from experiment_assignments group by experiment_id order by 1"
    ).df()
    merged = shares.merge(experiments, on="experiment_id")
    assert len(merged) == len(experiments)
    for row in merged.itertuples():
        # a fair hash puts each customer in the holdout with probability holdout_share:
        # within 4 binomial standard deviations
        sd = np.sqrt(row.holdout_share * (1 - row.holdout_share) / row.n)
        assert abs(row.share - row.holdout_share) < 4 * sd, row


def test_experiment_results_match_a_recomputation_and_scipy(con, experiments) -> None:
    assignments = con.execute(
        "select experiment_id, customer_id, segment_id, arm from experiment_assignments"
    ).df()
    days = con.execute(
        "select customer_id, activity_date, completed_orders, "
        "cast(gross_revenue_usd - refunded_revenue_usd as double) as net "
        "from int_customer_activity_aggregated_to_days"
    ).df()
    as_of = pd.Timestamp(con.execute("select as_of_date from int_as_of_date").fetchone()[0])
    got = con.execute("select * from experiment_results").df()
    checked = 0
    for experiment in experiments.itertuples():
        start = pd.Timestamp(experiment.start_date)
        end = (
            as_of if pd.isna(experiment.end_date) else min(pd.Timestamp(experiment.end_date), as_of)
        )
        window = days[
            (pd.to_datetime(days["activity_date"]) >= start)
            & (pd.to_datetime(days["activity_date"]) <= end)
        ]
        outcomes = (
            window.groupby("customer_id")
            .agg(orders=("completed_orders", "sum"), net=("net", "sum"))
            .reset_index()
        )
        mine = assignments[assignments["experiment_id"] == experiment.experiment_id].merge(
            outcomes, on="customer_id", how="left"
        )
        mine[["orders", "net"]] = mine[["orders", "net"]].fillna(0)
        groups = [("all", None, mine)] + [
            ("segment", segment, rows) for segment, rows in mine.groupby("segment_id")
        ]
        for breakdown, segment, rows in groups:
            row = got[
                (got["experiment_id"] == experiment.experiment_id)
                & (got["breakdown"] == breakdown)
                & (got["segment_id"].isna() if segment is None else got["segment_id"] == segment)
            ]
            assert len(row) == 1, (experiment.experiment_id, breakdown, segment)
            row = row.iloc[0]
            treated = rows[rows["arm"] == "treatment"]
            held = rows[rows["arm"] == "holdout"]
            n1, n2 = len(treated), len(held)
            x1, x2 = int((treated["orders"] > 0).sum()), int((held["orders"] > 0).sum())
            assert (row["treatment_customers"], row["holdout_customers"]) == (n1, n2)
            assert (row["treatment_converters"], row["holdout_converters"]) == (x1, x2)
            assert row["treatment_revenue_per_customer_usd"] == pytest.approx(
                treated["net"].sum() / n1, rel=1e-9
            )
            assert row["holdout_revenue_per_customer_usd"] == pytest.approx(
                held["net"].sum() / n2, rel=1e-9
            )
            assert row["conversion_uplift"] == pytest.approx(x1 / n1 - x2 / n2, abs=1e-12)
            pooled = (x1 + x2) / (n1 + n2)
            z = (x1 / n1 - x2 / n2) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
            assert row["z_statistic"] == pytest.approx(z, rel=1e-9, abs=1e-12)
            assert abs(row["p_value"] - 2 * stats.norm.sf(abs(z))) < 1.5e-7
            checked += 1
    assert checked == len(got)


def test_p_value_macro_matches_scipy_over_the_range(small_build, tmp_path) -> None:
    """The SQL normal tail on a grid of z from -8 to 8, against scipy."""
    grid = np.round(np.arange(-8, 8.0001, 0.05), 2)
    values = ", ".join(f"({z})" for z in grid)
    sql = (
        "select z, {{ two_sided_normal_p_value('z') }} as p "
        f"from (values {values}) as grid (z) order by z"
    )
    run = run_dbt(["show", "--inline", sql, "--limit", "-1", "--output", "json"], tmp_path)
    assert run.returncode == 0, run.output[-3000:]
    start = run.output.index('{\n  "show"')

    shown = pd.DataFrame(json.JSONDecoder().raw_decode(run.output[start:])[0]["show"])
    assert shown["z"].astype(float).tolist() == pytest.approx(grid.tolist())
    expected = 2 * stats.norm.sf(np.abs(grid))
    assert np.max(np.abs(shown["p"].astype(float).to_numpy() - expected)) < 1.5e-7
