"""The bad input corpus: raw CSV files with one defect each, built one case at a time.

Every case either builds, with the bad rows quarantined under the right reason and the
raw rows reconciled (raw = staged + repeated loads + quarantined, the
assert_raw_*_reconcile tests of the build), or stops the build with a message that
names the table, the column (or file) and the problem, without a Python traceback.
The cases start from a small generated data set written as CSV (read as text, so the
base models parse every value); CASES below is the table the README reproduces.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
from dbt_runner import END_DATE, DbtRun, run_dbt
from segmentation.generate import generate

RECONCILE_TESTS = {
    f"assert_raw_{table}_reconcile"
    for table in ("customers", "orders", "events", "consents", "deletion_requests")
}
# the staging layer with its seeds and the singular tests (the reconciliation); the
# generic and unit tests of these models run in every full build of the suite
STAGING = [
    "--select", "+staging", "--indirect-selection", "cautious",
    "--exclude", "test_type:generic", "test_type:unit",
]  # fmt: skip


@pytest.fixture(scope="module")
def clean_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    generate(
        customers=200,
        seed=11,
        out=root / "raw",
        truth_out=root / "truth",
        end_date=END_DATE,
        fmt="csv",
    )
    return root / "raw"


def rows_of(raw: Path, table: str) -> list[dict]:
    with (raw / f"{table}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def append(raw: Path, table: str, *rows: dict) -> None:
    """Add rows to a table's CSV file; columns not given are left empty."""
    path = raw / f"{table}.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    with path.open("a", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for row in rows:
            assert set(row) <= set(header), (set(row) - set(header), header)
            writer.writerow([row.get(column, "") for column in header])


def a_customer(raw: Path) -> str:
    """A customer the clean data stages: one version, a plain address, a signup date."""
    rows = rows_of(raw, "customers")
    ids = [row["customer_id"] for row in rows]
    return next(
        row["customer_id"]
        for row in rows
        if ids.count(row["customer_id"]) == 1
        and row["customer_id"].strip() == row["customer_id"] != ""
        and row["email"].endswith("@example.com")
        and row["signup_at"].startswith("202")
    )


# a load time after every generated one, so an appended row is the latest load
LATE = "2026-09-30T23:00:00"


@dataclass
class Case:
    name: str
    defect: str
    mutate: Callable[[Path], None]
    # built: (table, record_key or None, row_at or None, reason) rows expected in the
    # quarantine; failed: fragments the build's output must hold
    quarantined: list[tuple[str, str | None, str | None, str]] = field(default_factory=list)
    fails_with: list[str] = field(default_factory=list)
    vars_: dict = field(default_factory=dict)
    # further checks: (connection, raw folder, the clean build's staged counts)
    check: Callable[[duckdb.DuckDBPyConnection, Path, tuple], None] | None = None
    select: list[str] = field(default_factory=lambda: list(STAGING))

    @property
    def outcome(self) -> str:
        if self.fails_with:
            return "build stops: " + "; ".join(self.fails_with)
        reasons = sorted({reason for *_, reason in self.quarantined})
        return "builds; quarantined as " + ", ".join(reasons) if reasons else "builds"


def null_and_empty_keys(raw: Path) -> None:
    customer = a_customer(raw)
    order = {"customer_id": customer, "status": "completed", "amount": "10", "currency": "EUR"}
    append(
        raw,
        "orders",
        {**order, "order_id": "", "ordered_at": "2026-03-03T03:03:01", "_loaded_at": LATE},
        {**order, "order_id": "   ", "ordered_at": "2026-03-03T03:03:02", "_loaded_at": LATE},
        {
            **order,
            "order_id": "bad-order-1",
            "customer_id": " ",
            "ordered_at": "2026-03-03T03:03:03",
            "_loaded_at": LATE,
        },
    )
    append(
        raw,
        "customers",
        {
            "customer_id": "",
            "email": "nobody@example.com",
            "country": "FR",
            "signup_at": "2026-03-03T03:03:04",
            "updated_at": "2026-03-03T03:03:04",
        },
    )
    append(
        raw,
        "events",
        {
            "event_id": "",
            "customer_id": customer,
            "session_id": "S-bad",
            "event_type": "page_view",
            "occurred_at": "2026-03-03T03:03:05",
            "_loaded_at": LATE,
        },
        {
            "event_id": "bad-event-1",
            "customer_id": customer,
            "session_id": "",
            "event_type": "page_view",
            "occurred_at": "2026-03-03T03:03:06",
            "_loaded_at": LATE,
        },
    )
    append(
        raw,
        "consents",
        {
            "customer_id": "",
            "purpose": "analytics",
            "granted": "true",
            "recorded_at": "2026-03-03T03:03:07",
        },
    )


