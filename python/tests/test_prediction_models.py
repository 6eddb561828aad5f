"""segmentation.prediction without dbt: the stored trees score exactly like
scikit-learn, metrics against hand-worked examples, the time-based split, and the
champion–challenger rule on synthetic month-end data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from dbt_runner import run_dbt
from segmentation import prediction
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

FEATURES = ["recency_days", "frequency", "sessions_90d"]
BOOSTING = {
    "max_iter": 30,
    "max_depth": 3,
    "learning_rate": 0.1,
    "min_samples_leaf": 20,
    "l2_regularization": 0.0,
}


def settings(**changes) -> prediction.PredictionSettings:
    values = {
        "features": FEATURES,
        "validation_months": 2,
        "seed": 7,
        "gradient_boosting": BOOSTING,
        "promotion_margin": 0.005,
    }
    values.update(changes)
    return prediction.PredictionSettings.from_vars(**values)


def month_rows(months: int = 10, customers: int = 400, seed: int = 0) -> pd.DataFrame:
    """Synthetic training rows: buying soon is likelier the more recent the last order
    and the more sessions; some sessions are unknown (null)."""
    rng = np.random.default_rng(seed)
    frames = []
    for month_end in pd.date_range("2025-01-31", periods=months, freq="ME"):
        recency = rng.integers(0, 400, customers).astype(float)
        frequency = rng.poisson(3, customers).astype(float)
        sessions = rng.poisson(5, customers).astype(float)
        sessions[rng.random(customers) < 0.1] = np.nan
        logit = 1.5 - recency / 80 + 0.2 * np.nan_to_num(sessions, nan=2) - 0.5
        bought = rng.random(customers) < 1 / (1 + np.exp(-logit))
        churned = (rng.random(customers) < 1 / (1 + np.exp(logit))) & ~bought
        frames.append(
            pd.DataFrame(
                {
                    "customer_id": [f"c{i:04d}" for i in range(customers)],
                    "month_end": month_end,
                    "recency_days": recency,
                    "frequency": frequency,
                    "sessions_90d": sessions,
                    "purchased_next_30d": bought,
                    "churned_next_90d": churned,
                }
            )
        )
    rows = pd.concat(frames, ignore_index=True)
    # the 90-day label of the last two month ends is not known yet
    last_two = rows["month_end"] >= rows["month_end"].max() - pd.offsets.MonthEnd(1)
    rows["churned_next_90d"] = rows["churned_next_90d"].astype("boolean").mask(last_two)
    return rows


def test_stored_trees_score_exactly_like_scikit_learn() -> None:
    rows = month_rows()
    matrix = prediction.feature_matrix(rows, FEATURES, "rows")
    model = HistGradientBoostingClassifier(
        max_iter=40, max_depth=3, early_stopping=False, random_state=0
    ).fit(matrix, rows["purchased_next_30d"])
    trees = prediction.trees_table(model, FEATURES)
    expected = model.predict_proba(matrix)[:, 1]
    assert np.isnan(matrix).any()  # null values take the learned missing branch
    np.testing.assert_allclose(
        prediction.score_trees(trees, matrix, FEATURES), expected, rtol=0, atol=1e-12
    )
    # the JSON the registry stores gives the same trees back
    again = prediction.trees_from_json(prediction.trees_to_json(trees))
    np.testing.assert_allclose(
        prediction.score_trees(again, matrix, FEATURES), expected, rtol=0, atol=1e-12
    )
    assert again["is_leaf"].sum() == trees["is_leaf"].sum() and len(again) == len(trees)


def test_metrics_equal_a_hand_worked_example() -> None:
    labels = np.array([1, 1, 0, 1, 0, 0], dtype=bool)
    scores = np.array([0.9, 0.6, 0.7, 0.3, 0.2, 0.1])
    metrics = prediction.binary_metrics(labels, scores, threshold=0.5)
    # predicted positive: 0.9, 0.6, 0.7 -> true positives 2 of 3 predicted, of 3 positives
    assert metrics["predicted_positives"] == 3 and metrics["positives"] == 3
    assert metrics["precision"] == pytest.approx(2 / 3)
    assert metrics["recall"] == pytest.approx(2 / 3)
    assert metrics["f1"] == pytest.approx(2 / 3)
    # ROC AUC: of the 9 (positive, negative) pairs the positive scores higher in 7
    # (0.9 beats all three negatives, 0.6 and 0.3 beat 0.2 and 0.1)
    assert metrics["roc_auc"] == pytest.approx(7 / 9)
    brier = ((0.9 - 1) ** 2 + 0.4**2 + 0.7**2 + 0.7**2 + 0.2**2 + 0.1**2) / 6
    assert metrics["brier"] == pytest.approx(brier)
    # one class only: no ROC AUC; nothing predicted: no precision
    none = prediction.binary_metrics(np.array([False, False]), np.array([0.1, 0.2]), threshold=0.5)
    assert none["roc_auc"] is None and none["precision"] is None and none["recall"] is None


def test_the_threshold_is_the_highest_f1() -> None:
    labels = np.array([1, 1, 0, 1, 0, 0], dtype=bool)
    scores = np.array([0.9, 0.6, 0.7, 0.3, 0.2, 0.1])
    # at 0.3 all three positives are found with two false positives: F1 = 6/8 = 0.75,
    # the best of every cut (0.9: 0.5, 0.7: 0.4, 0.6: 0.667, 0.2: 0.667, 0.1: 0.667)
    assert prediction.choose_threshold(labels, scores) == pytest.approx(0.3)


def test_the_split_keeps_training_labels_before_the_validation_months() -> None:
    rows = month_rows(months=10)
    purchase, churn = prediction.TARGETS
    split = prediction.split_months(rows, purchase, validation_months=2)
    month_ends = sorted(rows["month_end"].unique())
    assert list(split.validation) == month_ends[-2:]
    # 30-day labels: every month end at least 30 days before the first validation one
    assert list(split.training) == month_ends[:-2]
    # 90-day labels are known for 8 month ends; validate on 7-8, train on those whose
    # 90 days end by the first validation month end 2025-07-31: up to 2025-04-30
    # (+90 days = 2025-07-29), not 2025-05-31
    churn_split = prediction.split_months(rows, churn, validation_months=2)
    assert list(churn_split.validation) == month_ends[6:8]
    assert list(churn_split.training) == month_ends[:4]
    for month in churn_split.training:
        assert month + pd.Timedelta(days=90) <= churn_split.validation[0]
    with pytest.raises(prediction.PredictionError, match="prediction_validation_months"):
        prediction.split_months(rows, churn, validation_months=8)


def test_settings_errors_name_the_var() -> None:
    with pytest.raises(
        prediction.PredictionError, match="prediction_features must include recency_days"
    ):
        settings(features=["frequency"])
    with pytest.raises(prediction.PredictionError, match="prediction_validation_months"):
        settings(validation_months=0)
    with pytest.raises(
        prediction.PredictionError, match="prediction_gradient_boosting must have exactly"
    ):
        settings(gradient_boosting={"max_iter": 10})
    with pytest.raises(prediction.PredictionError, match="prediction_promotion_margin"):
        settings(promotion_margin=-1)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        # the same checks as the training settings (segmentation.training.integer_var ...)
        ({"seed": "42"}, "random_seed must be an integer >= 0"),
        ({"seed": -1}, "random_seed must be an integer >= 0"),
        ({"validation_months": True}, "prediction_validation_months must be an integer >= 1"),
        (
            {"gradient_boosting": {**BOOSTING, "learning_rate": 0}},
            r"learning_rate must be a number > 0, got 0",
        ),
        (
            {"gradient_boosting": {**BOOSTING, "l2_regularization": float("nan")}},
            r"l2_regularization must be a number >= 0",
        ),
        (
            {"gradient_boosting": {**BOOSTING, "max_depth": 2.5}},
            r"max_depth must be an integer >= 1",
        ),
    ],
)
def test_bad_prediction_vars_are_refused_like_training_vars(changes, message) -> None:
    with pytest.raises(prediction.PredictionError, match=message):
        settings(**changes)


def test_the_retrain_var_accepts_only_true_or_false() -> None:
    assert prediction.PredictionSettings.retrain_requested("TRUE") is True
    assert prediction.PredictionSettings.retrain_requested(False) is False
    with pytest.raises(prediction.PredictionError, match="prediction_retrain must be true or"):
        prediction.PredictionSettings.retrain_requested("yes")


def test_dbt_reads_the_retrain_var_as_the_python_models_do(tmp_path) -> None:
    """The SQL training inputs read prediction_retrain too (macro boolean_var): a value
    that is not true or false stops dbt with the Python models' message, and the
    command line's strings are accepted."""
    refused = run_dbt(["parse"], tmp_path / "refused", {"prediction_retrain": "maybe"})
    assert refused.returncode != 0
    assert "var prediction_retrain must be true or false, got maybe" in refused.output
    assert "Traceback" not in refused.output
    accepted = run_dbt(["parse"], tmp_path / "accepted", {"prediction_retrain": " FALSE"})
    assert accepted.returncode == 0, accepted.output[-2000:]


