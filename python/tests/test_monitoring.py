"""The monitoring layer checked against numpy, computed here from the monthly features."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
import yaml
from dbt_runner import PROJECT_DIR, copy_of_warehouse, run_dbt
from scipy.stats import chi2_contingency

EPSILON = 0.0001


@pytest.fixture(scope="module")
def con(small_build):
    with small_build.connect() as connection:
        yield connection


def psi_and_kl(baseline: np.ndarray, current: np.ndarray, bins: int) -> tuple[float, float, int]:
    """PSI and KL(current || baseline) over the baseline's quantile bins, by hand:
    edges = distinct quantiles i / bins (the smallest value with at least that share of
    the values at or below it: rank ceil(i * n / bins), in exact fractions), a value
    goes to (lower, upper], nulls to a bin of their own."""
    present = np.sort(baseline[~np.isnan(baseline)])
    ranks = [math.ceil(Fraction(i, bins) * len(present)) for i in range(1, bins)]
    edges = np.unique(present[np.array(ranks) - 1])

    def shares(values: np.ndarray) -> np.ndarray:
        counts = np.bincount(
            np.searchsorted(edges, values[~np.isnan(values)], side="left"),
            minlength=len(edges) + 1,
        ).astype(float)
        counts = np.append(counts, np.isnan(values).sum())  # the null bin, last here
        share = counts / len(values)
        share[counts == 0] = EPSILON
        return share, counts

    base, base_counts = shares(baseline)
    cur, cur_counts = shares(current)
    used = np.ones(len(base), dtype=bool)
    used[-1] = base_counts[-1] + cur_counts[-1] > 0  # the null bin only when used
    base, cur = base[used], cur[used]
    return (
        float(((cur - base) * np.log(cur / base)).sum()),
        float((cur * np.log(cur / base)).sum()),
        int(used.sum()),
    )


def settings() -> dict:
    return yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


@pytest.fixture(scope="module")
def periods(con) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The latest period and its baseline."""
    row = con.execute(
        "select current_period, baseline_period from int_drift_periods where is_latest_period"
    ).fetchone()
    return pd.Timestamp(row[0]), pd.Timestamp(row[1])


@pytest.fixture(scope="module")
def monthly_with_segments(con) -> pd.DataFrame:
    """Monthly features with the month's segment, joined here (not from the drift input)."""
    monthly = con.execute("select * from customer_features_monthly").df()
    segments = con.execute(
        "select customer_id, month_end, segment_id from int_customer_segments_by_month"
    ).df()
    return monthly.merge(segments, on=["customer_id", "month_end"], how="left")


def test_drift_periods_default_to_the_previous_month(con, periods) -> None:
    month_ends = sorted(
        pd.Timestamp(m)
        for m in con.execute("select distinct month_end from customer_features_monthly").df()[
            "month_end"
        ]
    )
    assert periods == (month_ends[-1], month_ends[-2])
    history = settings()["drift_history_months"]
    all_periods = con.execute(
        "select distinct current_period, baseline_period from int_drift_periods order by 1"
    ).df()
    assert [pd.Timestamp(p) for p in all_periods["current_period"]] == month_ends[-history:]
    assert [pd.Timestamp(p) for p in all_periods["baseline_period"]] == month_ends[
        -history - 1 : -1
    ]


def drift_groups(data: pd.DataFrame, current, baseline) -> list[tuple]:
    """(scope, segment, baseline rows, current rows) of one period, split here."""
    this = data[data["month_end"] == current]
    before = data[data["month_end"] == baseline]
    return [("population", None, before, this)] + [
        (
            "segment",
            segment,
            before[before["segment_id"] == segment],
            this[this["segment_id"] == segment],
        )
        for segment in sorted(set(before["segment_id"]) & set(this["segment_id"]))
    ]


def test_feature_drift_equals_numpy(con, monthly_with_segments) -> None:
    """Every population and segment row of every period against PSI and KL computed
    here, within 1e-9."""
    bins = settings()["drift_bins"]
    features = settings()["drift_features"]
    everything = con.execute("select * from feature_drift").df()
    period_pairs = everything[["current_period", "baseline_period"]].drop_duplicates()
    assert len(period_pairs) == settings()["drift_history_months"]
    expected_rows = 0
    for current, baseline in period_pairs.itertuples(index=False):
        drift = everything[everything["current_period"] == current]
        groups = drift_groups(monthly_with_segments, current, baseline)
        expected_rows += len(groups) * len(features)
        check_period(drift, groups, features, bins)
    assert len(everything) == expected_rows
    # the cases the bins must handle occur: few distinct values and nulls
    assert (everything["bins"] < bins).any()
    assert monthly_with_segments["events_per_session"].isna().any()


