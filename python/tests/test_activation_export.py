"""The activation export: every row of the marts, in the documented shapes."""

from __future__ import annotations

import json

import duckdb
import pytest
from segmentation.activation_export import ExportError, export_activation, main


@pytest.fixture(scope="module")
def exported(small_build, tmp_path_factory):
    out = tmp_path_factory.mktemp("activation_export")
    return out, export_activation(small_build.warehouse, out)


def test_profiles_ndjson_has_the_profile_shape_and_every_customer(small_build, exported) -> None:
    out, files = exported
    with small_build.connect() as con:
        mart = con.execute(
            "select customer_id, segments, last_updated from customer_profiles order by 1"
        ).df()
    lines = (out / "customer_profiles.ndjson").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == len(mart) > 0
    assert all(list(record) == ["customer_id", "segments", "last_updated"] for record in records)
    assert [r["customer_id"] for r in records] == mart["customer_id"].tolist()
    assert [r["segments"] for r in records] == [list(s) for s in mart["segments"]]
    expected_times = mart["last_updated"].dt.strftime("%Y-%m-%dT%H:%M:%SZ").tolist()
    assert [r["last_updated"] for r in records] == expected_times
    rows = {f.path.name: f.rows for f in files}
    assert rows["customer_profiles.ndjson"] == len(mart)


def test_parquet_files_equal_the_marts(small_build, exported) -> None:
    """Same columns and types, same rows (both ways), in customer_id order."""
    out, _ = exported
    with small_build.connect() as con:
        for mart in ["customer_profiles", "customer_next_best_action"]:
            parquet = f"read_parquet('{out / f'{mart}.parquet'}')"
            # names and types (the table's not-null and key constraints do not travel)
            described = [
                [row[:2] for row in con.execute(f"describe {relation}").fetchall()]
                for relation in [f"select * from {parquet}", mart]
            ]
            assert described[0] == described[1], mart
            for left, right in [(mart, parquet), (parquet, mart)]:
                missing = con.execute(
                    f"select count(*) from (select * from {left} except all select * from {right})"
                ).fetchone()[0]
                assert missing == 0, (mart, left)
            ids = con.execute(f"select customer_id from {parquet}").df()["customer_id"]
            assert ids.tolist() == sorted(ids.tolist()) and len(ids) > 0, mart


def test_next_best_action_ndjson_has_one_action_per_customer(small_build, exported) -> None:
    out, _ = exported
    records = [
        json.loads(line)
        for line in (out / "customer_next_best_action.ndjson").read_text().splitlines()
    ]
    with small_build.connect() as con:
        expected = con.execute(
            "select customer_id, next_best_action from customer_next_best_action order by 1"
        ).df()
    assert [(r["customer_id"], r["next_best_action"]) for r in records] == list(
        expected.itertuples(index=False, name=None)
    )
    assert not list((out).glob(".*partial"))


def test_a_missing_warehouse_or_mart_says_what_to_do(tmp_path, capsys) -> None:
    with pytest.raises(ExportError, match="no warehouse file"):
        export_activation(tmp_path / "nowhere.duckdb", tmp_path / "out")

    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    assert main(["--warehouse", str(empty), "--out", str(tmp_path / "out")]) == 2
    assert "has no table customer_profiles" in capsys.readouterr().err