def test_a_challenger_takes_over_only_by_the_margin() -> None:
    rows = month_rows(months=10)
    first = prediction.registry_rows(rows, settings(), None, "2026-01-01T00:00:00", "2025-10-31")
    assert list(first["decision"]) == ["promoted", "promoted"]
    assert first["champion_before"].isna().all()
    # same rows and settings: the stored rows come back, no new version
    again = prediction.registry_rows(rows, settings(), first, "2026-02-01T00:00:00", "2025-10-31")
    pd.testing.assert_frame_equal(again, first)
    # a one-split challenger cannot beat the champion by a margin of 0.005
    stump = dict(BOOSTING, max_iter=1, max_depth=1)
    weak = prediction.registry_rows(
        rows, settings(gradient_boosting=stump), first, "2026-03-01T00:00:00", "2025-10-31"
    )
    assert list(weak["decision"]) == ["kept_champion", "kept_champion"]
    assert (weak["champion_before"] == first["model_version"].iloc[0]).all()
    assert (weak["champion_roc_auc"] > weak["validation_roc_auc"]).all()
    assert weak["version_number"].unique().tolist() == [2]
    history = pd.concat([first, weak], ignore_index=True)
    assert (
        prediction.current_champion(history, "churn_risk")["model_version"]
        == first["model_version"][0]
    )
    # the champion's ROC AUC is its own on the same rows: recompute it
    champion_trees = prediction.trees_from_json(first["trees_json"].iloc[0])
    months = json.loads(weak["validation_months"].iloc[0])
    assert weak["champion_roc_auc"].iloc[0] == pytest.approx(
        prediction.mean_auc(
            prediction.check_rows(rows, settings()),
            prediction.TARGETS[0],
            months,
            champion_trees,
            FEATURES,
        )
    )
    # a challenger as good as the champion, with no margin asked, takes over
    deeper = dict(BOOSTING, max_iter=31)
    equal = prediction.registry_rows(
        rows,
        settings(gradient_boosting=deeper, promotion_margin=0.0),
        history,
        "2026-04-01T00:00:00",
        "2025-10-31",
    )
    decisions = dict(zip(equal["target"], equal["decision"], strict=True))
    aucs = equal.set_index("target")
    for target, decision in decisions.items():
        beats = aucs.loc[target, "validation_roc_auc"] >= aucs.loc[target, "champion_roc_auc"]
        assert decision == ("promoted" if beats else "kept_champion")


