"""A hand-written floor for the benchmark: the core path of the project (deduplicate
the raw files, keep the consenting customers, per-customer features in one query,
scaling, K-Means with a given k) written as directly as we can, with no dbt, no tests,
no quarantine and no history. ``segmentation.bench`` times it next to dbt's core path
(staging -> features -> customer_segment_assignments) on the same files, so the ratio
says what the project's structure costs.

It computes the same seven clustering features as the project from the same raw
columns, but does not promise the same values (no quarantine, simpler edge cases): it
is a yardstick for time, not a second implementation to compare results with.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
from sklearn.cluster import KMeans

FEATURES_SQL = """
with
customers as (
    select customer_id, country
    from read_parquet('{raw}/customers*.parquet')
    qualify row_number() over (partition by customer_id order by updated_at desc) = 1
),
consents as (
    select customer_id, granted
    from read_parquet('{raw}/consents*.parquet')
    where purpose = 'analytics'
    qualify row_number() over (partition by customer_id order by recorded_at desc) = 1
),
eligible as (
    select customers.customer_id
    from customers
    join consents using (customer_id)
    where consents.granted
      and customer_id not in (
        select customer_id from read_parquet('{raw}/deletion_requests*.parquet')
      )
),
orders as (
    select customer_id, ordered_at, status, amount * coalesce(rates.usd_per_unit, 1) as usd
    from read_parquet('{raw}/orders*.parquet') as o
    left join read_csv('{rates}') as rates on o.currency = rates.currency_code
    qualify row_number() over (partition by order_id order by _loaded_at desc) = 1
),
as_of as (select max(ordered_at)::date as as_of_date from orders),
order_features as (
    select
        customer_id,
        count(*) filter (where status = 'completed') as frequency,
        exp(avg(case when status = 'completed' and usd > 0 then ln(usd) end))
            as typical_order_value,
        min(ordered_at)::date as first_order,
        max(ordered_at)::date as last_order
    from orders
    group by customer_id
),
events as (
    select customer_id, session_id, event_type, occurred_at
    from read_parquet('{raw}/events*.parquet')
    qualify row_number() over (partition by event_id order by _loaded_at desc) = 1
),
event_features as (
    select
        customer_id,
        count(distinct session_id) as sessions,
        count(*) as events,
        count(*) filter (where event_type in ('add_to_cart', 'checkout')) as funnel_actions,
        min(occurred_at)::date as first_event,
        max(occurred_at)::date as last_event
    from events
    group by customer_id
)
select
    eligible.customer_id,
    case when coalesce(o.frequency, 0) > 1 then 1.0 else 0.0 end as is_repeat_customer,
    coalesce(o.frequency, 0) / greatest(1, date_diff('month', o.first_order, as_of.as_of_date) + 1)
        as orders_per_active_month,
    o.typical_order_value,
    date_diff('day', greatest(o.last_order, e.last_event), as_of.as_of_date)
        as days_since_last_activity,
    coalesce(e.sessions, 0) / greatest(1, date_diff('month', e.first_event, as_of.as_of_date) + 1)
        as sessions_per_month,
    e.events / nullif(e.sessions, 0) as events_per_session,
    e.funnel_actions / nullif(e.sessions, 0) as funnel_actions_per_session
from eligible
cross join as_of
left join order_features as o using (customer_id)
left join event_features as e using (customer_id)
"""

# the transform of each feature before z-scoring, as in the project's defaults
TRANSFORMS = {
    "is_repeat_customer": "none",
    "orders_per_active_month": "log1p",
    "typical_order_value": "log1p",
    "days_since_last_activity": "sqrt",
    "sessions_per_month": "log1p",
    "events_per_session": "log1p",
    "funnel_actions_per_session": "log1p",
}


@dataclass(frozen=True)
class FloorResult:
    """Seconds per step of the floor, and what it produced."""

    features_seconds: float
    scaling_seconds: float
    kmeans_seconds: float
    customers: int
    k: int

    @property
    def total_seconds(self) -> float:
        return self.features_seconds + self.scaling_seconds + self.kmeans_seconds


def scale(features: np.ndarray) -> np.ndarray:
    """Impute the median, winsorize at the 1st / 99th percentiles, transform, z-score."""
    scaled = np.empty_like(features)
    for j, transform in enumerate(TRANSFORMS.values()):
        column = features[:, j]
        column = np.where(np.isnan(column), np.nanmedian(column), column)
        low, high = np.percentile(column, [1, 99])
        column = np.clip(column, low, high)
        if transform == "log1p":
            column = np.log1p(np.maximum(column, 0))
        elif transform == "sqrt":
            column = np.sqrt(np.maximum(column, 0))
        std = column.std()
        scaled[:, j] = (column - column.mean()) / (std if std > 0 else 1.0)
    return scaled


def run_floor(raw_dir: Path, rates_csv: Path, k: int, seed: int, sample_size: int) -> FloorResult:
    """Time the core path by hand on the raw files of ``raw_dir``."""
    started = time.perf_counter()
    with duckdb.connect() as con:
        frame = con.execute(FEATURES_SQL.format(raw=raw_dir, rates=rates_csv)).df()
    features = frame[list(TRANSFORMS)].to_numpy(dtype=float)
    features_done = time.perf_counter()
    scaled = scale(features)
    scaled_done = time.perf_counter()
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(scaled), size=min(sample_size, len(scaled)), replace=False)
    model = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(scaled[rows])
    model.predict(scaled)
    done = time.perf_counter()
    return FloorResult(
        features_seconds=features_done - started,
        scaling_seconds=scaled_done - features_done,
        kmeans_seconds=done - scaled_done,
        customers=len(frame),
        k=k,
    )