def check_period(drift: pd.DataFrame, groups: list[tuple], features: list[str], bins: int) -> None:
    for scope, segment, base_rows, current_rows in groups:
        rows = drift[drift["scope"] == scope]
        rows = (
            rows[rows["segment_id"].isna()]
            if segment is None
            else rows[rows["segment_id"] == segment]
        )
        rows = rows.set_index("feature_name")
        assert sorted(rows.index) == sorted(features)
        for feature in features:
            psi, kl, used = psi_and_kl(
                base_rows[feature].to_numpy(dtype=float),
                current_rows[feature].to_numpy(dtype=float),
                bins,
            )
            row = rows.loc[feature]
            assert abs(row["psi"] - psi) <= 1e-9, (scope, segment, feature)
            assert abs(row["kl_divergence"] - kl) <= 1e-9, (scope, segment, feature)
            assert row["bins"] == used, (scope, segment, feature)
            assert (row["baseline_rows"], row["current_rows"]) == (
                len(base_rows),
                len(current_rows),
            )
            expected = "alert" if psi >= 0.25 else "warn" if psi >= 0.1 else "ok"
            assert row["status"] == expected, (scope, segment, feature)


def test_history_of_the_current_month_equals_the_assignments(con) -> None:
    """Scoring the monthly history with the macro gives the same segments as
    customer_segment_assignments at the month end both share (as_of_date)."""
    assignments = con.execute(
        "select customer_id, segment_id, model_version, assigned_as_of "
        "from customer_segment_assignments"
    ).df()
    history = con.execute(
        "select customer_id, segment_id, model_version, month_end "
        "from int_customer_segments_by_month"
    ).df()
    as_of = assignments["assigned_as_of"].iloc[0]
    same_month = history[history["month_end"] == as_of]
    merged = assignments.merge(same_month, on="customer_id", how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()
    assert (merged["segment_id_x"] == merged["segment_id_y"]).all()
    assert (merged["model_version_x"] == merged["model_version_y"]).all()
    months = history["month_end"].nunique()
    assert months == min(
        settings()["segment_history_months"],
        con.execute("select count(distinct month_end) from customer_features_monthly").fetchone()[
            0
        ],
    )


def test_segment_history_transitions_and_stability_reconcile(con) -> None:
    history_rows = con.execute(
        "select customer_id, month_end, segment_id from int_customer_segments_by_month"
    ).df()
    history = con.execute("select * from segment_history").df()
    counts = history_rows.groupby(["month_end", "segment_id"]).size()
    by_key = history.set_index(["month_end", "segment_id"])["customers"]
    assert by_key.sort_index().to_dict() == counts.sort_index().to_dict()
    transitions = con.execute("select * from segment_transitions").df()
    stability = con.execute("select * from segment_stability").df().set_index("month_end")
    months = sorted(history_rows["month_end"].unique())
    for previous, month in zip(months, months[1:], strict=False):
        pair = history_rows[history_rows["month_end"] == previous].merge(
            history_rows[history_rows["month_end"] == month], on="customer_id", how="right"
        )
        moves = pair.groupby(["segment_id_x", "segment_id_y"], dropna=False).size()
        rows = transitions[transitions["month_end"] == month]
        got = {
            (None if pd.isna(f) else int(f), int(t)): int(c)
            for f, t, c in zip(
                rows["from_segment_id"], rows["to_segment_id"], rows["customers"], strict=True
            )
        }
        expected = {(None if pd.isna(f) else int(f), int(t)): int(c) for (f, t), c in moves.items()}
        assert got == expected, month
        both = pair.dropna(subset=["segment_id_x"])
        kept = (both["segment_id_x"] == both["segment_id_y"]).mean()
        assert abs(stability.loc[month, "stability"] - kept) <= 1e-12, month
        assert stability.loc[month, "customers_in_both"] == len(both)
    assert len(stability) == len(months) - 1


def test_monthly_rfm_segments_equal_customer_rfm_scores(con, periods) -> None:
    """The named RFM segment of the current month (from the monthly history) is the one
    customer_rfm_scores gives as of that date."""
    categorical = con.execute(
        "select customer_id, category from int_categorical_values_for_drift "
        "where side = 'current' and column_name = 'rfm_segment'"
    ).df()
    scores = con.execute(
        "select customer_id, rfm_segment, as_of_date from customer_rfm_scores"
    ).df()
    assert pd.Timestamp(scores["as_of_date"].iloc[0]) == periods[0]
    merged = categorical.merge(scores, on="customer_id", how="outer")
    assert len(merged) == len(scores)
    assert (merged["category"] == merged["rfm_segment"]).all()


def test_categorical_drift_equals_scipy(con) -> None:
    """Chi-square statistic, degrees of freedom and p-value against
    scipy.stats.chi2_contingency (no continuity correction), PSI and KL by hand."""
    values = con.execute("select * from int_categorical_values_for_drift").df()
    drift = con.execute("select * from segment_drift").df().set_index("column_name")
    assert sorted(drift.index) == ["country_code", "rfm_segment", "segment_id"]
    for column, rows in values.groupby("column_name"):
        table = pd.crosstab(rows["side"], rows["category"].fillna("(null)"))
        statistic, p_value, freedom, _ = chi2_contingency(table.to_numpy(), correction=False)
        row = drift.loc[column]
        assert abs(row["chi_square"] - statistic) <= 1e-9 * max(1.0, statistic), column
        assert row["degrees_of_freedom"] == freedom, column
        assert abs(row["chi_square_p_value"] - p_value) <= 1e-9, column
        shares = table.div(table.sum(axis=1), axis=0).replace(0, EPSILON)
        base, cur = shares.loc["baseline"].to_numpy(), shares.loc["current"].to_numpy()
        assert abs(row["psi"] - ((cur - base) * np.log(cur / base)).sum()) <= 1e-9, column
        assert abs(row["kl_divergence"] - (cur * np.log(cur / base)).sum()) <= 1e-9, column


def test_drift_alerts_list_every_crossing_most_severe_first(con, periods) -> None:
    alerts = con.execute("select * from drift_alerts order by severity_rank").df()
    drift = con.execute(
        "select * from feature_drift where status != 'ok' and is_latest_period"
    ).df()
    categorical = con.execute("select * from segment_drift where status != 'ok'").df()
    stability = con.execute(
        "select * from segment_stability where month_end = ? and segment_share_psi >= ?",
        [periods[0], settings()["psi_warn"]],
    ).df()
    assert len(alerts) == len(drift) + len(categorical) + len(stability)
    assert list(alerts["severity_rank"]) == list(range(1, len(alerts) + 1))
    order = list(zip(alerts["status"] != "alert", -alerts["psi"], strict=True))
    assert order == sorted(order)


@pytest.mark.parametrize(
    ("thresholds", "expected_rc", "expected_text"),
    [
        ({"psi_warn": 1e-12, "psi_alert": 1e9}, 0, "WARN"),
        ({"psi_warn": 1e-12, "psi_alert": 1e-9}, 1, "ERROR"),
    ],
)
def test_drift_tests_warn_and_error_in_dbt(
    small_build, small_raw, tmp_path, thresholds, expected_rc, expected_text
) -> None:
    """The drift_within_thresholds tests make dbt itself warn (exit 0) or fail (exit 1)."""
    workdir = copy_of_warehouse(small_build, tmp_path, "thresholds")
    run = run_dbt(
        ["test", "--select", "test_name:drift_within_thresholds"],
        workdir,
        {"raw_dir": str(small_raw), **thresholds},
    )
    assert run.returncode == expected_rc, run.output[-3000:]
    assert f"{expected_text}=0" not in run.output


def test_training_baseline_is_the_month_the_model_was_fitted_on(
    small_build, small_raw, tmp_path
) -> None:
    """drift_baseline training: the month end on or before trained_as_of. The small build
    trains on its latest month, so both sides are the same month and nothing drifts."""
    workdir = copy_of_warehouse(small_build, tmp_path, "training")
    run = run_dbt(
        ["build", "--select", "monitoring+", "--exclude", "tag:python"],
        workdir,
        {"raw_dir": str(small_raw), "drift_baseline": "training"},
    )
    assert run.returncode == 0, run.output[-3000:]
    with run.connect() as con:
        trained_as_of = con.execute("select max(trained_as_of) from segment_centroids").fetchone()[
            0
        ]
        baseline = con.execute("select distinct baseline_period from int_drift_periods").fetchone()[
            0
        ]
        drift = con.execute("select psi, kl_divergence, status from feature_drift").df()
    assert pd.Timestamp(baseline) == pd.Timestamp(trained_as_of) + pd.offsets.MonthEnd(0)
    assert len(drift) > 0
    assert (drift["psi"].abs() <= 1e-12).all() and (drift["kl_divergence"].abs() <= 1e-12).all()
    assert (drift["status"] == "ok").all()


def test_a_baseline_that_is_not_a_month_end_stops_the_build(
    small_build, small_raw, tmp_path
) -> None:
    workdir = copy_of_warehouse(small_build, tmp_path, "bad_baseline")
    run = run_dbt(
        ["run", "--select", "int_drift_periods"],
        workdir,
        {"raw_dir": str(small_raw), "drift_baseline": "2026-06-15"},
    )
    assert run.returncode != 0
    assert "the drift baseline (var drift_baseline = 2026-06-15) is not a month end" in run.output
