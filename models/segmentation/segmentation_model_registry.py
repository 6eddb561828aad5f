"""The model registry: one row per model version, kept across builds (incremental)."""

from segmentation.dbt_models import (
    TrainingSettings,
    registry_row,
    retrain_requested,
    stored_model,
)


def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="model_version")
    training_settings = dbt.config.get("training_settings")
    trained_at = dbt.config.get("trained_at")
    retrain = retrain_requested(dbt.config.get("retrain"))
    history = session.sql(f"select * from {dbt.this}").df() if dbt.is_incremental else None
    if not retrain:
        return stored_model(history, "segmentation_model_registry")
    settings = TrainingSettings.from_vars(**training_settings)
    columns = ", ".join(["customer_id", *settings.features])
    features = dbt.ref("customer_features_scaled").select(columns)
    sample = features.join(dbt.ref("segmentation_training_sample"), "customer_id").df()
    k_selection = dbt.ref("segmentation_k_metrics").df()
    centroids = dbt.ref("segment_centroids").df()
    return registry_row(sample, settings, k_selection, centroids, history, trained_at)
