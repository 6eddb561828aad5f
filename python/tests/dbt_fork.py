"""dbt commands forked from a process that has already imported dbt (a fork server).

Every ``dbt`` process spends about 3 s of CPU importing dbt before it reads the
project (3.3 s for ``dbt --version`` here), and the suite runs about a hundred of them
on two cores. Each pytest worker starts one server process that imports it once; a
command is a fork of it that sets its folder, environment and output file, then runs
dbt's command line as the ``dbt`` executable does. It is still a process of its own
(its own session, exit code and PID), so tests that wait for, poll or watch a command
see what they would with ``dbt``.
"""

from __future__ import annotations

import atexit
import json
import subprocess
import sys
import time
from pathlib import Path

_SERVER = r"""
import json, os, signal, sys, traceback

# the module path of the dbt executable: its own folder first, not the current one
# (dbt imports every module named dbt_* that it finds, as a plugin)
sys.path[0] = os.path.dirname(sys.executable)
# dbt only: importing duckdb starts a native thread, and a fork of a process with
# threads inherits their state but not them (the fork then aborted at exit)
from dbt.cli.main import cli
assert len(os.listdir("/proc/self/task")) == 1, "the fork server must have one thread"

# each ended command's exit code (negative: the signal that ended it) goes to its
# status file, written whole, once the process is gone
status_files = {}


def reap(signum, frame):
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        path = status_files.pop(pid)
        with open(path + ".part", "w") as file:
            file.write(str(os.waitstatus_to_exitcode(status)))
        os.replace(path + ".part", path)


signal.signal(signal.SIGCHLD, reap)
for line in sys.stdin:
    request = json.loads(line)
    # no reaping between the fork and the note of the command's status file
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
    pid = os.fork()
    if pid:
        status_files[pid] = request["status"]
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
        sys.stdout.write(f"{pid}\n")
        sys.stdout.flush()
        continue
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
        os.setsid()
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        output = os.open(request["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        sys.argv = ["dbt", *request["args"]]
    except BaseException:
        traceback.print_exc()
        sys.exit(1)
    # dbt's command line ends in SystemExit with its exit code, as the dbt executable
    # does: a normal exit, so DuckDB closes the warehouse (writes its WAL into the
    # file) when the interpreter shuts down, which os._exit would skip
    cli.main(args=request["args"], prog_name="dbt")
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
        if self.returncode is None and self.status.exists():
            # the server writes the exit code once the process is gone
            self.returncode = int(self.status.read_text())
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
