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
import pandas as pd
from dbt_fork import ForkedDbt, fork_dbt
from segmentation.generate import generate

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).parent / "dbt"
SMALL_CUSTOMERS = 2_000
SEED = 7
END_DATE = date(2026, 9, 30)
# a build of every model and seed without the data and unit tests: for tests about
# tables (determinism, interrupted and concurrent builds, deletions), where the dbt
# tests would only repeat what the suite's full builds already run
MODELS_AND_SEEDS = ["build", "--resource-type", "model", "seed"]


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


# Vars naming a folder: each run sees it through a link of the same name in its work
# folder, so that runs with the same settings pass the same vars (below).
FOLDER_VARS = ("raw_dir", "model_export_dir")

# dbt parses the whole project (about 9 s here) unless its target folder holds a
# partial-parse file written with the same vars and connection settings. Every run is
# given the same relative warehouse path and folder vars, so the file one run writes is
# valid for the next run with the same vars: it is kept here and handed on.
_parsed: dict[str, bytes] = {}


@dataclass
class StartedDbt:
    """A dbt command running in the background (start_dbt); finish() waits for it."""

    process: subprocess.Popen | ForkedDbt
    workdir: Path
    key: str

    def finish(self) -> DbtRun:
        self.process.wait()
        return _ended_run(self.workdir, self.key, self.process.returncode)


def _ended_run(workdir: Path, key: str, returncode: int) -> DbtRun:
    """The run that ended in ``workdir``; its partial-parse file is kept under ``key``
    for the next run with the same vars."""
    target = workdir / "target"
    parsed = target / "partial_parse.msgpack"
    if key not in _parsed and parsed.exists():
        _parsed[key] = parsed.read_bytes()
    return DbtRun(
        returncode,
        (workdir / "dbt_output.txt").read_text(errors="replace"),
        workdir / "warehouse.duckdb",
        target,
    )


def _run_vars(vars_: dict | None) -> dict:
    """The vars as a run passes them: each folder var names its link in the work folder."""
    return {
        name: name if name in FOLDER_VARS and value is not None else value
        for name, value in (vars_ or {}).items()
    }


def _parse_key(program: tuple[str, ...], run_vars: dict) -> str:
    # (atomic_build runs dbt on another warehouse path: a profile of its own)
    return json.dumps([program[-1], run_vars], sort_keys=True)


# segmentation.atomic_build runs dbt on a copy of the warehouse and publishes it
ATOMIC_BUILD = (sys.executable, "-m", "segmentation.atomic_build")


def start_dbt(
    args: list[str],
    workdir: Path,
    vars_: dict | None = None,
    program: tuple[str, ...] = (str(DBT),),
) -> StartedDbt:
    """Start ``dbt <args>`` on the project with the warehouse and target in ``workdir``
    (in a session of its own, so that a test can kill it with its children); with
    ``program=ATOMIC_BUILD`` through segmentation.atomic_build."""
    workdir.mkdir(parents=True, exist_ok=True)
    target = workdir / "target"
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        # relative to the work folder, the current folder of the run
        "SEGMENTATION_DUCKDB_PATH": "warehouse.duckdb",
    }
    for name in FOLDER_VARS:
        if (vars_ or {}).get(name) is not None:
            link = workdir / name
            if link.is_symlink():
                link.unlink()
            link.symlink_to(Path(vars_[name]).resolve(), target_is_directory=True)
    vars_ = _run_vars(vars_)
    command = [
        *program,
        *args,
        "--project-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(target),
        "--log-path",
        str(workdir / "logs"),
    ]
    if vars_:
        command += ["--vars", json.dumps(vars_, sort_keys=True)]
    key = _parse_key(program, vars_)
    if key in _parsed:
        target.mkdir(exist_ok=True)
        (target / "partial_parse.msgpack").write_bytes(_parsed[key])
    # the output goes to a file, not a pipe: a pipe nobody reads until the end would
    # stop a long command once its buffer is full
    output = workdir / "dbt_output.txt"
    if program == (str(DBT),):
        # dbt itself: a fork of a process that has imported it (dbt_fork)
        return StartedDbt(fork_dbt(command[1:], workdir, env, output), workdir, key)
    with output.open("w") as sink:
        process = subprocess.Popen(
            command,
            cwd=workdir,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return StartedDbt(process, workdir, key)


def run_dbt(
    args: list[str],
    workdir: Path,
    vars_: dict | None = None,
    program: tuple[str, ...] = (str(DBT),),
) -> DbtRun:
    """Run ``dbt <args>`` on the project with the warehouse and target in ``workdir``."""
    return start_dbt(args, workdir, vars_, program).finish()


def finished_run(workdir: Path, vars_: dict | None = None) -> DbtRun:
    """A successful ``dbt`` run that another process made in ``workdir`` (with ``vars_``):
    its warehouse and target, and its partial-parse file handed on to this process's runs."""
    return _ended_run(workdir, _parse_key((str(DBT),), _run_vars(vars_)), 0)


def generate_small(root: Path, fmt: str) -> None:
    """The small test data set (SMALL_CUSTOMERS, SEED, END_DATE) in ``fmt`` under
    ``root``: raw files in ``raw``, their truth in ``truth``."""
    generate(
        customers=SMALL_CUSTOMERS,
        seed=SEED,
        out=root / "raw",
        truth_out=root / "truth",
        end_date=END_DATE,
        fmt=fmt,
    )


def copy_of_warehouse(build: DbtRun, tmp_path: Path, name: str) -> Path:
    """A work folder holding a copy of a build's warehouse, to run dbt on."""
    workdir = tmp_path / name
    workdir.mkdir()
    shutil.copy(build.warehouse, workdir / "warehouse.duckdb")
    return workdir


def compiled_sql(run: DbtRun, model: str) -> str:
    """The query of ``model`` as ``run`` compiled it."""
    return next((run.target / "compiled").rglob(f"{model}.sql")).read_text()


def rows_without_batch(warehouse: Path, table: str, order_by: str) -> pd.DataFrame:
    """Every row of ``table`` without its column write_batch, ordered by ``order_by``."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(
            f"select * exclude (write_batch) from {table} order by {order_by}"
        ).df()
