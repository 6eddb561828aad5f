"""Per-segment permutation importance of every feature for the random forest that
predicts the segment (drop of the segment's held-out F1 when the feature is shuffled);
one row per model version, segment and feature, kept across builds (incremental)."""

from segmentation.reporting import classifier_table, sample_columns


def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="model_version")
    seed = dbt.config.get("training_settings")["seed"]
    centroids = dbt.ref("segment_centroids").df()
    training = dbt.ref("segmentation_training_sample")
    # only the training sample's rows and the features some version uses reach pandas
    scaled = dbt.ref("customer_features_scaled")
    sample = scaled.select(", ".join(sample_columns(scaled.columns, centroids)))
    sample = sample.join(training.select("customer_id"), "customer_id")
    assignments = dbt.ref("customer_segment_assignments").select(
        "customer_id, segment_id, model_version"
    )
    assignments = assignments.join(training.select("customer_id"), "customer_id")
    stored = session.sql(f"select * from {dbt.this}").df() if dbt.is_incremental else None
    return classifier_table("importance", sample.df(), assignments.df(), centroids, seed, stored)
