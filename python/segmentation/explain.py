"""Explain segments with a classifier: how well the features predict a customer's segment,
and which features matter for which segment.

Pure functions, no dbt and no I/O: :func:`classifier_report` takes the features and the
segment of each customer and returns two frames, the held-out metrics per segment and the
feature importance per segment.

Rules
-----
Row order
    ``features`` carries a ``customer_id`` column; rows (with their labels) are sorted by
    it before anything else, so the order the warehouse returned does not matter.
Split
    ``sklearn.model_selection.train_test_split`` with ``test_size=test_share``,
    ``random_state=seed`` and ``stratify`` on the segment, so every segment keeps its
    share in both parts. Stratification needs at least 2 customers per segment, and at
    least as many rows as segments in each part; otherwise :class:`SegmentationError`
    is raised (no silent non-stratified fallback). A small segment may still get no
    held-out row: its ``support`` is then 0 and its recall and F1 are 0.
Classifier
    ``RandomForestClassifier`` with :data:`FOREST_PARAMS` (gini, ``max_depth=None``,
    ``min_samples_leaf=5``, ``max_features="sqrt"``, bootstrap), ``n_estimators`` trees,
    ``random_state=seed`` and ``n_jobs=1``. Segment -1 (DBSCAN outliers) is a class like
    any other.
Metrics
    Per segment on the held-out rows: ``precision_recall_fscore_support`` with
    ``zero_division=0``. ``accuracy`` is the share of held-out rows predicted right and
    ``macro_f1`` the unweighted mean of the segments' F1 (every segment counts, also one
    with ``support`` 0); both are repeated on every row.
Permutation importance
    Per segment, on the held-out rows: the mean, over :data:`PERMUTATION_REPEATS` (5)
    repeats, of the drop in that segment's F1 (one-vs-rest: the segment against all
    others, which is the per-class F1 of the multi-class prediction) when one feature's
    column is shuffled. Permutations come from ``numpy.random.default_rng(seed)``, drawn
    feature by feature in ``feature_names`` order, repeat by repeat. A feature the forest
    does not use for a segment scores about 0; a negative value means the shuffle helped
    by chance. ``importance_rank`` orders the features within a segment, 1 = largest
    drop, ties broken by feature position.
Global importance
    The forest's impurity-based ``feature_importances_`` (sums to 1 over the features),
    the same on every segment's rows.
Determinism
    The same rows (in any order), labels, features and seed give identical frames: the
    fit and the predictions run with one thread (``threadpoolctl``), as in
    :mod:`segmentation.clustering`.
"""

# The feature matrix is called X, as in scikit-learn.
# ruff: noqa: N806

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from segmentation.clustering import SegmentationError, check_int

CUSTOMER_ID = "customer_id"

FOREST_PARAMS: dict[str, Any] = {
    "criterion": "gini",
    "max_depth": None,
    "min_samples_leaf": 5,
    "max_features": "sqrt",
    "bootstrap": True,
}
PERMUTATION_REPEATS = 5

METRIC_COLUMNS = (
    "segment_id",
    "precision",
    "recall",
    "f1",
    "support",
    "accuracy",
    "macro_f1",
    "train_rows",
    "test_rows",
)
IMPORTANCE_COLUMNS = (
    "segment_id",
    "feature_name",
    "feature_position",
    "importance",
    "importance_std",
    "importance_rank",
    "global_importance",
)

# scikit-learn accepts seeds in [0, 2**32 - 1].
_MAX_SEED = 2**32 - 1


# ---------------------------------------------------------------------------- validation


def _feature_list(feature_names: Sequence[str]) -> list[str]:
    wrong = SegmentationError(
        f"feature_names must be a sequence of column names, got {feature_names!r}"
    )
    if isinstance(feature_names, str):
        raise wrong
    try:
        names = list(feature_names)
    except TypeError as exc:
        raise wrong from exc
    if not all(isinstance(name, str) for name in names):
        raise wrong
    if not names:
        raise SegmentationError("feature_names is empty: at least one feature is needed")
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise SegmentationError(f"feature_names lists columns more than once: {duplicated}")
    if CUSTOMER_ID in names:
        raise SegmentationError(f"{CUSTOMER_ID} is the row id, not a feature")
    return names


