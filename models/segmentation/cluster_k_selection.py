"""Quality metrics of every candidate number of segments, and the chosen one.
Incremental: the metrics of every model version stay."""

from segmentation.training import TrainingSettings, k_selection_table


def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="model_version")
    algorithm = dbt.config.get("algorithm")
    features = dbt.config.get("features")
    k_range = dbt.config.get("k_range")
    fixed_k = dbt.config.get("fixed_k")
    seed = dbt.config.get("seed")
    silhouette_sample_size = dbt.config.get("silhouette_sample_size")
    settings = TrainingSettings.from_vars(
        algorithm, features, k_range, fixed_k, seed, silhouette_sample_size
    )
    columns = ", ".join(["customer_id", *settings.features])
    features = dbt.ref("customer_features_scaled").select(columns)
    sample = features.join(dbt.ref("segmentation_training_sample"), "customer_id").df()
    return k_selection_table(sample, settings)
