"""Concurrent runs: a dbt command on a warehouse another process holds (a running build,
a reader) stops before running anything, with one message naming the file and the
holder; the running build completes with correct results. That build is also the
idempotence check: the same data built again changes no table."""

from __future__ import annotations

import os
import time

import duckdb
import pandas as pd
from dbt_runner import copy_of_warehouse, run_dbt, start_dbt
from test_determinism import tables

LOCKED = "is in use by another process, so this dbt command stopped before running anything"


def test_a_second_build_during_a_build_stops_with_a_clear_message(
    small_build, small_raw, tmp_path
) -> None:
    workdir = copy_of_warehouse(small_build, tmp_path, "first")
    settings = {"raw_dir": str(small_raw), "segmentation_retrain": False}
    # a whole build, data tests included: it must outlast the second command's start-up
    # (a models-only build ended before the second was refused, under load in CI)
    first = start_dbt(["build"], workdir, settings)
    log = workdir / "logs" / "dbt.log"
    # wait until the first build holds the file: its first model has started
    deadline = time.monotonic() + 120
    while not (log.exists() and "START sql" in log.read_text()):
        assert first.process.poll() is None, first.finish().output[-3000:]
        assert time.monotonic() < deadline
        time.sleep(0.2)
    # the second build works in its own folder on the same warehouse file
    second_dir = tmp_path / "second"
    second_dir.mkdir()
    (second_dir / "warehouse.duckdb").symlink_to(workdir / "warehouse.duckdb")
    started = time.monotonic()
    second = run_dbt(["build"], second_dir, settings)
    seconds = time.monotonic() - started
    assert first.process.poll() is None, "the first build ended before the second was refused"
    assert second.returncode != 0
    assert LOCKED in second.output, second.output[-3000:]
    assert f"(PID {first.process.pid})" in second.output
    assert "Traceback" not in second.output
    assert "START sql" not in second.output
    print(f"second build refused after {seconds:.1f} s")

    done = first.finish()
    assert done.returncode == 0, done.output[-4000:]
    # correct results, and idempotent: the same data built again on the warehouse, with
    # segmentation_retrain false, leaves every table bit for bit (the model registry
    # and its trained_at included: no new version) and adds no table (dbt-duckdb's
    # leftover tables of incremental Python models are dropped by on-run-end). Only the
    # write batch of the rows the run wrote again changes (base_raw__events restages
    # the events whose verdict it rechecks) and test_pass_log gains the run's passes
    executed = next((done.target / "run").rglob("customer_features_monthly.sql")).read_text()
    assert executed.lstrip().startswith("insert into")
    expected, got = (
        tables(run, drop_build_time=False, drop_write_batch=True) for run in (small_build, done)
    )
    assert sorted(expected) == sorted(got)
    assert len(expected["segmentation_model_registry"]) >= 1
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(frame, got[name], check_exact=True, obj=name)


def test_a_build_while_a_reader_holds_the_file_stops_with_a_clear_message(
    small_build, small_raw, tmp_path
) -> None:
    workdir = copy_of_warehouse(small_build, tmp_path, "read")
    with duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True):
        run = run_dbt(["build"], workdir, {"raw_dir": str(small_raw)})
    assert run.returncode != 0
    assert LOCKED in run.output, run.output[-3000:]
    assert f"(PID {os.getpid()})" in run.output
    assert "Traceback" not in run.output
