"""A dbt-duckdb plugin: a dbt command on a warehouse file that another process holds
stops with one clear message instead of DuckDB's lock error and three tracebacks.

DuckDB allows one process to write a database file, and no other process to read it
meanwhile. dbt-duckdb opens the file when the first model or hook runs; when the file is
locked, its error handler tries to roll back on the same broken connection and dbt ends
with chained Python tracebacks. This plugin tries the file first, just before dbt-duckdb
connects, and raises a RuntimeError naming the file, the holder's process id and what
to do, which dbt-duckdb turns into a plain "Failed to connect" error. The build fails
fast (before any model runs) rather than waiting: a second scheduled build should not
queue behind the first. profiles.yml enables it on the DuckDB target:

    plugins:
      - module: segmentation.warehouse_lock
"""

from __future__ import annotations

from typing import Any

import duckdb
from dbt.adapters.duckdb.plugins import BasePlugin

IN_MEMORY = ("", ":memory:")


def lock_problem(path: str) -> str | None:
    """Why the warehouse at ``path`` cannot be opened for writing now, or None."""
    if path in IN_MEMORY or path.startswith((":memory:", "md:", "motherduck:")):
        return None
    try:
        duckdb.connect(path, read_only=False).close()
    except duckdb.IOException as error:
        if "lock" not in str(error).lower():
            raise
        return (
            f"The warehouse {path} is in use by another process, so this dbt command "
            f"stopped before running anything. DuckDB said: {str(error).split('. See')[0]}. "
            "DuckDB lets one process write a file and no other read it meanwhile: wait for "
            "the other dbt command to finish or close the reader (a BI tool, a notebook), "
            "then run this one again; or point SEGMENTATION_DUCKDB_PATH at another file."
        )
    return None


class Plugin(BasePlugin):
    """Checks the warehouse file's lock before dbt-duckdb connects to it."""

    def update_connection_config(self, creds: Any, config: dict[str, Any]) -> None:
        problem = lock_problem(str(creds.path))
        if problem:
            raise RuntimeError(problem)
