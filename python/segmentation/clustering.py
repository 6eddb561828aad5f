"""Fit customer segments on an already-scaled feature matrix.

Pure functions, no dbt and no I/O: a matrix goes in, arrays and data frames come out.

* :func:`validate_matrix` turns a feature frame into a float64 matrix or raises
  :class:`SegmentationError` naming the problem.
* :func:`fit_segments` fits one of :data:`ALGORITHMS` and returns a :class:`FittedModel`
  whose cluster ids are in canonical order (see below).
* :func:`select_k` fits several k and chooses one by silhouette.
* :func:`assign_nearest` scores rows against centres the way the SQL scoring does.
* :func:`match_segment_ids` and :func:`relabel` keep segment ids stable across retrains.

Rules
-----
Minibatch switch
    ``kmeans`` on more than :data:`MINIBATCH_THRESHOLD` rows is replaced by
    ``minibatch_kmeans``; :attr:`FittedModel.algorithm` records the algorithm actually
    used and ``params["requested_algorithm"]`` the one asked for.
Canonical order
    Cluster ids of a fitted model do not depend on the algorithm's internal numbering:
    clusters are sorted by size (members, outliers excluded) descending, ties broken by
    the centre's coordinates compared lexicographically (first feature first, ascending).
    Cluster 0 is the largest.
Choice of k
    Highest silhouette; every k whose silhouette is within :data:`SILHOUETTE_TOLERANCE`
    (0.01) of the best counts as a tie and the smallest such k wins.
GMM
    ``GaussianMixture`` with ``covariance_type="diag"`` (:data:`GMM_COVARIANCE`):
    diagonal covariances keep the SQL scoring of every customer to ``k x d`` terms
    (full covariances would need ``k x d^2``). :func:`score_segments` gives the most
    probable component and its membership probability exactly as the SQL does.
DBSCAN
    Fitted on a seeded sample of at most :data:`DBSCAN_SAMPLE_SIZE` rows (its
    neighbourhoods grow with n). A cluster is summarised by the mean of its members
    and its radius, the largest squared distance of a member to that mean; every row
    (sampled or not, noise included) then goes to the nearest mean if it lies within
    that cluster's radius, else to :data:`OUTLIER_SEGMENT`. That rule is what SQL can
    score; it can differ from DBSCAN's own labels for noise points that lie inside a
    cluster's radius.
Determinism
    The same matrix, algorithm, k and seed give byte-identical labels, centres and
    confidence. Fits run with one thread (``threadpoolctl``), because scikit-learn's
    multi-threaded k-means reductions add partial sums in an order that depends on
    thread scheduling.
"""

# The feature matrix is called X, as in scikit-learn.
# ruff: noqa: N803, N806

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import DBSCAN, AgglomerativeClustering, KMeans, MiniBatchKMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

ALGORITHMS = ("kmeans", "minibatch_kmeans", "gmm", "dbscan", "agglomerative")

# Above this many rows ``kmeans`` is replaced by ``minibatch_kmeans`` (strictly more rows
# than the threshold switch). Full k-means with KMEANS_N_INIT restarts stays within a few
# seconds per k up to here on one core.
MINIBATCH_THRESHOLD = 200_000

# Label of DBSCAN noise points: they belong to no segment.
OUTLIER_SEGMENT = -1

KMEANS_N_INIT = 10
KMEANS_MAX_ITER = 300
MINIBATCH_N_INIT = 3
MINIBATCH_BATCH_SIZE = 4096
MINIBATCH_MAX_ITER = 100

GMM_COVARIANCE = "diag"
GMM_N_INIT = 1
GMM_MAX_ITER = 200

# Ward linkage is O(n^2) in memory (scipy's condensed distance matrix: 5_000 rows take
# about 100 MB), so it is fitted on a seeded random sample of at most this many rows.
AGGLOMERATIVE_SAMPLE_SIZE = 5_000

DBSCAN_EPS = 1.0
DBSCAN_MIN_SAMPLES = 10
# DBSCAN keeps every row's neighbourhood in memory: fit on a seeded sample of at most
# this many rows.
DBSCAN_SAMPLE_SIZE = 20_000
# A row is inside a DBSCAN cluster when its squared distance is at most the radius times
# (1 + RADIUS_TOLERANCE): the member that defines the radius stays inside however the
# engine rounds its distance.
RADIUS_TOLERANCE = 1e-9

# Silhouette is O(n^2): it is computed on a seeded random sample of at most this many rows.
SILHOUETTE_SAMPLE_SIZE = 10_000
SILHOUETTE_TOLERANCE = 0.01
RULE_SILHOUETTE = "highest silhouette; smallest k within 0.01 of the best"
RULE_FIXED = "fixed by var"
RULE_DBSCAN = "found by dbscan (eps, min_samples)"

METRIC_COLUMNS = ("k", "silhouette", "davies_bouldin", "calinski_harabasz", "inertia")

# Rows per chunk in assign_nearest: memory is about chunk_rows x k x 16 bytes.
ASSIGN_CHUNK_ROWS = 65_536

# scikit-learn accepts seeds in [0, 2**32 - 1].
_MAX_SEED = 2**32 - 1

CONFIDENCE_SQUARED_DISTANCE = "squared_distance"
CONFIDENCE_PROBABILITY = "probability"


class SegmentationError(ValueError):
    """Bad input to a segmentation function; the message names the problem."""


