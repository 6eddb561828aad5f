"""Purchase propensity and churn risk: the logic behind the dbt Python models of
``models/prediction``, which stay a few lines long.

Python fits gradient boosting (scikit-learn's ``HistGradientBoostingClassifier``) on a
bounded sample of past month ends (``prediction_training_rows``), validates it on the
latest labelled month ends (a time-based holdout), and writes the fitted trees back as
rows of a table. Scoring every customer is SQL over those rows
(``int_customer_prediction_scores``), so it runs on any engine; :func:`score_trees` is
the same computation in numpy, used here to evaluate stored models and, in the tests, to
check the SQL and the stored trees against scikit-learn's own ``predict_proba``.

Two targets are trained together, as one model version:

- ``purchase_propensity``: label ``purchased_next_30d``, a completed order in the 30
  days after the month end;
- ``churn_risk``: label ``churned_next_90d``, no completed order in the 90 days after it.

A new version becomes a target's champion only when its mean ROC AUC over its validation
months beats the current champion's on the same rows by ``promotion_margin``
(:func:`champion_decision`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import brier_score_loss, precision_recall_curve, roc_auc_score
from threadpoolctl import threadpool_limits

from segmentation.training import boolean_var, integer_var, number_var

MONTH_END = "month_end"
CUSTOMER_ID = "customer_id"


class PredictionError(ValueError):
    """A setting or an input the prediction models cannot work with; the message names
    the var or table and what is wrong."""


@dataclass(frozen=True)
class Target:
    """One of the two things predicted."""

    name: str  # column of customer_predictions
    label: str  # column of int_customer_purchase_labels
    horizon_days: int  # the label looks this many days past the month end
    recency_sign: int  # +1: the longer since the last order, the likelier (baseline)


TARGETS = (
    Target("purchase_propensity", "purchased_next_30d", 30, -1),
    Target("churn_risk", "churned_next_90d", 90, 1),
)
TARGET_BY_NAME = {target.name: target for target in TARGETS}

#: the recency-only baseline ranks customers by this column of the features
BASELINE_FEATURE = "recency_days"


@dataclass(frozen=True)
class PredictionSettings:
    """The dbt vars of the prediction layer, checked.

    Attributes:
        features: columns of customer_features_monthly (and customer_features) the
            models use, in order.
        validation_months: the latest labelled month ends held out to validate on.
        seed: random seed (the fit itself has no randomness with these settings).
        max_iter, max_depth, learning_rate, min_samples_leaf, l2_regularization: the
            gradient boosting's settings (no early stopping: a fixed number of trees).
        promotion_margin: how much higher the mean validation ROC AUC of a new version
            must be than the champion's on the same rows for it to take over.
    """

    features: tuple[str, ...]
    validation_months: int
    seed: int
    max_iter: int
    max_depth: int
    learning_rate: float
    min_samples_leaf: int
    l2_regularization: float
    promotion_margin: float

    @classmethod
    def from_vars(
        cls,
        features: Any,
        validation_months: Any,
        seed: Any,
        gradient_boosting: Any,
        promotion_margin: Any,
    ) -> PredictionSettings:
        """Settings from the dbt vars, with errors naming the var.

        Args:
            features: var ``prediction_features``, a non-empty list of column names.
            validation_months: var ``prediction_validation_months``, an integer >= 1.
            seed: var ``random_seed``.
            gradient_boosting: var ``prediction_gradient_boosting``, a mapping with
                max_iter, max_depth, learning_rate, min_samples_leaf, l2_regularization.
            promotion_margin: var ``prediction_promotion_margin``, a number >= 0.
        """
        if (
            not isinstance(features, list | tuple)
            or not features
            or not all(isinstance(name, str) and name for name in features)
        ):
            raise PredictionError(
                f"var prediction_features must be a non-empty list of column names, "
                f"got {features!r}"
            )
        if len(set(features)) != len(features):
            raise PredictionError(f"var prediction_features lists a column twice: {features!r}")
        if BASELINE_FEATURE not in features:
            raise PredictionError(
                f"var prediction_features must include {BASELINE_FEATURE} (the baseline "
                f"the models are compared with), got {features!r}"
            )
        error = PredictionError
        months = integer_var(validation_months, "prediction_validation_months", 1, error)
        if not isinstance(gradient_boosting, dict):
            raise PredictionError(
                "var prediction_gradient_boosting must be a mapping (max_iter, max_depth, "
                f"learning_rate, min_samples_leaf, l2_regularization), got {gradient_boosting!r}"
            )
        expected = {"max_iter", "max_depth", "learning_rate", "min_samples_leaf"}
        expected.add("l2_regularization")
        if set(gradient_boosting) != expected:
            raise PredictionError(
                "var prediction_gradient_boosting must have exactly the keys "
                f"{sorted(expected)}, got {sorted(gradient_boosting)}"
            )
        name = "prediction_gradient_boosting"
        given = {key: gradient_boosting[key] for key in expected}
        return cls(
            features=tuple(features),
            validation_months=months,
            seed=integer_var(seed, "random_seed", 0, error),
            max_iter=integer_var(given["max_iter"], f"{name}.max_iter", 1, error),
            max_depth=integer_var(given["max_depth"], f"{name}.max_depth", 1, error),
            learning_rate=number_var(
                given["learning_rate"], f"{name}.learning_rate", 0, error, above=True
            ),
            min_samples_leaf=integer_var(
                given["min_samples_leaf"], f"{name}.min_samples_leaf", 1, error
            ),
            l2_regularization=number_var(
                given["l2_regularization"], f"{name}.l2_regularization", 0, error
            ),
            promotion_margin=number_var(promotion_margin, "prediction_promotion_margin", 0, error),
        )

    @staticmethod
    def retrain_requested(value: Any) -> bool:
        """The var ``prediction_retrain`` as a bool (true, false, or their strings)."""
        return boolean_var(value, "prediction_retrain", PredictionError)


def stored_registry(history: pd.DataFrame | None) -> pd.DataFrame:
    """What the registry returns when the var ``prediction_retrain`` is false: its stored
    rows, unchanged (nothing is fitted; customers are scored with the stored champion).

    Raises:
        PredictionError: nothing is stored yet.
    """
    if history is None or len(history) == 0:
        raise PredictionError(
            "var prediction_retrain is false, but prediction_model_registry holds no model "
            "yet: build once with prediction_retrain true (the default)"
        )
    return history.reset_index(drop=True)


# --- data -----------------------------------------------------------------------------


def check_rows(rows: pd.DataFrame, settings: PredictionSettings) -> pd.DataFrame:
    """The training rows sorted by (month_end, customer_id), so the fit does not depend on
    the order the warehouse returned them in.

    Raises:
        PredictionError: a missing column, a duplicated (customer_id, month_end), an
            infinite feature value, or no rows.
    """
    needed = [CUSTOMER_ID, MONTH_END, *settings.features, *(t.label for t in TARGETS)]
    missing = [column for column in needed if column not in rows.columns]
    if missing:
        raise PredictionError(f"prediction_training_rows has no column(s) {missing}")
    if rows.empty:
        raise PredictionError(
            "prediction_training_rows is empty: no month end has a known label yet "
            "(the 30-day label needs a month end at least 30 days before as_of_date)"
        )
    ordered = rows[needed].copy()
    ordered[MONTH_END] = pd.to_datetime(ordered[MONTH_END]).dt.normalize()
    ordered = ordered.sort_values([MONTH_END, CUSTOMER_ID], kind="stable").reset_index(drop=True)
    if ordered.duplicated([CUSTOMER_ID, MONTH_END]).any():
        raise PredictionError("prediction_training_rows has duplicated (customer_id, month_end)")
    matrix = feature_matrix(ordered, settings.features, "prediction_training_rows")
    del matrix
    return ordered


def feature_matrix(frame: pd.DataFrame, features: Sequence[str], table: str) -> np.ndarray:
    """The feature columns as a float64 matrix (nulls as NaN, which the trees route).

    Raises:
        PredictionError: a column that is not numeric, or an infinite value.
    """
    columns = []
    for name in features:
        try:
            values = pd.to_numeric(frame[name], errors="raise").astype("float64").to_numpy()
        except (TypeError, ValueError) as error:
            raise PredictionError(f"{table}: column {name} is not numeric ({error})") from error
        if np.isinf(values).any():
            raise PredictionError(f"{table}: column {name} has infinite values")
        columns.append(values)
    return np.column_stack(columns) if columns else np.empty((len(frame), 0))


def fingerprint(rows: pd.DataFrame) -> str:
    """16 hex digits of a SHA-256 over the (sorted) training rows."""
    hashed = pd.util.hash_pandas_object(rows, index=False).to_numpy()
    digest = hashlib.sha256(",".join(map(str, rows.columns)).encode())
    digest.update(np.ascontiguousarray(hashed).tobytes())
    return digest.hexdigest()[:16]


def model_version(data_fingerprint: str, settings: PredictionSettings) -> str:
    """``p`` + 12 hex digits: the same exactly when the training rows and settings are."""
    payload = json.dumps({"data": data_fingerprint, **asdict(settings)}, sort_keys=True)
    return "p" + hashlib.sha256(payload.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class MonthSplit:
    """The time-based holdout of one target."""

    training: tuple[pd.Timestamp, ...]
    validation: tuple[pd.Timestamp, ...]


def split_months(rows: pd.DataFrame, target: Target, validation_months: int) -> MonthSplit:
    """Validation: the latest ``validation_months`` month ends whose label is known.
    Training: the month ends whose label window is over by the first validation month
    end (month_end + horizon <= first validation month end), so no training label looks
    at days the validation features come after.

    Raises:
        PredictionError: too few labelled month ends for both.
    """
    labelled = sorted(rows.loc[rows[target.label].notna(), MONTH_END].unique())
    labelled = [pd.Timestamp(month) for month in labelled]
    validation = labelled[-validation_months:]
    if len(labelled) <= validation_months:
        raise PredictionError(
            f"{target.name}: {len(labelled)} month end(s) have a known {target.label}, "
            f"not enough to train on some and validate on the latest {validation_months} "
            "(var prediction_validation_months); give more history or lower the var"
        )
    cutoff = validation[0] - pd.Timedelta(days=target.horizon_days)
    training = [month for month in labelled if month <= cutoff]
    if not training:
        raise PredictionError(
            f"{target.name}: no month end's {target.horizon_days}-day label window ends "
            f"before the first validation month end {validation[0].date()}; give more "
            "history or lower the var prediction_validation_months"
        )
    return MonthSplit(tuple(training), tuple(validation))


# --- fit, trees, scoring ----------------------------------------------------------------

TREE_COLUMNS = (
    "tree_index",
    "node_id",
    "depth",
    "is_leaf",
    "feature_name",
    "threshold",
    "missing_go_left",
    "left_child",
    "right_child",
    "leaf_value",
)


def fit_target(
    rows: pd.DataFrame, settings: PredictionSettings, target: Target, months: Sequence[Any]
) -> HistGradientBoostingClassifier:
    """Gradient boosting of ``target`` on the rows of ``months`` (a fixed number of
    trees, no early stopping, no subsampling: the fit is deterministic).

    Raises:
        PredictionError: the label has one class only in those months.
    """
    train = rows[rows[MONTH_END].isin(months) & rows[target.label].notna()]
    labels = train[target.label].astype(bool).to_numpy()
    if labels.all() or not labels.any():
        raise PredictionError(
            f"{target.name}: every training row has {target.label} = {bool(labels[0])}; "
            "nothing to learn"
        )
    model = HistGradientBoostingClassifier(
        max_iter=settings.max_iter,
        max_depth=settings.max_depth,
        learning_rate=settings.learning_rate,
        min_samples_leaf=settings.min_samples_leaf,
        l2_regularization=settings.l2_regularization,
        early_stopping=False,
        random_state=settings.seed,
    )
    matrix = feature_matrix(train, settings.features, "prediction_training_rows")
    # one OpenMP thread: on a bounded sample it is as fast, and dbt runs other models
    # on the other threads (all of OpenMP's spinning threads made the fit 10x slower)
    with threadpool_limits(limits=1, user_api="openmp"):
        return model.fit(matrix, labels)


def trees_table(model: HistGradientBoostingClassifier, features: Sequence[str]) -> pd.DataFrame:
    """The fitted trees as rows (columns :data:`TREE_COLUMNS`).

    The raw score of a row is the sum, over trees, of the ``leaf_value`` of the leaf it
    reaches, and its probability ``1 / (1 + exp(-raw))``. The model's constant baseline
    is added to every leaf of tree 0, so no other number is needed. At a split, a row
    goes to ``left_child`` when its feature value is at most ``threshold``, or, when the
    value is null, when ``missing_go_left``.
    """
    baseline = float(np.asarray(model._baseline_prediction).ravel()[0])
    frames = []
    for tree_index, (predictor,) in enumerate(model._predictors):
        nodes = predictor.nodes
        if nodes["is_categorical"].any():
            raise PredictionError("categorical splits are not supported")
        is_leaf = nodes["is_leaf"].astype(bool)
        value = np.where(is_leaf, nodes["value"], np.nan)
        if tree_index == 0:
            value = np.where(is_leaf, baseline + value, np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "tree_index": tree_index,
                    "node_id": np.arange(len(nodes), dtype="int64"),
                    "depth": nodes["depth"].astype("int64"),
                    "is_leaf": is_leaf,
                    "feature_name": pd.array(
                        [
                            None if leaf else features[i]
                            for leaf, i in zip(is_leaf, nodes["feature_idx"], strict=True)
                        ],
                        dtype="string",
                    ),
                    "threshold": np.where(is_leaf, np.nan, nodes["num_threshold"]),
                    "missing_go_left": pd.array(
                        [
                            None if leaf else bool(m)
                            for leaf, m in zip(is_leaf, nodes["missing_go_to_left"], strict=True)
                        ],
                        dtype="boolean",
                    ),
                    "left_child": _children(nodes["left"], is_leaf),
                    "right_child": _children(nodes["right"], is_leaf),
                    "leaf_value": value,
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    table["tree_index"] = table["tree_index"].astype("int64")
    return table[list(TREE_COLUMNS)]


def _children(children: np.ndarray, is_leaf: np.ndarray) -> pd.Series:
    return pd.Series(children.astype("int64"), dtype="Int64").mask(is_leaf)


def raw_scores(trees: pd.DataFrame, matrix: np.ndarray, features: Sequence[str]) -> np.ndarray:
    """The raw (log-odds) score of every row of ``matrix`` (columns in ``features``
    order) under the trees of :func:`trees_table`, in numpy."""
    position = {name: i for i, name in enumerate(features)}
    raw = np.zeros(len(matrix))
    rows = np.arange(len(matrix))
    for _, nodes in trees.sort_values(["tree_index", "node_id"]).groupby("tree_index"):
        is_leaf = nodes["is_leaf"].to_numpy(dtype=bool)
        feature = np.array(
            [
                -1 if leaf else position[name]
                for leaf, name in zip(is_leaf, nodes["feature_name"], strict=True)
            ]
        )
        threshold = nodes["threshold"].to_numpy(dtype="float64")
        go_left_missing = nodes["missing_go_left"].fillna(False).to_numpy(dtype=bool)
        left = nodes["left_child"].fillna(-1).to_numpy(dtype="int64")
        right = nodes["right_child"].fillna(-1).to_numpy(dtype="int64")
        value = nodes["leaf_value"].to_numpy(dtype="float64")
        node = np.zeros(len(matrix), dtype="int64")
        while True:
            active = ~is_leaf[node]
            if not active.any():
                break
            at = node[active]
            x = matrix[rows[active], feature[at]]
            go_left = np.where(np.isnan(x), go_left_missing[at], x <= threshold[at])
            node[active] = np.where(go_left, left[at], right[at])
        raw += value[node]
    return raw


def score_trees(trees: pd.DataFrame, matrix: np.ndarray, features: Sequence[str]) -> np.ndarray:
    """Probabilities of the positive class: ``1 / (1 + exp(-raw))``."""
    return 1.0 / (1.0 + np.exp(-raw_scores(trees, matrix, features)))


# --- metrics ------------------------------------------------------------------------------


def choose_threshold(labels: np.ndarray, scores: np.ndarray) -> float:
    """The probability threshold with the highest F1 (predicted positive: score >=
    threshold); of equally good ones, the highest."""
    precision, recall, thresholds = precision_recall_curve(labels, scores)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0)
    f1 = f1[:-1]  # the last point has no threshold
    best = np.flatnonzero(f1 == f1.max())
    return float(thresholds[best[-1]])


def binary_metrics(labels: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, Any]:
    """Rows, positives, predicted positives, ROC AUC, precision, recall, F1 at
    ``threshold`` (predicted positive: score >= threshold) and the Brier score. A
    metric that is undefined (one class only, nothing predicted) is None."""
    labels = np.asarray(labels, dtype=bool)
    predicted = np.asarray(scores) >= threshold
    true_positives = int((predicted & labels).sum())
    precision = true_positives / predicted.sum() if predicted.any() else None
    recall = true_positives / labels.sum() if labels.any() else None
    f1 = None
    if precision is not None and recall is not None:
        f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    both_classes = labels.any() and not labels.all()
    return {
        "validation_rows": len(labels),
        "positives": int(labels.sum()),
        "predicted_positives": int(predicted.sum()),
        "roc_auc": float(roc_auc_score(labels, scores)) if both_classes else None,
        "precision": None if precision is None else float(precision),
        "recall": None if recall is None else float(recall),
        "f1": None if f1 is None else float(f1),
        "brier": float(brier_score_loss(labels, scores, pos_label=True)) if len(labels) else None,
    }


def baseline_scores(frame: pd.DataFrame, target: Target) -> np.ndarray:
    """The recency-only baseline: rank by days since the last order (never ordered:
    as if the longest), in the direction of the target."""
    recency = pd.to_numeric(frame[BASELINE_FEATURE]).astype("float64").to_numpy()
    recency = np.where(np.isnan(recency), np.nanmax(recency, initial=0) + 1, recency)
    return target.recency_sign * recency


# --- the registry ---------------------------------------------------------------------

REGISTRY_COLUMNS = (
    "model_version",
    "target",
    "version_number",
    "trained_at",
    "trained_as_of",
    "label",
    "horizon_days",
    "params",
    "feature_list",
    "data_fingerprint",
    "training_rows",
    "training_positives",
    "training_month_from",
    "training_month_to",
    "validation_month_from",
    "validation_month_to",
    "validation_months",
    "threshold",
    "validation_roc_auc",
    "baseline_roc_auc",
    "champion_before",
    "champion_roc_auc",
    "promotion_margin",
    "decision",
    "decision_reason",
    "trees_json",
)


def trees_to_json(trees: pd.DataFrame) -> str:
    """The trees as compact JSON (one list per column), exactly reversible."""
    payload = {
        column: [None if pd.isna(value) else value for value in trees[column].tolist()]
        for column in TREE_COLUMNS
    }
    return json.dumps(payload, separators=(",", ":"))


def trees_from_json(text: str) -> pd.DataFrame:
    """The inverse of :func:`trees_to_json`."""
    payload = json.loads(text)
    frame = pd.DataFrame({column: payload[column] for column in TREE_COLUMNS})
    return pd.DataFrame(
        {
            "tree_index": frame["tree_index"].astype("int64"),
            "node_id": frame["node_id"].astype("int64"),
            "depth": frame["depth"].astype("int64"),
            "is_leaf": frame["is_leaf"].astype(bool),
            "feature_name": frame["feature_name"].astype("string"),
            "threshold": frame["threshold"].astype("float64"),
            "missing_go_left": frame["missing_go_left"].astype("boolean"),
            "left_child": frame["left_child"].astype("Int64"),
            "right_child": frame["right_child"].astype("Int64"),
            "leaf_value": frame["leaf_value"].astype("float64"),
        }
    )


def _months_json(months: Sequence[pd.Timestamp]) -> str:
    return json.dumps([pd.Timestamp(month).date().isoformat() for month in months])


def validation_frame(rows: pd.DataFrame, target: Target, months: Sequence[Any]) -> pd.DataFrame:
    """The rows of ``months`` whose label of ``target`` is known."""
    wanted = pd.to_datetime(pd.Series(list(months))).dt.normalize()
    return rows[rows[MONTH_END].isin(wanted) & rows[target.label].notna()]


def mean_auc(
    rows: pd.DataFrame, target: Target, months: Sequence[Any], trees: pd.DataFrame, features
) -> float | None:
    """Mean over ``months`` of the ROC AUC of ``trees`` on that month's rows (months with
    one class only are left out)."""
    values = []
    frame = validation_frame(rows, target, months)
    for _, month in frame.groupby(MONTH_END, sort=True):
        labels = month[target.label].astype(bool).to_numpy()
        if labels.all() or not labels.any():
            continue
        scores = score_trees(
            trees, feature_matrix(month, features, "prediction_training_rows"), features
        )
        values.append(roc_auc_score(labels, scores))
    return float(np.mean(values)) if values else None


def current_champion(history: pd.DataFrame | None, target: str) -> pd.Series | None:
    """The target's champion in the stored registry: its latest promoted version."""
    if history is None or history.empty:
        return None
    promoted = history[(history["target"] == target) & (history["decision"] == "promoted")]
    if promoted.empty:
        return None
    return promoted.sort_values("version_number").iloc[-1]


