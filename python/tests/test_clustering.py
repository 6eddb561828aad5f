"""Tests of segment fitting (segmentation.clustering).

Every check compares against something computed independently: the planted labels of
``make_blobs``, scikit-learn estimators and metrics called directly, brute-force numpy,
or small hand-worked examples. Data sets are a few hundred rows so the module runs in a
few seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from segmentation import clustering as cl
from segmentation.clustering import (
    ALGORITHMS,
    OUTLIER_SEGMENT,
    SegmentationError,
    assign_nearest,
    choose_k,
    fit_segments,
    match_segment_ids,
    relabel,
    score_segments,
    select_k,
    validate_matrix,
)
from sklearn.cluster import DBSCAN, AgglomerativeClustering, KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)
from sklearn.mixture import GaussianMixture

SEED = 0
# Four well separated blobs of distinct sizes: planted label i has SIZES[i] rows, so the
# canonical order (size descending) must give back exactly the planted labels.
PLANTED_CENTRES = np.array([[0.0, 0.0, 0.0], [8.0, 0.0, 0.0], [0.0, 8.0, 0.0], [0.0, 0.0, 8.0]])
SIZES = [120, 90, 60, 30]
DBSCAN_EPS = 1.5  # blobs have std 0.6 and are 8 apart


def blobs(sizes: list[int] | None = None, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    sizes = SIZES if sizes is None else sizes
    x, y = make_blobs(
        n_samples=sizes,
        centers=PLANTED_CENTRES[: len(sizes)],
        cluster_std=0.6,
        random_state=seed,
    )
    return x, y


@pytest.fixture(scope="module")
def planted() -> tuple[np.ndarray, np.ndarray]:
    return blobs()


def fit(x: np.ndarray, algorithm: str, k: int | None = 4, seed: int = SEED, **kw):
    kw.setdefault("dbscan_eps", DBSCAN_EPS)
    return fit_segments(x, algorithm, k, seed, **kw)


def group_means(x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    return np.array([x[labels == c].mean(axis=0) for c in range(labels.max() + 1)])


def sort_rows(a: np.ndarray) -> np.ndarray:
    return a[np.lexsort(a.T[::-1])]


# ---------------------------------------------------------------------------- recovery


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_each_algorithm_recovers_planted_blobs(planted, algorithm):
    x, y = planted
    # agglomerative on a bounded sample; DBSCAN on every row (a sample would make
    # the radii smaller and leave some far members outside)
    model = fit(x, algorithm, sample_size=100 if algorithm == "agglomerative" else None)
    assert model.algorithm == algorithm
    assert model.k == 4
    assert model.labels.shape == (len(x),)
    assert model.centres.shape == (4, 3)
    assert model.confidence.shape == (len(x),)
    assert adjusted_rand_score(y, model.labels) >= 0.95
    # Canonical order: sizes are distinct, so cluster i is planted blob i.
    np.testing.assert_array_equal(model.labels, y)
    np.testing.assert_allclose(model.centres, PLANTED_CENTRES, atol=0.3)


def test_kmeans_equals_sklearn_up_to_canonical_relabelling(planted):
    x, _ = planted
    model = fit(x, "kmeans", seed=3)
    reference = KMeans(n_clusters=4, n_init=cl.KMEANS_N_INIT, random_state=3).fit(x)
    # Each sklearn cluster maps to exactly one canonical id, and back.
    mapping = {}
    for sk_label, label in zip(reference.labels_, model.labels, strict=True):
        assert mapping.setdefault(int(sk_label), int(label)) == label
    assert sorted(mapping.values()) == [0, 1, 2, 3]
    for sk_label, label in mapping.items():
        np.testing.assert_allclose(
            model.centres[label], reference.cluster_centers_[sk_label], rtol=1e-12, atol=1e-12
        )
    # The canonical ids are ordered by size, descending.
    sizes = np.bincount(model.labels)
    assert list(sizes) == sorted(sizes, reverse=True)
    # Confidence is the squared distance to the assigned centre.
    expected = ((x - model.centres[model.labels]) ** 2).sum(axis=1)
    np.testing.assert_allclose(model.confidence, expected, rtol=1e-12)
    np.testing.assert_allclose(model.confidence.sum(), reference.inertia_, rtol=1e-9)
    assert model.confidence_kind == "squared_distance"


def test_canonical_order_breaks_size_ties_by_centre_coordinates():
    # Two clusters of two rows each: the one with the smaller first coordinate is 0.
    x = np.array([[5.0, 0.0], [5.0, 1.0], [-5.0, 0.0], [-5.0, 1.0]])
    for algorithm in ("kmeans", "agglomerative", "gmm"):
        model = fit(x, algorithm, k=2)
        np.testing.assert_array_equal(model.labels, [1, 1, 0, 0])
        np.testing.assert_allclose(model.centres, [[-5.0, 0.5], [5.0, 0.5]], atol=1e-6)
    # Equal first coordinate: the second one decides.
    x = np.array([[0.0, 9.0], [0.0, 9.5], [0.0, -9.0], [0.0, -9.5]])
    model = fit(x, "kmeans", k=2)
    np.testing.assert_array_equal(model.labels, [1, 1, 0, 0])
    # Size wins over coordinates: three rows at +5 make cluster 0.
    x = np.array([[5.0, 0.0], [5.0, 1.0], [5.0, 2.0], [-5.0, 0.0], [-5.0, 1.0]])
    model = fit(x, "kmeans", k=2)
    np.testing.assert_array_equal(model.labels, [0, 0, 0, 1, 1])


# ---------------------------------------------------------------------------- minibatch


def test_kmeans_switches_to_minibatch_above_threshold(planted, monkeypatch):
    x, y = planted
    n = len(x)
    at_threshold = fit(x, "kmeans", minibatch_threshold=n)
    assert at_threshold.algorithm == "kmeans"
    assert "requested_algorithm" not in at_threshold.params

    above = fit(x, "kmeans", minibatch_threshold=n - 1)
    assert above.algorithm == "minibatch_kmeans"
    assert above.params["requested_algorithm"] == "kmeans"
    assert adjusted_rand_score(y, above.labels) >= 0.95

    monkeypatch.setattr(cl, "MINIBATCH_THRESHOLD", 100)
    assert fit(x, "kmeans").algorithm == "minibatch_kmeans"
    # Other algorithms are never switched.
    assert fit(x, "gmm").algorithm == "gmm"
    assert cl.MINIBATCH_THRESHOLD == 100


def test_minibatch_threshold_default_is_documented_value():
    assert cl.MINIBATCH_THRESHOLD == 200_000


# ---------------------------------------------------------------------------- agglomerative


def test_agglomerative_fits_on_bounded_sample_and_assigns_every_row_to_nearest(
    planted, monkeypatch
):
    x, y = planted
    calls = []
    original_fit = AgglomerativeClustering.fit

    def spy(self, x_fit, y_fit=None):
        calls.append((np.array(x_fit), self))
        return original_fit(self, x_fit, y_fit)

    monkeypatch.setattr(AgglomerativeClustering, "fit", spy)
    model = fit(x, "agglomerative", sample_size=50, seed=11)

    assert len(calls) == 1
    sample, estimator = calls[0]
    assert sample.shape == (50, 3)
    assert model.params["fit_rows"] == 50
    # The sample is made of rows of the matrix.
    assert all((row == x).all(axis=1).any() for row in sample)
    # Centres are the means of the Ward clusters' sampled members.
    np.testing.assert_allclose(
        sort_rows(model.centres), sort_rows(group_means(sample, estimator.labels_)), rtol=1e-12
    )
    # Every row, sampled or not, goes to its nearest centre.
    labels, distances = assign_nearest(x, model.centres)
    np.testing.assert_array_equal(model.labels, labels)
    np.testing.assert_array_equal(model.confidence, distances)
    assert adjusted_rand_score(y, model.labels) >= 0.95


def test_agglomerative_uses_every_row_when_under_sample_size(planted, monkeypatch):
    x, _ = planted
    rows = []
    original_fit = AgglomerativeClustering.fit

    def spy(self, x_fit, y_fit=None):
        rows.append(len(x_fit))
        return original_fit(self, x_fit, y_fit)

    monkeypatch.setattr(AgglomerativeClustering, "fit", spy)
    fit(x, "agglomerative", sample_size=len(x))
    assert rows == [len(x)]


def test_agglomerative_k_larger_than_sample_is_rejected(planted):
    x, _ = planted
    with pytest.raises(SegmentationError, match="sample"):
        fit(x, "agglomerative", k=20, sample_size=10)


# ---------------------------------------------------------------------------- dbscan


def test_dbscan_marks_far_points_as_outliers(planted):
    x, y = planted
    far = np.array([[50.0, 50.0, 50.0], [-50.0, 50.0, -50.0], [50.0, -50.0, 50.0]])
    x_out = np.vstack([x, far])
    model = fit(x_out, "dbscan", k=None, dbscan_min_samples=5)

    assert OUTLIER_SEGMENT == -1
    assert model.k == 4
    np.testing.assert_array_equal(model.labels[-3:], [OUTLIER_SEGMENT] * 3)
    np.testing.assert_array_equal(model.labels[:-3], y)
    assert model.n_outliers == 3
    # Same noise as scikit-learn's DBSCAN called directly.
    reference = DBSCAN(eps=DBSCAN_EPS, min_samples=5).fit(x_out)
    np.testing.assert_array_equal(model.labels == OUTLIER_SEGMENT, reference.labels_ == -1)
    # Centres: mean of members; confidence: squared distance to it, NaN for noise.
    np.testing.assert_allclose(model.centres, group_means(x, y), rtol=1e-12)
    expected = ((x - model.centres[y]) ** 2).sum(axis=1)
    np.testing.assert_allclose(model.confidence[:-3], expected, rtol=1e-12)
    assert np.isnan(model.confidence[-3:]).all()


def test_dbscan_with_only_noise_is_an_error():
    x = np.arange(20.0).reshape(10, 2) * 10
    with pytest.raises(SegmentationError, match="no cluster"):
        fit(x, "dbscan", k=None, dbscan_eps=0.1)


# ---------------------------------------------------------------------------- gmm


def test_gmm_confidence_is_membership_probability(planted):
    x, _ = planted
    model = fit(x, "gmm", seed=5)
    assert model.confidence_kind == "probability"
    assert model.params["covariance_type"] == cl.GMM_COVARIANCE == "diag"
    reference = GaussianMixture(
        n_components=4,
        covariance_type="diag",
        n_init=cl.GMM_N_INIT,
        max_iter=cl.GMM_MAX_ITER,
        random_state=5,
    ).fit(x)
    proba = reference.predict_proba(x)
    np.testing.assert_allclose(model.confidence, proba.max(axis=1), rtol=1e-9)
    np.testing.assert_allclose(sort_rows(model.centres), sort_rows(reference.means_), rtol=1e-9)


def test_score_segments_gives_sklearns_gmm_prediction_and_probability():
    # overlapping components, so probabilities are far from 0 and 1
    x, _ = make_blobs(n_samples=400, centers=[[0, 0, 0], [2, 0, 0], [0, 3, 1]], random_state=4)
    reference = GaussianMixture(n_components=3, covariance_type="diag", random_state=1).fit(x)
    ids = np.array([5, 7, 9])  # stored ids need not be 0..k-1
    labels, distances, probability = score_segments(
        x,
        reference.means_,
        ids,
        "gmm",
        variances=reference.covariances_,
        weights=reference.weights_,
    )
    proba = reference.predict_proba(x)
    np.testing.assert_array_equal(labels, ids[reference.predict(x)])
    np.testing.assert_allclose(probability, proba.max(axis=1), rtol=1e-9)
    assert ((probability > 0.5) & (probability < 0.9)).any()
    chosen = reference.means_[reference.predict(x)]
    np.testing.assert_allclose(distances, ((x - chosen) ** 2).sum(axis=1), rtol=1e-12)
    with pytest.raises(SegmentationError, match="variances and weights"):
        score_segments(x, reference.means_, ids, "gmm")


def test_score_segments_keeps_dbscan_outliers_outside_every_radius():
    centres = np.array([[0.0, 0.0], [10.0, 0.0]])
    radii = np.array([1.0, 4.0])  # squared
    x = np.array([[0.9, 0.0], [1.1, 0.0], [8.1, 0.0], [7.9, 0.0], [5.0, 5.0]])
    labels, distances, probability = score_segments(x, centres, [3, 4], "dbscan", radii=radii)
    # 0.81 <= 1: in 3; 1.21 > 1: outlier; 3.61 <= 4: in 4; 4.41 > 4: outlier; far: outlier
    np.testing.assert_array_equal(labels, [3, -1, 4, -1, -1])
    np.testing.assert_allclose(distances, [0.81, 1.21, 3.61, 4.41, 50.0])
    assert np.isnan(probability).all()


def test_dbscan_on_a_sample_scores_the_other_rows_by_radius(planted):
    x, y = planted
    model = fit(x, "dbscan", k=None, sample_size=150)
    assert model.params["fit_rows"] == 150
    assert model.radii is not None and model.radii.shape == (model.k,)
    labels, _, _ = score_segments(x, model.centres, model.segment_ids, "dbscan", radii=model.radii)
    np.testing.assert_array_equal(model.labels, labels)
    # far fewer outliers than unsampled rows: most rows fall inside a sampled radius
    members = model.labels != OUTLIER_SEGMENT
    assert members.mean() > 0.8
    assert adjusted_rand_score(y[members], model.labels[members]) > 0.95


def test_gmm_confidence_is_in_unit_interval_on_overlapping_data():
    x, _ = make_blobs(n_samples=200, centers=[[0.0, 0.0], [2.0, 0.0]], random_state=1)
    model = fit(x, "gmm", k=2)
    assert ((model.confidence >= 0.0) & (model.confidence <= 1.0)).all()
    # The assigned component is the most probable one: at least 1/k.
    assert (model.confidence >= 0.5).all()
    # Overlap leaves some rows genuinely uncertain.
    assert ((model.confidence > 0.5) & (model.confidence < 0.9)).any()


# ---------------------------------------------------------------------------- assign_nearest


def brute_force_nearest(x: np.ndarray, centres: np.ndarray) -> tuple[list[int], list[float]]:
    labels, distances = [], []
    for row in x:
        d = [float(((row - c) ** 2).sum()) for c in centres]
        best = min(d)
        labels.append(d.index(best))  # first minimum
        distances.append(best)
    return labels, distances


@pytest.mark.parametrize("chunk_rows", [1, 7, 64, cl.ASSIGN_CHUNK_ROWS])
def test_assign_nearest_matches_brute_force(chunk_rows):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(150, 4))
    centres = rng.normal(size=(5, 4))
    labels, distances = assign_nearest(x, centres, chunk_rows=chunk_rows)
    expected_labels, expected_distances = brute_force_nearest(x, centres)
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, expected_labels)
    np.testing.assert_allclose(distances, expected_distances, rtol=1e-12)
    assert len(set(labels.tolist())) > 1


def test_assign_nearest_exact_tie_goes_to_lowest_index():
    centres = np.array([[3.0, 0.0], [1.0, 0.0], [-1.0, 0.0]])
    x = np.array([[0.0, 0.0], [2.0, 0.0], [-3.0, 0.0]])
    labels, distances = assign_nearest(x, centres)
    # (0,0): 9, 1, 1 -> 1 ; (2,0): 1, 1, 9 -> 0 ; (-3,0): 36, 16, 4 -> 2
    np.testing.assert_array_equal(labels, [1, 0, 2])
    np.testing.assert_array_equal(distances, [1.0, 1.0, 4.0])
    # Reversing the centres reverses which tied centre wins.
    labels, _ = assign_nearest(x, centres[::-1])
    np.testing.assert_array_equal(labels, [0, 1, 0])


def test_assign_nearest_rejects_mismatched_features():
    with pytest.raises(SegmentationError, match="features"):
        assign_nearest(np.zeros((3, 2)), np.zeros((2, 3)))


# ---------------------------------------------------------------------------- select_k


def test_select_k_picks_planted_k_and_records_metrics(planted):
    x, _ = planted
    selection = select_k(x, [2, 3, 4, 5, 6], "kmeans", SEED)
    assert selection.chosen_k == 4
    assert selection.rule == cl.RULE_SILHOUETTE
    metrics = selection.metrics
    assert list(metrics.columns) == [
        "k",
        "silhouette",
        "davies_bouldin",
        "calinski_harabasz",
        "inertia",
    ]
    assert metrics["k"].tolist() == [2, 3, 4, 5, 6]
    assert np.isfinite(metrics.drop(columns="k").to_numpy()).all()

    # The k = 4 row against scikit-learn computed directly (300 rows < sample bound).
    model = fit(x, "kmeans")
    row = metrics.set_index("k").loc[4]
    assert row["silhouette"] == pytest.approx(silhouette_score(x, model.labels), rel=1e-12)
    assert row["davies_bouldin"] == pytest.approx(davies_bouldin_score(x, model.labels), rel=1e-12)
    assert row["calinski_harabasz"] == pytest.approx(
        calinski_harabasz_score(x, model.labels), rel=1e-12
    )
    reference = KMeans(n_clusters=4, n_init=cl.KMEANS_N_INIT, random_state=SEED).fit(x)
    assert row["inertia"] == pytest.approx(reference.inertia_, rel=1e-9)
    # Inertia falls as k grows on these blobs.
    assert metrics["inertia"].is_monotonic_decreasing


def test_select_k_inertia_from_labels_and_centres_for_gmm(planted):
    x, _ = planted
    selection = select_k(x, [], "gmm", SEED, fixed_k=3)
    model = fit(x, "gmm", k=3)
    expected = float(((x - model.centres[model.labels]) ** 2).sum())
    assert selection.metrics["inertia"].iloc[0] == pytest.approx(expected, rel=1e-12)


def test_select_k_silhouette_sample_is_bounded(planted, monkeypatch):
    x, _ = planted
    rows = []

    def spy(x_s, labellings):
        rows.append((len(x_s), len(labellings)))
        return [silhouette_score(x_s, labels) for labels in labellings]

    monkeypatch.setattr(cl, "silhouettes", spy)
    selection = select_k(x, [2, 3, 4], "kmeans", SEED, silhouette_sample_size=50)
    # one sample of 50 rows for the three k
    assert rows == [(50, 3)]
    assert selection.chosen_k == 4


@pytest.mark.parametrize("block_values", [2**24, 1000])
def test_silhouette_equals_scikit_learns(planted, monkeypatch, block_values):
    """Silhouettes of several labellings at once against scikit-learn's, one at a
    time: the planted blobs, labels unrelated to the data, a cluster of one row, string
    labels, and repeated rows; 1000 values per block splits the rows into blocks of 3."""
    monkeypatch.setattr(cl, "_SILHOUETTE_BLOCK_VALUES", block_values)
    x, y = planted
    rng = np.random.default_rng(3)
    noise = rng.integers(0, 5, size=len(x))
    singleton = y.copy()
    singleton[7] = 9
    repeated = np.vstack([x, x[:40]])
    labellings = [y, noise, singleton, np.where(y == 0, "a", "b")]
    expected = [silhouette_score(x, labels) for labels in labellings]
    assert cl.silhouettes(x, labellings) == pytest.approx(expected, rel=1e-12, abs=1e-15)
    twice = np.concatenate([y, (y[:40] + 1) % 4])
    assert cl.silhouettes(repeated, [twice]) == pytest.approx(
        [silhouette_score(repeated, twice)], rel=1e-12, abs=1e-15
    )


def test_select_k_fixed_k_skips_choice_but_records_metrics(planted):
    x, _ = planted
    selection = select_k(x, [2, 3, 4, 5], "agglomerative", SEED, fixed_k=3, sample_size=100)
    assert selection.chosen_k == 3
    assert selection.rule == "fixed by var"
    assert selection.metrics["k"].tolist() == [3]
    assert np.isfinite(selection.metrics.drop(columns="k").to_numpy()).all()


def test_choose_k_prefers_smaller_k_within_tolerance():
    # Best 0.512 at k=4; k=3 (0.505) is within 0.01, k=2 (0.49) is not.
    assert choose_k([2, 3, 4, 5], [0.49, 0.505, 0.512, 0.30]) == 3
    assert choose_k([2, 3, 4, 5], [0.49, 0.505, 0.512, 0.30], tolerance=0.0) == 4
    assert choose_k([2, 3, 4], [0.2, 0.6, 0.3]) == 3
    assert choose_k([2, 3, 4], [float("nan"), 0.1, 0.4]) == 4
    with pytest.raises(SegmentationError, match="silhouette"):
        choose_k([2, 3], [float("nan"), float("nan")])


@pytest.mark.parametrize(
    ("k_values", "message"),
    [([1, 2, 3], "k must be in \\[2, 300\\], got 1"), ([2, 301], "got 301"), ([], "empty")],
)
def test_select_k_rejects_bad_k_values(planted, k_values, message):
    x, _ = planted
    with pytest.raises(SegmentationError, match=message):
        select_k(x, k_values, "kmeans", SEED)


def test_select_k_fits_dbscan_once_and_records_what_it_found(planted):
    x, y = planted
    selection = select_k(x, [2, 3], "dbscan", SEED, dbscan_eps=DBSCAN_EPS)
    assert selection.chosen_k == 4
    assert selection.rule == cl.RULE_DBSCAN
    assert selection.metrics["k"].tolist() == [4]
    # every planted row is a member here, so the metrics are scikit-learn's on y
    row = selection.metrics.iloc[0]
    assert row["silhouette"] == pytest.approx(silhouette_score(x, y), rel=1e-12)
    assert row["davies_bouldin"] == pytest.approx(davies_bouldin_score(x, y), rel=1e-12)


# ---------------------------------------------------------------------------- stable ids


def test_match_segment_ids_maps_permuted_centres_back():
    rng = np.random.default_rng(4)
    previous = rng.normal(size=(5, 3)) * 10
    previous_ids = np.array([10, 11, 12, 13, 14])
    perm = np.array([3, 0, 4, 1, 2])
    new = previous[perm] + rng.normal(scale=0.01, size=(5, 3))
    np.testing.assert_array_equal(
        match_segment_ids(new, previous, previous_ids), previous_ids[perm]
    )


def test_match_segment_ids_is_optimal_not_greedy():
    # Greedy nearest for new[0] (1.1) takes previous 2.0 (0.81 < 1.21), leaving 3.5 -> 0.0
    # (12.25): total 13.06. Optimal: 1.1 -> 0.0, 3.5 -> 2.0: total 1.21 + 2.25 = 3.46.
    previous = np.array([[0.0], [2.0]])
    new = np.array([[1.1], [3.5]])
    np.testing.assert_array_equal(match_segment_ids(new, previous, [7, 9]), [7, 9])


def test_match_segment_ids_fresh_ids_for_extra_clusters_in_order():
    previous = np.array([[0.0, 0.0], [10.0, 0.0]])
    new = np.array([[50.0, 50.0], [10.0, 0.5], [-50.0, 50.0], [0.5, 0.0]])
    np.testing.assert_array_equal(match_segment_ids(new, previous, [4, 2]), [5, 2, 6, 4])
    # Fewer new clusters: the unmatched previous segment disappears.
    np.testing.assert_array_equal(match_segment_ids(new[[1]], previous, [4, 2]), [2])
    # No previous model: ids from 0.
    np.testing.assert_array_equal(match_segment_ids(new, np.empty((0, 2)), []), [0, 1, 2, 3])


def test_refit_with_other_seed_keeps_ids_after_matching(planted):
    x, _ = planted
    previous = relabel(fit(x, "kmeans", seed=0), [7, 3, 9, 5])  # ids from an older version
    new = fit(x, "kmeans", seed=1)
    assert not np.array_equal(new.labels, previous.labels)
    matched = relabel(new, match_segment_ids(new.centres, previous.centres, previous.segment_ids))
    np.testing.assert_array_equal(matched.labels, previous.labels)
    np.testing.assert_array_equal(matched.segment_ids, [3, 5, 7, 9])
    np.testing.assert_allclose(matched.centres, previous.centres, rtol=1e-12)


def test_retrain_on_changed_data_keeps_ids_for_the_same_rows(planted):
    x, y = planted
    previous = fit(x, "kmeans", seed=0)
    # The largest segment shrinks to 20 rows: canonical order changes on retrain.
    keep = np.flatnonzero((y != 0) | (np.cumsum(y == 0) <= 20))
    new = fit(x[keep], "kmeans", seed=2)
    assert not np.array_equal(new.labels, previous.labels[keep])
    ids = match_segment_ids(new.centres, previous.centres, previous.segment_ids)
    np.testing.assert_array_equal(relabel(new, ids).labels, previous.labels[keep])


def test_retrain_with_an_extra_segment_gives_it_a_fresh_id():
    x3, y3 = blobs(SIZES[:3])
    previous = relabel(fit(x3, "kmeans", k=3), [4, 0, 2])
    x4, y4 = blobs()
    new = fit(x4, "kmeans", k=4)
    ids = match_segment_ids(new.centres, previous.centres, previous.segment_ids)
    matched = relabel(new, ids)
    # Planted blobs 0..2 keep their ids; the new blob 3 gets max(previous) + 1.
    for blob, segment in enumerate([4, 0, 2, 5]):
        assert set(matched.labels[y4 == blob].tolist()) == {segment}


def test_relabel_keeps_outliers_and_orders_centres_by_id(planted):
    x, y = planted
    x_out = np.vstack([x, [[60.0, 60.0, 60.0]]])
    model = fit(x_out, "dbscan", k=None)
    ids = np.array([40, 10, 30, 20])
    relabelled = relabel(model, ids)
    assert relabelled.labels[-1] == OUTLIER_SEGMENT
    np.testing.assert_array_equal(relabelled.labels[:-1], ids[y])
    np.testing.assert_array_equal(relabelled.segment_ids, [10, 20, 30, 40])
    np.testing.assert_array_equal(relabelled.centres, model.centres[[1, 3, 2, 0]])
    np.testing.assert_array_equal(relabelled.confidence, model.confidence)
    # Scoring against the relabelled centres gives the segment ids back.
    rows, _ = assign_nearest(x, relabelled.centres)
    np.testing.assert_array_equal(relabelled.segment_ids[rows], relabelled.labels[:-1])
    # Relabelling again maps through the current ids.
    again = relabel(relabelled, [1, 2, 3, 4])
    np.testing.assert_array_equal(again.labels[:-1], np.array([4, 1, 3, 2])[y])
    assert model.labels.max() == 3  # the original is untouched


@pytest.mark.parametrize(("ids", "message"), [([1, 2, 3], "4 ids"), ([1, 1, 2, 3], "duplicated")])
def test_relabel_rejects_bad_ids(planted, ids, message):
    x, _ = planted
    with pytest.raises(SegmentationError, match=message):
        relabel(fit(x, "kmeans"), ids)


# ---------------------------------------------------------------------------- determinism


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_same_seed_gives_byte_identical_fits(planted, algorithm):
    x, _ = planted
    first = fit(x, algorithm, seed=42, sample_size=100)
    second = fit(x.copy(), algorithm, seed=42, sample_size=100)
    assert first.algorithm == second.algorithm
    assert first.params == second.params
    for name in ("labels", "centres", "confidence"):
        a, b = getattr(first, name), getattr(second, name)
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.tobytes() == b.tobytes(), name


def test_model_arrays_are_read_only(planted):
    x, _ = planted
    model = fit(x, "kmeans")
    with pytest.raises(ValueError):
        model.labels[0] = 3


# ---------------------------------------------------------------------------- bad input

FEATURES = ["recency", "frequency", "monetary"]


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(10)],
            "recency": np.linspace(-1.0, 1.0, 10),
            "frequency": np.arange(10, dtype="int64"),
            "monetary": np.linspace(5.0, -5.0, 10),
        }
    )


def test_validate_matrix_returns_float64_in_column_order(frame):
    matrix = validate_matrix(frame, ["monetary", "frequency"], min_rows=10)
    assert matrix.dtype == np.float64
    assert matrix.shape == (10, 2)
    np.testing.assert_array_equal(matrix[:, 0], np.linspace(5.0, -5.0, 10))
    np.testing.assert_array_equal(matrix[:, 1], np.arange(10.0))


def test_validate_matrix_missing_column(frame):
    with pytest.raises(SegmentationError, match="missing feature columns: \\['tenure'\\]"):
        validate_matrix(frame, [*FEATURES, "tenure"], min_rows=1)


def test_validate_matrix_nulls_named_with_count(frame):
    frame["frequency"] = frame["frequency"].astype("float64")
    frame.loc[[1, 3], "frequency"] = np.nan
    with pytest.raises(SegmentationError, match="'frequency' has 2 null"):
        validate_matrix(frame, FEATURES, min_rows=1)


def test_validate_matrix_nullable_dtype_nulls(frame):
    frame["monetary"] = pd.array([1.0, None, *range(8)], dtype="Float64")
    with pytest.raises(SegmentationError, match="'monetary' has 1 null"):
        validate_matrix(frame, FEATURES, min_rows=1)


def test_validate_matrix_infinite_named_with_count(frame):
    frame.loc[2, "monetary"] = np.inf
    frame.loc[5, "monetary"] = -np.inf
    with pytest.raises(SegmentationError, match="'monetary' has 2 non-finite"):
        validate_matrix(frame, FEATURES, min_rows=1)


def test_validate_matrix_constant_column(frame):
    frame["flag"] = 1.0
    with pytest.raises(SegmentationError, match="constant.*'flag'"):
        validate_matrix(frame, [*FEATURES, "flag"], min_rows=1)


def test_validate_matrix_too_few_rows(frame):
    with pytest.raises(SegmentationError, match="10 rows, at least 20"):
        validate_matrix(frame, FEATURES, min_rows=20)


def test_validate_matrix_non_numeric_column(frame):
    with pytest.raises(SegmentationError, match="non-numeric.*'customer_id'"):
        validate_matrix(frame, ["customer_id", "recency"], min_rows=1)


def test_unknown_algorithm_lists_accepted_names(planted):
    x, _ = planted
    with pytest.raises(SegmentationError, match="kmedoids") as info:
        fit_segments(x, "kmedoids", 3, SEED)
    for name in ALGORITHMS:
        assert name in str(info.value)


@pytest.mark.parametrize("algorithm", ["kmeans", "gmm", "agglomerative", "minibatch_kmeans"])
def test_k_larger_than_rows(algorithm):
    x = np.arange(10.0).reshape(5, 2)
    with pytest.raises(SegmentationError, match="k=6 is larger than the number of rows \\(5\\)"):
        fit_segments(x, algorithm, 6, SEED)


@pytest.mark.parametrize(
    ("x", "k", "message"),
    [
        (np.array([[0.0, 1.0], [np.nan, 2.0], [3.0, 4.0]]), 2, "non-finite"),
        (np.array([[0.0, 1.0], [np.inf, 2.0], [3.0, 4.0]]), 2, "non-finite"),
        (np.arange(6.0), 2, "2-D"),
        (np.arange(6.0).reshape(3, 2), 0, "k must be >= 1"),
    ],
)
def test_fit_segments_bad_matrix_or_k(x, k, message):
    with pytest.raises(SegmentationError, match=message):
        fit_segments(x, "kmeans", k, SEED)


def test_segmentation_error_is_a_value_error():
    assert issubclass(SegmentationError, ValueError)
