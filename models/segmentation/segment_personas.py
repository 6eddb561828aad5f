"""A name and a one-sentence description per segment of the scored model version,
derived from segment_profiles by the documented rules of segmentation.personas."""

from segmentation.dbt_models import name_personas


def model(dbt, session):
    dbt.config(materialized="table")
    return name_personas(dbt.ref("segment_profiles").df())
