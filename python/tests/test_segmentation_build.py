"""End to end: the segmentation layer of the small build, checked against scikit-learn
run here, independently of the package, on the same training sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from dbt_runner import PROJECT_DIR, copy_of_warehouse, run_dbt
from segmentation.clustering import score_segments
from segmentation.model_export import export_model
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

# the package's k-means settings (segmentation.clustering), restated on purpose
N_INIT = 10


@pytest.fixture(scope="module")
def con(small_build):
    with small_build.connect() as connection:
        yield connection


@pytest.fixture(scope="module")
def settings() -> dict:
    return yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


def frame(con, sql: str) -> pd.DataFrame:
    return con.execute(sql).df()


@pytest.fixture(scope="module")
def reference(con, settings):
    """scikit-learn's KMeans on the training sample, with the chosen k and the seed."""
    features = settings["segmentation_features"]
    sample = frame(
        con,
        f"select customer_id, {', '.join(features)} from customer_features_scaled "
        "where customer_id in (select customer_id from segmentation_training_sample) "
        "order by customer_id",
    )
    chosen = frame(con, "select k from cluster_k_selection where is_chosen")["k"]
    assert len(chosen) == 1
    kmeans = KMeans(
        n_clusters=int(chosen[0]), n_init=N_INIT, random_state=settings["random_seed"]
    ).fit(sample[features].to_numpy())
    return kmeans, sample, features


def centres_by_segment(con, features) -> pd.DataFrame:
    long = frame(con, "select segment_id, feature_name, centre from segment_centroids")
    return long.pivot(index="segment_id", columns="feature_name", values="centre")[features]


def test_training_sample_is_bounded_and_seeded(con, settings) -> None:
    customers = frame(con, "select count(*) as n from customer_features_scaled")["n"][0]
    sample = frame(con, "select count(*) as n from segmentation_training_sample")["n"][0]
    assert sample == min(customers, settings["training_sample_size"])


def test_centroids_equal_scikit_learn_kmeans(con, reference) -> None:
    kmeans, _, features = reference
    ours = centres_by_segment(con, features)
    theirs = kmeans.cluster_centers_
    assert len(ours) == len(theirs)
    # each of our centres is one of scikit-learn's (ids are only a relabelling)
    for _, centre in ours.iterrows():
        gaps = np.abs(theirs - centre.to_numpy()).max(axis=1)
        assert gaps.min() <= 1e-9 * max(1.0, np.abs(centre).max()), gaps.min()


def test_sql_scoring_equals_scikit_learn_predict_for_every_customer(con, reference) -> None:
    kmeans, _, features = reference
    ours = centres_by_segment(con, features)
    customers = frame(
        con, f"select customer_id, {', '.join(features)} from customer_features_scaled"
    )
    predicted = kmeans.predict(customers[features].to_numpy())
    # scikit-learn's cluster i is our segment whose centre is nearest to it
    to_segment = {
        i: int(ours.index[np.abs(ours.to_numpy() - centre).max(axis=1).argmin()])
        for i, centre in enumerate(kmeans.cluster_centers_)
    }
    expected = pd.Series([to_segment[label] for label in predicted], index=customers["customer_id"])
    assigned = frame(
        con, "select customer_id, segment_id, squared_distance from customer_segment_assignments"
    ).set_index("customer_id")
    assert set(assigned.index) == set(expected.index)
    assigned = assigned.loc[expected.index]
    differ = assigned["segment_id"].to_numpy() != expected.to_numpy()
    # a difference is allowed only on an exact tie: both centres equally near
    x = customers[features].to_numpy()
    distances = ((x[:, None, :] - ours.to_numpy()[None, :, :]) ** 2).sum(axis=2)
    best = np.sort(distances, axis=1)
    ties = np.isclose(best[:, 0], best[:, 1], rtol=1e-12, atol=0)
    assert not (differ & ~ties).any(), f"{int((differ & ~ties).sum())} customers differ"
    # and the recorded distance is the distance to the assigned centre
    column = {segment: i for i, segment in enumerate(ours.index)}
    own = distances[np.arange(len(x)), assigned["segment_id"].map(column).to_numpy()]
    assert np.allclose(assigned["squared_distance"].to_numpy(), own, rtol=1e-12, atol=1e-12)


def test_k_selection_records_the_metrics_and_the_rule(con, reference, settings) -> None:
    kmeans, sample, features = reference
    table = frame(con, "select * from cluster_k_selection order by k")
    low, high = settings["segmentation_k_range"]
    assert table["k"].tolist() == list(range(low, high + 1))
    chosen = table[table["is_chosen"]].iloc[0]
    # the rule: highest silhouette, the smallest k within 0.01 of it
    best = table["silhouette"].max()
    assert chosen["k"] == table.loc[table["silhouette"] >= best - 0.01, "k"].min()
    assert "silhouette" in chosen["selection_rule"]
    # the training sample is smaller than the silhouette sample here: exact silhouette
    assert chosen["silhouette_sample_rows"] == len(sample)
    expected = silhouette_score(sample[features].to_numpy(), kmeans.labels_)
    assert abs(chosen["silhouette"] - expected) <= 1e-9
    assert abs(chosen["inertia"] - kmeans.inertia_) <= 1e-6 * kmeans.inertia_