@dataclass(frozen=True, eq=False)
class FittedModel:
    """A fitted segmentation.

    Attributes:
        algorithm: the algorithm actually used (one of :data:`ALGORITHMS`; ``kmeans``
            becomes ``minibatch_kmeans`` above the minibatch threshold).
        k: number of clusters (for ``dbscan``: the number DBSCAN found).
        seed: the random seed the fit used.
        params: the estimator settings (and ``requested_algorithm`` when it was switched).
        labels: int64, one per row: the segment id of the row, or
            :data:`OUTLIER_SEGMENT` for DBSCAN noise. Straight out of :func:`fit_segments`
            the ids are ``0..k-1`` in canonical order; after :func:`relabel` they are the
            ids of :attr:`segment_ids`.
        centres: float64 ``k x d``, in the scaled feature space, one row per segment in
            the order of :attr:`segment_ids`. k-means: the cluster centres; GMM: the
            component means; DBSCAN: the mean of each cluster's members; agglomerative:
            the mean of each Ward cluster's (sampled) members.
        confidence: float64, one per row. For ``kmeans``, ``minibatch_kmeans``,
            ``agglomerative`` and ``dbscan`` the squared Euclidean distance to the
            assigned centre (smaller is more confident; NaN for DBSCAN noise). For ``gmm``
            the membership probability of the assigned component, in [0, 1] (larger is
            more confident). :attr:`confidence_kind` says which.
        segment_ids: int64, strictly increasing, the segment id of each row of
            :attr:`centres`; ``0..k-1`` straight out of :func:`fit_segments`.
        variances: GMM only (else None): float64 ``k x d`` diagonal covariances, rows in
            the order of :attr:`segment_ids`.
        weights: GMM only (else None): float64 ``k`` mixture weights.
        radii: DBSCAN only (else None): float64 ``k`` squared radius of each cluster.

    The arrays are read-only.
    """

    algorithm: str
    k: int
    seed: int
    params: dict[str, Any]
    labels: np.ndarray
    centres: np.ndarray
    confidence: np.ndarray
    segment_ids: np.ndarray = field(default=None)  # type: ignore[assignment]
    variances: np.ndarray | None = None
    weights: np.ndarray | None = None
    radii: np.ndarray | None = None

    def __post_init__(self) -> None:
        segment_ids = self.segment_ids
        if segment_ids is None:
            segment_ids = np.arange(self.k, dtype=np.int64)
        arrays = [
            ("labels", self.labels, np.int64),
            ("centres", self.centres, np.float64),
            ("confidence", self.confidence, np.float64),
            ("segment_ids", segment_ids, np.int64),
        ]
        arrays += [
            (name, value, np.float64)
            for name, value in (
                ("variances", self.variances),
                ("weights", self.weights),
                ("radii", self.radii),
            )
            if value is not None
        ]
        for name, value, dtype in arrays:
            array = np.array(value, dtype=dtype, order="C", copy=True)
            array.setflags(write=False)
            object.__setattr__(self, name, array)
        object.__setattr__(self, "params", dict(self.params))

    @property
    def confidence_kind(self) -> str:
        """``"probability"`` for GMM, ``"squared_distance"`` for every other algorithm."""
        if self.algorithm == "gmm":
            return CONFIDENCE_PROBABILITY
        return CONFIDENCE_SQUARED_DISTANCE

    @property
    def n_outliers(self) -> int:
        """Number of rows labelled :data:`OUTLIER_SEGMENT`."""
        return int(np.count_nonzero(self.labels == OUTLIER_SEGMENT))


@dataclass(frozen=True)
class KSelection:
    """The result of :func:`select_k`.

    Attributes:
        metrics: one row per k tried, ascending k, columns :data:`METRIC_COLUMNS`:
            ``k``, ``silhouette`` (higher is better, on a sample of at most
            ``silhouette_sample_size`` rows), ``davies_bouldin`` (lower is better),
            ``calinski_harabasz`` (higher is better) and ``inertia`` (within-cluster sum of
            squared distances to the centres). A metric that is undefined for a labelling
            (fewer than two distinct labels) is NaN.
        chosen_k: the chosen number of clusters.
        rule: how it was chosen: :data:`RULE_SILHOUETTE` or :data:`RULE_FIXED`.
        algorithm: the algorithm actually used for the largest fit.
    """

    metrics: pd.DataFrame
    chosen_k: int
    rule: str
    algorithm: str


# ---------------------------------------------------------------------------- validation


def validate_matrix(
    frame: pd.DataFrame, feature_columns: Sequence[str], min_rows: int
) -> np.ndarray:
    """Check a feature frame and return its features as a float64 matrix.

    Args:
        frame: one row per customer, holding (at least) ``feature_columns``.
        feature_columns: the feature column names, in the order wanted in the matrix.
        min_rows: the least number of rows accepted (at least 1).

    Returns:
        A C-contiguous float64 array of shape ``(len(frame), len(feature_columns))``, its
        columns in the order of ``feature_columns``.

    Raises:
        SegmentationError: no feature columns or duplicated ones; missing columns (all
            named); non-numeric columns; fewer rows than ``min_rows``; null or non-finite
            values (each column named with its count); constant columns (named: a constant
            feature carries no information and breaks scaling).
    """
    if isinstance(feature_columns, str):
        raise SegmentationError(
            f"feature_columns must be a sequence of column names, not the string "
            f"{feature_columns!r}"
        )
    columns = list(feature_columns)
    if not columns:
        raise SegmentationError("feature_columns is empty: at least one feature is needed")
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        raise SegmentationError(f"feature columns listed more than once: {duplicated}")
    if isinstance(min_rows, bool) or not isinstance(min_rows, int | np.integer) or min_rows < 1:
        raise SegmentationError(f"min_rows must be an integer >= 1, got {min_rows!r}")

    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SegmentationError(
            f"missing feature columns: {missing} (frame has {list(frame.columns)})"
        )
    non_numeric = [
        f"{c!r} ({frame[c].dtype})" for c in columns if not pd.api.types.is_numeric_dtype(frame[c])
    ]
    if non_numeric:
        raise SegmentationError(f"non-numeric feature columns: {', '.join(non_numeric)}")

    n_rows = len(frame)
    if n_rows < min_rows:
        raise SegmentationError(f"too few rows: {n_rows} rows, at least {min_rows} are needed")

    matrix = np.empty((n_rows, len(columns)), dtype=np.float64)
    problems = []
    for j, column in enumerate(columns):
        series = frame[column]
        n_null = int(series.isna().sum())
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        n_infinite = int(np.isinf(values).sum())
        if n_null:
            problems.append(f"column {column!r} has {n_null} null value(s)")
        if n_infinite:
            problems.append(f"column {column!r} has {n_infinite} non-finite value(s) (inf)")
        matrix[:, j] = values
    if problems:
        raise SegmentationError("; ".join(problems))

    constant = [c for j, c in enumerate(columns) if np.all(matrix[:, j] == matrix[0, j])]
    if constant:
        raise SegmentationError(
            f"constant feature columns (one value in every row, no information): {constant}"
        )
    return matrix


