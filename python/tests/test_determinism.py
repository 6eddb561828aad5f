"""Same data, same vars, same seed: a second build from scratch writes identical tables.
(A second build on the same warehouse: test_concurrency.)"""

from __future__ import annotations

import pandas as pd
from dbt_runner import MODELS_AND_SEEDS, run_dbt

# the column that records when a build ran, not what it computed (the registry and
# its mart)
BUILD_TIME_COLUMNS = {
    "segmentation_runs": ["trained_at"],
    "segmentation_model_registry": ["trained_at"],
}
# what on-run-end recorded of the data tests that passed (macros/tests/scoped/):
# a record of which tests a build ran, not of what it computed
TEST_RECORDS = "test_pass_log"
# the batch of the run that wrote a row, in the models whose tests are scoped
WRITE_BATCH = "write_batch"


def tables(
    run, drop_build_time: bool = True, drop_write_batch: bool = False
) -> dict[str, pd.DataFrame]:
    """Every table and view of the warehouse but TEST_RECORDS, rows in a fixed order
    (without the columns that record when a build ran, unless drop_build_time is false,
    and without WRITE_BATCH if drop_write_batch)."""
    with run.connect() as con:
        names = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'main' and table_name != ? order by table_name",
                [TEST_RECORDS],
            ).fetchall()
        ]
        frames = {}
        for name in names:
            dropped = BUILD_TIME_COLUMNS.get(name, []) if drop_build_time else []
            columns = [row[0] for row in con.execute(f"describe main.{name}").fetchall()]
            if drop_write_batch and WRITE_BATCH in columns:
                dropped = [*dropped, WRITE_BATCH]
            excluded = f" exclude ({', '.join(dropped)})" if dropped else ""
            frames[name] = con.execute(f"select *{excluded} from main.{name} order by all").df()
        return frames


def test_a_second_build_from_scratch_writes_identical_tables(small_build, small_raw, tmp_path):
    again = run_dbt(MODELS_AND_SEEDS, tmp_path / "again", {"raw_dir": str(small_raw)})
    assert again.returncode == 0, again.output[-4000:]
    first, second = tables(small_build), tables(again)
    assert sorted(first) == sorted(second)
    assert {"customer_segment_assignments", "segment_personas", "segment_centroids"} <= set(first)
    for name, frame in first.items():
        # exact: floats compared bit for bit, nulls in the same places
        pd.testing.assert_frame_equal(frame, second[name], check_exact=True, obj=name)
