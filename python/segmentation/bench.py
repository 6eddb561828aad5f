"""Benchmark: generate N customers, run the full ``dbt build`` and a hand-written floor
on the same files, and write what it measured.

    python -m segmentation.bench --customers 100000 --out build/bench/100000

(``make bench SCALE=100000``.) Steps, each timed:

1. generate the raw files (about 22 orders per customer) unless ``<out>/raw`` exists, and
   split them into three deliveries: everything loaded before the last two load days,
   the day before the last, and the last day (:func:`split_into_days`);
2. the full ``dbt build`` (models and tests) of the first delivery into a new warehouse
   ``<out>/warehouse.duckdb``: wall time, peak memory of the process tree (dbt runs the
   Python models in its own process; sampled from /proc every 0.2 s: the resident size
   of the lone dbt process, the proportional set sizes when it has children), its
   CPU seconds (user + system of the tree, DuckDB's threads included: over the wall
   time times the cores, how busy the machine was kept), and the time of every model
   and test from dbt's ``run_results.json``,
   summed per layer (staging, intermediate, segmentation, monitoring, marts, tests;
   with 2 threads the sums exceed the wall time) and per kind of node
   (:func:`kind_seconds`: table, incremental and view models, data and unit tests);
3. the daily runs: the day before the last joins the first delivery and ``dbt build``
   runs again on the same warehouse with ``segmentation_retrain: false`` and
   ``prediction_retrain: false`` (incremental models
   redo what the new loads touch; customers are scored with the model the full build
   trained, as a daily job between retrains does); then the last day joins and it runs
   once more. The first daily run after a full build reads some inputs whole (every
   row was written by the build it follows); the second is a day of a scheduled job,
   and its time over the full build's is the incremental ratio;
4. the core path again with dbt: ``dbt run --select +customer_segment_assignments
   --full-refresh`` with k fixed to the k the build chose, so dbt fits one K-Means as the
   floor does, in a warehouse of its own (:func:`run_core_path`; steps 4 and 5 are left
   out with ``--no-core``);
5. the floor (``segmentation.floor``): the same core path by hand, on all the files;
6. rows per table of the warehouse after the full build.

Writes ``<out>/results.json`` and ``<out>/results.md`` and prints the Markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import yaml

from segmentation.floor import run_floor
from segmentation.generate import DEFAULT_END_DATE, generate

PROJECT_DIR = Path(__file__).resolve().parents[2]
LAYERS = ("staging", "intermediate", "segmentation", "monitoring", "prediction", "marts")
RAW_TABLES = ("customers", "orders", "events", "consents", "deletion_requests")
# the column that says when a raw row arrived, per raw table
ARRIVAL_COLUMNS = {
    "customers": "updated_at",
    "orders": "_loaded_at",
    "events": "_loaded_at",
    "consents": "recorded_at",
    "deletion_requests": "requested_at",
}


def last_load_day(raw: Path, before: str | None = None) -> str:
    """The start (``YYYY-MM-DD 00:00:00``) of the last day on which orders were loaded
    (before the time ``before``, when given)."""
    where = "" if before is None else f" where _loaded_at < timestamp '{before}'"
    day = duckdb.sql(
        f"select cast(max(_loaded_at) as date) from read_parquet('{raw}/orders*.parquet'){where}"
    ).fetchone()[0]
    return f"{day} 00:00:00"


def split_deliveries(
    raw: Path, first: Path, later: Path, cutoff: str, suffixes: tuple[str, str] = ("", "_2")
) -> None:
    """Split the raw files into two deliveries by arrival time: rows that arrived up to
    ``cutoff`` (or have no arrival time) go to ``first/<table><suffixes[0]>.parquet``,
    the rest to ``later/<table><suffixes[1]>.parquet``; together they hold every raw
    row once."""
    first.mkdir(parents=True, exist_ok=True)
    later.mkdir(parents=True, exist_ok=True)
    early_suffix, late_suffix = suffixes
    for table, column in ARRIVAL_COLUMNS.items():
        scan = f"read_parquet('{raw}/{table}*.parquet', union_by_name = true)"
        early = f"{column} is null or {column} <= timestamp '{cutoff}'"
        duckdb.sql(
            f"copy (select * from {scan} where {early}) to '{first}/{table}{early_suffix}.parquet'"
        )
        duckdb.sql(
            f"copy (select * from {scan} where not ({early})) "
            f"to '{later}/{table}{late_suffix}.parquet'"
        )


# the deliveries of the bench (split_into_days): folder, and suffix of its file names
DELIVERIES = (("first", ""), ("day1", "_2"), ("day", "_3"))


def split_into_days(raw: Path, deliveries: Path) -> tuple[str, str]:
    """Split the raw files into the three deliveries of DELIVERIES: everything that
    arrived up to the start of the day before the last load day, that day, and the last
    day. Returns the two cutoffs (the starts of those days)."""
    last = last_load_day(raw)
    previous = last_load_day(raw, before=last)
    rest = deliveries / "rest"
    split_deliveries(raw, deliveries / "first", rest, previous)
    split_deliveries(rest, deliveries / "day1", deliveries / "day", last, ("_2", "_3"))
    shutil.rmtree(rest)
    return previous, last


@dataclass
class CommandRun:
    """One timed command: exit code, wall seconds, peak memory of its process tree
    (``_tree_memory_bytes``), the samples behind the peak (epoch seconds, bytes), and
    the CPU seconds (user + system) of the tree, DuckDB's threads included."""

    returncode: int
    seconds: float
    peak_memory_bytes: int
    log: str
    samples: list[tuple[float, int]] = field(default_factory=list, repr=False)
    cpu_seconds: float = 0.0

    def cpu_share(self, cores: int) -> float:
        """CPU seconds over what ``cores`` cores offer in the wall time: near 1, the
        command kept every core busy, and only less work (not more threads or another
        order of the nodes) makes it faster."""
        return self.cpu_seconds / (self.seconds * cores) if self.seconds > 0 else 0.0