def test_evaluations_compare_the_challenger_and_the_champion_on_the_same_rows() -> None:
    rows = month_rows(months=10)
    first = prediction.registry_rows(rows, settings(), None, "2026-01-01T00:00:00", "2025-10-31")
    stump = dict(BOOSTING, max_iter=1, max_depth=1)
    weak = prediction.registry_rows(
        rows, settings(gradient_boosting=stump), first, "2026-03-01T00:00:00", "2025-10-31"
    )
    registry = pd.concat([first, weak], ignore_index=True)
    stored = prediction.evaluation_rows(rows, first, None)
    assert set(stored["role"]) == {"challenger"} and len(stored) == 4  # 2 targets x 2 months
    new = prediction.evaluation_rows(rows, registry, stored)
    # only the new run is evaluated: its version and the champion, 2 months x 2 targets
    assert set(new["validation_of_version"]) == {weak["model_version"][0]}
    assert new.groupby("role").size().to_dict() == {"challenger": 4, "champion": 4}
    pairs = new.pivot_table(
        index=["target", "validation_month"],
        columns="role",
        values="validation_rows",
        aggfunc="first",
    )
    assert (pairs["challenger"] == pairs["champion"]).all()
    # each row's ROC AUC is scikit-learn's on that month's rows
    row = new[(new["role"] == "champion") & (new["target"] == "purchase_propensity")].iloc[0]
    month = rows[rows["month_end"] == pd.Timestamp(row["validation_month"])]
    trees = prediction.trees_from_json(first["trees_json"].iloc[0])
    scores = prediction.score_trees(
        trees, prediction.feature_matrix(month, FEATURES, "rows"), FEATURES
    )
    assert row["roc_auc"] == pytest.approx(roc_auc_score(month["purchased_next_30d"], scores))
    assert row["baseline_roc_auc"] == pytest.approx(
        roc_auc_score(month["purchased_next_30d"], -month["recency_days"])
    )
