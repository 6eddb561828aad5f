"""The prediction model registry: one row per model version and target (purchase
propensity, churn risk), with the fitted trees and the champion decision, kept across
builds (incremental). The logic is segmentation.prediction.registry_rows."""

from segmentation.dbt_models import PredictionSettings, registry_rows, stored_registry


def model(dbt, session):
    dbt.config(materialized="incremental", unique_key=["model_version", "target"])
    settings = dbt.config.get("prediction_settings")
    history = session.sql(f"select * from {dbt.this}").df() if dbt.is_incremental else None
    if not PredictionSettings.retrain_requested(dbt.config.get("retrain")):
        return stored_registry(history)
    columns = ", ".join(
        ["customer_id", "month_end", *settings["features"], "purchased_next_30d", "churned_next_90d"]
    )
    rows = dbt.ref("prediction_training_rows").select(columns).df()
    (as_of,) = dbt.ref("int_as_of_date").select("as_of_date").fetchone()
    return registry_rows(
        rows,
        PredictionSettings.from_vars(**settings),
        history,
        trained_at=dbt.config.get("trained_at"),
        trained_as_of=as_of,
    )