def conflicting_duplicates(raw: Path) -> None:
    order = rows_of(raw, "orders")[0]
    # a later load of the same order with another amount, and two loads at the same
    # instant that differ: the latest load wins, a tie goes by the documented order
    append(raw, "orders", {**order, "amount": "55.55", "_loaded_at": LATE})
    customer = rows_of(raw, "customers")[0]
    append(
        raw,
        "customers",
        {**customer, "email": "changed@example.com", "updated_at": "2026-09-29T00:00:00"},
        {**customer, "email": "also-changed@example.com", "updated_at": "2026-09-29T00:00:00"},
    )


def check_conflicting_duplicates(con: duckdb.DuckDBPyConnection, raw: Path, clean: tuple) -> None:
    order = rows_of(raw, "orders")[0]
    staged = con.execute(
        "select amount from stg_raw__orders where order_id = ?", [order["order_id"]]
    ).fetchall()
    assert [float(amount) for (amount,) in staged] == [55.55]
    loads = con.execute(
        "select row_status, count(*) from base_raw__orders where order_id = ? group by all",
        [order["order_id"]],
    ).fetchall()
    assert dict(loads)["staged"] == 1 and dict(loads)["duplicate"] >= 1
    customer = rows_of(raw, "customers")[0]["customer_id"]
    emails = con.execute(
        "select email, row_status from base_raw__customers where customer_id = ? "
        "and updated_at = '2026-09-29'",
        [customer],
    ).fetchall()
    # same updated_at: the email first in order wins (base_raw__customers' tie-break)
    assert sorted(emails) == [
        ("also-changed@example.com", "staged"),
        ("changed@example.com", "duplicate"),
    ]


def order_rows(raw: Path, *changes: dict) -> None:
    customer = a_customer(raw)
    append(
        raw,
        "orders",
        *[
            {
                "customer_id": customer,
                "status": "completed",
                "amount": "10",
                "currency": "EUR",
                "ordered_at": "2026-03-03T03:03:03",
                "_loaded_at": LATE,
                **change,
            }
            for change in changes
        ],
    )


def event_rows(raw: Path, *changes: dict) -> None:
    customer = a_customer(raw)
    append(
        raw,
        "events",
        *[
            {
                "customer_id": customer,
                "session_id": "S-corpus",
                "event_type": "page_view",
                "occurred_at": "2026-03-03T03:03:03",
                "_loaded_at": LATE,
                **change,
            }
            for change in changes
        ],
    )


def customer_without_orders(raw: Path) -> None:
    append(
        raw,
        "customers",
        {
            "customer_id": "C-no-orders",
            "email": "quiet@example.com",
            "country": "DE",
            "signup_at": "2025-01-01T00:00:00",
            "updated_at": "2025-01-01T00:00:00",
        },
    )
    append(
        raw,
        "consents",
        {
            "customer_id": "C-no-orders",
            "purpose": "analytics",
            "granted": "true",
            "recorded_at": "2025-01-01T00:00:00",
        },
    )


def check_customer_without_orders(con: duckdb.DuckDBPyConnection, raw: Path, clean: tuple) -> None:
    features = con.execute(
        "select frequency, monetary, recency_days, tenure_days from customer_features "
        "where customer_id = 'C-no-orders'"
    ).fetchall()
    assert len(features) == 1
    frequency, monetary, recency_days, tenure_days = features[0]
    # no order: nothing bought, recent as the signup (recency falls back to tenure)
    assert (frequency, monetary) == (0, 0)
    assert recency_days == tenure_days > 0


