"""Prediction inputs (issue 9): labels from what customers did after each month end,
checked against an independent pandas computation, and features at a month end that
use no later data (the same rows when every order and event after it is withheld)."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from dbt_runner import PROJECT_DIR, run_dbt
from segmentation import prediction
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import (
    brier_score_loss,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)
from threadpoolctl import threadpool_limits

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
        per_month = project_vars()["prediction_rows_per_month"]
    as_of = pd.Timestamp(as_of)
    # the rows: monthly rows at the month ends whose 30 days are over, all of a month
    # end's customers or the sample's size of them (the sample itself: the unit test
    # labels_of_a_sample_of_each_month_end_by_seeded_key)
    months["month_end"] = pd.to_datetime(months["month_end"])
    known = months[months["month_end"] + pd.Timedelta(days=30) <= as_of]
    rows = labels[["customer_id", "month_end"]].assign(
        month_end=pd.to_datetime(labels["month_end"])
    )
    assert len(rows.merge(known, on=["customer_id", "month_end"])) == len(rows) > 0
    pd.testing.assert_series_equal(
        rows.groupby("month_end").size(),
        known.groupby("month_end").size().clip(upper=per_month),
        check_names=False,
    )
    months = labels[["customer_id", "month_end"]]
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
    # all kinds occur: bought within 30 days or not, churned, not, and not yet known
    assert {value for *_, value in expected} == {True, False, None}
    assert {value for _, _, value, _ in expected} == {True, False}


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


def project_vars() -> dict:
    return yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


def test_sql_scores_equal_scikit_learn_refitted_independently(small_build) -> None:
    """Refit each target here with scikit-learn on the registry's training months of
    prediction_training_rows, and score customer_features with predict_proba: the
    probabilities customer_predictions got from the stored trees in SQL are the same."""
    settings = project_vars()
    features = settings["prediction_features"]
    boosting = settings["prediction_gradient_boosting"]
    with small_build.connect() as con:
        registry = con.execute("select * from prediction_model_registry").df()
        rows = con.execute("select * from prediction_training_rows").df()
        customers = con.execute(
            f"select customer_id, {', '.join(features)} from customer_features order by customer_id"
        ).df()
        predictions = con.execute("select * from customer_predictions order by customer_id").df()
    assert len(registry) == 2 and len(predictions) == len(customers) > 1000
    rows["month_end"] = pd.to_datetime(rows["month_end"])
    for target, label, column in (
        ("purchase_propensity", "purchased_next_30d", "purchase_propensity"),
        ("churn_risk", "churned_next_90d", "churn_risk"),
    ):
        entry = registry[registry["target"] == target].iloc[0]
        train = rows[
            rows["month_end"].between(
                pd.Timestamp(entry["training_month_from"]), pd.Timestamp(entry["training_month_to"])
            )
            & rows[label].notna()
        ].sort_values(["month_end", "customer_id"])
        assert len(train) == entry["training_rows"]
        model = HistGradientBoostingClassifier(
            **boosting, early_stopping=False, random_state=settings["random_seed"]
        )
        # one OpenMP thread, as the dbt model fits (the other pytest worker has the other core)
        with threadpool_limits(limits=1, user_api="openmp"):
            model.fit(train[features].astype("float64").to_numpy(), train[label].astype(bool))
        expected = model.predict_proba(customers[features].astype("float64").to_numpy())[:, 1]
        np.testing.assert_allclose(predictions[column], expected, rtol=0, atol=1e-9)
        flagged = predictions[
            "is_likely_to_buy" if target == "purchase_propensity" else "is_churn_risk"
        ]
        assert (flagged == (expected >= entry["threshold"])).all()


def test_validation_metrics_equal_a_recomputation(small_build) -> None:
    """Each row of prediction_model_metrics: scikit-learn's ROC AUC, precision, recall,
    F1 and Brier score of the stored champion's scores on that month's rows, and the
    recency-only baseline's ROC AUC; the validation months come after the training
    months' label windows."""
    features = project_vars()["prediction_features"]
    with small_build.connect() as con:
        metrics = con.execute("select * from prediction_model_metrics").df()
        registry = con.execute("select * from prediction_model_registry").df()
        rows = con.execute("select * from prediction_training_rows").df()
    assert set(metrics["target"]) == {"purchase_propensity", "churn_risk"}
    assert len(metrics) == 2 * project_vars()["prediction_validation_months"]
    rows["month_end"] = pd.to_datetime(rows["month_end"])
    for metric in metrics.itertuples():
        entry = registry[(registry["target"] == metric.target)].iloc[0]
        label = entry["label"]
        assert pd.Timestamp(entry["training_month_to"]) + pd.Timedelta(
            days=int(entry["horizon_days"])
        ) <= pd.Timestamp(metric.validation_month)
        month = rows[
            (rows["month_end"] == pd.Timestamp(metric.validation_month)) & rows[label].notna()
        ]
        trees = prediction.trees_from_json(entry["trees_json"])
        scores = prediction.score_trees(
            trees, month[features].astype("float64").to_numpy(), features
        )
        labels = month[label].astype(bool).to_numpy()
        predicted = scores >= metric.threshold
        assert metric.validation_rows == len(month) and metric.positives == labels.sum()
        assert metric.roc_auc == pytest.approx(roc_auc_score(labels, scores))
        assert metric.precision_at_threshold == pytest.approx(precision_score(labels, predicted))
        assert metric.recall_at_threshold == pytest.approx(recall_score(labels, predicted))
        assert metric.f1_at_threshold == pytest.approx(f1_score(labels, predicted))
        assert metric.brier_score == pytest.approx(brier_score_loss(labels, scores))
        sign = -1 if metric.target == "purchase_propensity" else 1
        assert metric.baseline_roc_auc == pytest.approx(
            roc_auc_score(labels, sign * month["recency_days"].astype(float))
        )


