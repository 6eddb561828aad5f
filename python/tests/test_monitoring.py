"""The monitoring layer checked against numpy, computed here from the monthly features."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from dbt_runner import PROJECT_DIR

EPSILON = 0.0001


@pytest.fixture(scope="module")
def con(small_build):
    with small_build.connect() as connection:
        yield connection


def psi_and_kl(baseline: np.ndarray, current: np.ndarray, bins: int) -> tuple[float, float, int]:
    """PSI and KL(current || baseline) over the baseline's quantile bins, by hand:
    edges = distinct quantiles i / bins (numpy's linear interpolation, as
    percentile_cont), a value goes to (lower, upper], nulls to a bin of their own."""
    present = baseline[~np.isnan(baseline)]
    edges = np.unique(np.quantile(present, [i / bins for i in range(1, bins)]))

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


def test_feature_drift_equals_numpy(con) -> None:
    settings = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    drift = con.execute("select * from feature_drift").df().set_index("feature_name")
    monthly = con.execute("select * from customer_features_monthly").df()
    current, baseline = drift["current_period"].iloc[0], drift["baseline_period"].iloc[0]
    month_ends = sorted(monthly["month_end"].unique())
    assert pd.Timestamp(current) == month_ends[-1]
    assert pd.Timestamp(baseline) == month_ends[-2]  # previous_month
    assert sorted(drift.index) == sorted(settings["scaled_features"])
    this = monthly[monthly["month_end"] == month_ends[-1]]
    before = monthly[monthly["month_end"] == month_ends[-2]]
    for feature, row in drift.iterrows():
        psi, kl, bins = psi_and_kl(
            before[feature].to_numpy(dtype=float),
            this[feature].to_numpy(dtype=float),
            settings["drift_bins"],
        )
        assert abs(row["psi"] - psi) <= 1e-9, feature
        assert abs(row["kl_divergence"] - kl) <= 1e-9, feature
        assert row["bins"] == bins, feature
        expected = "alert" if psi >= 0.25 else "warn" if psi >= 0.1 else "ok"
        assert row["status"] == expected, feature
    # the cases the bins must handle occur: few distinct values and nulls
    assert (drift["bins"] < settings["drift_bins"]).any()
    assert before["events_per_session"].isna().any()
