"""The drift the generator plants is what the monitoring layer reports.

The generator shifts behaviour in its last SHIFT_DAYS days: frequent small buyers pay
FSB_SHIFT_FACTOR times more per order, and LOYAL_CHURN_SHARE of the loyal big spenders
stop buying and visiting. Against the month end before the shift (a pinned
drift_baseline), feature_drift must show PSI above psi_alert on the shifted features
within the segments of those personas, and stay below psi_warn on the features the
shift did not touch, there and over all customers.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
import yaml
from dbt_runner import END_DATE, PROJECT_DIR, SEED, run_dbt
from segmentation.generate import SHIFT_DAYS, generate

CUSTOMERS = 20_000
# features the shift does not touch (orders_per_active_month runs over a customer's
# active span, so customers who stop keep their rate)
UNSHIFTED = [
    "is_repeat_customer",
    "orders_per_active_month",
    "events_per_session",
    "funnel_actions_per_session",
]
SHIFTED = {
    "frequent_small_buyer": ["typical_order_value_90d"],
    "loyal_big_spender": ["orders_90d", "typical_order_value_90d", "days_since_last_activity"],
}


def pre_shift_month_end() -> pd.Timestamp:
    shift_start = pd.Timestamp(END_DATE - timedelta(days=SHIFT_DAYS))
    # the last day of the month before the one the shift starts in
    return shift_start.to_period("M").start_time - pd.Timedelta(days=1)


@pytest.fixture(scope="module")
def drift(tmp_path_factory) -> tuple[pd.DataFrame, dict[str, int]]:
    root = tmp_path_factory.mktemp("planted")
    generate(CUSTOMERS, SEED, root / "raw", root / "truth", END_DATE, "parquet")
    baseline = pre_shift_month_end()
    vars_ = {"raw_dir": str(root / "raw"), "drift_baseline": baseline.strftime("%Y-%m-%d")}
    seeded = run_dbt(["seed"], root / "build", vars_)
    assert seeded.returncode == 0, seeded.output[-3000:]
    run = run_dbt(
        [
            "run",
            "--select",
            "+feature_drift",
            "--exclude",
            "segment_classifier_metrics segment_feature_importance segment_personas",
        ],
        root / "build",
        vars_,
    )
    assert run.returncode == 0, run.output[-6000:]
    truth = pd.read_parquet(root / "truth" / "customer_personas.parquet")
    with run.connect() as con:
        table = con.execute("select * from feature_drift where is_latest_period").df()
        segments = con.execute(
            "select customer_id, segment_id from int_customer_segments_by_month "
            "where month_end = ?",
            [baseline],
        ).df()
    assert (table["baseline_period"] == baseline).all()
    # each shifted persona's segment: where most of its customers were before the shift
    members = segments.merge(truth, on="customer_id")
    home = {
        persona: int(members[members["persona"] == persona]["segment_id"].mode().iloc[0])
        for persona in SHIFTED
    }
    assert len(set(home.values())) == len(home), home
    return table, home


def psi_of(table: pd.DataFrame, feature: str, segment: int | None) -> float:
    rows = table[table["feature_name"] == feature]
    rows = (
        rows[rows["segment_id"].isna()] if segment is None else rows[rows["segment_id"] == segment]
    )
    assert len(rows) == 1, (feature, segment)
    return float(rows["psi"].iloc[0])


def test_shifted_features_alert_in_the_shifted_segments(drift) -> None:
    table, home = drift
    alert = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]["psi_alert"]
    for persona, features in SHIFTED.items():
        for feature in features:
            assert psi_of(table, feature, home[persona]) > alert, (persona, feature)


def test_unshifted_features_stay_below_warn(drift) -> None:
    table, home = drift
    warn = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]["psi_warn"]
    for segment in [None, *home.values()]:
        for feature in UNSHIFTED:
            assert psi_of(table, feature, segment) < warn, (segment, feature)