def test_the_propensity_model_beats_the_recency_baseline(small_build) -> None:
    """Issue 9's quality bar: on the generated data, the models' ROC AUC on every
    validation month is above the recency-only baseline's on the same rows."""
    with small_build.connect() as con:
        metrics = con.execute(
            "select target, validation_month, roc_auc, baseline_roc_auc "
            "from prediction_model_metrics where role = 'challenger'"
        ).df()
    print(metrics.groupby("target")[["roc_auc", "baseline_roc_auc"]].mean())
    assert len(metrics) == 2 * project_vars()["prediction_validation_months"]
    assert (metrics["roc_auc"] > metrics["baseline_roc_auc"]).all()


def test_deciles_split_customers_into_tenths_by_score(small_build) -> None:
    with small_build.connect() as con:
        predictions = con.execute("select * from customer_predictions").df()
    for score, decile in (
        ("purchase_propensity", "purchase_propensity_decile"),
        ("churn_risk", "churn_risk_decile"),
    ):
        sizes = predictions.groupby(decile).size()
        assert list(sizes.index) == list(range(1, 11))
        assert sizes.max() - sizes.min() <= 1
        bounds = predictions.groupby(decile)[score].agg(["min", "max"])
        assert (bounds["max"].iloc[:-1].to_numpy() <= bounds["min"].iloc[1:].to_numpy()).all()


