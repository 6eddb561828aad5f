"""The benchmark's measuring parts (no timings asserted): per-layer node times from
dbt's artifacts, the process-tree memory sampler, and the floor's customers."""

from __future__ import annotations

import json
import os
import sys

import duckdb
import pytest
from dbt_runner import PROJECT_DIR, run_dbt
from segmentation import bench as bench_module
from segmentation.bench import (
    ARRIVAL_COLUMNS,
    DELIVERIES,
    LAYERS,
    BenchResult,
    CommandRun,
    NodeTime,
    exit_code,
    kind_seconds,
    markdown,
    node_times,
    run_core_path,
    run_measured,
    split_into_days,
)
from segmentation.floor import run_floor


def test_node_times_cover_every_result_with_its_layer(small_build) -> None:
    results = json.loads((small_build.target / "run_results.json").read_text())["results"]
    times = node_times(small_build.target)
    assert len(times) == len(results) > 0
    by_name = {t.name: t for t in times if t.resource_type == "model"}
    assert by_name["stg_raw__orders"].layer == "staging"
    assert by_name["customer_rfm"].layer == "intermediate"
    assert by_name["customer_segment_assignments"].layer == "segmentation"
    assert by_name["int_drift_periods"].layer == "monitoring"
    assert by_name["int_customer_purchase_labels"].layer == "prediction"
    assert by_name["dim_customer_segments"].layer == "marts"
    assert {t.layer for t in times if t.resource_type == "model"} <= set(LAYERS)
    assert {t.layer for t in times if t.resource_type in ("test", "unit_test")} == {"tests"}
    assert sum(t.seconds for t in times) > 0
    # and its kind, from the manifest's materialization
    assert by_name["base_raw__orders"].kind == "incremental models"
    assert by_name["customer_rfm"].kind == "table models"
    assert by_name["stg_raw__orders"].kind == "view models"
    assert {t.kind for t in times if t.resource_type == "test"} == {"data tests"}
    kinds = kind_seconds(times)
    assert sum(count for count, _ in kinds.values()) == len(times)
    assert sum(seconds for _, seconds in kinds.values()) == pytest.approx(
        sum(t.seconds for t in times)
    )
    assert kinds["incremental models"][0] == sum(
        1 for t in times if t.resource_type == "model" and t.kind == "incremental models"
    )
    # every model has its execution window, in order
    windows = [(t.started, t.completed) for t in times if t.resource_type == "model"]
    assert all(start is not None and start <= end for start, end in windows)


def test_node_memory_is_the_peak_sampled_in_its_window() -> None:
    node = NodeTime("m", "model", "marts", 2.0, "success", started=10.0, completed=12.0)
    samples = [(9.0, 900), (10.0, 100), (11.0, 300), (12.1, 200), (13.0, 800)]
    assert node.peak_memory_bytes(samples) == 300
    assert NodeTime("m", "model", "marts", 0.0, "success").peak_memory_bytes(samples) == 0


def test_peak_memory_includes_grandchildren(tmp_path) -> None:
    """A grandchild holding 300 MB shows in the peak (the sampler sums the tree)."""
    hold = "b = bytearray(b'x') * 300_000_000; import time; time.sleep(1.5)"
    command = ["sh", "-c", f'"{sys.executable}" -c "{hold}"; true']
    run = run_measured(command, dict(os.environ), tmp_path / "log")
    assert run.returncode == 0
    assert run.peak_memory_bytes >= 300_000_000


def test_peak_memory_counts_pages_a_fork_shares_once(tmp_path) -> None:
    """A process holding 300 MB forks a child that holds the same pages: both show
    300 MB resident, but the tree holds 300 MB, not 600 MB. (scikit-learn's K-Means
    forks the dbt process to run `lscpu`; summed resident sizes doubled a 1M build's
    peak for one sample.)"""
    hold = (
        "b = bytearray(b'x') * 300_000_000; import os, time; child = os.fork(); "
        "time.sleep(1.5); os._exit(0) if child == 0 else os.waitpid(child, 0)"
    )
    run = run_measured([sys.executable, "-c", hold], dict(os.environ), tmp_path / "log")
    assert run.returncode == 0, (tmp_path / "log").read_text()
    assert 300_000_000 <= run.peak_memory_bytes < 450_000_000