def _check_matrix(X: Any, name: str = "X") -> np.ndarray:
    """X as a C-contiguous float64 2-D array with at least one row, column, all finite."""
    try:
        array = np.ascontiguousarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise SegmentationError(f"{name} is not a numeric matrix: {exc}") from exc
    if array.ndim != 2:
        raise SegmentationError(f"{name} must be 2-D (rows x features), got shape {array.shape}")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise SegmentationError(f"{name} is empty: shape {array.shape}")
    bad = ~np.isfinite(array)
    if bad.any():
        columns = sorted({int(j) for j in np.nonzero(bad)[1]})
        raise SegmentationError(
            f"{name} has {int(bad.sum())} null or non-finite value(s) in column index(es) {columns}"
        )
    return array


def check_int(value: Any, name: str, low: int, high: int | None = None) -> int:
    """``value`` as an int within bounds, or a SegmentationError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise SegmentationError(f"{name} must be an integer, got {value!r}")
    if value < low or (high is not None and value > high):
        bounds = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise SegmentationError(f"{name} must be {bounds}, got {value}")
    return int(value)


def _check_algorithm(algorithm: Any) -> str:
    if algorithm not in ALGORITHMS:
        raise SegmentationError(
            f"unknown algorithm {algorithm!r}; accepted: {', '.join(ALGORITHMS)}"
        )
    return str(algorithm)


# ---------------------------------------------------------------------------- geometry


def _squared_distances(X: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """``rows x k`` squared distances, summed feature by feature left to right.

    Exact differences (not the ``|x|^2 - 2x.c + |c|^2`` expansion), so equal distances
    compare equal, the way a SQL ``(x1 - c1)^2 + (x2 - c2)^2 + ...`` does.
    """
    out = np.zeros((X.shape[0], centres.shape[0]), dtype=np.float64)
    for j in range(X.shape[1]):  # loop over features, vectorised over rows and centres
        diff = X[:, j, None] - centres[None, :, j]
        out += diff * diff
    return out


def assign_nearest(
    X: np.ndarray, centres: np.ndarray, *, chunk_rows: int = ASSIGN_CHUNK_ROWS
) -> tuple[np.ndarray, np.ndarray]:
    """Assign each row to its nearest centre.

    Mirrors the SQL scoring: customers x k centres, nearest by squared Euclidean distance,
    the lowest centre index on exact ties. Vectorised over rows and processed in chunks of
    ``chunk_rows`` rows, so memory stays about ``chunk_rows x k x 16`` bytes.

    Args:
        X: ``n x d`` matrix (finite).
        centres: ``k x d`` matrix (finite, k >= 1).
        chunk_rows: rows per chunk (>= 1).

    Returns:
        ``(labels, distances)``: int64 index of the nearest centre (row of ``centres``)
        and float64 squared distance to it, one per row of X. With a model whose
        ``segment_ids`` are not ``0..k-1``, the segment is ``segment_ids[labels]``.

    Raises:
        SegmentationError: non-finite or wrongly shaped inputs, feature counts differing.
    """
    X = _check_matrix(X)
    centres = _check_matrix(centres, "centres")
    if centres.shape[1] != X.shape[1]:
        raise SegmentationError(f"centres have {centres.shape[1]} features but X has {X.shape[1]}")
    chunk_rows = check_int(chunk_rows, "chunk_rows", 1)
    n = X.shape[0]
    labels = np.empty(n, dtype=np.int64)
    distances = np.empty(n, dtype=np.float64)
    for start in range(0, n, chunk_rows):
        stop = min(start + chunk_rows, n)
        d2 = _squared_distances(X[start:stop], centres)
        nearest = np.argmin(d2, axis=1)  # first minimum: lowest index on ties
        labels[start:stop] = nearest
        distances[start:stop] = d2[np.arange(stop - start), nearest]
    return labels, distances


# rows x rows distances held at once by silhouettes(): 2**24 float64 values, 128 MB
_SILHOUETTE_BLOCK_VALUES = 2**24


def silhouettes(X: np.ndarray, labellings: Sequence[np.ndarray]) -> list[float]:
    """Mean silhouette coefficient of each labelling of the rows of ``X`` (Euclidean),
    as scikit-learn's ``silhouette_score`` defines it: for each row, a = its mean
    distance to the other rows of its cluster, b = the least mean distance to the rows
    of another cluster, s = (b - a) / max(a, b), and s = 0 in a cluster of one row.

    The pairwise distances are computed once for all the labellings, a block of rows
    at a time, and each row's distances are summed per cluster by one matrix product
    with the clusters' indicator columns of every labelling. (scikit-learn computes the
    distances again for every labelling and sums them in a Python loop over the rows.)
    One BLAS thread, so sums are added in the same order on every run. Each labelling
    needs 2 <= distinct labels <= rows - 1 (the caller checks)."""
    x = np.ascontiguousarray(X, dtype=np.float64)
    n = x.shape[0]
    codes, sizes, offsets = [], [], [0]
    for labels in labellings:
        clusters, code = np.unique(labels, return_inverse=True)
        codes.append(code)
        sizes.append(np.bincount(code, minlength=clusters.size).astype(np.float64))
        offsets.append(offsets[-1] + clusters.size)
    members = np.zeros((n, offsets[-1]))
    for code, offset in zip(codes, offsets, strict=False):
        members[np.arange(n), offset + code] = 1.0
    squared_norms = np.einsum("ij,ij->i", x, x)
    per_cluster = np.empty((n, offsets[-1]))
    block = max(1, _SILHOUETTE_BLOCK_VALUES // n)
    with threadpool_limits(limits=1):
        for start in range(0, n, block):
            stop = min(start + block, n)
            # |u - v|^2 = -2 u.v + |u|^2 + |v|^2 (scikit-learn's order of terms),
            # clipped at 0, a row's distance to itself 0
            squared = -2.0 * (x[start:stop] @ x.T)
            squared += squared_norms[start:stop, None]
            squared += squared_norms[None, :]
            np.maximum(squared, 0.0, out=squared)
            rows = np.arange(stop - start)
            squared[rows, rows + start] = 0.0
            per_cluster[start:stop] = np.sqrt(squared, out=squared) @ members
    means = []
    rows = np.arange(n)
    for code, size, offset, next_offset in zip(codes, sizes, offsets, offsets[1:], strict=False):
        sums = per_cluster[:, offset:next_offset]
        own = sums[rows, code]
        with np.errstate(divide="ignore", invalid="ignore"):
            within = own / (size[code] - 1.0)
            others = sums / size
            others[rows, code] = np.inf
            nearest = others.min(axis=1)
            scores = (nearest - within) / np.maximum(within, nearest)
        # a cluster of one row: 0 / 0 above, 0 by definition
        means.append(float(np.nan_to_num(scores).mean()))
    return means


def _distance_to_assigned(X: np.ndarray, centres: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Squared distance of each row to the centre of its label; NaN for outliers."""
    out = np.full(X.shape[0], np.nan, dtype=np.float64)
    member = labels != OUTLIER_SEGMENT
    if member.any():
        assigned = centres[labels[member]]
        total = np.zeros(int(member.sum()), dtype=np.float64)
        for j in range(X.shape[1]):
            diff = X[member, j] - assigned[:, j]
            total += diff * diff
        out[member] = total
    return out


