"""End to end: ``dbt build`` on a small generated data set, checked against
computations made here, independently, from the raw files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dbt_runner import SMALL_CUSTOMERS, copy_of_warehouse, generate_small, run_dbt
from segmentation import contract

# dedup key of each raw table, as the staging layer documents it
RAW_KEYS = {
    "customers": ["customer_id"],
    "orders": ["order_id"],
    "events": ["event_id"],
    "consents": ["customer_id", "purpose"],
    "deletion_requests": ["customer_id"],
}


def read_raw(raw_dir: Path, table: str) -> pd.DataFrame:
    return duckdb.sql(f"select * from read_parquet('{raw_dir}/{table}*.parquet')").df()


def clean(series: pd.Series) -> pd.Series:
    """Trim; blank -> missing (the staging rule for keys and codes)."""
    stripped = series.str.strip()
    return stripped.where(stripped != "")


@pytest.fixture(scope="module")
def con(small_build):
    with small_build.connect() as connection:
        yield connection


def count(con, sql: str) -> int:
    return con.execute(sql).fetchall()[0][0]


@pytest.mark.parametrize("table", sorted(RAW_KEYS))
def test_every_raw_row_is_staged_deduplicated_or_quarantined(small_raw, con, table) -> None:
    raw = read_raw(small_raw, table)
    keys = raw[RAW_KEYS[table]].apply(clean)
    if table == "consents":
        keys["purpose"] = keys["purpose"].str.lower()
    keyed = keys[keys.iloc[:, 0].notna()]
    duplicates = len(keyed) - len(keyed.drop_duplicates())
    staged = count(con, f"select count(*) from stg_raw__{table}")
    quarantined = count(
        con, f"select count(*) from stg_raw__quarantined_rows where source_table = '{table}'"
    )
    assert len(raw) == staged + duplicates + quarantined
    assert staged > 0


def test_the_reconciliation_fails_when_a_row_is_lost_or_invented(
    small_build, small_raw, tmp_path
) -> None:
    """The assert_raw_*_reconcile tests can fail: on a copy of the build, a staged order
    taken out of the staging table, and a quarantined event recorded twice, each break
    their table's count; the customers' untouched count still adds up."""
    workdir = copy_of_warehouse(small_build, tmp_path, "reconcile")
    with duckdb.connect(str(workdir / "warehouse.duckdb")) as connection:
        connection.execute(
            "delete from base_raw__orders where order_id = "
            "(select min(order_id) from base_raw__orders where row_status = 'staged')"
        )
        connection.execute(
            "insert into stg_raw__quarantined_rows select * from stg_raw__quarantined_rows "
            "where source_table = 'events' order by quarantined_row_id limit 1"
        )
    tests = [f"assert_raw_{table}_reconcile" for table in ("orders", "events", "customers")]
    run = run_dbt(["test", "--select", *tests], workdir, {"raw_dir": str(small_raw)})
    assert run.returncode != 0
    statuses = {
        result["unique_id"].split(".")[2]: result["status"]
        for result in json.loads((run.target / "run_results.json").read_text())["results"]
        if result["unique_id"].startswith("test.")
    }
    assert statuses == dict(zip(tests, ["fail", "fail", "pass"], strict=True))


def test_planted_dirt_is_quarantined_with_its_reason(con) -> None:
    found = dict(
        con.execute(
            "select source_table || '.' || quarantine_reason, count(*) "
            "from stg_raw__quarantined_rows group by all"
        ).fetchall()
    )
    # dirt the generator plants often enough to appear in a small data set
    for reason in [
        "orders.missing_order_id",
        "orders.missing_customer_id",
        "orders.future_timestamp",
        "orders.unknown_currency",
        "orders.invalid_amount",
        "orders.orphan_customer",
        "events.missing_customer_id",
        "events.unknown_event_type",
        "events.future_timestamp",
        "customers.missing_customer_id",
        "consents.orphan_customer",
    ]:
        assert found.get(reason, 0) > 0, (reason, found)


def test_repeated_loads_keep_the_latest(small_raw, con) -> None:
    raw = read_raw(small_raw, "orders").rename(columns={"_loaded_at": "loaded_at"})
    raw["order_id"] = clean(raw["order_id"])
    repeated = raw[raw["order_id"].notna() & raw.duplicated("order_id", keep=False)]
    latest = repeated.sort_values("loaded_at").groupby("order_id").tail(1)
    staged = (
        con.execute("select order_id, order_status, loaded_at from stg_raw__orders")
        .df()
        .set_index("order_id")
    )
    checked = latest[latest["order_id"].isin(staged.index)]
    assert len(checked) > 10
    for row in checked.itertuples():
        assert staged.loc[row.order_id, "order_status"] == row.status.strip().lower()
        assert staged.loc[row.order_id, "loaded_at"] == row.loaded_at


def test_messy_codes_are_normalized_not_quarantined(small_raw, con) -> None:
    raw = read_raw(small_raw, "orders")
    messy = raw["currency"].notna() & (raw["currency"] != raw["currency"].str.strip().str.upper())
    fixable = messy & raw["currency"].str.strip().str.upper().isin(contract.CURRENCIES)
    assert fixable.sum() > 0
    staged_ids = set(con.execute("select order_id from stg_raw__orders").df()["order_id"])
    assert len(staged_ids & set(raw.loc[fixable, "order_id"].str.strip())) > 0
    codes = {
        row[0]
        for row in con.execute("select distinct currency_code from stg_raw__orders").fetchall()
    }
    assert codes <= set(contract.CURRENCIES)


def test_email_is_hashed_after_normalizing(small_raw, con) -> None:
    raw = read_raw(small_raw, "customers")
    raw["customer_id"] = clean(raw["customer_id"])
    raw = raw[raw["customer_id"].notna()]
    # customers whose latest version is unambiguous
    latest = raw.sort_values("updated_at").groupby("customer_id").tail(1)
    ties = raw.merge(latest[["customer_id", "updated_at"]]).duplicated("customer_id", keep=False)
    assert not ties.any()
    expected = {
        row.customer_id: hashlib.sha256(row.email.strip().lower().encode()).hexdigest()
        for row in latest.itertuples()
        if isinstance(row.email, str)
    }
    staged = dict(con.execute("select customer_id, email_hash from stg_raw__customers").fetchall())
    compared = [cid for cid in expected if cid in staged]
    assert len(compared) > SMALL_CUSTOMERS * 0.9
    assert all(staged[cid] == expected[cid] for cid in compared)


def test_only_consented_and_not_forgotten_customers_pass_staging(small_raw, con) -> None:
    consents = read_raw(small_raw, "consents")
    consents["customer_id"] = clean(consents["customer_id"])
    consents["purpose"] = clean(consents["purpose"]).str.lower()
    analytics = consents[consents["purpose"] == contract.SEGMENTATION_PURPOSE]
    # latest record wins; on a tie a refusal wins
    latest = analytics.sort_values(["recorded_at", "granted"], ascending=[True, False])
    latest = latest.groupby("customer_id").tail(1)
    granted = set(latest.loc[latest["granted"] == True, "customer_id"])  # noqa: E712
    deletions = read_raw(small_raw, "deletion_requests")
    forgotten = set(clean(deletions["customer_id"]).dropna())
    staged = {
        row[0] for row in con.execute("select customer_id from stg_raw__customers").fetchall()
    }

    expected = (staged & granted) - forgotten
    eligible = {
        row[0]
        for row in con.execute(
            "select customer_id from int_customers_filtered_to_eligible"
        ).fetchall()
    }
    assert eligible == expected
    # the exclusions are real: both kinds of excluded customer exist in staging
    assert len(staged & forgotten) > 0
    assert len(staged - granted) > 0


def test_csv_raw_files_build_the_same_staging(small_build, tmp_path) -> None:
    generate_small(tmp_path, "csv")
    run = run_dbt(
        ["build", "--select", "staging currency_rates", "--indirect-selection", "cautious"],
        tmp_path / "build",
        {"raw_dir": str(tmp_path / "raw"), "raw_format": "csv"},
    )
    assert run.returncode == 0, run.output[-4000:]
    query = (
        "select source_table, quarantine_reason, count(*) from stg_raw__quarantined_rows "
        "group by all order by all"
    )
    with run.connect() as csv_con, small_build.connect() as parquet_con:
        for table in RAW_KEYS:
            sql = f"select count(*) from stg_raw__{table}"
            assert count(csv_con, sql) == count(parquet_con, sql), table
        assert csv_con.execute(query).fetchall() == parquet_con.execute(query).fetchall()