def champion_decision(
    challenger_auc: float | None,
    champion_auc: float | None,
    margin: float,
    not_comparable: str | None = None,
) -> tuple[str, str]:
    """(decision, reason): ``promoted`` when there is no champion yet, when the champion
    cannot be compared fairly (``not_comparable`` says why: it was trained on the
    challenger's validation months, or uses features the training rows no longer have),
    or when ``challenger_auc >= champion_auc + margin``; otherwise ``kept_champion``."""
    if not_comparable:
        return "promoted", f"no fair comparison with the champion: {not_comparable}"
    if champion_auc is None:
        return "promoted", "first model of this target"
    if challenger_auc is None:
        return "kept_champion", "the challenger has no validation ROC AUC"
    if challenger_auc >= champion_auc + margin:
        return "promoted", (
            f"validation ROC AUC {challenger_auc:.4f} >= champion {champion_auc:.4f} "
            f"+ margin {margin:g}"
        )
    return "kept_champion", (
        f"validation ROC AUC {challenger_auc:.4f} < champion {champion_auc:.4f} + margin {margin:g}"
    )


def registry_rows(
    rows: pd.DataFrame,
    settings: PredictionSettings,
    history: pd.DataFrame | None,
    trained_at: Any,
    trained_as_of: Any,
) -> pd.DataFrame:
    """The registry rows (columns :data:`REGISTRY_COLUMNS`), one per target, of the
    version trained on these rows and settings.

    A version already in ``history`` is returned as stored (no fit). Otherwise each
    target is fitted on its training months, its threshold chosen (highest F1 on the
    training rows), it is validated on its validation months against the
    recency-only baseline, and compared with the stored champion of the target on the
    same rows (:func:`champion_decision`).
    """
    ordered = check_rows(rows, settings)
    data_fingerprint = fingerprint(ordered)
    version = model_version(data_fingerprint, settings)
    if history is not None and len(history) and (history["model_version"] == version).any():
        stored = history.loc[history["model_version"] == version, list(REGISTRY_COLUMNS)]
        return stored.reset_index(drop=True)
    number = 1 if history is None or history.empty else int(history["version_number"].max()) + 1
    params = {
        "algorithm": "HistGradientBoostingClassifier",
        "seed": settings.seed,
        "max_iter": settings.max_iter,
        "max_depth": settings.max_depth,
        "learning_rate": settings.learning_rate,
        "min_samples_leaf": settings.min_samples_leaf,
        "l2_regularization": settings.l2_regularization,
        "validation_months": settings.validation_months,
        "threshold_rule": "highest F1 on the training rows",
    }
    out = []
    for target in TARGETS:
        split = split_months(ordered, target, settings.validation_months)
        model = fit_target(ordered, settings, target, split.training)
        trees = trees_table(model, settings.features)
        train = validation_frame(ordered, target, split.training)
        train_labels = train[target.label].astype(bool).to_numpy()
        train_scores = score_trees(
            trees,
            feature_matrix(train, settings.features, "prediction_training_rows"),
            settings.features,
        )
        threshold = choose_threshold(train_labels, train_scores)
        challenger_auc = mean_auc(ordered, target, split.validation, trees, settings.features)
        validation = validation_frame(ordered, target, split.validation)
        baseline_values = []
        for _, month in validation.groupby(MONTH_END, sort=True):
            labels = month[target.label].astype(bool).to_numpy()
            if labels.any() and not labels.all():
                baseline_values.append(roc_auc_score(labels, baseline_scores(month, target)))
        champion = current_champion(history, target.name)
        champion_auc = None
        not_comparable = None
        if champion is not None:
            trained_to = pd.Timestamp(champion["training_month_to"])
            window_end = trained_to + pd.Timedelta(days=target.horizon_days)
            champion_features = str(champion["feature_list"]).split(",")
            if window_end > split.validation[0]:
                not_comparable = "it was trained on labels of these validation months"
            elif not set(champion_features) <= set(ordered.columns):
                not_comparable = "it uses features that are no longer in prediction_features"
            else:
                champion_auc = mean_auc(
                    ordered,
                    target,
                    split.validation,
                    trees_from_json(champion["trees_json"]),
                    champion_features,
                )
        decision, reason = champion_decision(
            challenger_auc, champion_auc, settings.promotion_margin, not_comparable
        )
        out.append(
            {
                "model_version": version,
                "target": target.name,
                "version_number": number,
                "trained_at": pd.Timestamp(trained_at).tz_localize(None)
                if pd.Timestamp(trained_at).tzinfo is not None
                else pd.Timestamp(trained_at),
                "trained_as_of": pd.Timestamp(trained_as_of).date(),
                "label": target.label,
                "horizon_days": target.horizon_days,
                "params": json.dumps(params, sort_keys=True),
                "feature_list": ",".join(settings.features),
                "data_fingerprint": data_fingerprint,
                "training_rows": len(train),
                "training_positives": int(train_labels.sum()),
                "training_month_from": split.training[0].date(),
                "training_month_to": split.training[-1].date(),
                "validation_month_from": split.validation[0].date(),
                "validation_month_to": split.validation[-1].date(),
                "validation_months": _months_json(split.validation),
                "threshold": threshold,
                "validation_roc_auc": challenger_auc,
                "baseline_roc_auc": float(np.mean(baseline_values)) if baseline_values else None,
                "champion_before": None if champion is None else str(champion["model_version"]),
                "champion_roc_auc": champion_auc,
                "promotion_margin": settings.promotion_margin,
                "decision": decision,
                "decision_reason": reason,
                "trees_json": trees_to_json(trees),
            }
        )
    table = pd.DataFrame(out, columns=list(REGISTRY_COLUMNS))
    for column in ("champion_before",):
        table[column] = table[column].astype("string")
    for column in ("validation_roc_auc", "baseline_roc_auc", "champion_roc_auc"):
        table[column] = table[column].astype("float64")
    return table


