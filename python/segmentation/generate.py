"""Deterministic generator of realistic, dirty raw data for the segmentation project.

Usage::

    python -m segmentation.generate --customers 100000 --seed 42 --out data/raw

Writes one file per raw table of :data:`segmentation.contract.RAW_TABLES` into ``--out``
and the planted truth (``customer_personas.parquet``: customer_id, persona, is_shifted)
into ``--truth-out`` (default: the sibling folder ``truth`` of ``--out``). Truth never
goes into a raw file.

Everything is set-based: per-customer parameters are numpy arrays, ``np.repeat`` expands
customers to orders and sessions and sessions to events, and there is no Python loop per
row or per customer. Integer ids are built in numpy; DuckDB formats the string ids and
writes the files. The same arguments give the same bytes.

What is planted:

* five personas (:data:`PERSONAS`) with distinct order frequency, basket size, browsing
  and lifetime; seasonality (Nov-Dec, weekends, evenings) through an inverse-CDF time
  warp over an hourly intensity curve;
* a behaviour shift in the last :data:`SHIFT_DAYS` days: frequent_small_buyer amounts
  x :data:`FSB_SHIFT_FACTOR`, and :data:`LOYAL_CHURN_SHARE` of loyal_big_spender customers
  stop ordering and visiting (``is_shifted`` in truth);
* dirt at the rates of :data:`DIRT_RATES`.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from segmentation.contract import (
    CONSENT_PURPOSES,
    CURRENCIES,
    EVENT_TYPES,
    ORDER_STATUSES,
    RAW_TABLES,
    SEGMENTATION_PURPOSE,
)

DEFAULT_SEED = 42
DEFAULT_END_DATE = date(2026, 9, 30)
FORMATS = ("parquet", "csv")
TRUTH_FILE = "customer_personas.parquet"

DAY = 86_400
HOUR = 3_600
HISTORY_DAYS = 730  # orders and events start at end_date - 730 days
SIGNUP_MAX_AGE_DAYS = 1095  # earliest signup: end_date - 1095 days
SIGNUP_MIN_AGE_DAYS = 30  # latest signup: end_date - 30 days
SHIFT_DAYS = 90  # the shift window: the last 90 days
LAPSED_MIN_QUIET_DAYS = 190  # lapsed customers have no activity in the last 190+ days
LAPSED_MAX_QUIET_DAYS = 550
FSB_SHIFT_FACTOR = 1.8
LOYAL_CHURN_SHARE = 0.4
MAX_CUSTOMERS = 89_999_999  # ids C9xxxxxxx are reserved for orphan dirt
ORPHAN_ID_BASE = 90_000_000

# Persona specs, indexed by persona code (the position in PERSONAS).
PERSONAS = (
    "loyal_big_spender",
    "frequent_small_buyer",
    "one_time_buyer",
    "lapsed",
    "browser",
)
LOYAL, FSB, ONE_TIME, LAPSED, BROWSER = range(len(PERSONAS))
PERSONA_SHARES = {
    "loyal_big_spender": 0.12,
    "frequent_small_buyer": 0.20,
    "one_time_buyer": 0.25,
    "lapsed": 0.25,
    "browser": 0.18,
}
# Orders per active month (one_time_buyer and browser have fixed counts instead).
_ORDERS_PER_MONTH = np.array([4.0, 2.4, 0.0, 1.8, 0.0])
_MIN_ORDERS = np.array([2, 2, 1, 2, 0])
_BROWSER_ORDER_PROBS = (0.45, 0.40, 0.15)  # 0, 1 or 2 orders
# Median basket in USD; the per-order spread is lognormal, times a per-customer multiplier.
_BASKET_MEDIAN_USD = np.array([95.0, 22.0, 55.0, 45.0, 35.0])
_GUEST_BASKET_MEDIAN_USD = 45.0
_BASKET_SIGMA = 0.6
_CUSTOMER_SPEND_SIGMA = 0.35
# Sessions per active month, and p of 1 + Binomial(9, p) events per session.
_SESSIONS_PER_MONTH = np.array([0.23, 0.19, 0.075, 0.27, 0.35])
_EVENT_P = np.array([0.4, 0.4, 0.4, 0.4, 0.6])
_ANCHORED_SESSION_SHARE = 0.5  # sessions of buyers that end with one of their orders
# Event type mix per persona (columns: page_view, product_view, add_to_cart, checkout,
# search), laid out in the order of contract.EVENT_TYPES below.
_EVENT_MIX_BY_TYPE = {
    "page_view": (0.36, 0.40, 0.48, 0.45, 0.50),
    "product_view": (0.28, 0.26, 0.26, 0.27, 0.28),
    "add_to_cart": (0.16, 0.14, 0.10, 0.12, 0.05),
    "checkout": (0.08, 0.07, 0.04, 0.05, 0.01),
    "search": (0.12, 0.13, 0.12, 0.11, 0.16),
}
_EVENT_MIX = np.array([_EVENT_MIX_BY_TYPE[e] for e in EVENT_TYPES]).T  # persona x type
# Latest signup per persona, in days before the end (loyal customers must have history
# before the shift window, lapsed ones before their quiet period).
_SIGNUP_MIN_AGE = np.array(
    [120, SIGNUP_MIN_AGE_DAYS, SIGNUP_MIN_AGE_DAYS, 250, SIGNUP_MIN_AGE_DAYS]
)

COUNTRIES = ("US", "GB", "DE", "FR", "NL", "ES", "CA", "AU")
COUNTRY_WEIGHTS = (0.34, 0.14, 0.13, 0.10, 0.05, 0.07, 0.08, 0.09)
COUNTRY_CURRENCY = {
    "US": "USD",
    "GB": "GBP",
    "DE": "EUR",
    "FR": "EUR",
    "NL": "EUR",
    "ES": "EUR",
    "CA": "CAD",
    "AU": "AUD",
}
# Local currency units per USD, so amounts look local (prices are not converted exactly).
_FX_PER_USD = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79, "CAD": 1.37, "AUD": 1.52}
EMAIL_DOMAINS = ("example.com", "mail.test", "shop.example", "inbox.test")
_VERSION_PROBS = (0.85, 0.10, 0.05)  # 1, 2 or 3 rows per customer
_COUNTRY_CHANGE_P = 0.35  # an older version has another country than the next one

# Consents: shares of customers.
CONSENT_NONE_SHARE = 0.02
CONSENT_MARKETING_SHARE = 0.70
CONSENT_FLIP_SHARE = 0.05
ANALYTICS_GRANTED_P = 0.90
MARKETING_GRANTED_P = 0.60
DELETION_SHARE = 0.005
DELETION_TWICE_SHARE = 0.10

# Planted dirt. A rate is the expected fraction of the final table's rows (duplicates
# and other extra rows included), except orders_refund: refund/return rows per distinct
# completed order.
DIRT_RATES: dict[str, float] = {
    "orders_duplicate_load": 0.03,
    "orders_guest": 0.04,
    "orders_refund": 0.05,
    "orders_cancelled": 0.04,
    "orders_future_timestamp": 0.001,
    "orders_unknown_currency": 0.003,
    "orders_messy_currency": 0.02,
    "orders_orphan_customer": 0.003,
    "orders_missing_order_id": 0.0005,
    "orders_invalid_amount": 0.0005,
    "customers_messy_email": 0.10,
    "customers_missing_customer_id": 0.001,
    "customers_future_signup": 0.0005,
    "events_anonymous": 0.08,
    "events_duplicate_load": 0.01,
    "events_unknown_type": 0.002,
    "events_future_timestamp": 0.0005,
    "consents_orphan_customer": 0.001,
}
SORT_BUCKET = 20 * 60  # rows are ordered by _loaded_at and ids by time, per 20 minutes
ABSURD_AMOUNT = 9_999_999.99
FUTURE_MIN_YEARS, FUTURE_MAX_YEARS = 10, 40
UNKNOWN_CURRENCIES = ("XXX", "ZZZ", "US$", "", None)
UNKNOWN_EVENT_TYPES = ("pageview", "unknown_evt", "click??")

# String dictionaries: codes in numpy, strings attached as Arrow dictionaries.
_STATUS = {s: i for i, s in enumerate(ORDER_STATUSES)}
_CUR = {c: i for i, c in enumerate(CURRENCIES)}
_N_MESSY = 4


def _messy_currency(code: str, variant: int) -> str:
    """A valid currency code with stray whitespace and/or the wrong case."""
    return (code.lower(), " " + code.lower(), code.title() + " ", " " + code + "  ")[variant]


# Codes 0..4: CURRENCIES; 5..24: messy variants (5 + 4*currency + variant); then unknown.
_CURRENCY_STRINGS: tuple[str | None, ...] = (
    CURRENCIES
    + tuple(_messy_currency(c, v) for c in CURRENCIES for v in range(_N_MESSY))
    + UNKNOWN_CURRENCIES
)
_MESSY_CUR_BASE = len(CURRENCIES)
_UNKNOWN_CUR_BASE = _MESSY_CUR_BASE + _N_MESSY * len(CURRENCIES)
_EVENT_STRINGS = EVENT_TYPES + UNKNOWN_EVENT_TYPES
_COUNTRY_CUR = np.array([_CUR[COUNTRY_CURRENCY[c]] for c in COUNTRIES], dtype=np.int8)
_FX = np.array([_FX_PER_USD[c] for c in CURRENCIES])

# Hourly intensity of orders and visits (seasonality of the time warp).
_MONTH_FACTOR = np.array([0.85, 0.85, 0.95, 0.95, 1.0, 0.95, 0.95, 0.95, 1.0, 1.05, 1.6, 1.8])
_WEEKDAY_FACTOR = np.array([0.95, 0.92, 0.95, 1.0, 1.1, 1.35, 1.35])  # Monday first
_HOUR_FACTOR = np.array(
    [0.3, 0.2, 0.15, 0.12, 0.12, 0.15, 0.3, 0.5, 0.7, 0.85, 0.95, 1.0]
    + [1.05, 1.05, 1.0, 1.0, 1.05, 1.15, 1.3, 1.5, 1.6, 1.45, 1.05, 0.6]
)

_EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class Window:
    """Time bounds of a data set (naive UTC datetimes; ``end`` is exclusive)."""

    end: datetime  # midnight after end_date; the last instant of data is end_date 23:59:59
    history_start: datetime  # end_date - 730 days, first possible order or event
    shift_start: datetime  # start of the shift window (the last SHIFT_DAYS days)
    signup_start: datetime  # earliest possible signup
    signup_end: datetime  # exclusive latest signup (end_date - 30 days, end of day)

    @classmethod
    def for_end_date(cls, end_date: date) -> Window:
        """The window of a data set whose last day is ``end_date``."""
        end = datetime(end_date.year, end_date.month, end_date.day) + timedelta(days=1)
        return cls(
            end=end,
            history_start=end - timedelta(days=HISTORY_DAYS + 1),
            shift_start=end - timedelta(days=SHIFT_DAYS),
            signup_start=end - timedelta(days=SIGNUP_MAX_AGE_DAYS + 1),
            signup_end=end - timedelta(days=SIGNUP_MIN_AGE_DAYS),
        )

    @staticmethod
    def epoch(moment: datetime) -> int:
        """Seconds since 1970-01-01 of a naive UTC datetime."""
        return int((moment - _EPOCH).total_seconds())


@dataclass
class _People:
    """Per-customer arrays (index i is customer id i + 1)."""

    persona: np.ndarray  # int8 code into PERSONAS
    country: np.ndarray  # int8 code into COUNTRIES
    signup: np.ndarray  # int64 epoch seconds
    start: np.ndarray  # int64, first second the customer may order or visit
    stop: np.ndarray  # int64, exclusive end of activity
    shifted: np.ndarray  # bool, truth label is_shifted
    spend: np.ndarray  # float64 per-customer basket multiplier


@dataclass
class _Curve:
    """Cumulative intensity over hourly edges, for the inverse-CDF time warp."""

    edges: np.ndarray  # float64 epoch seconds
    cdf: np.ndarray  # float64, increasing


def _count(rate: float, n: float) -> int:
    """Number of planted rows for a rate over ``n`` rows."""
    return int(round(rate * n))


def _pick(rng: np.random.Generator, pool: np.ndarray, k: int) -> np.ndarray:
    """``k`` distinct elements of ``pool`` (all of it if it is smaller), sorted."""
    k = min(k, len(pool))
    chosen = pool[rng.choice(len(pool), size=k, replace=False)]
    chosen.sort()
    return chosen


def _partition(
    rng: np.random.Generator, pool: np.ndarray, counts: Sequence[int]
) -> list[np.ndarray]:
    """Disjoint random subsets of ``pool`` with the given sizes (each sorted)."""
    chosen = pool[rng.choice(len(pool), size=min(sum(counts), len(pool)), replace=False)]
    parts, at = [], 0
    for k in counts:
        parts.append(np.sort(chosen[at : at + k]))
        at += k
    return parts


def _uniform_int(rng: np.random.Generator, lo: np.ndarray, width: np.ndarray) -> np.ndarray:
    """Integer seconds in ``[lo, lo + width)`` (elementwise, ``width`` > 0)."""
    return lo + np.floor(rng.random(len(lo)) * width).astype(np.int64)


def _future(rng: np.random.Generator, k: int, end: int) -> np.ndarray:
    """Future-timestamp dirt: ``k`` moments 10 to 40 years after the end of the data."""
    years = rng.uniform(FUTURE_MIN_YEARS, FUTURE_MAX_YEARS, k)
    return end + np.floor(years * 365.25 * DAY).astype(np.int64)


def _curve(start: int, end: int) -> _Curve:
    """Hourly activity intensity between two midnights (Nov-Dec, weekends, evenings)."""
    hours = (end - start) // HOUR
    edges = start + HOUR * np.arange(hours + 1, dtype=np.int64)
    mids = edges[:-1]
    month = mids.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64) % 12
    weekday = (mids // DAY + 3) % 7  # 1970-01-01 was a Thursday
    hour = (mids // HOUR) % 24
    weight = _MONTH_FACTOR[month] * _WEEKDAY_FACTOR[weekday] * _HOUR_FACTOR[hour]
    return _Curve(edges=edges.astype(np.float64), cdf=np.concatenate([[0.0], np.cumsum(weight)]))


def _warp(
    rng: np.random.Generator, curve: _Curve, lo: np.ndarray, hi: np.ndarray, counts: np.ndarray
) -> np.ndarray:
    """``counts[i]`` seasonal timestamps in ``[lo[i], hi[i])`` per item, grouped by item.

    Uniform draws on the cumulative intensity between ``lo`` and ``hi`` are mapped back
    to time with ``np.interp`` (inverse CDF), so busy hours get more timestamps.
    """
    a = np.interp(lo.astype(np.float64) + 1.0, curve.edges, curve.cdf)
    b = np.interp(hi.astype(np.float64) - 1.0, curve.edges, curve.cdf)
    u = rng.random(int(counts.sum()))
    u *= np.repeat(b - a, counts)
    u += np.repeat(a, counts)
    return np.floor(np.interp(u, curve.cdf, curve.edges)).astype(np.int64)


def _loaded_at(rng: np.random.Generator, t: np.ndarray, end: int) -> np.ndarray:
    """Load time 1 to 48 hours after ``t``, never later than end + 47 hours."""
    width = np.minimum(t + 48 * HOUR, end + 47 * HOUR) - t - HOUR
    return _uniform_int(rng, t + HOUR, width)


def _later_load(rng: np.random.Generator, loaded: np.ndarray, end: int) -> np.ndarray:
    """A strictly later load time (up to a week), never later than end + 2 days - 1 s."""
    cap = end + 48 * HOUR - 1
    width = np.minimum(7 * DAY, cap - loaded) - 1
    return _uniform_int(rng, loaded + 1, np.maximum(width, 1))


def _bucket_order(seconds: np.ndarray, origin: int) -> np.ndarray:
    """Stable permutation ordering rows by 20-minute bucket of ``seconds``.

    Bucket numbers fit 16 bits, for which numpy's stable argsort is a radix sort: much
    faster than a full sort of tens of millions of timestamps.
    """
    buckets = (seconds - origin) // SORT_BUCKET
    if len(buckets) and (buckets.min() < 0 or buckets.max() > np.iinfo(np.uint16).max):
        raise ValueError("timestamps out of the sortable range")
    return np.argsort(buckets.astype(np.uint16), kind="stable")


def _sequence_ids(seconds: np.ndarray, origin: int) -> np.ndarray:
    """Ids 1..n increasing with time (at 20-minute granularity), as int64."""
    ids = np.empty(len(seconds), np.int64)
    ids[_bucket_order(seconds, origin)] = np.arange(1, len(seconds) + 1, dtype=np.int64)
    return ids


def _append_and_sort(
    cols: dict[str, np.ndarray], extra: dict[str, np.ndarray], key: str, origin: int
) -> dict[str, np.ndarray]:
    """Append ``extra`` rows to ``cols`` and order all rows by 20-minute bucket of ``key``.

    Works one column at a time and drops each input as soon as it is replaced, so peak
    memory stays near one copy of the table plus one column.
    """
    for name in list(cols):
        cols[name] = np.concatenate([cols.pop(name), extra.pop(name)])
    order = _bucket_order(cols[key], origin)
    for name in list(cols):
        cols[name] = cols.pop(name)[order]
    return cols


def _dictionary(codes: np.ndarray, strings: Sequence[str | None]) -> pa.DictionaryArray:
    """Arrow dictionary array of ``strings[code]``; a ``None`` string gives NULL."""
    nulls = [i for i, s in enumerate(strings) if s is None]
    mask = np.isin(codes, nulls) if nulls else None
    values = pa.array([s if s is not None else "" for s in strings], type=pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(codes, mask=mask), values)


def _ts(seconds: np.ndarray) -> pa.Array:
    """Arrow timestamp[s] view of int64 epoch seconds."""
    return pa.array(seconds.astype(np.int64, copy=False).view("datetime64[s]"))


def _id_sql(column: str, prefix: str, width: int) -> str:
    """SQL formatting an integer id code: -1 is NULL, -2 is '', else prefix + digits."""
    return (
        f"CASE WHEN {column} = -1 THEN NULL WHEN {column} = -2 THEN '' "
        f"ELSE '{prefix}' || lpad({column}::VARCHAR, {width}, '0') END"
    )


def _id_dictionary(
    con: duckdb.DuckDBPyConnection, codes: np.ndarray, prefix: str, width: int
) -> pa.DictionaryArray:
    """String ids of integer id codes as an Arrow dictionary (-1 is NULL, -2 is '').

    Each distinct id is formatted once (by DuckDB) instead of once per row: the
    dictionary holds the ids 1..m (m: the largest code below the orphan range), '' and
    the orphan codes.
    """
    high = codes >= ORPHAN_ID_BASE
    extra = np.unique(codes[high]).astype(np.int64)
    top = int(codes[~high].max(initial=0))
    numbers = np.concatenate([np.arange(1, top + 1, dtype=np.int64), [-2], extra])
    index = codes.astype(np.int32)
    index -= 1
    index[codes == -2] = top
    index[high] = top + 1 + np.searchsorted(extra, codes[high])
    nulls = codes == -1
    index[nulls] = 0
    con.register("id_numbers", pa.table({"v": numbers}))
    values = con.execute(
        f"SELECT {_id_sql('v', prefix, width)} AS id FROM id_numbers"
    ).to_arrow_table()
    con.unregister("id_numbers")
    if values.num_rows != len(numbers):
        raise RuntimeError("id dictionary lost rows")
    return pa.DictionaryArray.from_arrays(
        pa.array(index, mask=nulls), values.column("id").combine_chunks()
    )


def _with_id_dictionaries(
    con: duckdb.DuckDBPyConnection, table: pa.Table, ids: dict[str, tuple[str, int]]
) -> pa.Table:
    """Replace the integer id code columns named in ``ids`` by string dictionaries."""
    for name, (prefix, width) in ids.items():
        codes = table.column(name).to_numpy()
        at = table.schema.get_field_index(name)
        table = table.set_column(at, name, _id_dictionary(con, codes, prefix, width))
    return table


def _write(
    con: duckdb.DuckDBPyConnection,
    table: pa.Table,
    columns: dict[str, str],
    order: Sequence[str],
    path: Path,
    fmt: str,
    source: str = "src",
) -> None:
    """COPY ``SELECT columns FROM source`` to ``path`` as parquet (zstd) or csv.

    ``table`` is registered as ``src``; ``source`` may be a subquery over it. Its
    customer id codes (``cid``) become string ids through a dictionary.
    """
    if list(columns) != list(order):
        raise ValueError(f"columns {list(columns)} do not match the contract {list(order)}")
    table = _with_id_dictionaries(con, table, {"cid": ("C", 8)})
    con.register("src", table)
    select = ", ".join(f"{expr} AS {name}" for name, expr in columns.items())
    target = str(path).replace("'", "''")
    if fmt == "parquet":
        options = "FORMAT parquet, COMPRESSION zstd"
    else:
        options = "FORMAT csv, HEADER true, TIMESTAMPFORMAT '%Y-%m-%dT%H:%M:%S'"
    con.execute(f"COPY (SELECT {select} FROM {source}) TO '{target}' ({options})")
    con.unregister("src")


def _people(rng: np.random.Generator, n: int, win: Window) -> _People:
    """Draw persona, country, signup and activity span of every customer."""
    end = win.epoch(win.end)
    persona = rng.choice(len(PERSONAS), size=n, p=list(PERSONA_SHARES.values())).astype(np.int8)
    country = rng.choice(len(COUNTRIES), size=n, p=COUNTRY_WEIGHTS).astype(np.int8)
    signup_lo = win.epoch(win.signup_start)
    signup_hi = end - _SIGNUP_MIN_AGE[persona].astype(np.int64) * DAY
    signup = _uniform_int(rng, np.full(n, signup_lo, np.int64), signup_hi - signup_lo)
    start = np.maximum(signup, win.epoch(win.history_start)) + 60
    stop = np.full(n, end, np.int64)
    shifted = (persona == LOYAL) & (rng.random(n) < LOYAL_CHURN_SHARE)
    stop[shifted] = win.epoch(win.shift_start)
    lapsed = np.flatnonzero(persona == LAPSED)
    quiet = rng.uniform(LAPSED_MIN_QUIET_DAYS, LAPSED_MAX_QUIET_DAYS, len(lapsed))
    lapse = end - np.floor(quiet * DAY).astype(np.int64)
    stop[lapsed] = np.clip(lapse, start[lapsed] + 30 * DAY, end - LAPSED_MIN_QUIET_DAYS * DAY)
    spend = rng.lognormal(0.0, _CUSTOMER_SPEND_SIGMA, n)
    return _People(persona, country, signup, start, stop, shifted | (persona == FSB), spend)


def _customers_table(rng: np.random.Generator, p: _People, win: Window) -> pa.Table:
    """Customer rows: 1-3 versions per customer plus dirt, sorted by updated_at."""
    n = len(p.persona)
    end = win.epoch(win.end)
    versions = rng.choice(np.array([1, 2, 3], np.int8), size=n, p=_VERSION_PROBS)
    rows = int(versions.sum())
    cust = np.repeat(np.arange(n, dtype=np.int32), versions)
    first = np.cumsum(versions, dtype=np.int64) - versions
    k = np.arange(rows, dtype=np.int64) - np.repeat(first, versions)
    signup = p.signup[cust]
    # Later versions: sorted uniform moments between signup and the end, +k keeps them
    # strictly increasing after flooring.
    u = rng.random(rows)
    three = first[versions == 3] + 1
    u[three], u[three + 1] = np.minimum(u[three], u[three + 1]), np.maximum(u[three], u[three + 1])
    later = k > 0
    updated = signup.copy()
    span = end - HOUR - signup[later] - 60
    updated[later] = signup[later] + 60 + np.floor(u[later] * span).astype(np.int64) + k[later]
    # The latest version holds the customer's country; older ones may differ.
    country = p.country[cust]
    older = np.flatnonzero(k < np.repeat(versions - 1, versions).astype(np.int64))
    moved = older[rng.random(len(older)) < _COUNTRY_CHANGE_P]
    step = rng.integers(1, len(COUNTRIES), len(moved))
    country[moved] = (country[moved] + step) % len(COUNTRIES)
    email_num = rng.permutation(n).astype(np.int32) + 1
    domain = rng.integers(0, len(EMAIL_DOMAINS), n).astype(np.int8)
    cid = cust + 1
    # customers_future_signup: whole customers, so all their versions agree.
    future = _pick(rng, np.arange(n), _count(DIRT_RATES["customers_future_signup"], n))
    future_signup = np.zeros(n, np.int64)
    future_signup[future] = _future(rng, len(future), end)
    moved_rows = np.flatnonzero(future_signup[cust] > 0)
    signup[moved_rows] = future_signup[cust[moved_rows]]
    enum, dom = email_num[cust], domain[cust]
    # customers_missing_customer_id: extra copies of random rows with a NULL or '' id.
    rate = DIRT_RATES["customers_missing_customer_id"]
    extra = _count(rate, rows / (1 - rate))
    src = np.sort(rng.integers(0, rows, extra))
    cid = np.concatenate([cid, np.where(rng.random(extra) < 0.5, -1, -2).astype(np.int32)])
    country = np.concatenate([country, country[src]])
    signup = np.concatenate([signup, signup[src]])
    updated = np.concatenate([updated, updated[src]])
    enum = np.concatenate([enum, enum[src]])
    dom = np.concatenate([dom, dom[src]])
    total = rows + extra
    messy = np.zeros(total, np.int8)
    dirty = _pick(rng, np.arange(total), _count(DIRT_RATES["customers_messy_email"], total))
    messy[dirty] = rng.integers(1, 7, len(dirty))
    order = np.argsort(updated, kind="stable")
    return pa.table(
        {
            "cid": cid[order],
            "email_num": enum[order],
            "domain": _dictionary(dom[order], EMAIL_DOMAINS),
            "messy": messy[order],
            "country": _dictionary(country[order], COUNTRIES),
            "signup_at": _ts(signup[order]),
            "updated_at": _ts(updated[order]),
        }
    )


_EMAIL_SQL = """CASE messy
    WHEN 0 THEN e
    WHEN 1 THEN '  ' || e
    WHEN 2 THEN e || ' '
    WHEN 3 THEN upper(e)
    WHEN 4 THEN upper(e[1]) || e[2:]
    WHEN 5 THEN ' ' || upper(e) || ' '
    ELSE split_part(e, '@', 1) || '@' || upper(split_part(e, '@', 2)) END"""


def _write_customers(con: duckdb.DuckDBPyConnection, table: pa.Table, path: Path, fmt: str) -> None:
    """Format and write the customers table."""
    source = "(SELECT *, 'user' || email_num::VARCHAR || '@' || domain::VARCHAR AS e FROM src)"
    columns = {
        "customer_id": "cid::VARCHAR",
        "email": _EMAIL_SQL,
        "country": "country::VARCHAR",
        "signup_at": "signup_at::TIMESTAMP",
        "updated_at": "updated_at::TIMESTAMP",
    }
    _write(con, table, columns, RAW_TABLES["customers"], path, fmt, source)


@dataclass
class _Orders:
    """Per-customer orders, grouped by customer (customer-linked orders only)."""

    counts: np.ndarray  # int32 orders per customer
    cust: np.ndarray  # int32 customer index per order
    t: np.ndarray  # int64 epoch seconds


def _order_counts(rng: np.random.Generator, p: _People) -> np.ndarray:
    """Number of orders per customer, by persona."""
    n = len(p.persona)
    months = (p.stop - p.start) / (30.44 * DAY)
    lam = _ORDERS_PER_MONTH[p.persona] * months * rng.gamma(4.0, 0.25, n)
    counts = np.maximum(rng.poisson(lam), _MIN_ORDERS[p.persona])
    counts[p.persona == ONE_TIME] = 1
    browsers = np.flatnonzero(p.persona == BROWSER)
    counts[browsers] = rng.choice(len(_BROWSER_ORDER_PROBS), len(browsers), p=_BROWSER_ORDER_PROBS)
    return counts.astype(np.int32)


def _basket(rng: np.random.Generator, median_usd: np.ndarray, cur: np.ndarray) -> np.ndarray:
    """Lognormal order amounts in local currency, rounded to cents."""
    amount = median_usd * _FX[cur] * np.exp(_BASKET_SIGMA * rng.standard_normal(len(cur)))
    return np.round(np.maximum(amount, 0.5), 2)


def _orders_table(
    rng: np.random.Generator, p: _People, base: _Orders, curve: _Curve, win: Window
) -> pa.Table:
    """All order rows (customer orders, guests, refunds, dirt), sorted by _loaded_at."""
    end = win.epoch(win.end)
    status_code = np.int8(_STATUS["completed"])
    n_base = len(base.cust)
    # Amounts: persona median x customer multiplier, x1.8 for frequent small buyers in
    # the shift window.
    persona = p.persona[base.cust]
    cur = _COUNTRY_CUR[p.country[base.cust]]
    amount = _basket(rng, _BASKET_MEDIAN_USD[persona] * p.spend[base.cust], cur)
    boosted = (persona == FSB) & (base.t >= win.epoch(win.shift_start))
    amount[boosted] = np.round(amount[boosted] * FSB_SHIFT_FACTOR, 2)
    del persona, boosted
    # Sizes, so that every rate holds against the final table (see DIRT_RATES).
    # Core rows (customer orders + guests + refunds) are about base * 1.05 / 0.96; the
    # duplicates (3% of the final rows) copy core rows, but only half of them may copy a
    # cancelled row (the other half turns completed rows into pending + completed).
    core_est = (n_base * (1 + DIRT_RATES["orders_refund"])) / (1 - DIRT_RATES["orders_guest"])
    dup_rate = DIRT_RATES["orders_duplicate_load"]
    dup_est = core_est * dup_rate / (1 - dup_rate)
    n_guest = _count(DIRT_RATES["orders_guest"], core_est)
    cancel_copies = 1 + (dup_est / 2) / (core_est - dup_est / 2)
    n_cancel = _count(DIRT_RATES["orders_cancelled"], (core_est + dup_est) / cancel_copies)
    # Guest orders (customer NULL) over the whole history.
    hist = np.array([win.epoch(win.history_start)])
    g_t = _warp(rng, curve, hist, np.array([end]), np.array([n_guest]))
    g_cur = _COUNTRY_CUR[rng.choice(len(COUNTRIES), n_guest, p=COUNTRY_WEIGHTS)]
    g_amount = _basket(rng, np.full(n_guest, _GUEST_BASKET_MEDIAN_USD), g_cur)
    status = np.full(n_base + n_guest, status_code, np.int8)
    status[_pick(rng, np.arange(n_base + n_guest), n_cancel)] = _STATUS["cancelled"]
    # Refunds and returns of completed customer orders, 1-30 days later, within the
    # customer's activity span (so lapsed and churned customers stay quiet).
    completed = int((status == status_code).sum())
    n_refund = _count(DIRT_RATES["orders_refund"], completed)
    eligible = np.flatnonzero(
        (status[:n_base] == status_code) & (base.t + 30 * DAY <= p.stop[base.cust])
    )
    src = _pick(rng, eligible, n_refund)
    del eligible
    n_refund = len(src)
    r_t = base.t[src] + DAY + np.floor(rng.random(n_refund) * 29 * DAY).astype(np.int64)
    r_status = np.where(rng.random(n_refund) < 0.65, _STATUS["refunded"], _STATUS["returned"])
    r_amount = -np.round(amount[src] * rng.uniform(0.1, 1.0, n_refund), 2)
    # Core rows: customer orders, guest orders, refunds.
    cust = np.concatenate([base.cust + 1, np.full(n_guest, -1, np.int32), base.cust[src] + 1])
    t = np.concatenate([base.t, g_t, r_t])
    status = np.concatenate([status, r_status.astype(np.int8)])
    amount = np.concatenate([amount, g_amount, r_amount])
    cur = np.concatenate([cur, g_cur, cur[src]])
    del g_t, g_cur, g_amount, r_t, r_status, r_amount, src
    n_core = len(t)
    oid = _sequence_ids(t, win.epoch(win.history_start))
    loaded = _loaded_at(rng, t, end)
    # Field dirt on disjoint customer rows; duplicates below copy it with the row.
    kinds = (
        "orders_future_timestamp",
        "orders_unknown_currency",
        "orders_messy_currency",
        "orders_orphan_customer",
        "orders_missing_order_id",
        "orders_invalid_amount",
    )
    fut, unk, messy, orphan, missing, invalid = _partition(
        rng, np.flatnonzero(cust > 0), [_count(DIRT_RATES[k], n_core) for k in kinds]
    )
    t[fut] = _future(rng, len(fut), end)
    cur[unk] = _UNKNOWN_CUR_BASE + rng.integers(0, len(UNKNOWN_CURRENCIES), len(unk))
    cur[messy] = _MESSY_CUR_BASE + _N_MESSY * cur[messy] + rng.integers(0, _N_MESSY, len(messy))
    cust[orphan] = ORPHAN_ID_BASE + rng.integers(0, 10_000_000, len(orphan))
    oid[missing] = np.where(rng.random(len(missing)) < 0.5, -1, -2)
    kind = rng.integers(0, 3, len(invalid))
    amount[invalid[kind == 0]] = np.nan  # NULL
    amount[invalid[kind == 1]] = ABSURD_AMOUNT
    negative = invalid[kind == 2]
    amount[negative] = -np.abs(amount[negative])
    status[negative] = status_code
    # Duplicate loads: half of them first loaded as pending, then again as completed.
    rate = DIRT_RATES["orders_duplicate_load"]
    n_dup = _count(rate, n_core / (1 - rate))
    pending = _pick(rng, np.flatnonzero(status == status_code), n_dup // 2)
    others = np.ones(n_core, bool)
    others[pending] = False
    dup = np.concatenate([pending, _pick(rng, np.flatnonzero(others), n_dup - len(pending))])
    del others
    cols = {"oid": oid, "cid": cust, "t": t, "status": status, "amount": amount, "cur": cur}
    extra = {name: values[dup] for name, values in cols.items()}
    status[pending] = _STATUS["pending"]
    cols["loaded"], extra["loaded"] = loaded, _later_load(rng, loaded[dup], end)
    del oid, cust, t, status, amount, cur, loaded, dup, pending
    cols = _append_and_sort(cols, extra, "loaded", win.epoch(win.history_start))
    return pa.table(
        {
            "oid": cols.pop("oid"),
            "cid": cols.pop("cid"),
            "ordered_at": _ts(cols.pop("t")),
            "status": _dictionary(cols.pop("status"), ORDER_STATUSES),
            "amount": cols.pop("amount"),
            "currency": _dictionary(cols.pop("cur"), _CURRENCY_STRINGS),
            "_loaded_at": _ts(cols.pop("loaded")),
        }
    )


def _write_orders(con: duckdb.DuckDBPyConnection, table: pa.Table, path: Path, fmt: str) -> None:
    """Format and write the orders table."""
    columns = {
        "order_id": _id_sql("oid", "O", 10),
        "customer_id": "cid::VARCHAR",
        "ordered_at": "ordered_at::TIMESTAMP",
        "status": "status::VARCHAR",
        "amount": "CASE WHEN isnan(amount) THEN NULL ELSE amount END",
        "currency": "currency::VARCHAR",
        "_loaded_at": "_loaded_at::TIMESTAMP",
    }
    _write(con, table, columns, RAW_TABLES["orders"], path, fmt)


@dataclass
class _Sessions:
    """Sessions (grouped by customer) and their events."""

    events: np.ndarray  # int32 events per session
    cust: np.ndarray  # int32 customer index per session
    start: np.ndarray  # int64 epoch seconds of the first event
    offsets: np.ndarray  # int64 seconds of each event after its session start


def _sessions(rng: np.random.Generator, p: _People, base: _Orders, curve: _Curve) -> _Sessions:
    """Sessions per customer by persona; half of a buyer's sessions end with an order."""
    n = len(p.persona)
    months = (p.stop - p.start) / (30.44 * DAY)
    lam = _SESSIONS_PER_MONTH[p.persona] * months * rng.gamma(2.0, 0.5, n)
    counts = rng.poisson(lam).astype(np.int32)
    counts[p.persona == BROWSER] = np.maximum(counts[p.persona == BROWSER], 1)
    cust = np.repeat(np.arange(n, dtype=np.int32), counts)
    n_sessions = len(cust)
    events = 1 + rng.binomial(9, _EVENT_P[p.persona[cust]]).astype(np.int32)
    # Events a few minutes apart: offsets from a per-session cumulative sum of gaps.
    gaps = np.minimum(20.0 + rng.exponential(100.0, int(events.sum())), 600.0)
    first = np.cumsum(events, dtype=np.int64) - events
    gaps[first] = 0.0
    cum = np.cumsum(gaps)
    del gaps
    offsets = np.floor(cum - np.repeat(cum[first], events)).astype(np.int64)
    del cum
    duration = offsets[first + events - 1]
    # Free sessions: seasonal start within the activity span, ending before its stop.
    start = _warp(rng, curve, p.start, p.stop - 2 * HOUR, counts)
    # Anchored sessions end at one of the customer's orders.
    order_first = np.cumsum(base.counts, dtype=np.int64) - base.counts
    buyer = base.counts[cust] > 0
    anchored = np.flatnonzero(buyer & (rng.random(n_sessions) < _ANCHORED_SESSION_SHARE))
    a_cust = cust[anchored]
    pick = order_first[a_cust] + np.floor(rng.random(len(anchored)) * base.counts[a_cust])
    lead = duration[anchored] + rng.integers(30, 600, len(anchored))
    start[anchored] = np.maximum(base.t[pick.astype(np.int64)] - lead, p.start[a_cust])
    return _Sessions(events=events, cust=cust, start=start, offsets=offsets)


