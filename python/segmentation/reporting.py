"""Tables that explain a model version: the logic behind the dbt Python models
``segment_classifier_metrics`` and ``segment_feature_importance``.

Both models train the same random forest (:func:`segmentation.explain.classifier_report`,
same rows, labels and seed, so the same forest) on the training sample, labelled with the
segments ``customer_segment_assignments`` gave the scored model version, with the
features of that version as listed in ``segment_centroids``. Both are incremental: a
version already reported keeps its stored rows. Within one dbt invocation (dbt-duckdb
runs Python models in its own process) the report of the first model is kept in memory,
keyed by a hash of the rows, labels, features and seed, so the second model reuses the
same forest instead of training it again.
"""

from __future__ import annotations

import hashlib
import threading

import numpy as np
import pandas as pd

from segmentation.clustering import SegmentationError
from segmentation.explain import IMPORTANCE_COLUMNS, METRIC_COLUMNS, classifier_report

CUSTOMER_ID = "customer_id"


def scored_version(assignments: pd.DataFrame) -> str:
    """The one model version of ``customer_segment_assignments``.

    Raises:
        SegmentationError: no rows, or rows of several versions.
    """
    versions = assignments["model_version"].dropna().unique()
    if len(versions) != 1:
        raise SegmentationError(
            "customer_segment_assignments must hold exactly one model version, "
            f"found {sorted(map(str, versions))}"
        )
    return str(versions[0])


def version_features(centroids: pd.DataFrame, version: str) -> list[str]:
    """The features of ``version`` in ``segment_centroids``, in position order."""
    rows = centroids[centroids["model_version"] == version]
    if rows.empty:
        raise SegmentationError(f"segment_centroids has no rows for model version {version}")
    ordered = rows.drop_duplicates("feature_position").sort_values("feature_position")
    return ordered["feature_name"].astype(str).tolist()


def sample_columns(available: list[str], centroids: pd.DataFrame) -> list[str]:
    """The columns of ``customer_features_scaled`` a classifier table reads.

    ``customer_id`` and every column of ``available`` that some stored model version
    uses, in the order of ``available``: the Python models pass only these (and only the
    training sample's rows) to pandas. A feature a version uses that ``available`` lacks
    is left out here and reported by :func:`classifier_table`.
    """
    used = set(centroids["feature_name"].astype(str))
    return [CUSTOMER_ID, *[name for name in available if name in used and name != CUSTOMER_ID]]


def training_rows(scaled, assignments, training, centroids: pd.DataFrame):
    """The two frames :func:`classifier_table` reads, from relations with ``select``,
    ``join``, ``columns`` and ``df`` (a dbt-duckdb model's ``dbt.ref``).

    Args:
        scaled: ``customer_features_scaled``.
        assignments: ``customer_segment_assignments``.
        training: ``segmentation_training_sample``.
        centroids: ``segment_centroids`` as a frame.

    Returns:
        ``(sample, labels)``: the training sample's rows of ``scaled`` with the columns of
        :func:`sample_columns`, and their ``customer_id``, ``segment_id``,
        ``model_version``. The join runs in the warehouse, so pandas gets the sample only.
    """
    ids = training.select(CUSTOMER_ID)
    sample = scaled.select(", ".join(sample_columns(scaled.columns, centroids)))
    labels = assignments.select(f"{CUSTOMER_ID}, segment_id, model_version")
    return sample.join(ids, CUSTOMER_ID).df(), labels.join(ids, CUSTOMER_ID).df()


# classifier reports of this process, by a hash of their inputs (see the module docstring);
# the lock makes two models that start together train the forest once
_REPORTS: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}
_REPORTS_LOCK = threading.Lock()


def _report(
    labelled: pd.DataFrame, features: list[str], seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`classifier_report` of the labelled sample, computed once per input."""
    ordered = labelled.sort_values(CUSTOMER_ID, kind="stable")
    digest = hashlib.sha256()
    digest.update("\n".join(ordered[CUSTOMER_ID].astype(str)).encode())
    digest.update(",".join(features).encode())
    digest.update(str(seed).encode())
    digest.update(np.ascontiguousarray(ordered[features].to_numpy(dtype=np.float64)).tobytes())
    digest.update(np.ascontiguousarray(ordered["segment_id"].to_numpy(dtype=np.int64)).tobytes())
    key = digest.hexdigest()
    with _REPORTS_LOCK:
        if key not in _REPORTS:
            _REPORTS[key] = classifier_report(
                labelled[[CUSTOMER_ID, *features]],
                labelled["segment_id"].to_numpy(),
                features,
                seed,
            )
        metrics, importance = _REPORTS[key]
    return metrics.copy(), importance.copy()


TABLES = {
    "metrics": (["model_version", *METRIC_COLUMNS], ["segment_id"]),
    "importance": (["model_version", *IMPORTANCE_COLUMNS], ["segment_id", "feature_position"]),
}


def classifier_table(
    table: str,
    sample: pd.DataFrame,
    assignments: pd.DataFrame,
    centroids: pd.DataFrame,
    seed: int,
    stored: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Held-out metrics or per-segment feature importance of the scored model version.

    Args:
        table: ``"metrics"`` or ``"importance"``: which frame of
            :func:`segmentation.explain.classifier_report` to return.
        sample: the training sample: ``customer_id`` and (at least) the version's
            feature columns of ``customer_features_scaled``.
        assignments: ``customer_id``, ``segment_id``, ``model_version`` of every scored
            customer (one version).
        centroids: ``segment_centroids`` (every version; gives the version's features).
        seed: random seed of the split, the forest and the permutations.
        stored: the rows this table stored in earlier builds, or None.

    Returns:
        The frame, with ``model_version`` as the first column. When ``stored`` already
        holds the version, its rows are returned unchanged (no new forest).
    """
    if table not in TABLES:
        raise SegmentationError(f"table must be one of {sorted(TABLES)}, got {table!r}")
    columns, order = TABLES[table]
    version = scored_version(assignments)
    if stored is not None and len(stored) and (stored["model_version"] == version).any():
        rows = stored.loc[stored["model_version"] == version, columns]
        return rows.sort_values(order).reset_index(drop=True)
    features = version_features(centroids, version)
    missing = [name for name in features if name not in sample.columns]
    if missing:
        raise SegmentationError(
            f"model version {version} uses features {missing} that customer_features_scaled "
            "no longer has: add them back to the var scaled_features or retrain"
        )
    labelled = sample[[CUSTOMER_ID, *features]].merge(
        assignments[[CUSTOMER_ID, "segment_id"]], on=CUSTOMER_ID, how="inner"
    )
    if len(labelled) < len(sample):
        raise SegmentationError(
            f"{len(sample) - len(labelled)} customers of the training sample have no row "
            "in customer_segment_assignments"
        )
    metrics, importance = _report(labelled, features, seed)
    frame = metrics if table == "metrics" else importance
    frame.insert(0, "model_version", version)
    return frame[columns]
