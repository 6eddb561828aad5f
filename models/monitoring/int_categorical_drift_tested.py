"""Drift of the categorical columns (segment id, named RFM segment, country) between the
current and the baseline period: int_categorical_drift (PSI, KL, chi-square, computed in
SQL) with the chi-square p-value, which needs the chi-square distribution (scipy)."""

from segmentation.dbt_models import with_chi_square_p_values


def model(dbt, session):
    dbt.config(materialized="table")
    drift = dbt.ref("int_categorical_drift").df()
    return with_chi_square_p_values(drift).sort_values("column_name").reset_index(drop=True)
