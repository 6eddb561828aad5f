"""Interrupted runs: a build through segmentation.atomic_build killed with SIGKILL (while
a Python model fits, then while a SQL mart is written) leaves every table of the
warehouse as it was before the build; a second build meanwhile is refused; the next
build succeeds and publishes a consistent set of marts."""

from __future__ import annotations

import os
import signal
import time

import pandas as pd
from dbt_runner import ATOMIC_BUILD, MODELS_AND_SEEDS, DbtRun, copy_of_warehouse, run_dbt, start_dbt
from segmentation.atomic_build import LOCKED_EXIT
from test_determinism import tables


def kill_at(workdir, settings, marker: str) -> None:
    """Start an atomic build and SIGKILL it (with dbt, its child) once the dbt log
    shows ``marker``."""
    log = workdir / "logs" / "dbt.log"
    log.unlink(missing_ok=True)
    build = start_dbt(MODELS_AND_SEEDS, workdir, settings, program=ATOMIC_BUILD)
    deadline = time.monotonic() + 180
    while not (log.exists() and marker in log.read_text()):
        assert build.process.poll() is None, build.finish().output[-3000:]
        assert time.monotonic() < deadline, marker
        time.sleep(0.1)
    if marker.startswith("START python"):
        # meanwhile, a second build of the same warehouse (from another folder) is
        # refused before it copies anything
        second = workdir.parent / "second"
        second.mkdir()
        (second / "warehouse.duckdb").symlink_to(workdir / "warehouse.duckdb")
        refused = run_dbt(["build"], second, settings, program=ATOMIC_BUILD)
        assert refused.returncode == LOCKED_EXIT, refused.output[-3000:]
        assert f"is running (process {build.process.pid})" in refused.output
        assert not (second / "warehouse.duckdb.next").exists()
    os.killpg(build.process.pid, signal.SIGKILL)
    assert build.finish().returncode == -signal.SIGKILL


def test_a_killed_build_leaves_the_warehouse_as_it_was(small_build, small_raw, tmp_path):
    workdir = copy_of_warehouse(small_build, tmp_path, "published")
    published = DbtRun(0, "", workdir / "warehouse.duckdb", workdir / "target")
    before = tables(published, drop_build_time=False)
    # another seed: the build retrains, so every table downstream of the fit changes
    settings = {"raw_dir": str(small_raw), "random_seed": 43}
    for marker in (
        "START python incremental model main.segmentation_k_metrics",
        "START sql table model main.feature_drift",
    ):
        kill_at(workdir, settings, marker)
        after = tables(published, drop_build_time=False)
        assert sorted(after) == sorted(before), marker
        for name, frame in before.items():
            pd.testing.assert_frame_equal(frame, after[name], check_exact=True, obj=name)

    done = run_dbt(MODELS_AND_SEEDS, workdir, settings, program=ATOMIC_BUILD)
    assert done.returncode == 0, done.output[-4000:]
    assert "Published the build to warehouse.duckdb" in done.output
    with done.connect() as con:
        versions = con.execute(
            "select model_version from segmentation_runs order by version_number"
        ).fetchall()
        scored = con.execute("select distinct model_version from dim_customer_segments").fetchall()
    # the new model is published, and the marts are scored with it
    assert len(versions) == 2
    assert scored == [versions[-1]]
