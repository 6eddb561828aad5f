"""Tests of the raw data generator (segmentation.generate).

Small data sets are generated once per module; every check reads the written files back
with DuckDB, so the tests exercise what dbt will read.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
import segmentation
from segmentation import generate as gen
from segmentation.contract import (
    CONSENT_PURPOSES,
    CURRENCIES,
    EVENT_TYPES,
    NEGATIVE_STATUSES,
    RAW_TABLES,
)

N = 4000
SEED = 42
END_DATE = gen.DEFAULT_END_DATE
WIN = gen.Window.for_end_date(END_DATE)
END = WIN.end  # exclusive
SQL_TYPES = {
    "string": "VARCHAR",
    "timestamp": "TIMESTAMP",
    "numeric": "DOUBLE",
    "boolean": "BOOLEAN",
}
TRUTH_COLUMNS = ("persona", "is_shifted")


def _run(root: Path, seed: int = SEED, fmt: str = "parquet", customers: int = N) -> dict:
    """Generate a data set under ``root`` and return its paths and row counts."""
    rows = gen.generate(customers, seed, root / "raw", root / "truth", END_DATE, fmt)
    return {"raw": root / "raw", "truth": root / "truth", "rows": rows, "fmt": fmt}


def _sql_list(values) -> str:
    """A SQL list literal of strings."""
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Data sets: a, b (same seed as a), other (another seed), csv (same seed as a)."""
    base = tmp_path_factory.mktemp("generate")
    return {
        "a": _run(base / "a"),
        "b": _run(base / "b"),
        "other": _run(base / "other", seed=SEED + 1),
        "csv": _run(base / "csv", fmt="csv"),
    }