def _events_table(rng: np.random.Generator, p: _People, s: _Sessions, win: Window) -> pa.Table:
    """All event rows (with dirt), sorted by _loaded_at."""
    end = win.epoch(win.end)
    sid = np.empty(len(s.cust), np.int64)  # session ids follow session start
    sid[np.argsort(s.start, kind="stable")] = np.arange(1, len(s.cust) + 1, dtype=np.int64)
    ev_sid = np.repeat(sid, s.events)
    del sid
    t = np.repeat(s.start, s.events) + s.offsets
    persona = np.repeat(p.persona[s.cust], s.events)
    cust = np.repeat(s.cust + 1, s.events)
    u = rng.random(len(t))
    etype = np.empty(len(t), np.int8)
    for code in range(len(PERSONAS)):
        mask = persona == code
        cdf = np.cumsum(_EVENT_MIX[code])[:-1]
        etype[mask] = np.searchsorted(cdf, u[mask], side="right")
    del persona, u
    n_core = len(t)
    eid = _sequence_ids(t, win.epoch(win.history_start))
    loaded = _loaded_at(rng, t, end)
    kinds = ("events_anonymous", "events_unknown_type", "events_future_timestamp")
    anon, unknown, fut = _partition(
        rng, np.arange(n_core), [_count(DIRT_RATES[k], n_core) for k in kinds]
    )
    cust[anon] = -1
    etype[unknown] = len(EVENT_TYPES) + rng.integers(0, len(UNKNOWN_EVENT_TYPES), len(unknown))
    t[fut] = _future(rng, len(fut), end)
    rate = DIRT_RATES["events_duplicate_load"]
    dup = _pick(rng, np.arange(n_core), _count(rate, n_core / (1 - rate)))
    cols = {"eid": eid, "cid": cust, "sid": ev_sid, "type": etype, "t": t}
    extra = {name: values[dup] for name, values in cols.items()}
    cols["loaded"], extra["loaded"] = loaded, _later_load(rng, loaded[dup], end)
    del eid, cust, ev_sid, etype, t, loaded, dup
    cols = _append_and_sort(cols, extra, "loaded", win.epoch(win.history_start))
    return pa.table(
        {
            "eid": cols.pop("eid"),
            "cid": cols.pop("cid"),
            "sid": cols.pop("sid"),
            "event_type": _dictionary(cols.pop("type"), _EVENT_STRINGS),
            "occurred_at": _ts(cols.pop("t")),
            "_loaded_at": _ts(cols.pop("loaded")),
        }
    )


