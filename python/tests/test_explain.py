"""The segment classifier report (segmentation.explain), on small planted data.

Metrics are checked against scikit-learn called directly on the same split; importances
against data where it is known which feature tells which segment apart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from segmentation.clustering import SegmentationError
from segmentation.explain import IMPORTANCE_COLUMNS, METRIC_COLUMNS, classifier_report
from sklearn.datasets import make_blobs
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import classification_report, f1_score
from sklearn.model_selection import train_test_split

SEED = 11
FEATURES = ["x1", "x2", "x3"]


def customers(matrix: np.ndarray, names: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(matrix, columns=names)
    frame.insert(0, "customer_id", [f"C{i:05d}" for i in range(len(frame))])
    return frame


def planted(cluster_std: float) -> tuple[pd.DataFrame, np.ndarray]:
    """Four blobs of unequal sizes, segment ids 0..3, 9 apart."""
    x, y = make_blobs(
        n_samples=[160, 120, 80, 40],
        centers=[[0, 0, 0], [9, 0, 0], [0, 9, 0], [0, 0, 9]],
        cluster_std=cluster_std,
        random_state=5,
    )
    return customers(x, FEATURES), y


@pytest.fixture(scope="module")
def blobs() -> tuple[pd.DataFrame, np.ndarray]:
    """Well separated blobs."""
    return planted(0.7)


@pytest.fixture(scope="module")
def separating() -> tuple[pd.DataFrame, np.ndarray]:
    """Feature ``a`` sets segment 0 apart, ``b`` segment 1; segment 2 is low on both;
    ``noise`` is the same distribution in every segment."""
    rng = np.random.default_rng(4)
    segment = np.repeat([0, 1, 2], 150)
    a = np.where(segment == 0, 5.0, 0.0) + rng.normal(0, 0.3, segment.size)
    b = np.where(segment == 1, 5.0, 0.0) + rng.normal(0, 0.3, segment.size)
    noise = rng.normal(0, 1, segment.size)
    # noise first, so that a tie in importance would rank it first (ties go by position)
    return customers(np.column_stack([noise, a, b]), ["noise", "a", "b"]), segment


@pytest.mark.parametrize("cluster_std", [0.7, 4.0])
def test_metrics_match_scikit_learn_on_the_same_split(cluster_std: float) -> None:
    frame, y = planted(cluster_std)
    metrics, importance = classifier_report(frame, y, FEATURES, seed=SEED)
    assert list(metrics.columns) == list(METRIC_COLUMNS)
    assert metrics["segment_id"].tolist() == [0, 1, 2, 3]

    # Independently: the split, forest and report by hand (rows are already in id order).
    x_train, x_test, y_train, y_test = train_test_split(
        frame[FEATURES].to_numpy(), y, test_size=0.25, random_state=SEED, stratify=y
    )
    forest = RandomForestClassifier(
        n_estimators=100, min_samples_leaf=5, max_depth=None, random_state=SEED, n_jobs=1
    ).fit(x_train, y_train)
    predicted = forest.predict(x_test)
    report = classification_report(y_test, predicted, output_dict=True, zero_division=0)
    for row in metrics.itertuples():
        expected = report[str(row.segment_id)]
        assert row.precision == pytest.approx(expected["precision"], abs=1e-12)
        assert row.recall == pytest.approx(expected["recall"], abs=1e-12)
        assert row.f1 == pytest.approx(expected["f1-score"], abs=1e-12)
        assert row.support == expected["support"] == np.sum(y_test == row.segment_id)
    assert metrics["accuracy"].unique().tolist() == [pytest.approx(report["accuracy"])]
    assert metrics["macro_f1"].unique().tolist() == [
        pytest.approx(f1_score(y_test, predicted, average="macro"))
    ]
    assert metrics["train_rows"].unique().tolist() == [300]
    assert metrics["test_rows"].unique().tolist() == [100]
    # stratified: each segment's held-out share is its share of the data
    assert metrics["support"].tolist() == [40, 30, 20, 10]
    # the same forest: the same impurity importances
    global_importance = importance.groupby("feature_position")["global_importance"].first()
    np.testing.assert_allclose(global_importance, forest.feature_importances_, rtol=0, atol=1e-12)
    if cluster_std < 1:  # well separated blobs are predicted without error
        assert (metrics[["precision", "recall", "f1"]] > 0.99).all().all()
    else:  # overlapping blobs are not, so the comparison above is not between ones
        assert metrics["f1"].min() < 0.9


def test_the_feature_that_separates_a_segment_ranks_first_and_noise_scores_zero(
    separating,
) -> None:
    frame, y = separating
    metrics, importance = classifier_report(frame, y, ["noise", "a", "b"], seed=SEED)
    assert (metrics["f1"] > 0.99).all()
    assert list(importance.columns) == list(IMPORTANCE_COLUMNS)
    assert len(importance) == 3 * 3
    table = importance.set_index(["segment_id", "feature_name"])
    assert table.loc[(0, "a"), "importance_rank"] == 1
    assert table.loc[(1, "b"), "importance_rank"] == 1
    # losing a feature costs a large part of the F1 of the segment it sets apart
    assert table.loc[(0, "a"), "importance"] > 0.3
    assert table.loc[(1, "b"), "importance"] > 0.3
    noise = importance[importance["feature_name"] == "noise"]
    assert (noise["importance"].abs() < 0.02).all()
    assert (noise["importance_rank"] > 1).all()
    # the forest's impurity importance: mostly a and b, the same on every segment's rows
    global_importance = importance.groupby("feature_name")["global_importance"]
    assert (global_importance.nunique() == 1).all()
    shares = global_importance.first()
    assert shares.sum() == pytest.approx(1.0)
    assert shares["noise"] < 0.1 < min(shares["a"], shares["b"])
    # ranks are a permutation of 1..3 in each segment
    for _, rows in importance.groupby("segment_id"):
        assert sorted(rows["importance_rank"]) == [1, 2, 3]
    assert importance["feature_position"].tolist() == [1, 2, 3] * 3


def test_importance_is_the_mean_f1_drop_recomputed_by_hand(separating) -> None:
    """Shuffling a feature the way the report documents it, and scoring with f1_score."""
    frame, y = separating
    names = ["noise", "a", "b"]
    _, importance = classifier_report(frame, y, names, seed=SEED)
    x = frame[names].to_numpy()
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.25, random_state=SEED, stratify=y
    )
    forest = RandomForestClassifier(
        n_estimators=100, min_samples_leaf=5, random_state=SEED, n_jobs=1
    ).fit(x_train, y_train)
    baseline = f1_score(y_test, forest.predict(x_test), labels=[0, 1, 2], average=None)
    rng = np.random.default_rng(SEED)
    for j, name in enumerate(names):
        drops = []
        for _ in range(5):
            shuffled = x_test.copy()
            shuffled[:, j] = x_test[rng.permutation(len(x_test)), j]
            scores = f1_score(y_test, forest.predict(shuffled), labels=[0, 1, 2], average=None)
            drops.append(baseline - scores)
        for segment in (0, 1, 2):
            row = importance[
                (importance["segment_id"] == segment) & (importance["feature_name"] == name)
            ]
            assert row["importance"].item() == pytest.approx(np.mean(drops, axis=0)[segment])
            assert row["importance_std"].item() == pytest.approx(np.std(drops, axis=0)[segment])


def test_same_inputs_give_identical_frames_whatever_the_row_order(blobs) -> None:
    frame, y = blobs
    first = classifier_report(frame, y, FEATURES, seed=SEED, n_estimators=30)
    again = classifier_report(frame, y, FEATURES, seed=SEED, n_estimators=30)
    order = np.random.default_rng(0).permutation(len(frame))
    shuffled = classifier_report(
        frame.iloc[order], pd.Series(y[order]), FEATURES, seed=SEED, n_estimators=30
    )
    for one, other in ((first, again), (first, shuffled)):
        pd.testing.assert_frame_equal(one[0], other[0], check_exact=True)
        pd.testing.assert_frame_equal(one[1], other[1], check_exact=True)


def test_another_seed_gives_another_split(blobs) -> None:
    # guards the determinism test against a seed that is ignored
    frame, y = blobs
    _, first = classifier_report(frame, y, FEATURES, seed=SEED, n_estimators=30)
    _, second = classifier_report(frame, y, FEATURES, seed=SEED + 1, n_estimators=30)
    assert not first["global_importance"].equals(second["global_importance"])


def test_outliers_are_a_segment_like_any_other(blobs) -> None:
    frame, y = blobs
    labels = np.where(y == 3, -1, y)
    metrics, importance = classifier_report(frame, labels, FEATURES, seed=SEED, n_estimators=30)
    assert metrics["segment_id"].tolist() == [-1, 0, 1, 2]
    assert importance["segment_id"].unique().tolist() == [-1, 0, 1, 2]


@pytest.fixture(scope="module")
def small() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(1)
    return customers(rng.normal(size=(40, 2)), ["f1", "f2"]), np.repeat([0, 1], 20)


def with_value(frame: pd.DataFrame, column: str, value: float) -> pd.DataFrame:
    changed = frame.copy()
    changed.loc[3, column] = value
    return changed


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f, y: (f.drop(columns="customer_id"), y), "no customer_id column"),
        (lambda f, y: (f, y[:-1]), "one segment id per row of features: 40 rows"),
        (lambda f, y: (with_value(f, "f2", np.nan), y), "feature 'f2' has 1 null value"),
        (lambda f, y: (with_value(f, "f1", np.inf), y), "feature 'f1' has 1 infinite value"),
        (lambda f, y: (f, np.zeros(40, dtype=int)), r"at least 2 segments .* got \[0\]"),
        (
            lambda f, y: (f, np.r_[y[:-1], 7]),
            r"at least 2 customers per segment; too small: segment 7 \(1\)",
        ),
        # 4 rows: 1 test row (ceil of 0.25 x 4) cannot hold the 2 segments
        (lambda f, y: (f.iloc[[0, 1, 20, 21]], y[[0, 1, 20, 21]]), "too few rows: 4 rows"),
        (
            lambda f, y: (f.assign(customer_id=["C1"] * 40), y),
            "duplicated customer_id values",
        ),
        (lambda f, y: (f, np.where(np.arange(40) == 5, np.nan, y)), "labels have 1 null"),
        (lambda f, y: (f, y + 0.5), "labels must be integer segment ids"),
        (lambda f, y: (f.assign(f1="x"), y), "non-numeric feature columns: 'f1'"),
        (
            lambda f, y: (f.assign(customer_id=[*range(39), "a"]), y),
            "customer_id values cannot be sorted",
        ),
    ],
)
def test_bad_input_names_the_problem(small, change, message) -> None:
    frame, labels = change(*small)
    with pytest.raises(SegmentationError, match=message):
        classifier_report(frame, labels, ["f1", "f2"], seed=SEED)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"feature_names": ["f1", "f9"]}, r"unknown feature names \['f9'\]"),
        ({"feature_names": []}, "feature_names is empty"),
        ({"feature_names": "f1"}, "must be a sequence of column names"),
        ({"feature_names": ["f1", "f1"]}, "more than once"),
        ({"feature_names": 5}, "must be a sequence of column names, got 5"),
        ({"seed": -1}, "seed must be in"),
        ({"test_share": 1.0}, r"test_share must be a number in \(0, 1\)"),
        ({"test_share": 0}, r"test_share must be a number in \(0, 1\)"),
        ({"n_estimators": 0}, "n_estimators must be >= 1"),
    ],
)
def test_bad_arguments_name_the_argument(small, arguments, message) -> None:
    frame, labels = small
    values = {"feature_names": ["f1", "f2"], "seed": SEED, **arguments}
    with pytest.raises(SegmentationError, match=message):
        classifier_report(frame, labels, **values)