def _children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (from /proc/<pid>/task/*/children)."""
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                kids = (task / "children").read_text().split()
            except OSError:
                continue
            for kid in kids:
                found.append(int(kid))
                stack.append(int(kid))
    return found


def _memory_bytes(pid: int) -> int:
    """Proportional set size of ``pid``: its private pages plus its share of the pages
    it shares with other processes. Summed over a process tree it counts a shared page
    once, where resident sizes count it in every process mapping it: a child forked by
    a 4 GB process (scikit-learn's K-Means runs `lscpu` to count cores) shows the
    parent's 4 GB as its own resident size until it calls exec. Falls back to the
    resident size where the kernel has no smaps_rollup."""
    for path, field_name in (("smaps_rollup", "Pss:"), ("status", "VmRSS:")):
        try:
            text = Path(f"/proc/{pid}/{path}").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith(field_name):
                return int(line.split()[1]) * 1024
    return 0


def _resident_bytes(pid: int) -> int:
    """Resident size of ``pid`` from /proc/<pid>/statm (0 once it has exited)."""
    try:
        resident_pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


def _tree_memory_bytes(tree: list[int]) -> int:
    """Memory of a process tree: the resident size of a lone process, the sum of the
    proportional set sizes (``_memory_bytes``) when there are several, as after a fork.
    A lone process shares no pages with the rest of the tree, so its resident size is
    its share; and reading smaps_rollup walks the process's page tables: at every
    sample (0.2 s) of a 4 GB process it took 56 ms and slowed a DuckDB query running in
    that process by 14% (18.8 s to 21.5 s, base_raw__orders' compiled query at 1M)."""
    if len(tree) == 1:
        return _resident_bytes(tree[0])
    return sum(_memory_bytes(pid) for pid in tree)


def _children_cpu_seconds() -> float:
    """User + system seconds of this process's terminated, waited-for children (each
    with its own waited-for descendants)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_measured(command: list[str], env: dict[str, str], log: Path) -> CommandRun:
    """Run ``command``, sampling the memory of its process tree every 0.2 s
    (``_tree_memory_bytes``), and count the
    tree's CPU seconds (the growth of this process's children's usage: the bench runs
    one command at a time)."""
    peak = 0
    samples: list[tuple[float, int]] = []
    cpu_before = _children_cpu_seconds()
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                memory = _tree_memory_bytes([process.pid, *_children(process.pid)])
                samples.append((time.time(), memory))
                peak = max(peak, memory)
                done.wait(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        returncode = process.wait()
        done.set()
        sampler.join()
    seconds = time.perf_counter() - started
    cpu_seconds = _children_cpu_seconds() - cpu_before
    return CommandRun(returncode, seconds, peak, str(log), samples, cpu_seconds)


@dataclass
class NodeTime:
    """One node of a dbt run: what it is, its layer, how long it ran and when."""

    name: str
    resource_type: str
    layer: str
    seconds: float
    status: str
    started: float | None = None
    completed: float | None = None
    # what the node does: "<materialization> models", "data tests", "unit tests", ...
    kind: str = ""

    def peak_memory_bytes(self, samples: list[tuple[float, int]]) -> int:
        """The highest process-tree memory sampled while the node ran (other nodes of
        the same moment, with 2 threads, count too); 0 without a window."""
        if self.started is None or self.completed is None:
            return 0
        inside = [memory for at, memory in samples if self.started <= at <= self.completed + 0.2]
        return max(inside, default=0)


def _execute_window(result: dict) -> tuple[float | None, float | None]:
    for step in result.get("timing", []):
        if step.get("name") == "execute" and step.get("started_at") and step.get("completed_at"):
            return (
                datetime.fromisoformat(step["started_at"].replace("Z", "+00:00")).timestamp(),
                datetime.fromisoformat(step["completed_at"].replace("Z", "+00:00")).timestamp(),
            )
    return None, None


def node_times(target: Path) -> list[NodeTime]:
    """Time of every model, test and seed of the last dbt command in ``target``."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    manifest = json.loads((target / "manifest.json").read_text())
    nodes = {**manifest["nodes"], **manifest.get("unit_tests", {})}
    times = []
    for result in results:
        node = nodes.get(result["unique_id"], {})
        resource_type = node.get("resource_type", result["unique_id"].split(".")[0])
        if resource_type == "model":
            folder = node["fqn"][1] if len(node.get("fqn", [])) > 2 else "models"
            layer = folder if folder in LAYERS else "other models"
            kind = node.get("config", {}).get("materialized", "other") + " models"
        elif resource_type in ("test", "unit_test"):
            layer = "tests"
            kind = "data tests" if resource_type == "test" else "unit tests"
        else:
            layer = kind = resource_type + "s"
        started, completed = _execute_window(result)
        times.append(
            NodeTime(
                name=node.get("name", result["unique_id"]),
                resource_type=resource_type,
                layer=layer,
                seconds=float(result["execution_time"]),
                status=str(result["status"]),
                started=started,
                completed=completed,
                kind=kind,
            )
        )
    return times


def table_rows(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'main' and table_type = 'BASE TABLE' order by 1"
            ).fetchall()
        ]
        return {
            name: con.execute(f"select count(*) from main.{name}").fetchone()[0] for name in names
        }


@dataclass
class BenchResult:
    customers: int
    raw_rows: dict[str, int]
    generate_seconds: float | None
    build: CommandRun
    build_layers: dict[str, float]
    build_kinds: dict[str, tuple[int, float]]
    slowest_models: list[tuple[str, float]]
    largest_models: list[tuple[str, int]]
    # what failed in the build (status error); empty when it passed
    failed_nodes: list[str]
    # the core path and the floor run only after a build that passed
    core_path: CommandRun | None
    chosen_k: int | None
    floor: dict[str, float] | None
    core_to_floor_ratio: float | None
    rows: dict[str, int] = field(default_factory=dict)
    # the first daily run after the full build, of the day before the last (None when
    # the full build failed or without daily runs)
    first_daily_cutoff: str | None = None
    first_daily: CommandRun | None = None
    # the daily run after appending the last day (None when an earlier run failed)
    daily_cutoff: str | None = None
    daily: CommandRun | None = None
    daily_slowest: list[tuple[str, float]] = field(default_factory=list)
    daily_layers: dict[str, float] = field(default_factory=dict)
    daily_kinds: dict[str, tuple[int, float]] = field(default_factory=dict)
    daily_ratio: float | None = None
    # the var customer_buckets of every dbt run (1: one query per model)
    customer_buckets: int = 1
    # seconds of the untimed `dbt parse` before each timed dbt command (warm_parse)
    parse_seconds: dict[str, float] = field(default_factory=dict)
    # the cores this process may run on (the CPU column's denominator)
    cores: int = field(default_factory=lambda: len(os.sched_getaffinity(0)))


def _dbt(args: list[str], out: Path, name: str, vars_: dict) -> list[str]:
    dbt = str(Path(sys.executable).parent / "dbt")
    return [
        dbt,
        *args,
        "--target-path",
        str(out / f"target-{name}"),
        "--log-path",
        str(out / f"logs-{name}"),
        "--vars",
        json.dumps(vars_),
    ]


def warm_parse(out: Path, name: str, vars_: dict, env: dict[str, str]) -> float:
    """Run ``dbt parse`` (untimed by the bench) into the target folder of the timed
    command ``name``, with its vars, and return its seconds: the timed command then
    starts from that parse (dbt's partial parsing), as a job that runs the same
    command every day starts from the parse of the day before. A cold parse of the
    project took 10 to 13 s of every timed command before."""
    started = time.perf_counter()
    with (out / f"parse-{name}.log").open("w") as log:
        subprocess.run(
            _dbt(["parse"], out, name, vars_),
            cwd=PROJECT_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    return time.perf_counter() - started


def slowest_models(times: list[NodeTime]) -> list[tuple[str, float]]:
    """(model, seconds) of every model in ``times``, the slowest first."""
    return sorted(
        ((n.name, n.seconds) for n in times if n.resource_type == "model"), key=lambda x: -x[1]
    )


def kind_seconds(times: list[NodeTime]) -> dict[str, tuple[int, float]]:
    """(nodes, seconds) per kind of node (table models, incremental models, data
    tests, ...): what a daily build redoes in full, and what it does incrementally."""
    kinds: dict[str, tuple[int, float]] = {}
    for node in times:
        count, seconds = kinds.get(node.kind, (0, 0.0))
        kinds[node.kind] = (count + 1, seconds + node.seconds)
    return kinds


def layer_seconds(times: list[NodeTime]) -> dict[str, float]:
    """Seconds per layer: the sum of the node times in each."""
    layers: dict[str, float] = {}
    for node in times:
        layers[node.layer] = layers.get(node.layer, 0.0) + node.seconds
    return layers


def _daily_runs(
    result: BenchResult,
    out: Path,
    served: Path,
    deliveries: Path,
    env: dict,
    vars_: dict,
    cutoffs: tuple[str, str],
) -> bool:
    """Add the day before the last to the served folder and time ``dbt build`` on the
    same warehouse (the first daily run), then the same with the last day (the daily
    run); record both in ``result``. True when both passed."""
    daily_vars = {**vars_, "segmentation_retrain": False, "prediction_retrain": False}
    runs = {}
    for (folder, _), name in zip(DELIVERIES[1:], ("daily1", "daily"), strict=True):
        for path in sorted((deliveries / folder).glob("*.parquet")):
            (served / path.name).symlink_to(path.resolve())
        result.parse_seconds[name] = warm_parse(out, name, daily_vars, env)
        runs[name] = run_measured(_dbt(["build"], out, name, daily_vars), env, out / f"{name}.log")
        if name == "daily1":
            result.first_daily_cutoff = cutoffs[0]
            result.first_daily = runs[name]
            if runs[name].returncode != 0:
                return False
    run = runs["daily"]
    result.daily_cutoff = cutoffs[1]
    result.daily = run
    times = node_times(out / "target-daily")
    result.daily_slowest = slowest_models(times)[:10]
    result.daily_layers = layer_seconds(times)
    result.daily_kinds = kind_seconds(times)
    result.daily_ratio = run.seconds / result.build.seconds
    return run.returncode == 0


def run_core_path(
    out: Path, env: dict[str, str], vars_: dict, parse_seconds: dict[str, float] | None = None
) -> CommandRun:
    """Time ``dbt run --select +customer_segment_assignments --full-refresh`` in a
    warehouse of its own, ``<out>/core.duckdb``, loaded with the seeds first (untimed),
    after an untimed parse (warm_parse; its seconds go to ``parse_seconds["core"]``).

    Not in the build's warehouse: the full refresh would replace ``segmentation_k_metrics``
    and ``segment_centroids`` and forget their model versions, while
    ``segmentation_model_registry`` and the other histories downstream keep theirs, so
    the next ``dbt build`` there would fail its relationships tests."""
    warehouse = out / "core.duckdb"
    warehouse.unlink(missing_ok=True)
    env = {**env, "SEGMENTATION_DUCKDB_PATH": str(warehouse)}
    log = out / "core.log"
    seeded = run_measured(_dbt(["seed"], out, "core-seed", vars_), env, out / "core-seed.log")
    if seeded.returncode != 0:
        return seeded
    parsed = warm_parse(out, "core", vars_, env)
    if parse_seconds is not None:
        parse_seconds["core"] = parsed
    return run_measured(
        _dbt(
            ["run", "--select", "+customer_segment_assignments", "--full-refresh"],
            out,
            "core",
            vars_,
        ),
        env,
        log,
    )


def bench(
    customers: int,
    out: Path,
    seed: int,
    daily: bool = True,
    core: bool = True,
    customer_buckets: int = 1,
) -> BenchResult:
    out.mkdir(parents=True, exist_ok=True)
    raw = out / "raw"
    generate_seconds = None
    if not raw.is_dir():
        started = time.perf_counter()
        generate(customers, seed, raw, out / "truth", DEFAULT_END_DATE, "parquet")
        generate_seconds = time.perf_counter() - started
    raw_rows = {
        table: duckdb.sql(
            f"select count(*) from read_parquet('{raw}/{table}*.parquet')"
        ).fetchone()[0]
        for table in RAW_TABLES
    }
    deliveries = out / "deliveries"
    cutoffs = (last_load_day(raw, before=last_load_day(raw)), last_load_day(raw))
    if daily and not (deliveries / "day" / "orders_3.parquet").is_file():
        shutil.rmtree(deliveries, ignore_errors=True)
        split_into_days(raw, deliveries)
    # the folder the builds read: the first delivery now, the last days added later
    # (without the daily run: the raw files, which saves a copy of them on disk)
    served = out / "raw_served"
    shutil.rmtree(served, ignore_errors=True)
    served.mkdir()
    for path in sorted((deliveries / "first" if daily else raw).glob("*.parquet")):
        (served / path.name).symlink_to(path.resolve())
    warehouse = out / "warehouse.duckdb"
    warehouse.unlink(missing_ok=True)
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "SEGMENTATION_DUCKDB_PATH": str(warehouse),
    }
    vars_ = {"raw_dir": str(served), "customer_buckets": customer_buckets}
    parsed = warm_parse(out, "build", vars_, env)
    build = run_measured(_dbt(["build"], out, "build", vars_), env, out / "build.log")
    times = node_times(out / "target-build")
    failed = [n.name for n in times if n.status in ("error", "fail")]
    layers = layer_seconds(times)
    models = slowest_models(times)
    largest = sorted(
        ((n.name, n.peak_memory_bytes(build.samples)) for n in times if n.resource_type == "model"),
        key=lambda x: -x[1],
    )
    rows = table_rows(warehouse)
    result = BenchResult(
        customers=customers,
        raw_rows=raw_rows,
        generate_seconds=generate_seconds,
        build=build,
        build_layers=layers,
        build_kinds=kind_seconds(times),
        slowest_models=models[:15],
        largest_models=largest[:10],
        failed_nodes=failed,
        core_path=None,
        chosen_k=None,
        floor=None,
        core_to_floor_ratio=None,
        rows=rows,
        customer_buckets=customer_buckets,
        parse_seconds={"build": parsed},
    )
    if build.returncode != 0:
        return result
    if daily and not _daily_runs(result, out, served, deliveries, env, vars_, cutoffs):
        return result
    if not core:
        return result
    with duckdb.connect(str(warehouse), read_only=True) as con:
        chosen_k = con.execute(
            "select k from segmentation_runs order by version_number desc"
        ).fetchone()[0]

    core = run_core_path(out, env, {**vars_, "segmentation_k": int(chosen_k)}, result.parse_seconds)
    result.core_path = core
    if core.returncode != 0:
        return result
    floor = run_floor(
        served, PROJECT_DIR / "seeds" / "currency_rates.csv", int(chosen_k), 42, 50_000
    )
    result.chosen_k = int(chosen_k)
    result.floor = {**asdict(floor), "total_seconds": floor.total_seconds}
    result.core_to_floor_ratio = core.seconds / floor.total_seconds
    return result


def _gb(value: int) -> str:
    return f"{value / 1e9:.2f} GB"


def _cpu(run: CommandRun, cores: int) -> str:
    """CPU seconds of a command and their share of what its cores offered."""
    return f"{run.cpu_seconds:.0f} s ({run.cpu_share(cores):.0%} of {cores} cores)"


def kinds_table(result: BenchResult) -> list[str]:
    """Markdown lines: nodes and node time per kind, full build and daily build side by
    side (what the daily build redoes in full against what it does incrementally)."""
    kinds = sorted(
        {*result.build_kinds, *result.daily_kinds},
        key=lambda kind: -result.build_kinds.get(kind, (0, 0.0))[1],
    )

    def cell(kinds_of: dict[str, tuple[int, float]], kind: str) -> str:
        count, seconds = kinds_of.get(kind, (0, 0.0))
        return f"{count} | {seconds:.1f} s"

    daily = bool(result.daily_kinds)
    header = "| kind | full build: nodes | node time |" + (
        " daily build: nodes | node time |" if daily else ""
    )
    return [
        "Node time by kind of node (sum over the threads):",
        "",
        header,
        "|---|---|---|" + ("---|---|" if daily else ""),
        *(
            f"| {kind} | {cell(result.build_kinds, kind)} |"
            + (f" {cell(result.daily_kinds, kind)} |" if daily else "")
            for kind in kinds
        ),
        "",
    ]


def markdown(result: BenchResult) -> str:
    lines = [
        f"# Benchmark: {result.customers:,} customers",
        "",
        "raw rows: " + ", ".join(f"{t} {n:,}" for t, n in result.raw_rows.items()),
        "",
        f"customer_buckets: {result.customer_buckets}",
        "",
        *(
            [
                "Each timed dbt command starts from a parse of the project made just before "
                "it by an untimed `dbt parse` with the same vars (a job that runs the same "
                "command every day starts from the day before's): "
                + ", ".join(
                    f"{name} {seconds:.1f} s" for name, seconds in result.parse_seconds.items()
                )
                + ".",
                "",
            ]
            if result.parse_seconds
            else []
        ),
        "| step | wall time | peak memory (process tree) | CPU (process tree) |",
        "|---|---|---|---|",
    ]
    if result.generate_seconds is not None:
        lines.append(f"| generate raw files | {result.generate_seconds:.1f} s | | |")
    outcome = (
        "" if result.build.returncode == 0 else f" **FAILED (exit {result.build.returncode})**"
    )
    lines.append(
        f"| full dbt build (models + tests){outcome} | {result.build.seconds:.1f} s | "
        f"{_gb(result.build.peak_memory_bytes)} | {_cpu(result.build, result.cores)} |"
    )
    for run, what in (
        (
            result.first_daily,
            f"first daily dbt build, loads of the day from {result.first_daily_cutoff}",
        ),
        (
            result.daily,
            f"daily dbt build (the second), loads of the day from {result.daily_cutoff}",
        ),
    ):
        if run is None:
            continue
        failed = "" if run.returncode == 0 else f" **FAILED (exit {run.returncode})**"
        lines.append(
            f"| {what}{failed} | {run.seconds:.1f} s "
            f"({run.seconds / result.build.seconds:.0%} of the full build) | "
            f"{_gb(run.peak_memory_bytes)} | {_cpu(run, result.cores)} |"
        )
    if result.core_path is not None and result.floor is not None:
        floor = result.floor
        lines += [
            f"| dbt core path (+customer_segment_assignments, k = {result.chosen_k}) | "
            f"{result.core_path.seconds:.1f} s | {_gb(result.core_path.peak_memory_bytes)} | "
            f"{_cpu(result.core_path, result.cores)} |",
            f"| hand-written floor (same core path) | {floor['total_seconds']:.1f} s | | |",
            "",
            f"core path / floor: **{result.core_to_floor_ratio:.2f}x** (floor: features "
            f"{floor['features_seconds']:.1f} s, scaling {floor['scaling_seconds']:.1f} s, "
            f"K-Means {floor['kmeans_seconds']:.1f} s, {floor['customers']:,} customers)",
        ]
    elif result.core_path is not None:
        lines += [
            "",
            f"The dbt core path failed (exit {result.core_path.returncode}), "
            f"see {result.core_path.log}.",
        ]
    elif result.build.returncode != 0:
        lines += [
            "",
            f"The build failed in: {', '.join(result.failed_nodes) or 'see the log'} "
            f"({result.build.log}); the core path and the floor were not run.",
        ]
    elif any(run is not None and run.returncode != 0 for run in (result.first_daily, result.daily)):
        failed = next(
            run for run in (result.first_daily, result.daily) if run and run.returncode != 0
        )
        lines += [
            "",
            f"The daily build failed ({failed.log}); the core path and the floor were not run.",
        ]
    else:
        lines += ["", "The core path and the floor were not run (--no-core)."]
    lines += [
        "",
        "Time per layer of the full build (sum of node times; 2 threads run in parallel):",
        "",
        "| layer | seconds |",
        "|---|---|",
        *(
            f"| {layer} | {seconds:.1f} |"
            for layer, seconds in sorted(result.build_layers.items(), key=lambda kv: -kv[1])
        ),
        "",
        *kinds_table(result),
        "Slowest models:",
        "",
        "| model | seconds |",
        "|---|---|",
        *(f"| {name} | {seconds:.1f} |" for name, seconds in result.slowest_models),
        "",
        "Models during which the process tree's memory peaked (with 2 threads, the",
        "model running next to it shares the figure):",
        "",
        "| model | peak memory while it ran |",
        "|---|---|",
        *(f"| {name} | {_gb(peak)} |" for name, peak in result.largest_models),
        "",
        *(
            [
                "Daily build (the second), time per layer (sum of node times):",
                "",
                "| layer | seconds |",
                "|---|---|",
                *(
                    f"| {layer} | {seconds:.1f} |"
                    for layer, seconds in sorted(result.daily_layers.items(), key=lambda kv: -kv[1])
                ),
                "",
                "Slowest models of the daily build (the second):",
                "",
                "| model | seconds |",
                "|---|---|",
                *(f"| {name} | {seconds:.1f} |" for name, seconds in result.daily_slowest),
                "",
            ]
            if result.daily_slowest
            else []
        ),
        "Rows per table (after the full build):",
        "",
        "| table | rows |",
        "|---|---|",
        *(f"| {name} | {rows:,} |" for name, rows in result.rows.items()),
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True, help="folder for data and results")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated data")
    parser.add_argument(
        "--no-core",
        action="store_true",
        help="stop after the full build (and the daily run): no core path, no floor",
    )
    parser.add_argument(
        "--no-daily",
        action="store_true",
        help="skip the daily runs (and the copy of the raw files they need; for very large N)",
    )
    parser.add_argument(
        "--customer-buckets",
        type=int,
        default=None,
        help="var customer_buckets of every run (default: dbt_project.yml's): build the "
        "per-customer aggregations in "
        "this many parts (for very large N)",
    )
    args = parser.parse_args(argv)
    # dbt runs in the project folder: a relative --out would name another folder there
    args.out = args.out.resolve()
    if args.customer_buckets is None:
        args.customer_buckets = project_customer_buckets()
    result = bench(
        args.customers,
        args.out,
        args.seed,
        daily=not args.no_daily,
        core=not args.no_core,
        customer_buckets=args.customer_buckets,
    )
    (args.out / "results.json").write_text(json.dumps(asdict(result), indent=2, default=str))
    text = markdown(result)
    (args.out / "results.md").write_text(text)
    print(text)
    # the figures are written either way; a failed step fails the command
    return exit_code(result, core=not args.no_core)


def project_customer_buckets() -> int:
    """The default of the var customer_buckets in dbt_project.yml."""
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    return int(project["vars"]["customer_buckets"])


def exit_code(result: BenchResult, core: bool) -> int:
    """0 when every step that was asked for ran and passed."""
    runs = [result.build, result.first_daily, result.daily, result.core_path]
    if any(run is not None and run.returncode != 0 for run in runs):
        return 1
    return 1 if core and result.core_path is None else 0


if __name__ == "__main__":
    sys.exit(main())
