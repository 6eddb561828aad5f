"""Run a dbt command on a copy of the DuckDB warehouse and publish the copy only when the
command succeeds, so an interrupted or failed build never leaves the marts half new.

    python -m segmentation.atomic_build build --vars '{raw_dir: data/raw}'

(what ``make build`` and ``make demo`` run). The warehouse is the file named by
SEGMENTATION_DUCKDB_PATH (default ``segmentation.duckdb``):

1. a lock file ``<warehouse>.build.lock`` (an flock) admits one build at a time: a second one stops
   at once with a message naming the running build's process;
2. the warehouse (with its write-ahead log, if a writer died) is copied to
   ``<warehouse>.next``, and dbt runs with SEGMENTATION_DUCKDB_PATH pointing there;
3. when dbt exits 0 (warnings allowed), the copy replaces the warehouse in one rename:
   readers see the old tables or the new ones, never a mix, and a reader that has the
   old file open keeps reading it. Otherwise the warehouse is left as it was, and the
   copy is kept for inspection until the next build.

A build killed at any point (even with SIGKILL) leaves the published warehouse as it
was before the build; the next build starts again from it. The price is a copy of the
warehouse per build (time and disk: twice the file). Plain ``dbt build`` still works on
the warehouse in place, without these guarantees.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

LOCKED_EXIT = 75  # EX_TEMPFAIL: try again later


def _dbt() -> str:
    """The dbt next to this Python (the project's virtualenv), else the one on PATH."""
    local = Path(sys.executable).parent / "dbt"
    return str(local) if local.exists() else "dbt"


def _copy_with_log(source: Path, target: Path) -> None:
    """Copy a DuckDB file and its write-ahead log (present after a writer died)."""
    for stale in (target, target.with_name(target.name + ".wal")):
        stale.unlink(missing_ok=True)
    if source.exists():
        shutil.copyfile(source, target)
        wal = source.with_name(source.name + ".wal")
        if wal.exists():
            shutil.copyfile(wal, target.with_name(target.name + ".wal"))


def atomic_build(dbt_args: list[str], warehouse: Path) -> int:
    """Run ``dbt <dbt_args>`` on a copy of ``warehouse``; publish it on success.

    Returns dbt's exit code, or LOCKED_EXIT when another build holds the warehouse.
    """
    # next to the file itself (a link to it shares its lock)
    real = warehouse.resolve()
    lock_path = real.with_name(real.name + ".build.lock")
    lock = lock_path.open("a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        holder = lock.read().strip() or "unknown"
        print(
            f"Another build of {warehouse} is running (process {holder}); this one stopped "
            "before doing anything. Wait for it to finish, then run this one again.",
            file=sys.stderr,
        )
        return LOCKED_EXIT
    lock.seek(0)
    lock.truncate()
    lock.write(str(os.getpid()))
    lock.flush()

    if warehouse.exists():
        # a writer working on the file in place (plain dbt) would make the copy torn;
        # readers are fine (they change nothing)
        try:
            duckdb.connect(str(warehouse), read_only=True).close()
        except duckdb.IOException as error:
            print(
                f"{warehouse} is being written by another process; this build stopped "
                f"before doing anything. DuckDB said: {str(error).split('. See')[0]}.",
                file=sys.stderr,
            )
            return LOCKED_EXIT
    following = warehouse.with_name(warehouse.name + ".next")
    _copy_with_log(warehouse, following)
    env = {**os.environ, "SEGMENTATION_DUCKDB_PATH": str(following)}
    code = subprocess.run([_dbt(), *dbt_args], env=env, check=False).returncode
    if code != 0:
        print(
            f"dbt exited with {code}: {warehouse} is unchanged; the attempted build is "
            f"kept in {following} until the next build.",
            file=sys.stderr,
        )
        return code
    # the copy was closed cleanly by dbt (no log of its own); a log left next to the
    # published file by a writer that died was copied and applied, so it goes first
    warehouse.with_name(warehouse.name + ".wal").unlink(missing_ok=True)
    os.replace(following, warehouse)
    print(f"Published the build to {warehouse}.")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if args else 2
    warehouse = Path(os.environ.get("SEGMENTATION_DUCKDB_PATH", "segmentation.duckdb"))
    return atomic_build(args, warehouse)


if __name__ == "__main__":
    sys.exit(main())