def test_scoring_with_an_exported_model_gives_the_same_assignments(
    small_build, small_raw, tmp_path
) -> None:
    exported = export_model(small_build.warehouse, tmp_path / "export")
    assert [path.name for path in exported] == [
        "segment_centroids.parquet",
        "segment_personas.parquet",
        "prediction_model_registry.parquet",
        "prediction_model_trees.parquet",
        "prediction_model_evaluations.parquet",
    ]
    # score a copy of the warehouse from the Parquet export, as the Spark build does
    workdir = copy_of_warehouse(small_build, tmp_path, "rescore")
    run = run_dbt(
        ["run", "--select", "customer_segment_assignments"],
        workdir,
        {
            "raw_dir": str(small_raw),
            "model_export_dir": str(tmp_path / "export"),
        },
    )
    assert run.returncode == 0, run.output[-4000:]
    compiled = next((workdir / "target" / "run").rglob("customer_segment_assignments.sql"))
    assert "read_parquet(" in compiled.read_text()
    query = "select * from customer_segment_assignments order by customer_id"
    with small_build.connect() as original, run.connect() as rescored:
        pd.testing.assert_frame_equal(
            original.execute(query).df(), rescored.execute(query).df(), check_exact=True
        )


def test_export_of_a_missing_warehouse_says_so(tmp_path) -> None:
    with pytest.raises(SystemExit, match="no warehouse file"):
        export_model(tmp_path / "nowhere.duckdb", tmp_path / "export")


def test_retrain_with_another_seed_keeps_ids_and_a_pinned_version_rolls_back(
    small_build, small_raw, tmp_path, settings
) -> None:
    query = "select customer_id, segment_id, model_version from customer_segment_assignments"
    with small_build.connect() as original:
        before = original.execute(query).df().set_index("customer_id").sort_index()
    workdir = copy_of_warehouse(small_build, tmp_path, "retrain")
    seed = settings["random_seed"] + 1
    retrain = run_dbt(
        ["build", "--select", "segmentation segmentation_runs"],
        workdir,
        {"raw_dir": str(small_raw), "random_seed": seed},
    )
    assert retrain.returncode == 0, retrain.output[-4000:]
    with retrain.connect() as con:
        versions = frame(
            con, "select distinct model_version, version_number from segment_centroids"
        )
        after = con.execute(query).df().set_index("customer_id").sort_index()
    assert sorted(versions["version_number"]) == [1, 2]
    assert (after["model_version"] != before["model_version"]).all()
    # the same customers keep their segment id (the training sample is every customer)
    assert list(after.index) == list(before.index)
    assert (after["segment_id"] == before["segment_id"]).mean() > 0.99

    with retrain.connect() as con:
        runs = frame(con, "select * from segmentation_runs order by version_number")
    assert runs["version_number"].tolist() == [1, 2]
    assert runs["previous_model_version"].tolist()[1] == runs["model_version"][0]
    assert runs["adjusted_rand_vs_previous"][1] > 0.95
    assert runs["params"][1] != runs["params"][0]

    version_1 = before["model_version"].iloc[0]
    pinned = run_dbt(
        ["build", "--select", "customer_segment_assignments"],
        workdir,
        {"raw_dir": str(small_raw), "random_seed": seed, "segmentation_model_version": version_1},
    )
    assert pinned.returncode == 0, pinned.output[-4000:]
    with pinned.connect() as con:
        rolled_back = con.execute(query).df().set_index("customer_id").sort_index()
    pd.testing.assert_frame_equal(rolled_back, before, check_exact=True)


def test_a_pinned_version_that_does_not_exist_fails_the_build(small_build, small_raw, tmp_path):
    workdir = copy_of_warehouse(small_build, tmp_path, "unknown")
    run = run_dbt(
        ["build", "--select", "customer_segment_assignments assert_every_customer_is_assigned"],
        workdir,
        {"raw_dir": str(small_raw), "segmentation_model_version": "m000000000000"},
    )
    assert run.returncode != 0
    # the model stops with a message naming the problem
    assert "no stored model version m000000000000 in segment_centroids" in run.output, run.output[
        -3000:
    ]