def _write_events(con: duckdb.DuckDBPyConnection, table: pa.Table, path: Path, fmt: str) -> None:
    """Format and write the events table."""
    columns = {
        "event_id": _id_sql("eid", "E", 11),
        "customer_id": "cid::VARCHAR",
        "session_id": "sid::VARCHAR",
        "event_type": "event_type::VARCHAR",
        "occurred_at": "occurred_at::TIMESTAMP",
        "_loaded_at": "_loaded_at::TIMESTAMP",
    }
    table = _with_id_dictionaries(con, table, {"sid": ("S", 10)})
    _write(con, table, columns, RAW_TABLES["events"], path, fmt)


def _consents_table(rng: np.random.Generator, p: _People, win: Window) -> pa.Table:
    """Consent records (analytics, marketing, later flips, orphans) by recorded_at."""
    n = len(p.persona)
    end = win.epoch(win.end)
    analytics = CONSENT_PURPOSES.index(SEGMENTATION_PURPOSE)
    marketing = CONSENT_PURPOSES.index("marketing")
    has_any = rng.random(n) >= CONSENT_NONE_SHARE
    keep = 1 - CONSENT_NONE_SHARE
    has_mkt = has_any & (rng.random(n) < CONSENT_MARKETING_SHARE / keep)
    has_flip = has_any & (rng.random(n) < CONSENT_FLIP_SHARE / keep)
    a_at = p.signup + rng.integers(1, 600, n)
    a_granted = rng.random(n) < ANALYTICS_GRANTED_P
    m_at = _uniform_int(rng, p.signup + 1, np.minimum(30 * DAY, end - 2 - p.signup))
    m_granted = rng.random(n) < MARKETING_GRANTED_P
    f_at = _uniform_int(rng, a_at + 1, end - 2 - a_at)
    a_idx, m_idx, f_idx = np.flatnonzero(has_any), np.flatnonzero(has_mkt), np.flatnonzero(has_flip)
    cust = np.concatenate([a_idx, m_idx, f_idx]).astype(np.int32) + 1
    purpose = np.concatenate(
        [
            np.full(len(a_idx), analytics, np.int8),
            np.full(len(m_idx), marketing, np.int8),
            np.full(len(f_idx), analytics, np.int8),
        ]
    )
    granted = np.concatenate([a_granted[a_idx], m_granted[m_idx], ~a_granted[f_idx]])
    at = np.concatenate([a_at[a_idx], m_at[m_idx], f_at[f_idx]])
    rate = DIRT_RATES["consents_orphan_customer"]
    n_orphan = _count(rate, len(cust) / (1 - rate))
    hist = win.epoch(win.history_start)
    cust = np.concatenate(
        [cust, ORPHAN_ID_BASE + rng.integers(0, 10_000_000, n_orphan).astype(np.int32)]
    )
    purpose = np.concatenate([purpose, rng.integers(0, 2, n_orphan).astype(np.int8)])
    granted = np.concatenate([granted, rng.random(n_orphan) < ANALYTICS_GRANTED_P])
    at = np.concatenate([at, hist + rng.integers(0, end - hist, n_orphan)])
    order = np.argsort(at, kind="stable")
    return pa.table(
        {
            "cid": cust[order],
            "purpose": _dictionary(purpose[order], CONSENT_PURPOSES),
            "granted": granted[order],
            "recorded_at": _ts(at[order]),
        }
    )


