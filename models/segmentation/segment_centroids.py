"""Centres of the chosen segmentation, one row per segment and feature (scaled units).
Incremental: every model version stays, so a retrain can keep segment ids stable."""

from segmentation.training import TrainingSettings, centroids_table


def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="model_version")
    training_settings = dbt.config.get("training_settings")
    settings = TrainingSettings.from_vars(**training_settings)
    columns = ", ".join(["customer_id", *settings.features])
    features = dbt.ref("customer_features_scaled").select(columns)
    sample = features.join(dbt.ref("segmentation_training_sample"), "customer_id").df()
    k_selection = dbt.ref("cluster_k_selection").df()
    history = session.sql(f"select * from {dbt.this}").df() if dbt.is_incremental else None
    return centroids_table(sample, settings, k_selection, history)
