"""dbt commands forked from a process that has already imported dbt (a fork server).

Every ``dbt`` process spends about 3 s of CPU importing dbt and its DuckDB adapter
before it reads the project (3.3 s for ``dbt --version`` here), and the suite runs
about a hundred of them on two cores. Each pytest worker starts one server process
that imports them once; a command is a fork of it that sets its folder, environment
and output file, then runs dbt's command line as the ``dbt`` executable does. It is
still a process of its own (its own session, exit code and PID), so tests that wait
for, poll or watch a command see what they would with ``dbt``.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import time
from pathlib import Path

_SERVER = r"""
import json, os, signal, sys, traceback
from dbt.cli.main import cli
import dbt.adapters.duckdb  # noqa: F401

# the kernel reaps the commands: a command that ended is gone, not a zombie
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
for line in sys.stdin:
    request = json.loads(line)
    pid = os.fork()
    if pid:
        sys.stdout.write(f"{pid}\n")
        sys.stdout.flush()
        continue
    code = 1
    try:
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        output = os.open(request["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        sys.argv = ["dbt", *request["args"]]
        try:
            cli.main(args=request["args"], prog_name="dbt")
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        with open(request["status"], "w") as status:
            status.write(str(code))
    # a normal exit, as dbt's own: DuckDB closes the warehouse (writes its WAL into the
    # file) only when the interpreter shuts down, which os._exit would skip
    sys.exit(code)
"""

_server: subprocess.Popen | None = None


def _stop_server() -> None:
    if _server and _server.poll() is None:
        _server.stdin.close()
        _server.wait()


class ForkedDbt:
    """A dbt command forked from the server, with the part of subprocess.Popen's
    interface the tests use: pid, poll(), wait(), returncode."""

    def __init__(self, pid: int, status: Path) -> None:
        self.pid = pid
        self.status = status
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                # ended: its exit code, written just before it exited (none: killed)
                text = self.status.read_text() if self.status.exists() else ""
                self.returncode = int(text) if text else -1
        return self.returncode

    def wait(self) -> int:
        while self.poll() is None:
            time.sleep(0.05)
        return self.returncode


def fork_dbt(args: list[str], cwd: Path, env: dict[str, str], output: Path) -> ForkedDbt:
    """Run ``dbt <args>`` in ``cwd`` with ``env``, its output (stdout and stderr) in
    ``output``; the server is started on first use."""
    global _server
    if _server is None or _server.poll() is not None:
        _server = subprocess.Popen(
            [sys.executable, "-c", _SERVER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        atexit.register(_stop_server)
    status = cwd / "dbt_exit_code"
    status.unlink(missing_ok=True)
    request = {
        "args": args,
        "cwd": str(cwd),
        "env": env,
        "output": str(output),
        "status": str(status),
    }
    _server.stdin.write(json.dumps(request) + "\n")
    _server.stdin.flush()
    line = _server.stdout.readline()
    assert line, "the dbt fork server stopped"
    return ForkedDbt(int(line), status)