def rewrite(raw: Path, table: str, transform: Callable[[list[dict]], list[dict]]) -> None:
    rows = transform(rows_of(raw, table))
    path = raw / f"{table}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


STAGED_COUNTS = (
    "select (select count(*) from stg_raw__customers), (select count(*) from stg_raw__orders),"
    " (select count(*) from stg_raw__events), (select count(*) from stg_raw__quarantined_rows)"
)


def check_same_staging_as_clean(con: duckdb.DuckDBPyConnection, raw: Path, clean: tuple) -> None:
    """The defect added nothing to stage: the staged counts are the clean data's."""
    assert con.execute(STAGED_COUNTS).fetchone() == clean


def latin1_customer(raw: Path) -> None:
    with (raw / "customers.csv").open("ab") as handle:
        handle.write(
            "C-latin1,j\u00e9r\u00f4me@example.com,FR,2025-01-01T00:00:00,2025-01-01T00:00:00\n".encode(
                "latin-1"
            )
        )


def check_latin1_customer(con: duckdb.DuckDBPyConnection, raw: Path, clean: tuple) -> None:
    # decoded, not mangled: the email hash is the hash of the address as written
    (email,) = con.execute(
        "select email from base_raw__customers where customer_id = 'C-latin1'"
    ).fetchone()
    assert email == "j\u00e9r\u00f4me@example.com"


def check_offsets_are_converted(con: duckdb.DuckDBPyConnection, raw: Path, clean: tuple) -> None:
    """Text timestamps with a UTC offset are staged in UTC, not with the offset dropped."""
    staged = con.execute(
        "select order_id, cast(ordered_at as varchar) from stg_raw__orders "
        "where order_id in ('plus2', 'zulu', 'minus0530') order by order_id"
    ).fetchall()
    assert staged == [
        ("minus0530", "2026-03-03 08:33:03"),
        ("plus2", "2026-03-03 03:03:03"),
        ("zulu", "2026-03-03 05:03:03"),
    ]