def stored_trees(registry: pd.DataFrame) -> pd.DataFrame:
    """Every stored version's trees, one row per node, keyed by model_version and target."""
    frames = []
    for row in registry.sort_values(["version_number", "target"]).itertuples():
        trees = trees_from_json(row.trees_json)
        trees.insert(0, "target", row.target)
        trees.insert(0, "model_version", row.model_version)
        frames.append(trees)
    if not frames:
        raise PredictionError("prediction_model_registry holds no model")
    return pd.concat(frames, ignore_index=True)


EVALUATION_COLUMNS = (
    "model_version",
    "target",
    "validation_of_version",
    "role",
    "validation_month",
    "threshold",
    "validation_rows",
    "positives",
    "predicted_positives",
    "roc_auc",
    "precision",
    "recall",
    "f1",
    "brier",
    "baseline_roc_auc",
)


def evaluation_rows(
    rows: pd.DataFrame, registry: pd.DataFrame, history: pd.DataFrame | None
) -> pd.DataFrame:
    """Per registry row not yet evaluated (in ``history``): the metrics of its model on
    each of its validation months (role ``challenger``), and of the champion it was
    compared with on the same rows (role ``champion``, at the champion's own threshold),
    with the recency-only baseline's ROC AUC on those rows."""
    done = set()
    if history is not None and len(history):
        done = set(zip(history["validation_of_version"], history["target"], strict=True))
    # a fixed row order: the metrics are sums over rows, equal to the last bit every build
    rows = rows.copy()
    rows[MONTH_END] = pd.to_datetime(rows[MONTH_END]).dt.normalize()
    rows = rows.sort_values([MONTH_END, CUSTOMER_ID], kind="stable").reset_index(drop=True)
    by_key = {(r.model_version, r.target): r for r in registry.itertuples()}
    out = []
    for entry in registry.sort_values(["version_number", "target"]).itertuples():
        if (entry.model_version, entry.target) in done:
            continue
        target = TARGET_BY_NAME[entry.target]
        months = json.loads(entry.validation_months)
        models = [("challenger", entry)]
        if isinstance(entry.champion_before, str) and pd.notna(entry.champion_roc_auc):
            models.append(("champion", by_key[(entry.champion_before, entry.target)]))
        frame = validation_frame(rows, target, months)
        for role, evaluated in models:
            features = str(evaluated.feature_list).split(",")
            trees = trees_from_json(evaluated.trees_json)
            for month, month_rows in frame.groupby(MONTH_END, sort=True):
                labels = month_rows[target.label].astype(bool).to_numpy()
                matrix = feature_matrix(month_rows, features, "prediction_training_rows")
                scores = score_trees(trees, matrix, features)
                metrics = binary_metrics(labels, scores, float(evaluated.threshold))
                both = labels.any() and not labels.all()
                baseline = (
                    float(roc_auc_score(labels, baseline_scores(month_rows, target)))
                    if both
                    else None
                )
                out.append(
                    {
                        "model_version": evaluated.model_version,
                        "target": entry.target,
                        "validation_of_version": entry.model_version,
                        "role": role,
                        "validation_month": pd.Timestamp(month).date(),
                        "threshold": float(evaluated.threshold),
                        **metrics,
                        "baseline_roc_auc": baseline,
                    }
                )
    table = pd.DataFrame(out, columns=list(EVALUATION_COLUMNS))
    for column in ("roc_auc", "precision", "recall", "f1", "brier", "baseline_roc_auc"):
        table[column] = table[column].astype("float64")
    for column in ("validation_rows", "positives", "predicted_positives"):
        table[column] = table[column].astype("int64")
    return table
