"""Export the activation marts for downstream tools (reverse ETL, a personalization
engine): Parquet for loaders, newline-delimited JSON for APIs.

    python -m segmentation.activation_export --warehouse segmentation.duckdb --out exports/

writes, for each mart, ``<mart>.parquet`` (every column of the mart) and
``<mart>.ndjson`` (one JSON object per line, in customer_id order):

- ``customer_profiles``: ``{"customer_id": ..., "segments": [...], "last_updated": ...}``,
  the profile shape engines take (``last_updated`` in ISO 8601, UTC);
- ``customer_next_best_action``: every column of the mart.

Each file is written next to its final name and then renamed over it, so a loader
polling the folder never reads half a file.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"

# mart -> (the NDJSON projection, the row order of both files)
EXPORTS = {
    "customer_profiles": (
        f"customer_id, segments, strftime(last_updated, '{ISO_UTC}') as last_updated",
        "customer_id",
    ),
    "customer_next_best_action": (
        "customer_id, next_best_action, rule_name, rule_priority, is_default_action, "
        "matched_rules, strftime(as_of_date, '%Y-%m-%d') as as_of_date",
        "customer_id",
    ),
}


class ExportError(Exception):
    """The warehouse cannot be exported; the message says why and what to do."""


@dataclass(frozen=True)
class ExportedFile:
    """One file written: its path, the mart it holds and the rows in it."""

    path: Path
    mart: str
    rows: int


def _copy(con: duckdb.DuckDBPyConnection, query: str, target: Path, options: str) -> None:
    partial = target.with_name(f".{target.name}.partial")
    con.execute(f"copy ({query}) to '{partial}' ({options})")
    os.replace(partial, target)


def export_activation(warehouse: Path, out: Path) -> list[ExportedFile]:
    """Write every mart of ``EXPORTS`` to ``out`` as Parquet and NDJSON.

    Raises:
        ExportError: no warehouse file, or a mart missing from it.
    """
    if not warehouse.is_file():
        raise ExportError(f"no warehouse file at {warehouse}: run `make demo` (or dbt build) first")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for mart, (projection, order) in EXPORTS.items():
            try:
                rows = con.execute(f"select count(*) from main.{mart}").fetchone()[0]
            except duckdb.CatalogException as error:
                raise ExportError(
                    f"{warehouse} has no table {mart}: build the marts first "
                    f"(dbt build --select +{mart})"
                ) from error
            parquet = out / f"{mart}.parquet"
            _copy(con, f"select * from main.{mart} order by {order}", parquet, "format parquet")
            ndjson = out / f"{mart}.ndjson"
            _copy(
                con,
                f"select {projection} from main.{mart} order by {order}",
                ndjson,
                "format json",
            )
            written += [ExportedFile(parquet, mart, rows), ExportedFile(ndjson, mart, rows)]
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True, help="DuckDB file")
    parser.add_argument("--out", type=Path, required=True, help="folder for the files")
    args = parser.parse_args(argv)
    try:
        files = export_activation(args.warehouse, args.out)
    except ExportError as error:
        print(f"activation_export: {error}", file=sys.stderr)
        return 2
    for file in files:
        print(f"{file.path}  {file.rows} rows of {file.mart}  {file.path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