@pytest.fixture(scope="module")
def db(runs: dict[str, dict]) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with one view per raw table of run a, plus ``truth``."""
    con = duckdb.connect()
    raw = runs["a"]["raw"]
    for table in RAW_TABLES:
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM '{raw / table}.parquet'")
    con.execute(f"CREATE VIEW truth AS SELECT * FROM '{runs['a']['truth'] / gen.TRUTH_FILE}'")
    # Purchase orders of known customers: one row per order id, no refunds, no dirt rows.
    con.execute(
        f"""CREATE VIEW clean_orders AS
        SELECT o.*, t.persona, t.is_shifted FROM (
            SELECT * FROM orders
            WHERE order_id IS NOT NULL AND order_id <> ''
              AND status NOT IN {tuple(NEGATIVE_STATUSES)}
              AND ordered_at < TIMESTAMP '{END}'
              AND amount > 0 AND amount < 1e6
            QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY _loaded_at DESC) = 1
        ) o JOIN truth t USING (customer_id)"""
    )
    return con


def _one(con: duckdb.DuckDBPyConnection, sql: str):
    """The single value of a query."""
    return con.execute(sql).fetchone()[0]


def _missing_rows(con: duckdb.DuckDBPyConnection, x: str, y: str) -> int:
    """Rows of relation ``x`` that ``y`` lacks (multiset difference)."""
    return _one(con, f"SELECT count(*) FROM (SELECT * FROM {x} EXCEPT ALL SELECT * FROM {y})")


def _files(run: dict) -> list[Path]:
    """Every file a run wrote (raw tables and truth)."""
    return [run["raw"] / f"{t}.{run['fmt']}" for t in RAW_TABLES] + [run["truth"] / gen.TRUTH_FILE]


def _assert_rate(observed: int, n: int, rate: float, name: str) -> None:
    """Observed count within 5 binomial sigmas of ``rate * n`` (and not zero)."""
    expected = rate * n
    sigma = math.sqrt(n * rate * (1 - rate))
    low, high = max(1.0, expected - 5 * sigma), expected + 5 * sigma
    assert low <= observed <= high, f"{name}: {observed} of {n}, expected ~{expected:.1f}"


# --- determinism --------------------------------------------------------------------


def test_same_seed_gives_identical_files(runs: dict[str, dict]) -> None:
    con = duckdb.connect()
    for fa, fb in zip(_files(runs["a"]), _files(runs["b"]), strict=True):
        assert fa.read_bytes() == fb.read_bytes(), fa.name
        assert _missing_rows(con, f"'{fa}'", f"'{fb}'") == 0, fa.name
    assert runs["a"]["rows"] == runs["b"]["rows"]


def test_other_seed_gives_other_data(runs: dict[str, dict]) -> None:
    con = duckdb.connect()
    for fa, fo in zip(_files(runs["a"]), _files(runs["other"]), strict=True):
        assert _missing_rows(con, f"'{fa}'", f"'{fo}'") > 0, fa.name


# --- schema ---------------------------------------------------------------------------


def test_schema_matches_contract(runs: dict[str, dict]) -> None:
    con = duckdb.connect()
    for table, columns in RAW_TABLES.items():
        path = runs["a"]["raw"] / f"{table}.parquet"
        described = con.execute(f"DESCRIBE SELECT * FROM '{path}'").fetchall()
        assert [c[0] for c in described] == list(columns), table
        assert [c[1] for c in described] == [SQL_TYPES[f] for f in columns.values()], table
        assert runs["a"]["rows"][table] == _one(con, f"SELECT count(*) FROM '{path}'")
    assert set(runs["a"]["rows"]) == set(RAW_TABLES)


def test_ids_are_well_formed(db: duckdb.DuckDBPyConnection) -> None:
    checks = {
        ("customers", "customer_id"): r"^C[0-9]{8}$",
        ("orders", "order_id"): r"^O[0-9]{10}$",
        ("orders", "customer_id"): r"^C[0-9]{8}$",
        ("events", "event_id"): r"^E[0-9]{11}$",
        ("events", "session_id"): r"^S[0-9]{10}$",
        ("consents", "customer_id"): r"^C[0-9]{8}$",
        ("deletion_requests", "customer_id"): r"^C[0-9]{8}$",
    }
    for (table, column), pattern in checks.items():
        bad = _one(
            db,
            f"SELECT count(*) FROM {table} WHERE {column} <> '' "
            f"AND NOT regexp_full_match({column}, '{pattern}')",
        )
        assert bad == 0, (table, column)
    assert _one(db, "SELECT count(*) FROM events WHERE session_id IS NULL") == 0


def test_truth_is_separate_and_complete(db: duckdb.DuckDBPyConnection, runs: dict) -> None:
    con = duckdb.connect()
    truth = runs["a"]["truth"] / gen.TRUTH_FILE
    cols = [c[0] for c in con.execute(f"DESCRIBE SELECT * FROM '{truth}'").fetchall()]
    assert cols == ["customer_id", "persona", "is_shifted"]
    for columns in RAW_TABLES.values():
        assert not set(TRUTH_COLUMNS) & set(columns)
    assert not list(runs["a"]["raw"].glob("customer_personas*"))
    truth_ids = _one(db, "SELECT count(DISTINCT customer_id) FROM truth")
    assert truth_ids == _one(db, "SELECT count(*) FROM truth") == N
    missing = _one(
        db,
        "SELECT count(*) FROM (SELECT customer_id FROM truth EXCEPT "
        "SELECT customer_id FROM customers)",
    )
    extra = _one(
        db,
        "SELECT count(*) FROM (SELECT customer_id FROM customers WHERE customer_id <> '' "
        "EXCEPT SELECT customer_id FROM truth)",
    )
    assert missing == 0 and extra == 0


# --- personas ----------------------------------------------------------------------------


def test_persona_shares(db: duckdb.DuckDBPyConnection) -> None:
    shares = dict(db.execute("SELECT persona, count(*) FROM truth GROUP BY 1").fetchall())
    assert set(shares) == set(gen.PERSONAS) == set(gen.PERSONA_SHARES)
    for persona, share in gen.PERSONA_SHARES.items():
        _assert_rate(shares[persona], N, share, persona)


def test_shift_labels(db: duckdb.DuckDBPyConnection) -> None:
    rows = db.execute(
        "SELECT persona, count(*), sum(is_shifted::INT) FROM truth GROUP BY 1"
    ).fetchall()
    for persona, count, shifted in rows:
        if persona == "frequent_small_buyer":
            assert shifted == count
        elif persona == "loyal_big_spender":
            _assert_rate(shifted, count, gen.LOYAL_CHURN_SHARE, persona)
        else:
            assert shifted == 0, persona


def _per_persona(db: duckdb.DuckDBPyConnection, sql: str) -> dict[str, float]:
    """``{persona: value}`` from a query returning (persona, value)."""
    return {p: v for p, v in db.execute(sql).fetchall()}


def test_persona_spend_and_frequency(db: duckdb.DuckDBPyConnection) -> None:
    revenue = _per_persona(
        db,
        """SELECT t.persona, median(coalesce(r.revenue, 0)) FROM truth t LEFT JOIN (
            SELECT customer_id, sum(amount) AS revenue FROM clean_orders
            WHERE status = 'completed' GROUP BY 1) r USING (customer_id) GROUP BY 1""",
    )
    loyal = revenue.pop("loyal_big_spender")
    assert all(loyal > 3 * v for v in revenue.values()), revenue
    basket = _per_persona(db, "SELECT persona, median(amount) FROM clean_orders GROUP BY 1")
    assert basket["loyal_big_spender"] == max(basket.values())
    assert basket["frequent_small_buyer"] == min(basket.values())
    assert basket["loyal_big_spender"] > 2.5 * basket["frequent_small_buyer"]
    per_customer = _per_persona(
        db,
        """SELECT t.persona, count(o.order_id) / count(DISTINCT t.customer_id)
        FROM truth t LEFT JOIN clean_orders o USING (customer_id) GROUP BY 1""",
    )
    order = ["loyal_big_spender", "frequent_small_buyer", "lapsed", "one_time_buyer"]
    assert [per_customer[p] for p in order] == sorted(per_customer[p] for p in order)[::-1]
    assert per_customer["loyal_big_spender"] > 40
    assert per_customer["frequent_small_buyer"] > 20


def test_one_time_buyers_have_one_order(db: duckdb.DuckDBPyConnection) -> None:
    # Every purchase row of a one-time buyer (duplicates collapsed by order id, rows
    # without an id counted one by one, refunds excluded) belongs to a single order.
    counts = db.execute(
        f"""SELECT t.customer_id,
            count(DISTINCT coalesce(nullif(o.order_id, ''), o.ordered_at::VARCHAR))
        FROM truth t LEFT JOIN orders o
          ON o.customer_id = t.customer_id AND o.status NOT IN {tuple(NEGATIVE_STATUSES)}
        WHERE t.persona = 'one_time_buyer' GROUP BY 1"""
    ).fetchall()
    values = [c for _, c in counts]
    assert max(values) == 1
    assert sum(values) >= 0.99 * len(values)


def test_browsers_browse_and_rarely_buy(db: duckdb.DuckDBPyConnection) -> None:
    stats = db.execute(
        """SELECT t.persona,
            (SELECT count(*) FROM events e JOIN truth x USING (customer_id)
             WHERE x.persona = t.persona) AS events,
            (SELECT count(*) FROM clean_orders o WHERE o.persona = t.persona) AS orders,
            count(*) AS customers
        FROM truth t GROUP BY 1"""
    ).fetchall()
    per = {p: (e, o, c) for p, e, o, c in stats}
    b_events, b_orders, b_customers = per.pop("browser")
    ratio = b_events / max(b_orders, 1)
    for persona, (events, orders, customers) in per.items():
        assert ratio > 5 * events / max(orders, 1), persona
        assert b_events / b_customers > 1.5 * events / customers, persona
    most = _one(
        db,
        """SELECT max(n) FROM (SELECT t.customer_id, count(o.order_id) AS n FROM truth t
        LEFT JOIN clean_orders o USING (customer_id) WHERE t.persona = 'browser' GROUP BY 1)""",
    )
    assert most <= 2


def test_lapsed_are_quiet_for_six_months(db: duckdb.DuckDBPyConnection) -> None:
    since = END - timedelta(days=180)
    for table, column in (("orders", "ordered_at"), ("events", "occurred_at")):
        active = _one(
            db,
            f"""SELECT count(*) FROM {table} x JOIN truth t USING (customer_id)
            WHERE t.persona = 'lapsed' AND x.{column} >= TIMESTAMP '{since}'
              AND x.{column} < TIMESTAMP '{END}'""",
        )
        assert active == 0, table
    with_orders = _one(
        db,
        "SELECT count(DISTINCT customer_id) FROM clean_orders WHERE persona = 'lapsed'",
    )
    lapsed = _one(db, "SELECT count(*) FROM truth WHERE persona = 'lapsed'")
    assert with_orders >= 0.97 * lapsed


def test_mean_orders_per_customer(db: duckdb.DuckDBPyConnection) -> None:
    mean = _one(db, "SELECT count(*) FROM clean_orders") / N
    assert 15 <= mean <= 25
    assert 11 <= _one(db, "SELECT count(*) FROM events") / N <= 20


def test_seasonality(db: duckdb.DuckDBPyConnection) -> None:
    per_day = dict(
        db.execute(
            """SELECT CASE WHEN month(ordered_at) IN (11, 12) THEN 'holiday'
                       WHEN dayofweek(ordered_at) IN (0, 6) THEN 'weekend' ELSE 'weekday' END,
                count(*) / count(DISTINCT ordered_at::DATE)
            FROM clean_orders GROUP BY 1"""
        ).fetchall()
    )
    assert per_day["holiday"] > 1.3 * per_day["weekday"]
    assert per_day["weekend"] > 1.15 * per_day["weekday"]


# --- the shift ------------------------------------------------------------------------------


def test_frequent_small_buyers_spend_more_in_shift_window(db: duckdb.DuckDBPyConnection) -> None:
    before, after = db.execute(
        f"""SELECT avg(amount) FILTER (WHERE ordered_at < TIMESTAMP '{WIN.shift_start}'),
                   avg(amount) FILTER (WHERE ordered_at >= TIMESTAMP '{WIN.shift_start}')
        FROM clean_orders WHERE persona = 'frequent_small_buyer'"""
    ).fetchone()
    assert after / before == pytest.approx(gen.FSB_SHIFT_FACTOR, rel=0.12)
    others_before, others_after = db.execute(
        f"""SELECT avg(amount) FILTER (WHERE ordered_at < TIMESTAMP '{WIN.shift_start}'),
                   avg(amount) FILTER (WHERE ordered_at >= TIMESTAMP '{WIN.shift_start}')
        FROM clean_orders WHERE persona = 'loyal_big_spender'"""
    ).fetchone()
    assert others_after / others_before == pytest.approx(1.0, rel=0.2)


def test_shifted_loyal_customers_stop(db: duckdb.DuckDBPyConnection) -> None:
    for table, column in (("orders", "ordered_at"), ("events", "occurred_at")):
        rows = db.execute(
            f"""SELECT t.is_shifted, count(DISTINCT x.customer_id)
            FROM {table} x JOIN truth t USING (customer_id)
            WHERE t.persona = 'loyal_big_spender'
              AND x.{column} >= TIMESTAMP '{WIN.shift_start}' AND x.{column} < TIMESTAMP '{END}'
            GROUP BY 1"""
        ).fetchall()
        active = dict(rows)
        assert active.get(True, 0) == 0, table
        assert active.get(False, 0) > 0, table
    loyal_kept = _one(
        db, "SELECT count(*) FROM truth WHERE persona = 'loyal_big_spender' AND NOT is_shifted"
    )
    active_kept = _one(
        db,
        f"""SELECT count(DISTINCT customer_id) FROM clean_orders
        WHERE persona = 'loyal_big_spender' AND ordered_at >= TIMESTAMP '{WIN.shift_start}'""",
    )
    assert active_kept >= 0.9 * loyal_kept


# --- consistency ---------------------------------------------------------------------


def test_time_bounds(db: duckdb.DuckDBPyConnection) -> None:
    far = END + timedelta(days=365 * 9)
    load_cap = END + timedelta(days=2)
    for table, column in (("orders", "ordered_at"), ("events", "occurred_at")):
        low, high, over = db.execute(
            f"""SELECT min({column}), max({column}) FILTER (WHERE {column} < TIMESTAMP '{far}'),
                count(*) FILTER (WHERE {column} >= TIMESTAMP '{END}'
                    AND {column} < TIMESTAMP '{far}')
            FROM {table}"""
        ).fetchone()
        assert low >= WIN.history_start and high < END and over == 0, table
        # First loads come 1-48 hours after the fact; all loads end 2 days after end_date.
        first_load = db.execute(
            f"""SELECT min(lag_h), max(lag_h), max(last_load) FROM (
                SELECT date_diff('second', min({column}), min(_loaded_at)) / 3600 AS lag_h,
                    max(_loaded_at) AS last_load
                FROM {table} WHERE {column} < TIMESTAMP '{END}'
                GROUP BY {table[:-1] if table == "orders" else "event"}_id)"""
        ).fetchone()
        assert first_load[0] >= 1 and first_load[1] <= 48, table
        assert _one(db, f"SELECT max(_loaded_at) FROM {table}") < load_cap
    signups = db.execute(
        f"""SELECT min(signup_at), max(signup_at) FILTER (WHERE signup_at < TIMESTAMP '{END}')
        FROM customers"""
    ).fetchone()
    assert signups[0] >= WIN.signup_start and signups[1] < WIN.signup_end


def test_activity_after_signup(db: duckdb.DuckDBPyConnection) -> None:
    for table, column in (("orders", "ordered_at"), ("events", "occurred_at")):
        early = _one(
            db,
            f"""SELECT count(*) FROM {table} x JOIN (
                SELECT customer_id, min(signup_at) AS signup_at FROM customers
                WHERE signup_at < TIMESTAMP '{END}' GROUP BY 1) c USING (customer_id)
            WHERE x.{column} <= c.signup_at""",
        )
        assert early == 0, table


def test_currency_follows_latest_country(db: duckdb.DuckDBPyConnection) -> None:
    mapping = ", ".join(f"('{k}', '{v}')" for k, v in gen.COUNTRY_CURRENCY.items())
    mismatched, total = db.execute(
        f"""WITH latest AS (
            SELECT customer_id, country FROM customers WHERE customer_id <> ''
            QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY updated_at DESC) = 1)
        SELECT count(*) FILTER (WHERE upper(trim(o.currency)) <> m.currency), count(*)
        FROM orders o JOIN latest l USING (customer_id)
        JOIN (VALUES {mapping}) m(country, currency) USING (country)
        WHERE upper(trim(o.currency)) IN {tuple(CURRENCIES)}"""
    ).fetchone()
    assert total > 0 and mismatched == 0
    countries = {r[0] for r in db.execute("SELECT DISTINCT country FROM customers").fetchall()}
    assert countries == set(gen.COUNTRIES)


def test_customer_versions(db: duckdb.DuckDBPyConnection) -> None:
    multi, customers, signups, bad_order = db.execute(
        """SELECT count(*) FILTER (WHERE n > 1), count(*), max(signups), sum(bad) FROM (
            SELECT customer_id, count(*) AS n, count(DISTINCT signup_at) AS signups,
                count(DISTINCT updated_at) <> count(*) AS bad
            FROM customers WHERE customer_id <> '' GROUP BY 1)"""
    ).fetchone()
    _assert_rate(multi, customers, 1 - gen._VERSION_PROBS[0], "customers with versions")
    assert signups == 1 and bad_order == 0
    domains = "|".join(re.escape(d) for d in gen.EMAIL_DOMAINS)
    bad_email = _one(
        db,
        f"""SELECT count(*) FROM customers
        WHERE NOT regexp_full_match(lower(trim(email)), '^user[0-9]+@({domains})$')""",
    )
    assert bad_email == 0


def test_consents(db: duckdb.DuckDBPyConnection) -> None:
    purposes = {r[0] for r in db.execute("SELECT DISTINCT purpose FROM consents").fetchall()}
    assert purposes == set(CONSENT_PURPOSES)
    analytics, marketing, flips, flipped = db.execute(
        """SELECT count(*) FILTER (WHERE a > 0), count(*) FILTER (WHERE m > 0),
            count(*) FILTER (WHERE a = 2), count(*) FILTER (WHERE a = 2 AND flip)
        FROM (
            SELECT t.customer_id,
                count(*) FILTER (WHERE purpose = 'analytics') AS a,
                count(*) FILTER (WHERE purpose = 'marketing') AS m,
                count(DISTINCT granted) FILTER (WHERE purpose = 'analytics') = 2 AS flip
            FROM truth t LEFT JOIN consents c USING (customer_id) GROUP BY 1)"""
    ).fetchone()
    _assert_rate(analytics, N, 1 - gen.CONSENT_NONE_SHARE, "analytics consent")
    _assert_rate(marketing, N, gen.CONSENT_MARKETING_SHARE, "marketing consent")
    _assert_rate(flips, N, gen.CONSENT_FLIP_SHARE, "second analytics record")
    assert flipped == flips
    granted = _one(
        db,
        """SELECT count(*) FILTER (WHERE granted) / count(*) FROM (
            SELECT granted FROM consents JOIN truth USING (customer_id)
            WHERE purpose = 'analytics'
            QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY recorded_at) = 1)""",
    )
    assert granted == pytest.approx(gen.ANALYTICS_GRANTED_P, abs=0.03)
    early = _one(
        db,
        f"""SELECT count(*) FROM consents c JOIN (
            SELECT customer_id, min(signup_at) AS s FROM customers
            WHERE signup_at < TIMESTAMP '{END}' GROUP BY 1) USING (customer_id)
        WHERE c.recorded_at <= s""",
    )
    assert early == 0


def test_deletion_requests(db: duckdb.DuckDBPyConnection) -> None:
    customers, twice, distinct_times = db.execute(
        """SELECT count(*), count(*) FILTER (WHERE n = 2), bool_and(times = n) FROM (
            SELECT customer_id, count(*) AS n, count(DISTINCT requested_at) AS times
            FROM deletion_requests JOIN truth USING (customer_id) GROUP BY 1)"""
    ).fetchone()
    assert customers == round(gen.DELETION_SHARE * N)
    assert twice == round(gen.DELETION_TWICE_SHARE * customers)
    assert distinct_times
    assert _one(db, "SELECT count(*) FROM deletion_requests") == customers + twice


# --- dirt ---------------------------------------------------------------------------

EXPECTED_DIRT_KEYS = {
    "orders_duplicate_load",
    "orders_guest",
    "orders_refund",
    "orders_cancelled",
    "orders_future_timestamp",
    "orders_unknown_currency",
    "orders_messy_currency",
    "orders_orphan_customer",
    "orders_missing_order_id",
    "orders_invalid_amount",
    "customers_messy_email",
    "customers_missing_customer_id",
    "customers_future_signup",
    "events_anonymous",
    "events_duplicate_load",
    "events_unknown_type",
    "events_future_timestamp",
    "consents_orphan_customer",
}


def _dirt_counts(db: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int]]:
    """``{dirt kind: (observed rows, denominator)}`` measured on the raw files."""
    future = END + timedelta(days=365 * 9)
    cur = _sql_list(CURRENCIES)
    ids = "(SELECT customer_id FROM customers WHERE customer_id <> '')"
    q = {
        "orders_duplicate_load": (
            "SELECT count(*) - count(DISTINCT order_id) FROM orders WHERE order_id <> ''",
            "SELECT count(*) FROM orders",
        ),
        "orders_guest": ("SELECT count(*) FROM orders WHERE customer_id IS NULL", None),
        "orders_refund": (
            "SELECT count(DISTINCT order_id) FROM orders "
            f"WHERE status IN {tuple(NEGATIVE_STATUSES)}",
            "SELECT count(DISTINCT order_id) FROM orders WHERE status = 'completed'",
        ),
        "orders_cancelled": ("SELECT count(*) FROM orders WHERE status = 'cancelled'", None),
        "orders_future_timestamp": (
            f"SELECT count(*) FROM orders WHERE ordered_at > TIMESTAMP '{future}'",
            None,
        ),
        "orders_unknown_currency": (
            f"""SELECT count(*) FROM orders
            WHERE currency IS NULL OR NOT list_contains({cur}, upper(trim(currency)))""",
            None,
        ),
        "orders_messy_currency": (
            f"""SELECT count(*) FROM orders WHERE NOT list_contains({cur}, currency)
            AND list_contains({cur}, upper(trim(currency)))""",
            None,
        ),
        "orders_orphan_customer": (
            f"SELECT count(*) FROM orders WHERE customer_id NOT IN {ids}",
            None,
        ),
        "orders_missing_order_id": (
            "SELECT count(*) FROM orders WHERE order_id IS NULL OR order_id = ''",
            None,
        ),
        "orders_invalid_amount": (
            """SELECT count(*) FROM orders WHERE amount IS NULL OR amount > 1e6
            OR (amount < 0 AND status = 'completed')""",
            None,
        ),
        "customers_messy_email": (
            "SELECT count(*) FROM customers WHERE email <> lower(trim(email))",
            None,
        ),
        "customers_missing_customer_id": (
            "SELECT count(*) FROM customers WHERE customer_id IS NULL OR customer_id = ''",
            None,
        ),
        "customers_future_signup": (
            f"SELECT count(*) FROM customers WHERE signup_at > TIMESTAMP '{future}'",
            None,
        ),
        "events_anonymous": ("SELECT count(*) FROM events WHERE customer_id IS NULL", None),
        "events_duplicate_load": (
            "SELECT count(*) - count(DISTINCT event_id) FROM events",
            None,
        ),
        "events_unknown_type": (
            f"""SELECT count(*) FROM events
            WHERE NOT list_contains({_sql_list(EVENT_TYPES)}, lower(trim(event_type)))""",
            None,
        ),
        "events_future_timestamp": (
            f"SELECT count(*) FROM events WHERE occurred_at > TIMESTAMP '{future}'",
            None,
        ),
        "consents_orphan_customer": (
            f"SELECT count(*) FROM consents WHERE customer_id NOT IN {ids}",
            None,
        ),
    }
    counts = {}
    for kind, (observed, denominator) in q.items():
        table = kind.split("_")[0]
        denominator = denominator or f"SELECT count(*) FROM {table}"
        counts[kind] = (_one(db, observed), _one(db, denominator))
    return counts


def test_dirt_keys() -> None:
    assert set(gen.DIRT_RATES) == EXPECTED_DIRT_KEYS
    assert all(0 < r < 0.2 for r in gen.DIRT_RATES.values())


@pytest.mark.parametrize("kind", sorted(EXPECTED_DIRT_KEYS))
def test_dirt_rate(db: duckdb.DuckDBPyConnection, kind: str) -> None:
    observed, n = _dirt_counts(db)[kind]
    _assert_rate(observed, n, gen.DIRT_RATES[kind], kind)


def test_dirt_details(db: duckdb.DuckDBPyConnection) -> None:
    # Half of the duplicated orders were first loaded as pending, then as completed.
    pairs, pending = db.execute(
        """SELECT count(*), count(*) FILTER (WHERE first = 'pending' AND last = 'completed')
        FROM (SELECT order_id, arg_min(status, _loaded_at) AS first,
                arg_max(status, _loaded_at) AS last
            FROM orders WHERE order_id <> '' GROUP BY 1 HAVING count(*) > 1)"""
    ).fetchone()
    assert abs(pending - pairs / 2) <= 0.02 * pairs
    # Duplicates are the same row loaded later.
    changed = _one(
        db,
        """SELECT count(*) FROM (SELECT order_id FROM orders WHERE order_id <> ''
            GROUP BY 1 HAVING count(DISTINCT (customer_id, ordered_at, amount, currency)) > 1)""",
    )
    assert changed == 0
    # Refunds: negative amounts, in the past, in a known currency.
    refunds = db.execute(
        f"""SELECT max(amount), count(*) FILTER (WHERE ordered_at > TIMESTAMP '{END}'
            AND ordered_at < TIMESTAMP '{END + timedelta(days=365 * 9)}')
        FROM orders WHERE status IN {tuple(NEGATIVE_STATUSES)} AND amount < 1e6"""
    ).fetchone()
    assert refunds[0] < 0 and refunds[1] == 0
    cancelled_min = _one(db, "SELECT min(amount) FROM orders WHERE status = 'cancelled'")
    assert cancelled_min > 0
    future_min = _one(
        db,
        f"SELECT min(ordered_at) FROM orders WHERE ordered_at >= TIMESTAMP '{END}'",
    )
    assert future_min > END + timedelta(days=365 * 9)
    unknown = {
        r[0]
        for r in db.execute(
            f"""SELECT DISTINCT event_type FROM events
        WHERE NOT list_contains({_sql_list(EVENT_TYPES)}, event_type)"""
        ).fetchall()
    }
    assert unknown == set(gen.UNKNOWN_EVENT_TYPES)
    # Anonymous events keep their session, and the session has a known customer.
    stitched = _one(
        db,
        """SELECT avg((known > 0)::INT) FROM events e JOIN (
            SELECT session_id, count(customer_id) AS known FROM events GROUP BY 1
        ) USING (session_id)
        WHERE e.customer_id IS NULL""",
    )
    assert stitched > 0.5


# --- output formats and CLI ---------------------------------------------------------


def test_csv_reads_back_identical(runs: dict[str, dict]) -> None:
    con = duckdb.connect()
    for table, columns in RAW_TABLES.items():
        path = runs["csv"]["raw"] / f"{table}.csv"
        types = ", ".join(f"'{c}': '{SQL_TYPES[f]}'" for c, f in columns.items())
        csv = (
            f"read_csv('{path}', header = true, columns = {{{types}}}, "
            "allow_quoted_nulls = false, timestampformat = '%Y-%m-%dT%H:%M:%S')"
        )
        header = path.read_text().splitlines()[0]
        assert header == ",".join(columns), table
        parquet = f"'{runs['a']['raw'] / table}.parquet'"
        for x, y in ((csv, parquet), (parquet, csv)):
            assert _missing_rows(con, x, y) == 0, table
        assert _one(con, f"SELECT count(*) FROM {csv}") == runs["a"]["rows"][table]
    assert (runs["csv"]["truth"] / gen.TRUTH_FILE).exists()


def test_cli(tmp_path: Path) -> None:
    out = tmp_path / "data" / "raw"
    env = dict(os.environ)
    package_root = str(Path(segmentation.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    end_date = date(2025, 12, 31)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "segmentation.generate",
            "--customers",
            "300",
            "--seed",
            "7",
            "--out",
            str(out),
            "--end-date",
            end_date.isoformat(),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for table in RAW_TABLES:
        assert (out / f"{table}.parquet").is_file()
        assert table in done.stdout
    truth = tmp_path / "data" / "truth" / gen.TRUTH_FILE
    assert truth.is_file()
    assert "elapsed" in done.stdout
    last = _one(
        duckdb.connect(),
        f"""SELECT max(ordered_at) FROM '{out / "orders.parquet"}'
        WHERE ordered_at < TIMESTAMP '2030-01-01'""",
    )
    assert date(2025, 12, 1) <= last.date() <= end_date
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "segmentation.generate",
            "--customers",
            "10",
            "--out",
            str(tmp_path / "x"),
            "--format",
            "xlsx",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert bad.returncode != 0
