"""Quality metrics of every candidate number of segments, and the chosen one.
Incremental: the metrics of every model version stay."""

from segmentation.dbt_models import (
    TrainingSettings,
    k_selection_table,
    retrain_requested,
    stored_model,
)


def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="model_version")
    training_settings = dbt.config.get("training_settings")
    retrain = retrain_requested(dbt.config.get("retrain"))
    history = session.sql(f"select * from {dbt.this}").df() if dbt.is_incremental else None
    if not retrain:
        return stored_model(history, "segmentation_k_metrics")
    settings = TrainingSettings.from_vars(**training_settings)
    columns = ", ".join(["customer_id", *settings.features])
    features = dbt.ref("customer_features_scaled").select(columns)
    sample = features.join(dbt.ref("segmentation_training_sample"), "customer_id").df()
    return k_selection_table(sample, settings, history)