CASES = [
    Case(
        "clean",
        "the generated files, untouched",
        lambda raw: None,
        check=lambda con, raw, clean: None,
    ),
    Case(
        "null_and_empty_keys",
        "null, empty and blank keys in every table",
        null_and_empty_keys,
        quarantined=[
            ("orders", None, "2026-03-03 03:03:01", "missing_order_id"),
            ("orders", None, "2026-03-03 03:03:02", "missing_order_id"),
            ("orders", "bad-order-1", None, "missing_customer_id"),
            ("customers", None, "2026-03-03 03:03:04", "missing_customer_id"),
            ("events", None, "2026-03-03 03:03:05", "missing_event_id"),
            ("events", "bad-event-1", None, "missing_session_id"),
            ("consents", None, "2026-03-03 03:03:07", "missing_customer_id"),
        ],
    ),
    Case(
        "conflicting_duplicates",
        "a key loaded twice with different values (later load; same load time)",
        conflicting_duplicates,
        check=check_conflicting_duplicates,
    ),
    Case(
        "negative_and_absurd_amounts",
        "a negative completed order, a positive refund, an amount of 10^9 and one of 10^30",
        lambda raw: order_rows(
            raw,
            {"order_id": "neg", "amount": "-10"},
            {"order_id": "refund+", "status": "refunded", "amount": "5"},
            {"order_id": "huge", "amount": "1000000000"},
            {"order_id": "overflow", "amount": "1e30"},
        ),
        quarantined=[
            ("orders", key, None, "invalid_amount")
            for key in ("neg", "refund+", "huge", "overflow")
        ],
    ),
    Case(
        "non_numeric_amounts",
        "amounts 'abc', '12,50', 'NaN' and empty",
        lambda raw: order_rows(
            raw,
            {"order_id": "abc", "amount": "abc"},
            {"order_id": "comma", "amount": "12,50"},
            {"order_id": "nan", "amount": "NaN"},
            {"order_id": "empty", "amount": ""},
        ),
        quarantined=[
            ("orders", key, None, "invalid_amount") for key in ("abc", "comma", "nan", "empty")
        ],
    ),
    Case(
        "future_timestamps",
        "orders and events dated 2099",
        lambda raw: (
            order_rows(raw, {"order_id": "future", "ordered_at": "2099-01-01T00:00:00"}),
            event_rows(raw, {"event_id": "future", "occurred_at": "2099-01-01T00:00:00"}),
        ),
        quarantined=[
            ("orders", "future", None, "future_timestamp"),
            ("events", "future", None, "future_timestamp"),
        ],
    ),
    Case(
        "before_1970",
        "an order on 1969-07-20 and a signup in 1901",
        lambda raw: (
            order_rows(raw, {"order_id": "moon", "ordered_at": "1969-07-20T20:17:00"}),
            append(
                raw,
                "customers",
                {
                    "customer_id": "C-1901",
                    "email": "old@example.com",
                    "country": "GB",
                    "signup_at": "1901-01-01T00:00:00",
                    "updated_at": "2025-01-01T00:00:00",
                },
            ),
        ),
        quarantined=[
            ("orders", "moon", None, "timestamp_too_old"),
            ("customers", "C-1901", None, "timestamp_too_old"),
        ],
    ),
    Case(
        "unparseable_timestamps",
        "timestamps 'yesterday', '2026-13-45', '31/12/2025' and a load time 'n/a'",
        lambda raw: (
            order_rows(
                raw,
                {"order_id": "yesterday", "ordered_at": "yesterday"},
                {"order_id": "month13", "ordered_at": "2026-13-45T00:00:00"},
                {"order_id": "loaded-na", "_loaded_at": "n/a"},
            ),
            event_rows(raw, {"event_id": "dmy", "occurred_at": "31/12/2025"}),
        ),
        quarantined=[
            ("orders", "yesterday", None, "invalid_timestamp"),
            ("orders", "month13", None, "invalid_timestamp"),
            ("orders", "loaded-na", None, "invalid_timestamp"),
            ("events", "dmy", None, "invalid_timestamp"),
        ],
    ),
    Case(
        "timestamps_with_utc_offsets",
        "order times written with +02:00, Z and -05:30",
        lambda raw: order_rows(
            raw,
            {"order_id": "plus2", "ordered_at": "2026-03-03T05:03:03+02:00"},
            {"order_id": "zulu", "ordered_at": "2026-03-03T05:03:03Z"},
            {"order_id": "minus0530", "ordered_at": "2026-03-03 03:03:03-05:30"},
        ),
        check=check_offsets_are_converted,
    ),
    Case(
        "unknown_currency",
        "currency 'XXX'",
        lambda raw: order_rows(raw, {"order_id": "xxx", "currency": "XXX"}),
        quarantined=[("orders", "xxx", None, "unknown_currency")],
    ),
    Case(
        "unknown_event_type",
        "event type 'teleport'",
        lambda raw: event_rows(raw, {"event_id": "teleport", "event_type": "teleport"}),
        quarantined=[("events", "teleport", None, "unknown_event_type")],
    ),
    Case(
        "customer_without_orders",
        "a consenting customer with no order and no event",
        customer_without_orders,
        check=check_customer_without_orders,
        select=[*STAGING[:2], "+customer_features", *STAGING[2:]],
    ),
    Case(
        "orders_for_unknown_customers",
        "an order and an event of customer 'C-ghost'",
        lambda raw: (
            order_rows(raw, {"order_id": "ghost", "customer_id": "C-ghost"}),
            event_rows(raw, {"event_id": "ghost", "customer_id": "C-ghost"}),
        ),
        quarantined=[
            ("orders", "ghost", None, "orphan_customer"),
            ("events", "ghost", None, "orphan_customer"),
        ],
    ),
    Case(
        "missing_column",
        "orders without the column currency",
        lambda raw: rewrite(
            raw,
            "orders",
            lambda rows: [{k: v for k, v in row.items() if k != "currency"} for row in rows],
        ),
        fails_with=["raw table 'orders'", "required column 'currency' is missing"],
    ),
    Case(
        "extra_column",
        "orders with an extra column coupon_code",
        lambda raw: rewrite(
            raw, "orders", lambda rows: [{**row, "coupon_code": "WELCOME"} for row in rows]
        ),
        check=check_same_staging_as_clean,
    ),
    Case(
        "empty_file",
        "a second orders file of 0 bytes",
        lambda raw: (raw / "orders_2.csv").write_bytes(b""),
        fails_with=["raw table 'orders'", "orders_2.csv is empty (0 bytes)"],
    ),
    Case(
        "header_only_file",
        "a second orders file with only the header line",
        lambda raw: (raw / "orders_2.csv").write_text(
            (raw / "orders.csv").read_text().splitlines()[0] + "\n"
        ),
        check=check_same_staging_as_clean,
    ),
    Case(
        "all_dates_in_another_format",
        "every signup_at written 31/12/2025",
        lambda raw: rewrite(
            raw, "customers", lambda rows: [{**row, "signup_at": "31/12/2025"} for row in rows]
        ),
        fails_with=[
            "raw table 'customers'",
            "column 'signup_at' is text and none of its first",
            "parses as timestamp",
        ],
    ),
    Case(
        "non_utf8",
        "a customer written in Latin-1 (an accented email)",
        latin1_customer,
        fails_with=["customers.csv", "not utf-8 encoded"],
    ),
    Case(
        "non_utf8_declared",
        "the same file with the var raw_csv_encoding: latin-1",
        latin1_customer,
        vars_={"raw_csv_encoding": "latin-1"},
        check=check_latin1_customer,
    ),
]


