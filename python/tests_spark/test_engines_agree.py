"""The same raw data built on Spark and on DuckDB gives the same tables: every table the
Spark build wrote, compared row by row with DuckDB's. Integers, ids, text, dates and
decimals must be equal; floats equal within 1e-9 relative."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

RELATIVE = 1e-9
# the Spark build exists only for the SQL layer; these are its tables in Parquet
SCHEMA_FOLDER = "spark-warehouse/analytics.db"
# tables whose every row must match; seeds and the raw layer are compared too
EXPECTED_TABLES = {
    "base_raw__customers",
    "base_raw__orders",
    "base_raw__events",
    "base_raw__consents",
    "base_raw__deletion_requests",
    "int_customers_filtered_to_eligible",
    "int_orders_converted_to_usd",
    "int_as_of_date",
    "int_customer_activity_aggregated_to_days",
    "customer_rfm",
    "customer_clv_inputs",
    "customer_engagement",
    "customer_features",
    "customer_rfm_scores",
    "customer_features_monthly",
    "customer_scaling_parameters",
    "customer_features_scaled",
    "segmentation_training_sample",
    # scored on Spark with the centres exported from the DuckDB build
    "customer_segment_assignments",
    # monitoring: every month scored with those centres, PSI / KL / chi-square
    "int_drift_periods",
    "int_customer_segments_by_month",
    "int_feature_value_counts_for_drift",
    "int_feature_drift_input_fingerprints",
    "int_feature_drift_by_period",
    "feature_drift",
    "int_categorical_values_for_drift",
    "int_categorical_drift",
    "segment_history",
    "segment_transitions",
    "segment_stability",
    "drift_alerts",
    # marts (contracts enforced on both engines) and what they read
    "int_customer_tags",
    "dim_customer_segments",
    "segment_summary",
    "customer_next_best_action",
    "customer_profiles",
    "experiments",
    "experiment_assignments",
    "experiment_results",
    # prediction: labels and training rows in SQL; customers scored on Spark with the
    # trees exported from the DuckDB build
    "int_customer_purchase_labels",
    "prediction_training_rows",
    "int_prediction_champions",
    "int_customer_prediction_scores",
    "customer_predictions",
    "prediction_model_metrics",
}

# engine-specific fingerprints (macro row_fingerprint): present on both, not compared
FINGERPRINTS = {
    "int_customer_segments_by_month": ["features_hash"],
    "int_feature_drift_input_fingerprints": ["inputs_fingerprint"],
    "int_feature_drift_by_period": ["inputs_fingerprint"],
}
# what the Spark build's on-run-end recorded of its data tests (the DuckDB build of
# make test-spark runs no data tests): a record of the run, not data to compare
RUN_RECORDS = {"test_pass_log"}


@pytest.fixture(scope="module")
def duckdb_build(spark_build: Path) -> duckdb.DuckDBPyConnection:
    """The DuckDB build of the very raw files the Spark build read (make test-spark)."""
    with duckdb.connect(str(spark_build / "duckdb.duckdb"), read_only=True) as con:
        yield con


def spark_tables(spark_build: Path) -> list[str]:
    return sorted(
        path.name
        for path in (spark_build / SCHEMA_FOLDER).iterdir()
        if path.is_dir() and path.name not in RUN_RECORDS
    )


def read_spark(spark_build: Path, table: str) -> pd.DataFrame:
    files = spark_build / SCHEMA_FOLDER / table / "*.parquet"
    with duckdb.connect() as con:
        con.execute("set timezone = 'UTC'")
        return con.execute(f"select * from read_parquet('{files}')").df()


def normalized(rows: pd.DataFrame) -> pd.DataFrame:
    """Same column order, timestamps as naive UTC, rows in a total order."""
    rows = rows.copy()
    for column in rows.columns:
        # lists (customer_profiles.segments) compare as their joined items
        # (only object columns can hold lists; an empty table keeps its typed columns)
        if rows[column].dtype == object and (
            rows[column].map(lambda v: isinstance(v, (list, tuple, np.ndarray))).any()
        ):
            rows[column] = rows[column].map(
                lambda v: None if v is None else "|".join(str(item) for item in v)
            )
        if isinstance(rows[column].dtype, pd.DatetimeTZDtype):
            rows[column] = rows[column].dt.tz_convert("UTC").dt.tz_localize(None)
        if pd.api.types.is_datetime64_any_dtype(rows[column]):
            rows[column] = rows[column].astype("datetime64[us]")
    rows = rows[sorted(rows.columns)]
    # exact columns first; float ones (nullable integers read as float, measures) break
    # the remaining ties
    keys = [c for c in rows.columns if not pd.api.types.is_float_dtype(rows[c])]
    keys += [c for c in rows.columns if c not in keys]
    return rows.sort_values(keys, na_position="last").reset_index(drop=True)


def test_spark_built_every_sql_table(spark_build: Path) -> None:
    assert set(spark_tables(spark_build)) >= EXPECTED_TABLES


def test_every_spark_table_equals_duckdb(
    spark_build: Path, duckdb_build: duckdb.DuckDBPyConnection
) -> None:
    compared = []
    for table in spark_tables(spark_build):
        spark = read_spark(spark_build, table)
        local = duckdb_build.execute(f"select * from main.{table}").df()
        fingerprints = FINGERPRINTS.get(table, [])
        for rows in (spark, local):
            assert rows[fingerprints].notna().all().all(), (table, fingerprints)
        spark = normalized(spark.drop(columns=fingerprints))
        local = normalized(local.drop(columns=fingerprints))
        assert list(spark.columns) == list(local.columns), table
        assert len(spark) == len(local), (table, len(spark), len(local))
        for column in spark.columns:
            left, right = spark[column], local[column]
            if pd.api.types.is_float_dtype(left) or pd.api.types.is_float_dtype(right):
                left, right = left.astype(float), right.astype(float)
                both_null = left.isna() & right.isna()
                close = np.abs(left - right) <= RELATIVE * np.maximum(1.0, np.abs(right))
                assert (both_null | close).all(), (table, column)
            else:
                # decimals come as Decimal or float depending on the reader: compare text
                assert left.astype(str).equals(right.astype(str)), (table, column)
        compared.append(table)
    assert set(compared) >= EXPECTED_TABLES


def test_spark_recorded_the_scoped_tests_that_passed(spark_build: Path) -> None:
    """on-run-end wrote test_pass_log on Spark too (a Parquet table): one row per
    scoped test of the build (the stg_raw__orders primary key among them), all of batch
    1, the batch the build's rows carry (write_batch, compared with DuckDB's above)."""
    passes = read_spark(spark_build, "test_pass_log")
    # test ids end in a hash of their arguments: <type>.<project>.<name>.<hash>
    assert "unique_stg_raw__orders_order_id" in set(passes.test_id.str.split(".").str[2])
    assert passes.test_id.is_unique
    assert passes.test_fingerprint.str.fullmatch("[0-9a-f]{32}").all()
    assert set(passes.write_batch) == {1}
