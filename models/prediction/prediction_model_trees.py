"""Every stored prediction model as rows of nodes (model_version, target, tree, node),
read from the registry: what int_customer_prediction_scores scores customers with in
SQL. The logic is segmentation.prediction.stored_trees."""

from segmentation.dbt_models import stored_trees


def model(dbt, session):
    dbt.config(materialized="table")
    registry = dbt.ref("prediction_model_registry").df()
    return stored_trees(registry)
