"""Validation metrics of every model version per validation month, and of the champion
it was compared with on the same rows; kept across builds (incremental). The logic is
segmentation.prediction.evaluation_rows."""

from segmentation.dbt_models import evaluation_rows


def model(dbt, session):
    dbt.config(
        materialized="incremental",
        unique_key=["model_version", "target", "validation_of_version", "validation_month"],
    )
    features = dbt.config.get("features")
    history = session.sql(f"select * from {dbt.this}").df() if dbt.is_incremental else None
    registry = dbt.ref("prediction_model_registry").df()
    columns = ", ".join(
        ["customer_id", "month_end", *features, "purchased_next_30d", "churned_next_90d"]
    )
    rows = dbt.ref("prediction_training_rows").select(columns).df()
    return evaluation_rows(rows, registry, history)