def test_a_lone_process_is_measured_without_reading_smaps_rollup(tmp_path, monkeypatch) -> None:
    """smaps_rollup (the proportional set size) is read only when the tree has several
    processes: reading it walks the page tables and slowed the sampled build. The lone
    process's 300 MB still show, from its resident size."""
    smaps_reads = []
    real = bench_module._memory_bytes
    monkeypatch.setattr(
        bench_module, "_memory_bytes", lambda pid: smaps_reads.append(pid) or real(pid)
    )
    hold = "b = bytearray(b'x') * 300_000_000; import time; time.sleep(1.5)"
    run = run_measured([sys.executable, "-c", hold], dict(os.environ), tmp_path / "log")
    assert run.returncode == 0, (tmp_path / "log").read_text()
    assert 300_000_000 <= run.peak_memory_bytes < 450_000_000
    assert smaps_reads == []
    # two processes (a shell and its child): the sum of their proportional set sizes
    command = ["sh", "-c", f'"{sys.executable}" -c "{hold}"; true']
    run = run_measured(command, dict(os.environ), tmp_path / "log2")
    assert run.peak_memory_bytes >= 300_000_000
    assert smaps_reads


def test_cpu_seconds_count_the_tree_busy_not_the_wall_time(tmp_path) -> None:
    """A grandchild that spins until it has used 1 s of CPU, then a second that sleeps
    1 s: the tree used at least that CPU second (the grandchild's, though the shell
    between them does nothing) and about nothing for the sleep."""
    spin = "import time\nwhile time.process_time() < 1.0: pass"
    sleep = "import time; time.sleep(1.0)"
    command = ["sh", "-c", f"'{sys.executable}' -c '{spin}' && '{sys.executable}' -c '{sleep}'"]
    run = run_measured(command, dict(os.environ), tmp_path / "log")
    assert run.returncode == 0, (tmp_path / "log").read_text()
    assert run.seconds >= 2.0
    assert 1.0 <= run.cpu_seconds < 1.0 + 0.5
    idle = run_measured([sys.executable, "-c", sleep], dict(os.environ), tmp_path / "log2")
    assert idle.seconds >= 1.0 and idle.cpu_seconds < 0.5


def test_the_cpu_column_is_cpu_seconds_over_what_the_cores_offered() -> None:
    """12.5 s of wall time on 2 cores offer 25 s: 20 CPU seconds are 80% of them."""
    result = _bench_result(build=CommandRun(0, 12.5, 2_000_000_000, "build.log", [], 20.0), cores=2)
    assert result.build.cpu_share(2) == pytest.approx(0.8)
    row = next(line for line in markdown(result).splitlines() if line.startswith("| full dbt"))
    assert row == "| full dbt build (models + tests) | 12.5 s | 2.00 GB | 20 s (80% of 2 cores) |"


def test_the_core_path_runs_in_a_warehouse_of_its_own(small_raw, tmp_path) -> None:
    """The timed core path fits one K-Means with the k it is given, in core.duckdb: the
    build's warehouse (not passed to it) keeps its segmentation history. The untimed
    parse before it is the one it uses: the timed run parses nothing again."""
    env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT_DIR)}
    env.pop("SEGMENTATION_DUCKDB_PATH", None)
    parse_seconds: dict[str, float] = {}
    run = run_core_path(
        tmp_path, env, {"raw_dir": str(small_raw), "segmentation_k": 3}, parse_seconds
    )
    log = (tmp_path / "core.log").read_text()
    assert run.returncode == 0, log[-3000:]
    assert parse_seconds["core"] > 0
    assert "full parse" in (tmp_path / "parse-core.log").read_text()
    assert "full parse" not in log, log[:2000]
    with duckdb.connect(str(tmp_path / "core.duckdb"), read_only=True) as con:
        versions, segments = con.execute(
            "select count(distinct model_version), count(distinct segment_id) "
            "from segment_centroids"
        ).fetchone()
        assigned = con.execute(
            "select count(distinct segment_id) from customer_segment_assignments"
        ).fetchone()[0]
        # only the core path ran there: nothing downstream of the assignments
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    assert (versions, segments, assigned) == (1, 3, 3)
    assert "segmentation_model_registry" not in tables
    assert not (PROJECT_DIR / "core.duckdb").exists()


