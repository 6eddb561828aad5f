"""Precision, recall and F1 per segment of a random forest that predicts the segment
from the features, on a held-out split of the training sample; one row per model version
and segment, kept across builds (incremental)."""

from segmentation.dbt_models import classifier_table, training_rows


def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="model_version")
    seed = dbt.config.get("training_settings")["seed"]
    centroids = dbt.ref("segment_centroids").df()
    sample, assignments = training_rows(
        dbt.ref("customer_features_scaled"),
        dbt.ref("customer_segment_assignments"),
        dbt.ref("segmentation_training_sample"),
        centroids,
    )
    stored = session.sql(f"select * from {dbt.this}").df() if dbt.is_incremental else None
    return classifier_table("metrics", sample, assignments, centroids, seed, stored)