def build(case: Case, clean: Path, workdir: Path) -> tuple[DbtRun, Path]:
    raw = workdir / "raw"
    shutil.copytree(clean, raw)
    case.mutate(raw)
    run = run_dbt(
        ["build", *case.select],
        workdir / "build",
        {"raw_dir": str(raw), "raw_format": "csv", **case.vars_},
    )
    return run, raw


@pytest.fixture(scope="module")
def clean_counts(clean_csv, tmp_path_factory) -> tuple:
    """Staged customers, orders, events and quarantined rows of the untouched files."""
    run, _ = build(CASES[0], clean_csv, tmp_path_factory.mktemp("clean"))
    assert run.returncode == 0, run.output[-4000:]
    with run.connect() as con:
        return con.execute(STAGED_COUNTS).fetchone()


@pytest.mark.parametrize("case", CASES[1:], ids=[case.name for case in CASES[1:]])
def test_bad_input_is_quarantined_or_stops_the_build(
    case: Case, clean_csv, clean_counts, tmp_path
) -> None:
    run, raw = build(case, clean_csv, tmp_path)
    assert "Traceback" not in run.output, run.output[-3000:]
    if case.fails_with:
        assert run.returncode != 0
        for fragment in case.fails_with:
            assert fragment in run.output, (fragment, run.output[-3000:])
        return
    assert run.returncode == 0, run.output[-4000:]
    results = json.loads((run.target / "run_results.json").read_text())["results"]
    # nothing lost: the reconciliation tests ran in this build, and passed
    reconciled = {
        r["unique_id"].split(".")[2]
        for r in results
        if r["unique_id"].split(".")[2] in RECONCILE_TESTS and r["status"] == "pass"
    }
    assert reconciled == RECONCILE_TESTS
    with run.connect() as con:
        for table, key, row_at, reason in case.quarantined:
            found = con.execute(
                "select quarantine_reason from stg_raw__quarantined_rows where source_table = ? "
                "and record_key is not distinct from ? and (? is null or row_at = ?)",
                [table, key, row_at, row_at],
            ).fetchall()
            assert found == [(reason,)], (table, key, row_at, found)
        if case.check:
            case.check(con, raw, clean_counts)