# the heavy monitoring models, each after the one before it when customer_buckets >= 8
# (int_feature_drift_by_period reads the value counts: that link is there at any size)
CHAIN = [
    "int_feature_value_counts_for_drift",
    "int_feature_drift_by_period",
    "int_categorical_values_for_drift",
    "segment_history",
    "segment_transitions",
]


def test_large_builds_run_the_heavy_monitoring_models_one_at_a_time(small_build, tmp_path):
    """With customer_buckets 16 each model of CHAIN depends on the one before it (macro
    after_at_scale); with the default 4 (the small build) only int_feature_drift_by_period
    does."""

    def node(name: str) -> str:
        return f"model.customer_segmentation.{name}"

    nodes = json.loads((small_build.target / "manifest.json").read_text())["nodes"]
    for before, after in zip(CHAIN[1:], CHAIN[2:], strict=False):
        assert node(before) not in nodes[node(after)]["depends_on"]["nodes"]
    listed = run_dbt(
        [
            "ls",
            "--quiet",
            "--resource-type",
            "model",
            "--select",
            *CHAIN,
            "--output",
            "json",
            "--output-keys",
            "name depends_on",
        ],
        tmp_path,
        {"customer_buckets": 16},
    )
    assert listed.returncode == 0, listed.output[-3000:]
    parents = {
        row["name"]: row["depends_on"]["nodes"]
        for row in map(json.loads, filter(None, listed.output.splitlines()))
    }
    for before, after in zip(CHAIN, CHAIN[1:], strict=False):
        assert node(before) in parents[after], after


def test_floor_scores_about_the_eligible_customers(small_build, small_raw) -> None:
    with small_build.connect() as con:
        eligible = con.execute("select count(*) from dim_customer_segments").fetchone()[0]
    floor = run_floor(small_raw, PROJECT_DIR / "seeds" / "currency_rates.csv", 4, 7, 1_000)
    # no quarantine in the floor: a few more customers, never fewer
    assert eligible <= floor.customers <= eligible * 1.02
    assert floor.k == 4 and floor.total_seconds > 0


def _bench_result(**changes) -> BenchResult:
    fields = dict(
        customers=1_000,
        raw_rows={"orders": 20_000},
        generate_seconds=None,
        build=CommandRun(0, 12.5, 2_000_000_000, "build.log"),
        build_layers={"monitoring": 10.0},
        build_kinds={},
        slowest_models=[],
        largest_models=[],
        failed_nodes=[],
        core_path=None,
        chosen_k=None,
        floor=None,
        core_to_floor_ratio=None,
    )
    return BenchResult(**{**fields, **changes})


def test_a_failed_build_is_reported_with_the_failing_model() -> None:
    failed = _bench_result(
        build=CommandRun(1, 12.5, 2_000_000_000, "build.log"),
        slowest_models=[("int_customer_segments_by_month", 9.0)],
        largest_models=[("int_customer_segments_by_month", 2_000_000_000)],
        failed_nodes=["int_customer_segments_by_month"],
        customer_buckets=16,
    )
    text = markdown(failed)
    assert "customer_buckets: 16" in text
    assert "FAILED (exit 1)" in text
    assert "The build failed in: int_customer_segments_by_month" in text
    assert "| int_customer_segments_by_month | 2.00 GB |" in text


