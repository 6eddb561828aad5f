"""Export a fitted segmentation from a DuckDB warehouse to Parquet, so an engine that
runs no dbt Python models (Spark here) can score customers with it in SQL.

    python -m segmentation.model_export --warehouse segmentation.duckdb --out exports/

writes ``segment_centroids.parquet`` (every model version's centres with the scaling
parameters they were trained with, all the scoring SQL needs),
``segment_personas.parquet`` (the segments' names), and the prediction models:
``prediction_model_registry.parquet`` (versions, thresholds, champion decisions),
``prediction_model_trees.parquet`` (their trees, which the scoring SQL walks) and
``prediction_model_evaluations.parquet`` (their validation metrics). Build the other engine with
``--vars '{model_export_dir: "<out>"}'``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

EXPORTED_TABLES = {
    "segment_centroids": "model_version, segment_id, feature_position",
    "segment_personas": "model_version, segment_id",
    "prediction_model_registry": "model_version, target",
    "prediction_model_trees": "model_version, target, tree_index, node_id",
    "prediction_model_evaluations": (
        "validation_of_version, target, model_version, validation_month"
    ),
}


def export_model(warehouse: Path, out: Path) -> list[Path]:
    """Copy the exported tables, in a fixed row order, to ``out/<table>.parquet``."""
    if not warehouse.is_file():
        raise SystemExit(f"model_export: no warehouse file at {warehouse}")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table, order in EXPORTED_TABLES.items():
            target = out / f"{table}.parquet"
            try:
                con.execute(
                    f"copy (select * from main.{table} order by {order}) to '{target}' "
                    "(format parquet)"
                )
            except duckdb.CatalogException as error:
                raise SystemExit(
                    f"model_export: {warehouse} has no table {table}; build it first "
                    f"(dbt build --select {table})"
                ) from error
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True, help="DuckDB file")
    parser.add_argument("--out", type=Path, required=True, help="folder for the Parquet files")
    args = parser.parse_args(argv)
    for path in export_model(args.warehouse, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
