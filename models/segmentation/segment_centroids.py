"""Centres of the chosen segmentation, one row per segment and feature, with the scaling
the version was trained with. Incremental: every model version stays, so a retrain can
keep segment ids stable and an old version can still score customers."""

from segmentation.dbt_models import (
    TrainingSettings,
    centroids_table,
    retrain_requested,
    stored_model,
)


def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="model_version")
    training_settings = dbt.config.get("training_settings")
    retrain = retrain_requested(dbt.config.get("retrain"))
    history = session.sql(f"select * from {dbt.this}").df() if dbt.is_incremental else None
    if not retrain:
        return stored_model(history, "segment_centroids")
    settings = TrainingSettings.from_vars(**training_settings)
    columns = ", ".join(["customer_id", *settings.features])
    features = dbt.ref("customer_features_scaled").select(columns)
    sample = features.join(dbt.ref("segmentation_training_sample"), "customer_id").df()
    k_selection = dbt.ref("segmentation_k_metrics").df()
    scaling = dbt.ref("customer_scaling_parameters").df()
    return centroids_table(sample, settings, k_selection, scaling, history)