def test_retrain_false_scores_with_the_stored_scaling_and_centres(small_build, small_raw, tmp_path):
    """Refit the scaling (other winsorizing bounds): without retraining, the stored
    version scores every customer exactly as before; retraining makes a new version."""
    query = "select customer_id, segment_id, model_version, squared_distance from "
    query += "customer_segment_assignments order by customer_id"
    with small_build.connect() as original:
        before = original.execute(query).df()
        runs_before = frame(original, "select * from segmentation_runs")
    workdir = copy_of_warehouse(small_build, tmp_path, "no_retrain")
    refitted = {"raw_dir": str(small_raw), "winsorize_upper_percentile": 0.9}
    # (dbt run: the tables are what is compared; the seeds are in the copied warehouse)
    kept = run_dbt(
        ["run", "--select", "+segmentation segmentation_runs"],
        workdir,
        {**refitted, "segmentation_retrain": False},
    )
    assert kept.returncode == 0, kept.output[-4000:]
    with kept.connect() as con:
        bounds = frame(con, "select upper_bound from customer_scaling_parameters")
        stored = frame(con, "select distinct upper_bound from segment_centroids")
        pd.testing.assert_frame_equal(con.execute(query).df(), before, check_exact=True)
        pd.testing.assert_frame_equal(frame(con, "select * from segmentation_runs"), runs_before)
    # the scaling did change, and the stored version still has the old bounds
    assert not set(stored["upper_bound"]) <= set(bounds["upper_bound"])

    retrained = run_dbt(["run", "--select", "+segmentation segmentation_runs"], workdir, refitted)
    assert retrained.returncode == 0, retrained.output[-4000:]
    with retrained.connect() as con:
        versions = frame(con, "select version_number from segmentation_runs order by 1")
    assert versions["version_number"].tolist() == [1, 2]


def test_retrain_false_without_a_stored_model_says_so(small_raw, tmp_path) -> None:
    run = run_dbt(
        ["build", "--select", "+segmentation_k_metrics"],
        tmp_path / "empty",
        {"raw_dir": str(small_raw), "segmentation_retrain": False},
    )
    assert run.returncode != 0
    assert "segmentation_k_metrics holds no stored model yet" in run.output, run.output[-3000:]


@pytest.mark.parametrize("algorithm", ["gmm", "dbscan"])
def test_sql_scoring_of_gmm_and_dbscan_equals_the_package(
    small_build, small_raw, tmp_path, algorithm
) -> None:
    """Retrain with another algorithm: the SQL assigns every customer as
    segmentation.clustering.score_segments does with the stored parameters."""
    workdir = copy_of_warehouse(small_build, tmp_path, algorithm)
    run = run_dbt(
        ["build", "--select", "segmentation"],
        workdir,
        {"raw_dir": str(small_raw), "segmentation_algorithm": algorithm},
    )
    assert run.returncode == 0, run.output[-4000:]
    with run.connect() as con:
        assigned = frame(
            con, "select * from customer_segment_assignments order by customer_id"
        ).set_index("customer_id")
        version = assigned["model_version"].iloc[0]
        stored = frame(con, f"select * from segment_centroids where model_version = '{version}'")
        features = stored.sort_values("feature_position")["feature_name"].unique().tolist()
        scaled = frame(
            con,
            f"select customer_id, {', '.join(features)} from customer_features_scaled "
            "order by customer_id",
        ).set_index("customer_id")
    assert (stored["algorithm"] == algorithm).all()
    assert list(scaled.index) == list(assigned.index)
    x = scaled[features].to_numpy()
    centres = stored.pivot(index="segment_id", columns="feature_name", values="centre")[features]
    per_segment = stored.groupby("segment_id").first().loc[centres.index]
    options = {}
    if algorithm == "gmm":
        variances = stored.pivot(index="segment_id", columns="feature_name", values="variance")
        options = {
            "variances": variances[features].to_numpy(dtype=float),
            "weights": np.exp(per_segment["log_weight"].to_numpy(dtype=float)),
        }
    else:
        options = {"radii": per_segment["radius_squared"].to_numpy(dtype=float)}
    labels, distances, probability = score_segments(
        x, centres.to_numpy(), centres.index.to_numpy(), algorithm, **options
    )
    np.testing.assert_array_equal(assigned["segment_id"].to_numpy(), labels)
    np.testing.assert_allclose(assigned["squared_distance"], distances, rtol=1e-9, atol=1e-12)
    if algorithm == "gmm":
        np.testing.assert_allclose(assigned["membership_probability"], probability, rtol=1e-9)
        assert (assigned["membership_probability"] < 0.9).any()
    else:
        assert assigned["membership_probability"].isna().all()
        # DBSCAN on the small data leaves some customers outside every cluster
        assert (labels == -1).any()


@pytest.mark.parametrize(
    ("vars_", "message"),
    [
        (
            {"segmentation_algorithm": "kmeanz"},
            "var segmentation_algorithm is 'kmeanz'; accepted: kmeans, minibatch_kmeans",
        ),
        ({"segmentation_k": 100_000}, "too few rows: 1687 rows, at least 100000 are needed"),
        (
            {"segmentation_features": ["frequency_z", "frequency"]},
            "'frequency' is not the standardized column <feature>_z",
        ),
    ],
)
def test_bad_settings_stop_the_build_with_a_message_naming_them(
    small_build, small_raw, tmp_path, vars_, message
) -> None:
    workdir = copy_of_warehouse(small_build, tmp_path, "bad")
    run = run_dbt(
        ["build", "--select", "segmentation_k_metrics segment_centroids"],
        workdir,
        {"raw_dir": str(small_raw), **vars_},
    )
    assert run.returncode != 0
    assert message in run.output, run.output[-3000:]
    # the message is ours, raised before scikit-learn sees the data
    assert "sklearn" not in run.output