def _sorted_inputs(
    features: pd.DataFrame, labels: pd.Series | np.ndarray, names: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Features (float64 matrix) and labels (int64), rows sorted by customer id."""
    if not isinstance(features, pd.DataFrame):
        raise SegmentationError(f"features must be a DataFrame, got {type(features).__name__}")
    if CUSTOMER_ID not in features.columns:
        raise SegmentationError(
            f"features have no {CUSTOMER_ID} column (needed to fix the row order)"
        )
    missing = [name for name in names if name not in features.columns]
    if missing:
        raise SegmentationError(
            f"unknown feature names {missing}: not columns of features ({list(features.columns)})"
        )
    non_numeric = [
        f"{name!r} ({features[name].dtype})"
        for name in names
        if not pd.api.types.is_numeric_dtype(features[name])
        or pd.api.types.is_bool_dtype(features[name])
    ]
    if non_numeric:
        raise SegmentationError(f"non-numeric feature columns: {', '.join(non_numeric)}")

    label_values = labels.to_numpy() if isinstance(labels, pd.Series) else np.asarray(labels)
    if label_values.ndim != 1 or len(label_values) != len(features):
        raise SegmentationError(
            f"labels must hold one segment id per row of features: {len(features)} rows, "
            f"labels of shape {label_values.shape}"
        )
    if pd.isna(label_values).any():
        raise SegmentationError(f"labels have {int(pd.isna(label_values).sum())} null value(s)")
    try:
        label_floats = label_values.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise SegmentationError(f"labels must be integer segment ids: {exc}") from exc
    if not (np.isfinite(label_floats) & (label_floats == np.floor(label_floats))).all():
        raise SegmentationError("labels must be integer segment ids")

    ids = features[CUSTOMER_ID]
    if ids.isna().any():
        raise SegmentationError(f"features have {int(ids.isna().sum())} null {CUSTOMER_ID}(s)")
    if ids.duplicated().any():
        shown = ids[ids.duplicated()].unique().tolist()[:5]
        raise SegmentationError(f"features have duplicated {CUSTOMER_ID} values, e.g. {shown}")
    try:
        order = np.argsort(ids.to_numpy(), kind="stable")
    except TypeError as exc:  # e.g. numbers mixed with text
        raise SegmentationError(f"{CUSTOMER_ID} values cannot be sorted: {exc}") from exc

    X = np.empty((len(features), len(names)), dtype=np.float64)
    problems = []
    for j, name in enumerate(names):
        column = features[name].to_numpy(dtype=np.float64, na_value=np.nan)
        n_null = int(np.isnan(column).sum())
        n_infinite = int(np.isinf(column).sum())
        if n_null:
            problems.append(f"feature {name!r} has {n_null} null value(s)")
        if n_infinite:
            problems.append(f"feature {name!r} has {n_infinite} infinite value(s)")
        X[:, j] = column[order]
    if problems:
        raise SegmentationError("; ".join(problems))
    return X, label_floats.astype(np.int64)[order]


def _check_sizes(y: np.ndarray, test_share: float) -> tuple[np.ndarray, int, int]:
    """Segment ids, train rows and test rows; raises when the stratified split cannot be."""
    segment_ids, counts = np.unique(y, return_counts=True)
    if segment_ids.size < 2:
        raise SegmentationError(
            f"at least 2 segments are needed to train a classifier, got {segment_ids.tolist()}"
        )
    small = [f"{int(s)} ({int(c)})" for s, c in zip(segment_ids, counts, strict=True) if c < 2]
    if small:
        raise SegmentationError(
            "a stratified split needs at least 2 customers per segment; too small: segment "
            + ", ".join(small)
        )
    n = y.size
    test_rows = math.ceil(test_share * n)  # as train_test_split counts them
    train_rows = n - test_rows
    if min(test_rows, train_rows) < segment_ids.size:
        raise SegmentationError(
            f"too few rows: {n} rows with test_share={test_share} give {train_rows} train and "
            f"{test_rows} test rows, each part needs at least one per segment "
            f"({segment_ids.size})"
        )
    return segment_ids, train_rows, test_rows


# ---------------------------------------------------------------------------- scoring


def _f1_by_segment(y_codes: np.ndarray, predicted_codes: np.ndarray, k: int) -> np.ndarray:
    """Per-segment F1 of each repeat: ``2 tp / (predicted + actual)``, 0 when both are 0.

    Args:
        y_codes: ``n`` true segment positions (0..k-1).
        predicted_codes: ``repeats x n`` predicted segment positions.
        k: number of segments.

    Returns:
        ``repeats x k`` F1 scores.
    """
    repeats = predicted_codes.shape[0]
    offset = (np.arange(repeats) * k)[:, None]
    truth = np.broadcast_to(y_codes, predicted_codes.shape)
    hits = predicted_codes == truth
    size = repeats * k
    true_positives = np.bincount((truth + offset)[hits], minlength=size).reshape(repeats, k)
    predicted = np.bincount((predicted_codes + offset).ravel(), minlength=size)
    actual = np.bincount((truth + offset).ravel(), minlength=size)
    denominator = (predicted + actual).reshape(repeats, k)
    return np.divide(
        2.0 * true_positives,
        denominator,
        out=np.zeros((repeats, k), dtype=np.float64),
        where=denominator > 0,
    )


def classifier_report(
    features: pd.DataFrame,
    labels: pd.Series | np.ndarray,
    feature_names: Sequence[str],
    seed: int,
    test_share: float = 0.25,
    n_estimators: int = 100,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train a random forest to predict the segment and report how well and why.

    Args:
        features: one row per customer: ``customer_id`` (unique, used to sort the rows)
            and the columns of ``feature_names`` (others are ignored).
        labels: the segment id of each row of ``features``, by position (a Series's index
            is ignored).
        feature_names: the feature columns, in the order of ``feature_position``.
        seed: random seed of the split, the forest and the permutations.
        test_share: share of rows held out for the metrics and importances, in (0, 1).
        n_estimators: trees in the forest (>= 1).

    Returns:
        ``(metrics, importance)``.

        ``metrics``: one row per segment id, ascending, columns :data:`METRIC_COLUMNS`:
        ``precision``, ``recall``, ``f1`` and ``support`` (held-out rows of the segment);
        ``accuracy`` and ``macro_f1`` of the whole held-out set, ``train_rows`` and
        ``test_rows``, repeated on every row.

        ``importance``: one row per segment and feature, sorted by ``segment_id`` and
        ``feature_position`` (1-based), columns :data:`IMPORTANCE_COLUMNS`:
        ``importance`` (mean drop of the segment's held-out F1 when the feature is
        shuffled), ``importance_std`` (its standard deviation over the repeats),
        ``importance_rank`` (1 = most important within the segment; ties by feature
        position) and ``global_importance`` (the forest's impurity importance).

    Raises:
        SegmentationError: features not a frame or without ``customer_id``; null or
            duplicated customer ids; unknown, duplicated or non-numeric feature names;
            null or infinite feature values; labels of another length, null or not
            integers; fewer than 2 segments; a segment with fewer than 2 customers; too
            few rows for a test and a train part with a row per segment; bad seed,
            ``test_share`` or ``n_estimators``.
    """
    names = _feature_list(feature_names)
    seed = check_int(seed, "seed", 0, _MAX_SEED)
    n_estimators = check_int(n_estimators, "n_estimators", 1)
    if (
        isinstance(test_share, bool)
        or not isinstance(test_share, int | float | np.floating)
        or not 0.0 < float(test_share) < 1.0
    ):
        raise SegmentationError(f"test_share must be a number in (0, 1), got {test_share!r}")
    test_share = float(test_share)
    X, y = _sorted_inputs(features, labels, names)
    segment_ids, train_rows, test_rows = _check_sizes(y, test_share)

    rows = np.arange(y.size)
    try:
        train, test = train_test_split(
            rows, test_size=test_share, random_state=seed, shuffle=True, stratify=y
        )
    except ValueError as exc:  # scikit-learn's own checks, reworded
        raise SegmentationError(f"the stratified train/test split failed: {exc}") from exc
    forest = RandomForestClassifier(
        n_estimators=n_estimators, random_state=seed, n_jobs=1, **FOREST_PARAMS
    )
    X_test, y_test = X[test], y[test]
    n_features, k = len(names), segment_ids.size
    rng = np.random.default_rng(seed)
    with threadpool_limits(limits=1):
        forest.fit(X[train], y[train])
        predicted = forest.predict(X_test)
        # Every repeat of one feature in one stacked matrix: one predict per feature.
        permuted_predictions = np.empty((n_features, PERMUTATION_REPEATS, test_rows), np.int64)
        for j in range(n_features):
            stacked = np.tile(X_test, (PERMUTATION_REPEATS, 1))
            for repeat in range(PERMUTATION_REPEATS):
                block = slice(repeat * test_rows, (repeat + 1) * test_rows)
                stacked[block, j] = X_test[rng.permutation(test_rows), j]
            permuted_predictions[j] = forest.predict(stacked).reshape(
                PERMUTATION_REPEATS, test_rows
            )

    precision, recall, f1, support = precision_recall_fscore_support(
        y_test, predicted, labels=segment_ids, zero_division=0
    )
    metrics = pd.DataFrame(
        {
            "segment_id": segment_ids.astype(np.int64),
            "precision": np.asarray(precision, dtype=np.float64),
            "recall": np.asarray(recall, dtype=np.float64),
            "f1": np.asarray(f1, dtype=np.float64),
            "support": np.asarray(support, dtype=np.int64),
            "accuracy": float(np.mean(predicted == y_test)),
            "macro_f1": float(np.mean(f1)),
            "train_rows": np.int64(train.size),
            "test_rows": np.int64(test.size),
        },
        columns=list(METRIC_COLUMNS),
    )

    y_codes = np.searchsorted(segment_ids, y_test)
    baseline = _f1_by_segment(y_codes, np.searchsorted(segment_ids, predicted)[None, :], k)[0]
    mean_drop = np.empty((k, n_features), dtype=np.float64)
    std_drop = np.empty((k, n_features), dtype=np.float64)
    for j in range(n_features):
        scores = _f1_by_segment(y_codes, np.searchsorted(segment_ids, permuted_predictions[j]), k)
        drops = baseline[None, :] - scores  # repeats x k
        mean_drop[:, j] = drops.mean(axis=0)
        std_drop[:, j] = drops.std(axis=0)
    positions = np.arange(n_features)
    ranks = np.empty((k, n_features), dtype=np.int64)
    for segment in range(k):
        order = np.lexsort((positions, -mean_drop[segment]))  # larger drop first, then position
        ranks[segment, order] = np.arange(1, n_features + 1)

    importance = pd.DataFrame(
        {
            "segment_id": np.repeat(segment_ids.astype(np.int64), n_features),
            "feature_name": pd.Series(names * k, dtype="str"),
            "feature_position": np.tile(positions + 1, k).astype(np.int64),
            "importance": mean_drop.ravel(),
            "importance_std": std_drop.ravel(),
            "importance_rank": ranks.ravel(),
            "global_importance": np.tile(
                np.asarray(forest.feature_importances_, dtype=np.float64), k
            ),
        },
        columns=list(IMPORTANCE_COLUMNS),
    )
    return metrics, importance
