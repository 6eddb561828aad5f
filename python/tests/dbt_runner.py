"""Run dbt on the project from tests, each run with its own warehouse and target."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).parent / "dbt"
SMALL_CUSTOMERS = 2_000
SEED = 7
END_DATE = date(2026, 9, 30)


@dataclass
class DbtRun:
    """Outcome of one dbt command run in its own warehouse and target folder."""

    returncode: int
    output: str
    warehouse: Path
    target: Path

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection to the warehouse the run wrote."""
        return duckdb.connect(str(self.warehouse), read_only=True)


def run_dbt(args: list[str], workdir: Path, vars_: dict | None = None) -> DbtRun:
    """Run ``dbt <args>`` on the project with the warehouse and target in ``workdir``."""
    workdir.mkdir(parents=True, exist_ok=True)
    warehouse = workdir / "warehouse.duckdb"
    target = workdir / "target"
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "SEGMENTATION_DUCKDB_PATH": str(warehouse),
    }
    command = [str(DBT), *args, "--target-path", str(target), "--log-path", str(workdir / "logs")]
    if vars_:
        command += ["--vars", json.dumps(vars_)]
    completed = subprocess.run(
        command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False
    )
    return DbtRun(completed.returncode, completed.stdout + completed.stderr, warehouse, target)


def copy_of_warehouse(build: DbtRun, tmp_path: Path, name: str) -> Path:
    """A work folder holding a copy of a build's warehouse, to run dbt on."""
    workdir = tmp_path / name
    workdir.mkdir()
    shutil.copy(build.warehouse, workdir / "warehouse.duckdb")
    return workdir
