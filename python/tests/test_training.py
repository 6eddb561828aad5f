"""The training logic behind the segmentation Python models, on small planted data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from segmentation.clustering import SegmentationError
from segmentation.training import (
    TrainingSettings,
    centroids_table,
    k_selection_table,
    model_version,
    original_units,
    registry_row,
    retrain_requested,
    score_with_stored,
    stored_model,
    training_data,
)
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

FEATURES = ["a_z", "b_z", "c_z"]
# customer_scaling_parameters of a, b and c that leave values as they are
SCALING = pd.DataFrame(
    {
        "feature_name": ["a", "b", "c"],
        "transform_name": "none",
        "median_value": 0.0,
        "lower_bound": -1e9,
        "upper_bound": 1e9,
        "mean": 0.0,
        "std": 1.0,
    }
)


def settings(**changes) -> TrainingSettings:
    values = {
        "algorithm": "kmeans",
        "features": FEATURES,
        "k_range": [2, 6],
        "fixed_k": None,
        "seed": 42,
        "silhouette_sample_size": 10_000,
    }
    values.update(changes)
    return TrainingSettings.from_vars(**values)


@pytest.fixture(scope="module")
def planted() -> tuple[pd.DataFrame, np.ndarray]:
    x, truth = make_blobs(n_samples=600, centers=4, n_features=3, cluster_std=0.6, random_state=3)
    sample = pd.DataFrame(x, columns=FEATURES)
    sample.insert(0, "customer_id", [f"C{i:05d}" for i in range(len(sample))])
    return sample, truth


def test_k_selection_finds_the_planted_k_and_centroids_recover_the_blobs(planted) -> None:
    sample, truth = planted
    table = k_selection_table(sample, settings())
    assert table["k"].tolist() == [2, 3, 4, 5, 6]
    assert table.loc[table["is_chosen"], "k"].tolist() == [4]
    assert table["model_version"].nunique() == 1
    centroids = centroids_table(sample, settings(), table, scaling=SCALING)
    centres = centroids.pivot(index="segment_id", columns="feature_name", values="centre")
    x = sample[FEATURES].to_numpy()
    nearest = ((x[:, None, :] - centres[FEATURES].to_numpy()[None]) ** 2).sum(axis=2).argmin(1)
    assert adjusted_rand_score(truth, nearest) > 0.99
    # segment 0 is the largest in the sample
    sizes = centroids.groupby("segment_id")["training_customers"].first()
    assert sizes.is_monotonic_decreasing


def test_stored_centroids_of_an_older_layout_name_the_columns_and_the_rebuild(planted) -> None:
    """segment_centroids stored before a column was added: the error names the missing
    column and a rebuild that refreshes every segmentation history together."""
    sample, _ = planted
    table = k_selection_table(sample, settings())
    stored = centroids_table(sample, settings(), table, scaling=SCALING)
    with pytest.raises(SegmentationError) as raised:
        centroids_table(
            sample, settings(), table, SCALING, history=stored.drop(columns="centre_original")
        )
    assert "['centre_original']" in str(raised.value)
    assert "--full-refresh --select segmentation_k_metrics+" in str(raised.value)


def test_same_data_in_another_row_order_gives_the_same_version_and_tables(planted) -> None:
    sample, _ = planted
    shuffled = sample.sample(frac=1.0, random_state=9)
    first = k_selection_table(sample, settings())
    second = k_selection_table(shuffled, settings())
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    pd.testing.assert_frame_equal(
        centroids_table(sample, settings(), first, scaling=SCALING),
        centroids_table(shuffled, settings(), second, scaling=SCALING),
        check_exact=True,
    )


def test_the_version_changes_with_the_data_and_with_the_settings(planted) -> None:
    sample, _ = planted
    base = model_version(training_data(sample, settings()), settings())
    changed = sample.copy()
    changed.loc[0, "a_z"] += 1e-9
    assert model_version(training_data(changed, settings()), settings()) != base
    assert model_version(training_data(sample, settings(seed=7)), settings(seed=7)) != base


def test_fixed_k_is_recorded_as_the_rule(planted) -> None:
    sample, _ = planted
    table = k_selection_table(sample, settings(fixed_k=3))
    assert table["k"].tolist() == [3]
    assert table["selection_rule"].tolist() == ["fixed by var"]


def test_centroids_refuse_a_k_selection_of_other_data(planted) -> None:
    sample, _ = planted
    table = k_selection_table(sample, settings())
    with pytest.raises(SegmentationError, match="no rows for model version"):
        centroids_table(sample.iloc[:-1], settings(), table, scaling=SCALING)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"algorithm": "kmeanz"}, "segmentation_algorithm is 'kmeanz'; accepted"),
        ({"dbscan_eps": 0}, "dbscan_eps must be a number > 0"),
        ({"dbscan_eps": "1"}, "dbscan_eps must be a number > 0"),
        ({"dbscan_eps": float("inf")}, "dbscan_eps must be a number > 0"),
        ({"dbscan_eps": True}, "dbscan_eps must be a number > 0"),
        ({"dbscan_min_samples": 0}, "dbscan_min_samples must be an integer >= 1"),
        ({"features": []}, "segmentation_features must be a non-empty list"),
        ({"features": "a_z"}, "segmentation_features must be a non-empty list"),
        ({"features": ["a_z", "a_z"]}, "repeats a column"),
        ({"k_range": [1, 4]}, "segmentation_k_range must be"),
        ({"k_range": [5, 3]}, "segmentation_k_range must be"),
        ({"fixed_k": 1}, "segmentation_k must be null or an integer >= 2"),
        ({"seed": "42"}, "random_seed must be an integer"),
        ({"seed": -1}, "random_seed must be an integer >= 0"),
        ({"silhouette_sample_size": 1}, "silhouette_sample_size must be an integer >= 2"),
    ],
)
def test_bad_vars_name_the_var(changes, message) -> None:
    with pytest.raises(SegmentationError, match=message):
        settings(**changes)


def test_bad_samples_name_the_problem(planted) -> None:
    sample, _ = planted
    with pytest.raises(SegmentationError, match="no customer_id"):
        training_data(sample.drop(columns="customer_id"), settings())
    with pytest.raises(SegmentationError, match="duplicated customer_id"):
        training_data(pd.concat([sample, sample.iloc[:1]]), settings())
    with pytest.raises(SegmentationError, match="b_z"):
        training_data(sample.drop(columns="b_z"), settings())
    too_few = sample.iloc[:5]
    with pytest.raises(SegmentationError, match="5"):
        training_data(too_few, settings())


def centres_of(table: pd.DataFrame) -> pd.DataFrame:
    return table.pivot(index="segment_id", columns="feature_name", values="centre")[FEATURES]


def nearest(x: np.ndarray, centres: pd.DataFrame) -> np.ndarray:
    distances = ((x[:, None, :] - centres.to_numpy()[None]) ** 2).sum(axis=2)
    return centres.index.to_numpy()[distances.argmin(axis=1)]


def test_a_stored_version_is_returned_unchanged(planted) -> None:
    sample, _ = planted
    table = k_selection_table(sample, settings())
    first = centroids_table(sample, settings(), table, scaling=SCALING)
    again = centroids_table(sample, settings(), table, history=first, scaling=SCALING)
    pd.testing.assert_frame_equal(first, again, check_exact=True, check_dtype=False)
    assert first["version_number"].unique().tolist() == [1]
    assert first["previous_model_version"].isna().all()


def test_another_seed_keeps_the_segment_ids_of_the_same_customers(planted) -> None:
    sample, _ = planted
    first = centroids_table(
        sample, settings(), k_selection_table(sample, settings()), scaling=SCALING
    )
    reseeded = settings(seed=11)
    second = centroids_table(
        sample, reseeded, k_selection_table(sample, reseeded), history=first, scaling=SCALING
    )
    assert second["version_number"].unique().tolist() == [2]
    assert second["previous_model_version"].unique().tolist() == [first["model_version"][0]]
    x = sample[FEATURES].to_numpy()
    assert (nearest(x, centres_of(first)) == nearest(x, centres_of(second))).all()


def test_after_a_small_shift_most_customers_keep_their_id(planted) -> None:
    sample, _ = planted
    first = centroids_table(
        sample, settings(), k_selection_table(sample, settings()), scaling=SCALING
    )
    shifted = sample.copy()
    rng = np.random.default_rng(5)
    shifted[FEATURES] += rng.normal(0, 0.15, size=(len(shifted), len(FEATURES)))
    second = centroids_table(
        shifted, settings(), k_selection_table(shifted, settings()), history=first, scaling=SCALING
    )
    assert second["version_number"].unique().tolist() == [2]
    kept = nearest(sample[FEATURES].to_numpy(), centres_of(first)) == nearest(
        shifted[FEATURES].to_numpy(), centres_of(second)
    )
    assert kept.mean() > 0.95


def test_ids_follow_the_segments_not_their_size_order(planted) -> None:
    sample, _ = planted
    first = centroids_table(
        sample, settings(fixed_k=4), k_selection_table(sample, settings(fixed_k=4)), scaling=SCALING
    )
    x = sample[FEATURES].to_numpy()
    before = nearest(x, centres_of(first))
    # most of the largest segment leaves: by size it would no longer be segment 0
    largest = np.flatnonzero(before == 0)
    keep = np.ones(len(sample), dtype=bool)
    keep[largest[: int(len(largest) * 0.8)]] = False
    smaller = sample[keep].reset_index(drop=True)
    fixed = settings(fixed_k=4)
    retrained = centroids_table(
        smaller, fixed, k_selection_table(smaller, fixed), history=first, scaling=SCALING
    )
    fresh = centroids_table(smaller, fixed, k_selection_table(smaller, fixed), scaling=SCALING)
    after = nearest(smaller[FEATURES].to_numpy(), centres_of(retrained))
    renumbered = nearest(smaller[FEATURES].to_numpy(), centres_of(fresh))
    assert (after == before[keep]).mean() > 0.99
    # size order alone would have moved the ids: the matching is what kept them
    assert (renumbered != before[keep]).mean() > 0.2


def test_a_history_without_the_expected_columns_is_refused(planted) -> None:
    sample, _ = planted
    table = k_selection_table(sample, settings())
    first = centroids_table(sample, settings(), table, scaling=SCALING)
    with pytest.raises(SegmentationError, match="--full-refresh"):
        centroids_table(
            sample, settings(), table, history=first.drop(columns="version_number"), scaling=SCALING
        )


def test_registry_rows_record_the_version_and_its_agreement_with_the_previous(planted) -> None:
    sample, truth = planted
    first_selection = k_selection_table(sample, settings())
    first = centroids_table(sample, settings(), first_selection, scaling=SCALING)
    row = registry_row(sample, settings(), first_selection, first, None, "2026-01-01T00:00:00")
    assert row["version_number"].tolist() == [1]
    assert row["k"].tolist() == [4]
    assert row["adjusted_rand_vs_previous"].isna().all()
    assert row["trained_at"].tolist() == [pd.Timestamp("2026-01-01")]
    chosen = first_selection[first_selection["is_chosen"]].iloc[0]
    assert row["silhouette"][0] == chosen["silhouette"]
    # stored: the same version keeps its row, trained_at included
    again = registry_row(sample, settings(), first_selection, first, row, "2027-01-01T00:00:00")
    pd.testing.assert_frame_equal(again, row, check_dtype=False)

    reseeded = settings(seed=11)
    selections = pd.concat([first_selection, k_selection_table(sample, reseeded)])
    second = centroids_table(sample, reseeded, selections, history=first, scaling=SCALING)
    centroids = pd.concat([first, second])
    new = registry_row(sample, reseeded, selections, centroids, row, "2026-02-01T00:00:00+01:00")
    assert new["version_number"].tolist() == [2]
    assert new["previous_model_version"].tolist() == [row["model_version"][0]]
    assert new["trained_at"].tolist() == [pd.Timestamp("2026-01-31 23:00:00")]
    # the same blobs: the two versions partition the customers identically
    assert new["adjusted_rand_vs_previous"][0] == pytest.approx(1.0)


def test_centroids_carry_their_scaling_and_centres_in_original_units(planted) -> None:
    sample, _ = planted
    scaling = pd.DataFrame(
        {
            "feature_name": ["a", "b", "c"],
            "transform_name": ["log1p", "sqrt", "none"],
            "median_value": [1.0, 2.0, 3.0],
            "lower_bound": [0.0, 0.0, -5.0],
            "upper_bound": [100.0, 400.0, 5.0],
            "mean": [2.0, 3.0, 0.5],
            "std": [0.5, 2.0, 0.0],
        }
    )
    table = k_selection_table(sample, settings())
    centroids = centroids_table(sample, settings(), table, scaling=scaling)
    by_feature = centroids.groupby("feature_name")
    assert (
        by_feature["source_feature"].first() == pd.Series({"a_z": "a", "b_z": "b", "c_z": "c"})
    ).all()
    for column in ("transform_name", "median_value", "lower_bound", "upper_bound"):
        expected = scaling.set_index(scaling["feature_name"] + "_z")[column]
        assert (by_feature[column].nunique() == 1).all()
        assert (
            by_feature[column].first().equals(expected.rename(column).rename_axis("feature_name"))
        )
    # hand-worked inverses of the sign-keeping transforms, v = z * std + mean:
    # log1p: sign(v) * expm1(|v|); sqrt: sign(v) * v^2;
    # std 0: the mean, whatever z
    for row in centroids.itertuples():
        if row.feature_name == "a_z":
            value = row.centre * 0.5 + 2.0
            expected = np.sign(value) * np.expm1(abs(value))
        elif row.feature_name == "b_z":
            value = row.centre * 2.0 + 3.0
            expected = np.sign(value) * value**2
        else:
            expected = 0.5
        assert row.centre_original == pytest.approx(expected, rel=1e-12)
    # the inverse of the forward transform of a value is the value
    forward = (np.sign(12.0) * np.log1p(12.0) - 2.0) / 0.5
    assert original_units(forward, centroids[centroids["feature_name"] == "a_z"].iloc[0]) == (
        pytest.approx(12.0, rel=1e-12)
    )


def test_a_feature_without_scaling_parameters_is_named(planted) -> None:
    sample, _ = planted
    table = k_selection_table(sample, settings())
    with pytest.raises(SegmentationError, match=r"'c_z' is not the standardized column"):
        centroids_table(sample, settings(), table, scaling=SCALING.iloc[:2])
    with pytest.raises(SegmentationError, match=r"'c_01' is not the standardized column"):
        settings(features=["a_z", "b_z", "c_01"])


def test_retrain_false_keeps_what_is_stored_and_needs_a_stored_model(planted) -> None:
    assert retrain_requested(True) is True
    assert retrain_requested("false") is False
    assert retrain_requested(" True ") is True
    for bad in (None, 0, "no"):
        with pytest.raises(SegmentationError, match="segmentation_retrain must be true or false"):
            retrain_requested(bad)
    sample, _ = planted
    stored = centroids_table(
        sample, settings(), k_selection_table(sample, settings()), scaling=SCALING
    )
    assert stored_model(stored, "segment_centroids").equals(stored.reset_index(drop=True))
    for empty in (None, stored.iloc[:0]):
        with pytest.raises(SegmentationError, match="segment_centroids holds no stored model"):
            stored_model(empty, "segment_centroids")


@pytest.mark.parametrize("algorithm", ["gmm", "dbscan", "agglomerative"])
def test_every_algorithm_trains_a_version_that_scores_like_its_fit(planted, algorithm) -> None:
    """Each algorithm's stored rows (centres plus variances/weights or radii) score the
    training sample exactly as the fit labelled it, and recover the planted blobs."""
    sample, truth = planted
    chosen = settings(algorithm=algorithm, dbscan_eps=1.5, dbscan_min_samples=5)
    table = k_selection_table(sample, chosen)
    assert table["is_chosen"].sum() == 1 and table.loc[table["is_chosen"], "k"].item() == 4
    centroids = centroids_table(sample, chosen, table, scaling=SCALING)
    assert centroids["algorithm"].unique().tolist() == [algorithm]
    for column in ("variance", "log_weight", "radius_squared"):
        used = {"gmm": ("variance", "log_weight"), "dbscan": ("radius_squared",)}
        assert centroids[column].notna().all() == (column in used.get(algorithm, ()))
        assert centroids[column].isna().all() == (column not in used.get(algorithm, ()))
    x = sample.sort_values("customer_id")[FEATURES].to_numpy()
    labels = score_with_stored(x, centroids, FEATURES)
    assert adjusted_rand_score(truth[sample["customer_id"].argsort()], labels) > 0.95
    sizes = centroids.groupby("segment_id")["training_customers"].first()
    counts = pd.Series(labels).value_counts()
    assert all(counts.get(segment, 0) == size for segment, size in sizes.items())


def test_k_selection_of_a_stored_version_is_not_refitted(planted, monkeypatch) -> None:
    sample, _ = planted
    table = k_selection_table(sample, settings())
    import segmentation.training as training

    def no_fit(*args, **kwargs):
        raise AssertionError("select_k must not run for a stored version")

    monkeypatch.setattr(training, "select_k", no_fit)
    pd.testing.assert_frame_equal(k_selection_table(sample, settings(), history=table), table)
    with pytest.raises(AssertionError, match="must not run"):
        k_selection_table(sample, settings(seed=1), history=table)