def test_node_time_by_kind_puts_both_builds_side_by_side() -> None:
    both = _bench_result(
        build_kinds={"table models": (3, 40.0), "incremental models": (2, 90.5)},
        daily=CommandRun(0, 30.0, 1, "daily.log"),
        daily_ratio=0.5,
        daily_slowest=[("customer_rfm", 4.0)],
        daily_kinds={"table models": (3, 35.0), "incremental models": (2, 9.3)},
    )
    lines = markdown(both).splitlines()
    rows = [line for line in lines if line.startswith("| incremental models")]
    # the full build's slowest kind first
    assert rows == ["| incremental models | 2 | 90.5 s | 2 | 9.3 s |"]
    assert lines.index(rows[0]) < lines.index("| table models | 3 | 40.0 s | 3 | 35.0 s |")
    # without a daily run: the full build's columns only
    alone = markdown(_bench_result(build_kinds={"table models": (3, 40.0)}))
    assert "| table models | 3 | 40.0 s |\n" in alone


def test_why_the_core_path_did_not_run_is_told_and_sets_the_exit_code() -> None:
    skipped = _bench_result()
    assert "not run (--no-core)" in markdown(skipped)
    assert "build failed" not in markdown(skipped)
    assert exit_code(skipped, core=False) == 0
    # asked for but missing: a failure even though every run that happened passed
    assert exit_code(skipped, core=True) == 1

    daily_failed = _bench_result(daily=CommandRun(2, 3.0, 1, "daily.log"), daily_ratio=0.24)
    text = markdown(daily_failed)
    assert "The daily build failed (daily.log)" in text
    assert "--no-core" not in text
    assert exit_code(daily_failed, core=False) == 1
    # the first of the two daily runs failed: the second did not run
    first_failed = _bench_result(first_daily=CommandRun(2, 3.0, 1, "daily1.log"))
    text = markdown(first_failed)
    assert "| first daily dbt build, loads of the day from None **FAILED (exit 2)** |" in text
    assert "The daily build failed (daily1.log)" in text
    assert exit_code(first_failed, core=False) == 1

    core_failed = _bench_result(core_path=CommandRun(1, 3.0, 1, "core.log"))
    assert "The dbt core path failed (exit 1)" in markdown(core_failed)
    assert exit_code(core_failed, core=True) == 1


def test_the_deliveries_hold_every_raw_row_once_split_at_the_last_two_load_days(
    small_raw, tmp_path
) -> None:
    previous, last = split_into_days(small_raw, tmp_path)
    loads = duckdb.sql(
        f"select distinct cast(_loaded_at as date) as day "
        f"from read_parquet('{small_raw}/orders*.parquet') order by day desc limit 2"
    ).fetchall()
    assert [last, previous] == [f"{day} 00:00:00" for (day,) in loads]
    files = {
        folder: f"{tmp_path}/{folder}/{{table}}{suffix}.parquet" for folder, suffix in DELIVERIES
    }
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(files)
    for table, column in ARRIVAL_COLUMNS.items():
        everything = f"read_parquet('{small_raw}/{table}*.parquet', union_by_name = true)"
        parts = (
            "("
            + " union all ".join(
                f"select * from read_parquet('{path.format(table=table)}')"
                for path in files.values()
            )
            + ")"
        )
        for left, right in ((everything, parts), (parts, everything)):
            missing = duckdb.sql(f"select count(*) from (from {left} except all from {right})")
            assert missing.fetchone()[0] == 0, table
        # each day holds the rows that arrived on it, after the deliveries before it
        for folder, start, end in (("day1", previous, last), ("day", last, None)):
            rows = duckdb.sql(
                f"select count(*) filter (where {column} <= timestamp '{start}'"
                + (f" or {column} > timestamp '{end}'" if end else "")
                + f") from read_parquet('{files[folder].format(table=table)}')"
            ).fetchone()[0]
            assert rows == 0, (table, folder)
    # both days bring new orders
    for folder in ("day1", "day"):
        orders = files[folder].format(table="orders")
        assert duckdb.sql(f"select count(*) from read_parquet('{orders}')").fetchone()[0], folder
