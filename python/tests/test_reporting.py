"""The classifier tables of a model version (segmentation.reporting)."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from segmentation import reporting
from segmentation.clustering import SegmentationError
from segmentation.explain import classifier_report
from sklearn.datasets import make_blobs

FEATURES = ["a_z", "b_z"]


@pytest.fixture()
def inputs():
    x, y = make_blobs(n_samples=300, centers=3, n_features=2, random_state=2)
    ids = [f"C{i:04d}" for i in range(len(x))]
    sample = pd.DataFrame(x, columns=FEATURES)
    sample.insert(0, "customer_id", ids)
    assignments = pd.DataFrame({"customer_id": ids, "segment_id": y, "model_version": "m1"})
    centroids = pd.DataFrame(
        {
            "model_version": "m1",
            "segment_id": [0, 0],
            "feature_name": FEATURES,
            "feature_position": [1, 2],
        }
    )
    return sample, assignments, centroids


def test_both_tables_come_from_one_forest_trained_once(inputs, monkeypatch) -> None:
    sample, assignments, centroids = inputs
    calls = []

    def counted(*args, **kwargs):
        calls.append(args[-1])
        return classifier_report(*args, **kwargs)

    monkeypatch.setattr(reporting, "classifier_report", counted)
    monkeypatch.setattr(reporting, "_REPORTS", {})
    metrics = reporting.classifier_table("metrics", sample, assignments, centroids, 3)
    importance = reporting.classifier_table("importance", sample, assignments, centroids, 3)
    assert calls == [3]
    expected_metrics, expected_importance = classifier_report(
        sample, assignments["segment_id"].to_numpy(), FEATURES, 3
    )
    pd.testing.assert_frame_equal(metrics.drop(columns="model_version"), expected_metrics)
    pd.testing.assert_frame_equal(importance.drop(columns="model_version"), expected_importance)
    assert (metrics["model_version"] == "m1").all()
    # other inputs (another seed, other labels) are another forest
    reporting.classifier_table("metrics", sample, assignments, centroids, 4)
    relabelled = assignments.assign(segment_id=assignments["segment_id"].iloc[::-1].to_numpy())
    reporting.classifier_table("metrics", sample, relabelled, centroids, 3)
    assert calls == [3, 4, 3]


def test_a_stored_version_is_returned_without_a_forest(inputs, monkeypatch) -> None:
    sample, assignments, centroids = inputs
    stored = reporting.classifier_table("metrics", sample, assignments, centroids, 3)

    def no_fit(*args, **kwargs):
        raise AssertionError("no forest for a stored version")

    monkeypatch.setattr(reporting, "classifier_report", no_fit)
    monkeypatch.setattr(reporting, "_REPORTS", {})
    again = reporting.classifier_table("metrics", sample, assignments, centroids, 3, stored)
    pd.testing.assert_frame_equal(again, stored)
    with pytest.raises(SegmentationError, match="exactly one model version"):
        reporting.classifier_table(
            "metrics", sample, assignments.assign(model_version=["m1", "m2"] * 150), centroids, 3
        )


def test_sample_columns_are_the_id_and_the_features_versions_use() -> None:
    centroids = pd.DataFrame(
        {
            "model_version": ["a", "a", "b"],
            "feature_name": ["x_z", "y_z", "w_z"],
        }
    )
    available = ["customer_id", "w_z", "v_z", "x_z", "x_01", "y_z"]
    assert reporting.sample_columns(available, centroids) == ["customer_id", "w_z", "x_z", "y_z"]
    # a feature no longer available is left to classifier_table to report
    assert reporting.sample_columns(["customer_id", "x_z"], centroids) == ["customer_id", "x_z"]


def test_training_rows_are_the_samples_rows_with_the_used_features() -> None:
    con = duckdb.connect()
    scaled = con.sql(
        "select * from (values ('a', 1.0, 2.0, 3.0), ('b', 4.0, 5.0, 6.0), ('c', 7.0, 8.0, 9.0))"
        " t(customer_id, x_z, y_z, x_01)"
    )
    assignments = con.sql(
        "select * from (values ('a', 0, 'v', 0.5), ('b', 1, 'v', 0.1), ('c', 1, 'v', 0.2))"
        " t(customer_id, segment_id, model_version, squared_distance)"
    )
    training = con.sql("select * from (values ('a', 1), ('c', 2)) t(customer_id, sample_rank)")
    centroids = pd.DataFrame({"model_version": ["v", "v"], "feature_name": ["x_z", "y_z"]})
    sample, labels = reporting.training_rows(scaled, assignments, training, centroids)
    sample = sample.sort_values("customer_id").reset_index(drop=True)
    labels = labels.sort_values("customer_id").reset_index(drop=True)
    assert list(sample.columns) == ["customer_id", "x_z", "y_z"]
    assert sample["customer_id"].tolist() == ["a", "c"]
    assert sample["y_z"].tolist() == [2.0, 8.0]
    assert list(labels.columns) == ["customer_id", "segment_id", "model_version"]
    assert labels["segment_id"].tolist() == [0, 1]