def test_realized_outcomes_champion_challenger_and_rollback(small_raw, tmp_path) -> None:
    """Predict as of 2026-05-31, then build again as of the generated data's end with a
    weaker challenger (stumps) and a margin of 0.02:

    - the May snapshot stays in customer_prediction_history and prediction_outcomes
      compares it with what the customers did next (recomputed here from the order
      facts, with scikit-learn's metrics); the September snapshot's windows are not over;
    - the challenger that cannot beat the May champion by the margin on the same
      validation months is recorded and the champion keeps scoring;
    - pinning the new version (var prediction_model_version) scores with it; pinning an
      unknown version stops with a message."""
    workdir = tmp_path / "outcomes"
    workdir.mkdir()
    selection = ["build", "--select", "+prediction_outcomes", "+prediction_model_metrics"]
    selection += ["--resource-type", "model", "seed"]
    stump = {**project_vars()["prediction_gradient_boosting"], "max_iter": 5, "max_depth": 1}
    challenge = {"prediction_gradient_boosting": stump, "prediction_promotion_margin": 0.02}
    for as_of, changes in (("2026-05-31", {}), ("2026-09-30", challenge)):
        settings = {"raw_dir": str(small_raw), "as_of_date": as_of, **changes}
        run = run_dbt(selection, workdir, settings)
        assert run.returncode == 0, run.output[-4000:]
    with run.connect() as con:
        history = con.execute("select * from customer_prediction_history").df()
        outcomes = con.execute("select * from prediction_outcomes order by target").df()
        orders = con.execute(
            "select distinct customer_id, activity_date from "
            "int_customer_activity_aggregated_to_days where completed_orders > 0"
        ).df()
    months = history.groupby("prediction_month").size()
    assert [str(month.date()) for month in months.index] == ["2026-05-01", "2026-09-01"]
    assert set(outcomes["prediction_month"].astype(str)) == {"2026-05-01"}
    assert sorted(outcomes["target"]) == ["churn_risk", "purchase_propensity"]
    may = history[history["prediction_month"].astype(str) == "2026-05-01"]
    orders["activity_date"] = pd.to_datetime(orders["activity_date"])
    as_of = pd.Timestamp("2026-05-31")
    for target, horizon, probability, flag in (
        ("purchase_propensity", 30, "purchase_propensity", "is_likely_to_buy"),
        ("churn_risk", 90, "churn_risk", "is_churn_risk"),
    ):
        window = orders[
            (orders["activity_date"] > as_of)
            & (orders["activity_date"] <= as_of + pd.Timedelta(days=horizon))
        ]
        ordered = may["customer_id"].isin(window["customer_id"])
        outcome = ordered if target == "purchase_propensity" else ~ordered
        row = outcomes[outcomes["target"] == target].iloc[0]
        assert row["customers"] == len(may) and row["positives"] == outcome.sum()
        assert row["predicted_positives"] == may[flag].sum()
        assert row["precision_at_threshold"] == pytest.approx(precision_score(outcome, may[flag]))
        assert row["recall_at_threshold"] == pytest.approx(recall_score(outcome, may[flag]))
        assert row["f1_at_threshold"] == pytest.approx(f1_score(outcome, may[flag]))
        assert row["roc_auc"] == pytest.approx(roc_auc_score(outcome, may[probability]))
        assert row["brier_score"] == pytest.approx(brier_score_loss(outcome, may[probability]))
        assert pd.Timestamp(row["outcome_known_on"]) == as_of + pd.Timedelta(days=horizon)
        print(target, "realized ROC AUC", row["roc_auc"], "F1", row["f1_at_threshold"])
    check_champion_and_rollback(run, workdir, settings)


def check_champion_and_rollback(run, workdir, settings: dict) -> None:
    with run.connect() as con:
        registry = con.execute(
            "select * from prediction_model_registry order by version_number, target"
        ).df()
        scored = con.execute(
            "select distinct purchase_model_version, churn_model_version from customer_predictions"
        ).fetchall()
    champion, version = registry["model_version"].unique()
    new = registry[registry["model_version"] == version]
    assert len(new) == 2 and (new["champion_before"] == champion).all()
    assert (new["decision"] == "kept_champion").all(), new[["decision_reason"]]
    assert (new["validation_roc_auc"] < new["champion_roc_auc"] + 0.02).all()
    assert scored == [(champion, champion)]
    with run.connect() as con:
        roles = con.execute(
            "select role, count(*) from prediction_model_metrics "
            "where validation_of_version = ? group by role order by role",
            [version],
        ).fetchall()
    months = project_vars()["prediction_validation_months"]
    assert roles == [("challenger", 2 * months), ("champion", 2 * months)]
    # roll forward (or back) to the new version by the var, without retraining
    pinned = run_dbt(
        ["run", "--select", "int_prediction_champions+,+customer_predictions"],
        workdir,
        {**settings, "prediction_model_version": version, "prediction_retrain": False},
    )
    assert pinned.returncode == 0, pinned.output[-4000:]
    with pinned.connect() as con:
        scored = con.execute(
            "select distinct purchase_model_version, churn_model_version from customer_predictions"
        ).fetchall()
    assert scored == [(version, version)]
    unknown = run_dbt(
        ["run", "--select", "int_prediction_champions"],
        workdir,
        {**settings, "prediction_model_version": "p000000000000"},
    )
    assert unknown.returncode != 0
    assert "no stored prediction model p000000000000" in unknown.output
    assert "Traceback" not in unknown.output