def _write_consents(con: duckdb.DuckDBPyConnection, table: pa.Table, path: Path, fmt: str) -> None:
    """Format and write the consents table."""
    columns = {
        "customer_id": "cid::VARCHAR",
        "purpose": "purpose::VARCHAR",
        "granted": "granted",
        "recorded_at": "recorded_at::TIMESTAMP",
    }
    _write(con, table, columns, RAW_TABLES["consents"], path, fmt)


def _deletions_table(rng: np.random.Generator, p: _People, win: Window) -> pa.Table:
    """Deletion requests of ~0.5% of customers, ~10% of them requested twice."""
    n = len(p.persona)
    end = win.epoch(win.end)
    who = _pick(rng, np.arange(n), _count(DELETION_SHARE, n))
    lo = p.start[who] + DAY
    first = _uniform_int(rng, lo, end - 2 * DAY - lo)
    twice = _pick(rng, np.arange(len(who)), _count(DELETION_TWICE_SHARE, len(who)))
    again = _uniform_int(
        rng, first[twice] + HOUR, np.minimum(60 * DAY, end - 1 - first[twice] - HOUR)
    )
    cust = np.concatenate([who, who[twice]]).astype(np.int32) + 1
    at = np.concatenate([first, again])
    order = np.argsort(at, kind="stable")
    return pa.table({"cid": cust[order], "requested_at": _ts(at[order])})