def _cluster_means(X: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """``k x d`` mean of the members of each cluster ``0..k-1`` (outliers ignored).

    Every cluster must have at least one member.
    """
    member = labels != OUTLIER_SEGMENT
    lab = labels[member]
    counts = np.bincount(lab, minlength=k).astype(np.float64)
    means = np.empty((k, X.shape[1]), dtype=np.float64)
    for j in range(X.shape[1]):
        means[:, j] = np.bincount(lab, weights=X[member, j], minlength=k) / counts
    return means


def _canonical_order(labels: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Old cluster index of each new (canonical) cluster id.

    Size descending (outliers excluded), ties broken by centre coordinates ascending,
    first feature first.
    """
    k = centres.shape[0]
    sizes = np.bincount(labels[labels != OUTLIER_SEGMENT], minlength=k)
    keys = [centres[:, j] for j in range(centres.shape[1] - 1, -1, -1)] + [-sizes]
    return np.lexsort(keys)


def _apply_order(labels: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Map old cluster indexes to new ids given ``order[new] = old``; outliers kept."""
    new_of_old = np.empty_like(order)
    new_of_old[order] = np.arange(order.size)
    out = np.full(labels.shape, OUTLIER_SEGMENT, dtype=np.int64)
    member = labels != OUTLIER_SEGMENT
    out[member] = new_of_old[labels[member]]
    return out


# ---------------------------------------------------------------------------- fitting


def fit_segments(
    X: np.ndarray,
    algorithm: str,
    k: int | None,
    seed: int,
    *,
    sample_size: int | None = None,
    dbscan_eps: float = DBSCAN_EPS,
    dbscan_min_samples: int = DBSCAN_MIN_SAMPLES,
    minibatch_threshold: int | None = None,
) -> FittedModel:
    """Fit customer segments on an already-scaled feature matrix.

    Args:
        X: ``n x d`` finite float matrix (e.g. from :func:`validate_matrix`, then scaled).
        algorithm: one of :data:`ALGORITHMS`:

            * ``kmeans``: scikit-learn ``KMeans`` (Lloyd, ``n_init`` =
              :data:`KMEANS_N_INIT`); on more than ``minibatch_threshold`` rows it is
              replaced by ``minibatch_kmeans``.
            * ``minibatch_kmeans``: ``MiniBatchKMeans`` (batch :data:`MINIBATCH_BATCH_SIZE`,
              ``n_init`` = :data:`MINIBATCH_N_INIT`).
            * ``gmm``: ``GaussianMixture`` with :data:`GMM_COVARIANCE` (``"diag"``)
              covariances; a row's label is its most probable component.
            * ``dbscan``: ``DBSCAN(eps=dbscan_eps, min_samples=dbscan_min_samples)`` on a
              seeded sample of at most ``sample_size`` rows; k is the number of clusters
              DBSCAN finds; every row then goes to the nearest cluster mean within that
              cluster's radius, else to :data:`OUTLIER_SEGMENT`.
            * ``agglomerative``: Ward linkage, fitted on a seeded random sample of at most
              ``sample_size`` rows (it is O(n^2)); the centres are the means of the Ward
              clusters' sampled members and every row, sampled or not, is then assigned
              to its nearest centre.

            For ``kmeans``, ``minibatch_kmeans`` and ``agglomerative`` the labels are
            ``assign_nearest(X, centres)`` exactly, as the SQL scoring would give.
        k: number of clusters, 1 <= k <= n (and <= the Ward sample). Ignored by ``dbscan``
            (pass None).
        seed: random seed in [0, 2**32 - 1]; the same inputs and seed give byte-identical
            labels, centres and confidence.
        sample_size: agglomerative sample bound (default
            :data:`AGGLOMERATIVE_SAMPLE_SIZE`) or DBSCAN sample bound (default
            :data:`DBSCAN_SAMPLE_SIZE`).
        dbscan_eps: DBSCAN neighbourhood radius in the scaled space (> 0).
        dbscan_min_samples: DBSCAN core point neighbourhood size (>= 1).
        minibatch_threshold: row count above which ``kmeans`` becomes
            ``minibatch_kmeans``; default :data:`MINIBATCH_THRESHOLD` (read at call time).

    Returns:
        A :class:`FittedModel` with cluster ids ``0..k-1`` in canonical order (size
        descending, ties by centre coordinates).

    Raises:
        SegmentationError: unknown algorithm (accepted names listed), bad X, k < 1,
            k larger than the rows, bad seed or parameters, DBSCAN finding no cluster,
            or the estimator rejecting the data.
    """
    algorithm = _check_algorithm(algorithm)
    X = _check_matrix(X)
    n, _ = X.shape
    seed = check_int(seed, "seed", 0, _MAX_SEED)
    threshold = MINIBATCH_THRESHOLD if minibatch_threshold is None else minibatch_threshold
    threshold = check_int(threshold, "minibatch_threshold", 1)
    if algorithm != "dbscan":
        k = check_int(k, "k", 1)
        if k > n:
            raise SegmentationError(f"k={k} is larger than the number of rows ({n})")

    params: dict[str, Any] = {}
    if algorithm == "kmeans" and n > threshold:
        params["requested_algorithm"] = "kmeans"
        params["minibatch_threshold"] = threshold
        algorithm = "minibatch_kmeans"

    with threadpool_limits(limits=1):
        if algorithm in ("kmeans", "minibatch_kmeans"):
            assert k is not None
            params.update(_kmeans_params(algorithm))
            estimator = _kmeans_estimator(algorithm, k, seed)
            _fit(estimator, X, algorithm)
            return _centre_model(X, estimator.cluster_centers_, algorithm, seed, params)
        if algorithm == "agglomerative":
            assert k is not None
            return _fit_agglomerative(X, k, seed, sample_size, params)
        if algorithm == "gmm":
            assert k is not None
            return _fit_gmm(X, k, seed, params)
        return _fit_dbscan(X, seed, dbscan_eps, dbscan_min_samples, sample_size, params)


def _fit(estimator: Any, X: np.ndarray, algorithm: str) -> None:
    try:
        estimator.fit(X)
    except ValueError as exc:  # scikit-learn's own input errors, reworded
        raise SegmentationError(
            f"{algorithm} could not be fitted on {X.shape[0]} rows x {X.shape[1]} features: {exc}"
        ) from exc


def _kmeans_params(algorithm: str) -> dict[str, Any]:
    if algorithm == "kmeans":
        return {"n_init": KMEANS_N_INIT, "max_iter": KMEANS_MAX_ITER, "algorithm": "lloyd"}
    return {
        "n_init": MINIBATCH_N_INIT,
        "batch_size": MINIBATCH_BATCH_SIZE,
        "max_iter": MINIBATCH_MAX_ITER,
    }


def _kmeans_estimator(algorithm: str, k: int, seed: int) -> KMeans | MiniBatchKMeans:
    if algorithm == "kmeans":
        return KMeans(
            n_clusters=k,
            n_init=KMEANS_N_INIT,
            max_iter=KMEANS_MAX_ITER,
            algorithm="lloyd",
            random_state=seed,
        )
    return MiniBatchKMeans(
        n_clusters=k,
        n_init=MINIBATCH_N_INIT,
        batch_size=MINIBATCH_BATCH_SIZE,
        max_iter=MINIBATCH_MAX_ITER,
        random_state=seed,
    )


def _centre_model(
    X: np.ndarray, raw_centres: np.ndarray, algorithm: str, seed: int, params: dict[str, Any]
) -> FittedModel:
    """Model whose rows go to the nearest centre, clusters in canonical order.

    Sizes for the canonical order come from the nearest-centre assignment to the raw
    centres; the final labels are the nearest-centre assignment to the reordered centres,
    so they equal ``assign_nearest(X, model.centres)`` exactly (ties: lowest id).
    """
    raw_centres = np.ascontiguousarray(raw_centres, dtype=np.float64)
    raw_labels, _ = assign_nearest(X, raw_centres)
    centres = raw_centres[_canonical_order(raw_labels, raw_centres)]
    labels, distances = assign_nearest(X, centres)
    return FittedModel(
        algorithm=algorithm,
        k=centres.shape[0],
        seed=seed,
        params=params,
        labels=labels,
        centres=centres,
        confidence=distances,
    )


def _fit_agglomerative(
    X: np.ndarray, k: int, seed: int, sample_size: int | None, params: dict[str, Any]
) -> FittedModel:
    n = X.shape[0]
    bound = AGGLOMERATIVE_SAMPLE_SIZE if sample_size is None else sample_size
    bound = check_int(bound, "sample_size", 2)
    if n > bound:
        rows = np.sort(np.random.default_rng(seed).choice(n, size=bound, replace=False))
        sample = X[rows]
    else:
        sample = X
    if k > sample.shape[0]:
        raise SegmentationError(
            f"k={k} is larger than the agglomerative sample ({sample.shape[0]} rows)"
        )
    params.update({"linkage": "ward", "sample_size": bound, "fit_rows": int(sample.shape[0])})
    estimator = AgglomerativeClustering(n_clusters=k, linkage="ward")
    _fit(estimator, sample, "agglomerative")
    raw_centres = _cluster_means(sample, np.asarray(estimator.labels_, dtype=np.int64), k)
    return _centre_model(X, raw_centres, "agglomerative", seed, params)


def _fit_gmm(X: np.ndarray, k: int, seed: int, params: dict[str, Any]) -> FittedModel:
    params.update(
        {"covariance_type": GMM_COVARIANCE, "n_init": GMM_N_INIT, "max_iter": GMM_MAX_ITER}
    )
    estimator = GaussianMixture(
        n_components=k,
        covariance_type=GMM_COVARIANCE,
        n_init=GMM_N_INIT,
        max_iter=GMM_MAX_ITER,
        random_state=seed,
    )
    _fit(estimator, X, "gmm")
    means = np.ascontiguousarray(estimator.means_, dtype=np.float64)
    variances = np.ascontiguousarray(estimator.covariances_, dtype=np.float64)
    weights = np.ascontiguousarray(estimator.weights_, dtype=np.float64)
    raw_labels, _, _ = score_segments(
        X, means, np.arange(k), "gmm", variances=variances, weights=weights
    )
    order = _canonical_order(raw_labels, means)
    labels, _, probability = score_segments(
        X, means[order], np.arange(k), "gmm", variances=variances[order], weights=weights[order]
    )
    return FittedModel(
        algorithm="gmm",
        k=k,
        seed=seed,
        params=params,
        labels=labels,
        centres=means[order],
        confidence=probability,
        variances=variances[order],
        weights=weights[order],
    )


def _fit_dbscan(
    X: np.ndarray,
    seed: int,
    eps: float,
    min_samples: int,
    sample_size: int | None,
    params: dict[str, Any],
) -> FittedModel:
    if not (isinstance(eps, int | float | np.floating) and np.isfinite(eps) and eps > 0):
        raise SegmentationError(f"dbscan_eps must be a finite number > 0, got {eps!r}")
    min_samples = check_int(min_samples, "dbscan_min_samples", 1)
    bound = check_int(DBSCAN_SAMPLE_SIZE if sample_size is None else sample_size, "sample_size", 2)
    n = X.shape[0]
    if n > bound:
        rows = np.sort(np.random.default_rng(seed).choice(n, size=bound, replace=False))
        sample = X[rows]
    else:
        sample = X
    params.update(
        {
            "eps": float(eps),
            "min_samples": min_samples,
            "sample_size": bound,
            "fit_rows": int(sample.shape[0]),
        }
    )
    estimator = DBSCAN(eps=float(eps), min_samples=min_samples)
    _fit(estimator, sample, "dbscan")
    raw_labels = np.asarray(estimator.labels_, dtype=np.int64)
    raw_labels[raw_labels < 0] = OUTLIER_SEGMENT
    k = int(raw_labels.max()) + 1 if (raw_labels >= 0).any() else 0
    if k == 0:
        raise SegmentationError(
            f"dbscan found no cluster (every row is noise) with eps={eps}, "
            f"min_samples={min_samples}; increase dbscan_eps or lower dbscan_min_samples"
        )
    means = _cluster_means(sample, raw_labels, k)
    order = _canonical_order(raw_labels, means)
    sample_labels = _apply_order(raw_labels, order)
    centres = means[order]
    radii = np.zeros(k, dtype=np.float64)
    member_distances = _distance_to_assigned(sample, centres, sample_labels)
    member = sample_labels != OUTLIER_SEGMENT
    np.maximum.at(radii, sample_labels[member], member_distances[member])
    labels, distances, _ = score_segments(X, centres, np.arange(k), "dbscan", radii=radii)
    return FittedModel(
        algorithm="dbscan",
        k=k,
        seed=seed,
        params=params,
        labels=labels,
        centres=centres,
        confidence=np.where(labels == OUTLIER_SEGMENT, np.nan, distances),
        radii=radii,
    )


def score_segments(
    X: np.ndarray,
    centres: np.ndarray,
    segment_ids: Sequence[int],
    algorithm: str,
    *,
    variances: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    radii: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Score rows with a stored model the way ``customer_segment_assignments`` does.

    * ``gmm``: log density of each diagonal Gaussian component plus its log weight,
      ``log w - 0.5 * sum_j (log(2 pi v_j) + (x_j - mu_j)^2 / v_j)``; the most probable
      component wins (lowest id on ties) and the probability is the softmax of the log
      densities.
    * ``dbscan``: the nearest centre (cluster mean) if the squared distance is at most
      the cluster's squared radius (times 1 + :data:`RADIUS_TOLERANCE`), else
      :data:`OUTLIER_SEGMENT`.
    * every other algorithm: the nearest centre (lowest id on ties).

    Args:
        X: ``n x d`` scaled rows.
        centres: ``k x d`` centres, one per segment id.
        segment_ids: the ``k`` segment ids of the centres' rows.
        algorithm: the algorithm of the model.
        variances, weights: ``k x d`` and ``k``; required for ``gmm``.
        radii: ``k`` squared radii; required for ``dbscan``.

    Returns:
        ``(labels, squared_distances, probabilities)``: the segment id of each row, its
        squared distance to the centre of the segment (to the nearest centre for
        outliers; for GMM to the chosen component's mean) and, for GMM, the membership
        probability of the chosen component (NaN otherwise).
    """
    X = _check_matrix(X)
    centres = _check_matrix(centres, "centres")
    ids = np.asarray(segment_ids, dtype=np.int64)
    if ids.shape != (centres.shape[0],):
        raise SegmentationError(f"segment_ids must hold {centres.shape[0]} ids")
    distances_all = _squared_distances(X, centres)
    rows = np.arange(X.shape[0])
    probability = np.full(X.shape[0], np.nan)
    if algorithm == "gmm":
        if variances is None or weights is None:
            raise SegmentationError("scoring a gmm model needs its variances and weights")
        v = np.asarray(variances, dtype=np.float64)
        log_density = np.zeros_like(distances_all)
        for j in range(X.shape[1]):  # feature by feature, as the SQL sums them
            diff = X[:, j, None] - centres[None, :, j]
            log_density += np.log(2.0 * np.pi * v[None, :, j]) + diff * diff / v[None, :, j]
        log_density = np.log(np.asarray(weights, dtype=np.float64))[None, :] - 0.5 * log_density
        best = np.argmax(log_density, axis=1)  # first maximum: lowest id on ties
        relative = np.exp(log_density - log_density[rows, best][:, None])
        probability = 1.0 / relative.sum(axis=1)
        return ids[best], distances_all[rows, best], probability
    nearest = np.argmin(distances_all, axis=1)
    labels = ids[nearest]
    distances = distances_all[rows, nearest]
    if algorithm == "dbscan":
        if radii is None:
            raise SegmentationError("scoring a dbscan model needs its cluster radii")
        limit = np.asarray(radii, dtype=np.float64)[nearest] * (1.0 + RADIUS_TOLERANCE)
        outside = distances > limit
        labels = np.where(outside, OUTLIER_SEGMENT, labels)
    return labels, distances, probability


# ---------------------------------------------------------------------------- choosing k


def choose_k(
    k_values: Sequence[int], silhouettes: Sequence[float], tolerance: float = SILHOUETTE_TOLERANCE
) -> int:
    """The k with the highest silhouette, preferring the smallest k among near-ties.

    Args:
        k_values: the candidate k.
        silhouettes: their silhouette scores (NaN: undefined, never chosen).
        tolerance: every k whose silhouette is >= best - tolerance counts as tied with the
            best; the smallest of them is chosen.

    Returns:
        The chosen k.

    Raises:
        SegmentationError: lengths differ, or no silhouette is defined.
    """
    ks = np.asarray(k_values, dtype=np.int64)
    scores = np.asarray(silhouettes, dtype=np.float64)
    if ks.shape != scores.shape or ks.ndim != 1:
        raise SegmentationError("k_values and silhouettes must be 1-D and of equal length")
    defined = np.isfinite(scores)
    if not defined.any():
        raise SegmentationError(
            f"no silhouette could be computed for k in {ks.tolist()}: cannot choose k"
        )
    best = scores[defined].max()
    return int(ks[defined & (scores >= best - tolerance)].min())


def _silhouette_rows(
    model: FittedModel, seed: int, silhouette_sample_size: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """The rows (indices into the fitted matrix) and labels the silhouette of ``model``
    is computed on: its members (not outliers), a seeded random sample of at most
    ``silhouette_sample_size`` of them; None when the silhouette is undefined there
    (fewer than 2 labels, or as many labels as rows). The same seed draws the same
    sample for every model with the same members."""
    members = np.flatnonzero(model.labels != OUTLIER_SEGMENT)
    labels = model.labels[members]
    if members.size > silhouette_sample_size:
        rng = np.random.default_rng(seed)
        sample = np.sort(rng.choice(members.size, size=silhouette_sample_size, replace=False))
        members, labels = members[sample], labels[sample]
    if not 1 < np.unique(labels).size < members.size:
        return None
    return members, labels


def _sampled_silhouettes(
    X: np.ndarray, models: Sequence[FittedModel], seed: int, silhouette_sample_size: int
) -> list[float]:
    """The silhouette of each model (NaN where undefined), computed together for the
    models sampled on the same rows (every model but DBSCAN: all rows are members)."""
    values = [float("nan")] * len(models)
    # per sample (its row indices as bytes): the rows, and each model's position and labels
    groups: dict[bytes, tuple[np.ndarray, list[tuple[int, np.ndarray]]]] = {}
    for position, model in enumerate(models):
        picked = _silhouette_rows(model, seed, silhouette_sample_size)
        if picked is None:
            continue
        rows, labels = picked
        groups.setdefault(rows.tobytes(), (rows, []))[1].append((position, labels))
    for rows, labelled in groups.values():
        means = silhouettes(X[rows], [labels for _, labels in labelled])
        for (position, _), mean in zip(labelled, means, strict=True):
            values[position] = mean
    return values


def _metrics(X: np.ndarray, model: FittedModel, silhouette: float) -> dict[str, float]:
    member = model.labels != OUTLIER_SEGMENT
    x_members, labels = X[member], model.labels[member]
    rows = np.searchsorted(model.segment_ids, labels)  # centre row of each member
    inertia = float(np.nansum(_distance_to_assigned(x_members, model.centres, rows)))
    n = x_members.shape[0]
    n_labels = np.unique(labels).size
    nan = float("nan")
    if not 1 < n_labels < n:  # the three scores need 2 <= labels <= rows - 1
        return {
            "silhouette": nan,
            "davies_bouldin": nan,
            "calinski_harabasz": nan,
            "inertia": inertia,
        }
    return {
        "silhouette": silhouette,
        "davies_bouldin": float(davies_bouldin_score(x_members, labels)),
        "calinski_harabasz": float(calinski_harabasz_score(x_members, labels)),
        "inertia": inertia,
    }


def select_k(
    X: np.ndarray,
    k_values: Sequence[int],
    algorithm: str,
    seed: int,
    *,
    fixed_k: int | None = None,
    silhouette_sample_size: int = SILHOUETTE_SAMPLE_SIZE,
    sample_size: int | None = None,
    minibatch_threshold: int | None = None,
    dbscan_eps: float = DBSCAN_EPS,
    dbscan_min_samples: int = DBSCAN_MIN_SAMPLES,
) -> KSelection:
    """Fit each k and choose one by silhouette (DBSCAN: fit once, k is what it finds).

    Args:
        X: ``n x d`` finite, already-scaled matrix.
        k_values: candidate k, each in [2, n]; duplicates are dropped, order is ascending.
            Ignored when ``fixed_k`` is given.
        algorithm: one of :data:`ALGORITHMS`. ``dbscan`` finds k itself: it is fitted
            once (``k_values`` and ``fixed_k`` are ignored), its metrics are those of the
            rows it does not call outliers, and the rule is :data:`RULE_DBSCAN`.
        seed: random seed for the fits and for the silhouette sample.
        fixed_k: when not None, only this k is fitted and it is chosen with rule
            :data:`RULE_FIXED` (``"fixed by var"``); its metrics are still recorded.
        silhouette_sample_size: silhouette (O(n^2)) is computed on a seeded random sample
            of at most this many rows; the other metrics use every row.
        sample_size: agglomerative or DBSCAN sample bound, passed to :func:`fit_segments`.
        minibatch_threshold: passed to :func:`fit_segments`.
        dbscan_eps, dbscan_min_samples: passed to :func:`fit_segments` for ``dbscan``.

    Returns:
        A :class:`KSelection`: the metrics frame (one row per k), the chosen k and the
        rule. Rule :data:`RULE_SILHOUETTE`: the highest silhouette; every k within
        :data:`SILHOUETTE_TOLERANCE` (0.01) of it is a tie and the smallest such k wins.

    Raises:
        SegmentationError: an unknown algorithm, k below 2 or above the rows,
            no k given, bad sample size, no silhouette defined.
    """
    algorithm = _check_algorithm(algorithm)
    X = _check_matrix(X)
    n = X.shape[0]
    silhouette_sample_size = check_int(silhouette_sample_size, "silhouette_sample_size", 2)
    if algorithm == "dbscan":
        model = fit_segments(
            X,
            "dbscan",
            None,
            seed,
            sample_size=sample_size,
            dbscan_eps=dbscan_eps,
            dbscan_min_samples=dbscan_min_samples,
        )
        (silhouette,) = _sampled_silhouettes(X, [model], seed, silhouette_sample_size)
        metrics = pd.DataFrame(
            [{"k": model.k, **_metrics(X, model, silhouette)}],
            columns=list(METRIC_COLUMNS),
        )
        metrics["k"] = metrics["k"].astype("int64")
        return KSelection(metrics=metrics, chosen_k=model.k, rule=RULE_DBSCAN, algorithm="dbscan")
    if fixed_k is not None:
        candidates = [fixed_k]
    else:
        try:
            candidates = list(k_values)
        except TypeError as exc:
            raise SegmentationError(f"k_values must be a sequence of integers: {exc}") from exc
        if not candidates:
            raise SegmentationError("k_values is empty: give at least one k")
    ks = sorted({check_int(k, "k", 2, n) for k in candidates})

    models = [
        fit_segments(
            X, algorithm, k, seed, sample_size=sample_size, minibatch_threshold=minibatch_threshold
        )
        for k in ks
    ]
    used = models[-1].algorithm
    # the same silhouette sample for every k (same seed, same members), so their
    # distances are computed once
    silhouette = _sampled_silhouettes(X, models, seed, silhouette_sample_size)
    rows = [
        {"k": k, **_metrics(X, model, value)}
        for k, model, value in zip(ks, models, silhouette, strict=True)
    ]
    metrics = pd.DataFrame(rows, columns=list(METRIC_COLUMNS))
    metrics["k"] = metrics["k"].astype("int64")

    if fixed_k is not None:
        return KSelection(metrics=metrics, chosen_k=ks[0], rule=RULE_FIXED, algorithm=used)
    chosen = choose_k(metrics["k"].tolist(), metrics["silhouette"].tolist())
    return KSelection(metrics=metrics, chosen_k=chosen, rule=RULE_SILHOUETTE, algorithm=used)


# ---------------------------------------------------------------------------- stable ids


def _check_ids(ids: Any, name: str, size: int) -> np.ndarray:
    array = np.asarray(ids)
    if array.ndim != 1 or array.size != size:
        raise SegmentationError(f"{name} must hold {size} ids, got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise SegmentationError(f"{name} must be integers, got dtype {array.dtype}")
    array = array.astype(np.int64)
    if (array < 0).any():
        raise SegmentationError(f"{name} must be >= 0, got {array.tolist()}")
    if np.unique(array).size != array.size:
        raise SegmentationError(f"{name} has duplicated ids: {array.tolist()}")
    return array


def match_segment_ids(
    new_centres: np.ndarray, previous_centres: np.ndarray, previous_ids: Sequence[int]
) -> np.ndarray:
    """Give the clusters of a retrained model the ids of the previous segments they match.

    The assignment is one-to-one and optimal: it minimises the total squared Euclidean
    distance between matched centres (``scipy.optimize.linear_sum_assignment``).

    Args:
        new_centres: ``k_new x d`` centres of the new model, in its cluster order.
        previous_centres: ``k_prev x d`` centres of the previous model (may be empty).
        previous_ids: the ``k_prev`` distinct, non-negative segment ids of those centres.

    Returns:
        int64 array of length ``k_new``: for each new cluster the segment id it takes.
        Matched clusters take the matched previous id; when ``k_new > k_prev`` the
        unmatched clusters take fresh ids ``max(previous_ids) + 1, + 2, ...`` (from 0 when
        there is no previous id) in new-cluster order. Previous segments left unmatched
        (``k_new < k_prev``) simply disappear.

    Raises:
        SegmentationError: bad shapes, differing feature counts, bad ids.
    """
    new = _check_matrix(new_centres, "new_centres")
    previous = np.asarray(previous_centres, dtype=np.float64)
    if previous.size == 0:
        previous = previous.reshape(0, new.shape[1])
    else:
        previous = _check_matrix(previous, "previous_centres")
    if previous.shape[1] != new.shape[1]:
        raise SegmentationError(
            f"new centres have {new.shape[1]} features, previous centres {previous.shape[1]}"
        )
    prev_ids = _check_ids(previous_ids, "previous_ids", previous.shape[0])

    ids = np.full(new.shape[0], -1, dtype=np.int64)
    if previous.shape[0]:
        cost = _squared_distances(new, previous)
        rows, cols = linear_sum_assignment(cost)
        ids[rows] = prev_ids[cols]
    unmatched = np.flatnonzero(ids < 0)
    start = int(prev_ids.max()) + 1 if prev_ids.size else 0
    ids[unmatched] = start + np.arange(unmatched.size)
    return ids


def relabel(model: FittedModel, ids: Sequence[int]) -> FittedModel:
    """Give the clusters of a model new segment ids.

    Args:
        model: a fitted model.
        ids: one distinct non-negative id per row of ``model.centres`` (e.g. from
            :func:`match_segment_ids`): ``ids[i]`` is the new id of centre row ``i``.

    Returns:
        A new :class:`FittedModel`: labels mapped to the new ids (outliers stay
        :data:`OUTLIER_SEGMENT`), centres reordered by ascending id and ``segment_ids``
        holding those ids; confidence and everything else unchanged.

    Raises:
        SegmentationError: wrong number of ids, duplicated or negative ids.
    """
    new_ids = _check_ids(ids, "ids", model.k)
    member = model.labels != OUTLIER_SEGMENT
    row_of_label = np.searchsorted(model.segment_ids, model.labels[member])
    labels = np.full(model.labels.shape, OUTLIER_SEGMENT, dtype=np.int64)
    labels[member] = new_ids[row_of_label]
    order = np.argsort(new_ids, kind="stable")
    return dataclasses.replace(
        model,
        labels=labels,
        centres=model.centres[order],
        confidence=model.confidence,
        segment_ids=new_ids[order],
        variances=None if model.variances is None else model.variances[order],
        weights=None if model.weights is None else model.weights[order],
        radii=None if model.radii is None else model.radii[order],
    )