def _write_deletions(con: duckdb.DuckDBPyConnection, table: pa.Table, path: Path, fmt: str) -> None:
    """Format and write the deletion_requests table."""
    columns = {
        "customer_id": "cid::VARCHAR",
        "requested_at": "requested_at::TIMESTAMP",
    }
    _write(con, table, columns, RAW_TABLES["deletion_requests"], path, fmt)


def _write_truth(con: duckdb.DuckDBPyConnection, p: _People, path: Path) -> None:
    """Write the planted persona and shift labels of every customer (parquet)."""
    n = len(p.persona)
    table = pa.table(
        {
            "cid": np.arange(1, n + 1, dtype=np.int32),
            "persona": _dictionary(p.persona, PERSONAS),
            "is_shifted": p.shifted,
        }
    )
    con.register("src", table)
    target = str(path).replace("'", "''")
    con.execute(
        f"COPY (SELECT {_id_sql('cid', 'C', 8)} AS customer_id, persona::VARCHAR AS persona, "
        f"is_shifted FROM src) TO '{target}' (FORMAT parquet, COMPRESSION zstd)"
    )
    con.unregister("src")


def generate(
    customers: int, seed: int, out: Path, truth_out: Path, end_date: date, fmt: str
) -> dict[str, int]:
    """Generate every raw table into ``out`` and the truth into ``truth_out``.

    Returns the number of rows written per raw table. Each table is written as soon as
    it is complete and its arrays are released, to keep peak memory low.
    """
    if not 1 <= customers <= MAX_CUSTOMERS:
        raise ValueError(f"customers must be between 1 and {MAX_CUSTOMERS}")
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    out, truth_out = Path(out), Path(truth_out)
    out.mkdir(parents=True, exist_ok=True)
    truth_out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    win = Window.for_end_date(end_date)
    curve = _curve(win.epoch(win.history_start), win.epoch(win.end))
    # One thread: the same arguments give the same bytes.
    con = duckdb.connect(config={"threads": 1})
    con.execute("SET enable_progress_bar = false")
    rows: dict[str, int] = {}

    def write(name: str, table: pa.Table, writer) -> None:
        """Write one raw table and record its row count."""
        writer(con, table, out / f"{name}.{fmt}", fmt)
        rows[name] = table.num_rows

    people = _people(rng, customers, win)
    _write_truth(con, people, truth_out / TRUTH_FILE)
    write("customers", _customers_table(rng, people, win), _write_customers)
    counts = _order_counts(rng, people)
    cust = np.repeat(np.arange(customers, dtype=np.int32), counts)
    t = _warp(rng, curve, people.start, people.stop, counts)
    base = _Orders(counts=counts, cust=cust, t=t)
    del cust, t
    sessions = _sessions(rng, people, base, curve)
    write("orders", _orders_table(rng, people, base, curve, win), _write_orders)
    del base
    write("events", _events_table(rng, people, sessions, win), _write_events)
    del sessions
    write("consents", _consents_table(rng, people, win), _write_consents)
    write("deletion_requests", _deletions_table(rng, people, win), _write_deletions)
    con.close()
    return rows


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m segmentation.generate", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--customers", type=int, required=True, help="number of customers")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument("--out", type=Path, required=True, help="folder of the raw files")
    parser.add_argument(
        "--truth-out", type=Path, default=None, help="truth folder (default: sibling 'truth')"
    )
    parser.add_argument(
        "--end-date",
        type=date.fromisoformat,
        default=DEFAULT_END_DATE,
        help="last day of data, YYYY-MM-DD (default: %(default)s)",
    )
    parser.add_argument("--format", choices=FORMATS, default="parquet", help="file format")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Command line entry point."""
    args = _parse_args(argv)
    truth_out = args.truth_out if args.truth_out is not None else args.out.parent / "truth"
    started = time.perf_counter()
    rows = generate(args.customers, args.seed, args.out, truth_out, args.end_date, args.format)
    for name, count in rows.items():
        print(f"{name:<18} {count:>12,} rows -> {args.out / f'{name}.{args.format}'}")
    print(f"{'truth':<18} {args.customers:>12,} rows -> {truth_out / TRUTH_FILE}")
    print(f"elapsed {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
