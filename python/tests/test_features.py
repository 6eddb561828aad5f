"""The feature layer checked against computations made here, independently, in pandas
and numpy, from the staged tables and the seed files (not from the feature models)."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from dbt_runner import MODELS_AND_SEEDS, PROJECT_DIR, copy_of_warehouse, run_dbt
from segmentation import contract
from segmentation.bench import last_load_day, split_deliveries

RELATIVE = 1e-9
# amounts in units of 1/10,000 USD: the precision of amount_usd, exact in int64
USD_UNITS = 10_000


@pytest.fixture(scope="module")
def con(small_build):
    with small_build.connect() as connection:
        yield connection


def frame(con, sql: str) -> pd.DataFrame:
    return con.execute(sql).df()


def project_vars() -> dict:
    return yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


def usd_units(orders: pd.DataFrame) -> pd.Series:
    """amount * usd_per_unit rounded half away from zero to 1/10,000 USD, exactly."""
    rates = pd.read_csv(PROJECT_DIR / "seeds" / "currency_rates.csv", dtype=str)
    micro_rate = {
        row.currency_code: round(float(row.usd_per_unit) * 1_000_000) for row in rates.itertuples()
    }
    cents = np.round(orders["amount"].astype(float) * 100).astype(np.int64)
    product = cents * orders["currency_code"].map(micro_rate).astype(np.int64)  # 1e-8 USD
    return np.sign(product) * ((np.abs(product) + 5_000) // 10_000)


@pytest.fixture(scope="module")
def as_of(con) -> date:
    """Default as_of_date: the date of the latest staged order (computed here)."""
    return frame(con, "select max(ordered_at) as latest from stg_raw__orders")["latest"][0].date()


@pytest.fixture(scope="module")
def customers(con, as_of) -> pd.DataFrame:
    """Eligible customers who had signed up by as_of (the grain of every feature)."""
    eligible = frame(con, "select customer_id, signup_at from int_customers_filtered_to_eligible")
    eligible["signup_date"] = eligible["signup_at"].dt.date
    return eligible[eligible["signup_date"] <= as_of].set_index("customer_id").sort_index()


@pytest.fixture(scope="module")
def orders(con, customers, as_of) -> pd.DataFrame:
    """Staged orders of those customers up to as_of, with exact USD units."""
    staged = frame(
        con,
        "select order_id, customer_id, order_status, amount, currency_code, ordered_at "
        "from stg_raw__orders",
    )
    staged = staged[staged["customer_id"].isin(customers.index)].copy()
    staged["order_date"] = staged["ordered_at"].dt.date
    staged = staged[staged["order_date"] <= as_of]
    staged["usd"] = usd_units(staged)
    staged["is_completed"] = staged["order_status"] == "completed"
    staged["is_refund"] = staged["order_status"].isin(contract.NEGATIVE_STATUSES)
    return staged


def days(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (pd.to_datetime(later) - pd.to_datetime(earlier)).dt.days


def assert_close(actual: pd.Series, expected: pd.Series, name: str) -> None:
    actual = actual.astype(float)
    expected = expected.astype(float)
    tolerance = RELATIVE * np.maximum(1.0, np.abs(expected))
    bad = ~((np.abs(actual - expected) <= tolerance) | (actual.isna() & expected.isna()))
    assert not bad.any(), f"{name}: {int(bad.sum())} rows differ, e.g.\n{actual[bad].head()}"


def test_default_as_of_date_is_the_latest_order_date_and_a_month_end(con, as_of) -> None:
    built = frame(con, "select as_of_date from int_as_of_date")["as_of_date"]
    assert list(built.dt.date) == [as_of]
    # a month end, so assert_monthly_history_matches_as_of_features compared real rows
    assert (as_of + timedelta(days=1)).day == 1


def test_rfm_matches_an_independent_recomputation(con, customers, orders, as_of) -> None:
    completed = orders[orders["is_completed"]]
    by_customer = pd.DataFrame(
        {
            "frequency": completed.groupby("customer_id")["order_id"].nunique(),
            "gross": completed.groupby("customer_id")["usd"].sum(),
            "refunded": -orders[orders["is_refund"]].groupby("customer_id")["usd"].sum(),
            "first_order_at": completed.groupby("customer_id")["ordered_at"].min(),
            "last_order_at": completed.groupby("customer_id")["ordered_at"].max(),
        }
    )
    expected = customers.join(by_customer, how="left")
    expected[["frequency", "gross", "refunded"]] = (
        expected[["frequency", "gross", "refunded"]].fillna(0).astype(np.int64)
    )
    as_of_ts = pd.Timestamp(as_of)
    expected["recency_days"] = days(
        pd.Series(as_of_ts, index=expected.index), expected["last_order_at"].dt.normalize()
    )
    expected["tenure_days"] = days(
        pd.Series(as_of_ts, index=expected.index), expected["signup_at"].dt.normalize()
    )
    expected["monetary_units"] = expected["gross"] - expected["refunded"]
    expected["avg_order_value"] = np.where(
        expected["frequency"] > 0,
        expected["gross"] / USD_UNITS / expected["frequency"].clip(lower=1),
        0.0,
    )
    priced = completed[completed["usd"] > 0]
    geometric = np.exp(np.log(priced["usd"] / USD_UNITS).groupby(priced["customer_id"]).mean())
    expected["typical_order_value"] = geometric.reindex(expected.index)
    ratio = expected["refunded"] / expected["gross"].where(expected["gross"] > 0)
    expected["refund_rate"] = np.select(
        [expected["refunded"] <= 0, expected["gross"] <= 0], [0.0, 1.0], np.minimum(1.0, ratio)
    )

    built = frame(
        con,
        # decimal arithmetic in the warehouse: exact units of 1/10,000 USD
        f"select *, cast(monetary * {USD_UNITS} as bigint) as monetary_units from customer_rfm",
    )
    built = built.set_index("customer_id").sort_index()
    assert list(built.index) == list(expected.index)
    assert (built["frequency"] == expected["frequency"]).all()
    assert (built["monetary_units"] == expected["monetary_units"]).all()
    assert built["recency_days"].astype("Int64").equals(expected["recency_days"].astype("Int64"))
    assert (built["tenure_days"] == expected["tenure_days"]).all()
    assert_close(built["avg_order_value"], expected["avg_order_value"], "avg_order_value")
    assert_close(built["refund_rate"], expected["refund_rate"], "refund_rate")
    assert_close(
        built["typical_order_value"], expected["typical_order_value"], "typical_order_value"
    )
    for column in ("first_order_at", "last_order_at"):
        assert built[column].equals(expected[column]), column
    # the data has customers without orders and partial refunds (only-refund customers
    # do not occur in generated data: the unit test rfm_edge_cases covers them)
    assert (expected["frequency"] == 0).any()
    assert ((expected["refund_rate"] > 0) & (expected["refund_rate"] < 1)).any()


def test_clv_inputs_follow_the_lifetimes_daily_definitions(con, orders, as_of) -> None:
    # lifetimes' summary_data_from_transaction_data(freq="D"): sum each customer's
    # transactions per day, drop the first day for monetary_value, count repeat days
    purchases = orders[orders["is_completed"]]
    daily = purchases.groupby(["customer_id", "order_date"], as_index=False)["usd"].sum()
    first_day = daily.groupby("customer_id")["order_date"].transform("min")
    summary = daily.groupby("customer_id").agg(
        first=("order_date", "min"), last=("order_date", "max"), purchase_days=("usd", "size")
    )
    repeat = daily[daily["order_date"] != first_day].groupby("customer_id")["usd"].mean()
    expected = pd.DataFrame(
        {
            "frequency": summary["purchase_days"] - 1,
            "recency": days(summary["last"], summary["first"]),
            "t": days(pd.Series(as_of, index=summary.index), summary["first"]),
            "monetary_value": (repeat / USD_UNITS).reindex(summary.index).fillna(0.0),
        }
    ).sort_index()

    built = frame(con, "select * from customer_clv_inputs").set_index("customer_id").sort_index()
    assert list(built.index) == list(expected.index)
    for column in ("frequency", "recency", "t"):
        assert (built[column] == expected[column]).all(), column
    assert_close(built["monetary_value"], expected["monetary_value"], "monetary_value")
    assert (expected["frequency"] == 0).any() and (expected["frequency"] > 5).any()


def test_engagement_matches_an_independent_recomputation(con, customers, orders, as_of) -> None:
    events = frame(
        con, "select customer_id, session_id, event_type, occurred_at from stg_raw__events"
    )
    events = events[events["customer_id"].isin(customers.index)].copy()
    events["day"] = events["occurred_at"].dt.date
    events = events[events["day"] <= as_of]
    sessions = events.groupby(["customer_id", "session_id"]).agg(
        start=("day", "min"), carts=("event_type", lambda types: (types == "add_to_cart").any())
    )
    start_30, start_90 = as_of - timedelta(days=29), as_of - timedelta(days=89)

    def per_customer(rows: pd.DataFrame, mask: pd.Series) -> pd.Series:
        return rows[mask].groupby("customer_id").size().reindex(customers.index, fill_value=0)

    sessions = sessions.reset_index()
    in_90 = events["day"] >= start_90
    expected = pd.DataFrame(
        {
            "sessions_30d": per_customer(sessions, sessions["start"] >= start_30),
            "sessions_90d": per_customer(sessions, sessions["start"] >= start_90),
            "page_views_30d": per_customer(
                events, (events["event_type"] == "page_view") & (events["day"] >= start_30)
            ),
            "page_views_90d": per_customer(events, (events["event_type"] == "page_view") & in_90),
            "product_views_90d": per_customer(
                events, (events["event_type"] == "product_view") & in_90
            ),
            "add_to_carts_90d": per_customer(
                events, (events["event_type"] == "add_to_cart") & in_90
            ),
            "checkouts_90d": per_customer(events, (events["event_type"] == "checkout") & in_90),
        }
    )
    cart_sessions = per_customer(sessions, (sessions["start"] >= start_90) & sessions["carts"])
    orders_90 = per_customer(orders, orders["is_completed"] & (orders["order_date"] >= start_90))
    expected["cart_to_order_rate"] = np.where(
        cart_sessions > 0, np.minimum(1.0, orders_90 / cart_sessions.clip(lower=1)), 0.0
    )
    last_visit = events.groupby("customer_id")["day"].max().reindex(customers.index)
    expected["days_since_last_visit"] = days(pd.Series(as_of, index=customers.index), last_visit)
    visit = (1 - expected["days_since_last_visit"] / 90).clip(lower=0).fillna(0.0)
    depth = expected["product_views_90d"] + 2 * expected["add_to_carts_90d"]
    depth = (depth + 3 * expected["checkouts_90d"]).clip(upper=30) / 30
    frequency = expected["sessions_90d"].clip(upper=12) / 12
    expected["engagement_score"] = 100 * (0.4 * visit + 0.3 * frequency + 0.3 * depth)
    # whole history up to as_of: per-session ratios (null without a session)
    all_sessions = per_customer(sessions, sessions["start"] <= as_of)
    tenure = days(pd.Series(as_of, index=customers.index), customers["signup_date"])
    expected["sessions_per_month"] = all_sessions / (tenure.clip(lower=1) / 30.44)
    funnel = events["event_type"].isin(["add_to_cart", "checkout"])
    expected["events_per_session"] = (
        per_customer(events, events["day"] <= as_of) / all_sessions
    ).where(all_sessions > 0)
    expected["funnel_actions_per_session"] = (per_customer(events, funnel) / all_sessions).where(
        all_sessions > 0
    )
    # first and last day with an order (any status) or an event
    activity_days = pd.concat(
        [
            orders[["customer_id", "order_date"]].rename(columns={"order_date": "day"}),
            events[["customer_id", "day"]],
        ]
    )
    by_customer = activity_days.groupby("customer_id")["day"]
    expected["first_activity_date"] = pd.to_datetime(by_customer.min()).reindex(customers.index)
    expected["last_activity_date"] = pd.to_datetime(by_customer.max()).reindex(customers.index)

    built = frame(con, "select * from customer_engagement").set_index("customer_id").sort_index()
    assert list(built.index) == list(expected.index)
    for column in expected.columns:
        if column.endswith("_date"):
            got = pd.to_datetime(built[column]).astype("datetime64[ns]")
            want = expected[column].astype("datetime64[ns]")
            assert ((got == want) | (got.isna() & want.isna())).all(), column
        else:
            assert_close(built[column], expected[column], column)
    assert (expected["sessions_30d"] > 0).any() and (expected["engagement_score"] == 0).any()
    assert expected["events_per_session"].isna().any()


def test_activity_features_combine_orders_and_visits(con, as_of) -> None:
    built = frame(con, "select * from customer_features").set_index("customer_id").sort_index()
    parts = (
        frame(
            con,
            "select customer_id, first_activity_date, last_activity_date from customer_engagement",
        )
        .set_index("customer_id")
        .sort_index()
    )
    as_of_ts = pd.Timestamp(as_of)
    first = pd.to_datetime(parts["first_activity_date"])
    last = pd.to_datetime(parts["last_activity_date"])
    expected_gap = (as_of_ts - last).dt.days.fillna(built["tenure_days"])
    assert (built["days_since_last_activity"] == expected_gap).all()
    span_months = np.maximum(1.0, ((last - first).dt.days + 1) / 30.44)
    expected_rate = (built["frequency"] / span_months).where(built["frequency"] > 0, 0.0)
    assert_close(built["orders_per_active_month"], expected_rate, "orders_per_active_month")
    assert (built["is_repeat_customer"] == (built["frequency"] >= 2).astype(int)).all()
    assert (built["days_since_last_activity"] <= built["days_since_last_visit"]).all()
    assert set(built["is_repeat_customer"]) == {0, 1}


def test_scaling_matches_numpy(con) -> None:
    features = frame(con, "select * from customer_features").set_index("customer_id").sort_index()
    scaled = frame(con, "select * from customer_features_scaled").set_index("customer_id")
    scaled = scaled.sort_index()
    parameters = frame(con, "select * from customer_scaling_parameters").set_index("feature_name")
    settings = project_vars()
    lower_q = settings["winsorize_lower_percentile"]
    upper_q = settings["winsorize_upper_percentile"]
    assert list(parameters.sort_values("feature_position").index) == list(
        settings["scaled_features"]
    )
    transforms = {
        "log1p": lambda x: np.sign(x) * np.log1p(np.abs(x)),
        "sqrt": lambda x: np.sign(x) * np.sqrt(np.abs(x)),
        "none": lambda x: x,
    }
    imputed_somewhere = False
    for feature, transform in settings["scaled_features"].items():
        raw = features[feature].to_numpy(dtype=float)
        present = raw[~np.isnan(raw)]
        # percentile_cont (nulls ignored) is numpy's default linear interpolation
        lower, upper, median = np.quantile(present, [lower_q, upper_q, 0.5])
        imputed_somewhere |= len(present) < len(raw)
        clipped = np.clip(np.where(np.isnan(raw), median, raw), lower, upper)
        values = transforms[transform](clipped)
        mean, std = values.mean(), values.std(ddof=0)
        low, high = values.min(), values.max()
        row = parameters.loc[feature]
        for name, expected in [
            ("median_value", median),
            ("lower_bound", lower),
            ("upper_bound", upper),
            ("mean", mean),
            ("std", std),
            ("min_value", low),
            ("max_value", high),
        ]:
            assert abs(row[name] - expected) <= RELATIVE * max(1.0, abs(expected)), (feature, name)
        z = (values - mean) / std if std > 0 else np.zeros_like(values)
        unit = (values - low) / (high - low) if high > low else np.zeros_like(values)
        index = features.index
        assert_close(scaled[f"{feature}_z"], pd.Series(z, index=index), f"{feature}_z")
        assert_close(scaled[f"{feature}_01"], pd.Series(unit, index=index), f"{feature}_01")
        assert row["imputed_customers"] == len(raw) - len(present), feature
    assert imputed_somewhere, "the data should have a missing ratio to impute"
    assert "sqrt" in settings["scaled_features"].values()


def test_every_customer_gets_one_named_rfm_segment_by_the_seed_rules(con, customers) -> None:
    scores = frame(con, "select * from customer_rfm_scores").set_index("customer_id").sort_index()
    assert list(scores.index) == list(customers.index)
    rules = pd.read_csv(PROJECT_DIR / "seeds" / "rfm_segment_rules.csv").sort_values("priority")

    def first_rule(row: pd.Series) -> str:
        for rule in rules.itertuples():
            if (
                rule.r_score_min <= row.r_score <= rule.r_score_max
                and rule.f_score_min <= row.f_score <= rule.f_score_max
                and rule.m_score_min <= row.m_score <= rule.m_score_max
            ):
                return rule.rfm_segment
        raise AssertionError(f"no rule for {row.r_score}{row.f_score}{row.m_score}")

    assert (scores.apply(first_rule, axis=1) == scores["rfm_segment"]).all()
    # quintiles from ranks: equal values share a score, and scores rise with the value
    rfm = frame(con, "select * from customer_rfm").set_index("customer_id").sort_index()
    for value, score in (("frequency", "f_score"), ("monetary", "m_score")):
        assert (rfm.groupby(value)[value].size() > 0).all()
        assert scores.groupby(rfm[value])[score].nunique().max() == 1, value
        ranks = rfm[value].astype(float).rank(method="min")
        expected = 1 + np.floor(5 * (ranks - 1) / len(rfm)).astype(int)
        assert (scores[score] == expected).all(), value


INCREMENTAL_MODELS = (
    "base_raw__orders",
    "base_raw__events",
    "int_orders_converted_to_usd",
    "int_customer_activity_aggregated_to_days",
    "customer_features_monthly",
    "int_customer_segments_by_month",
    "int_feature_drift_by_period",
)
# incremental models that a build with prediction_retrain false leaves as they are
KEPT_BETWEEN_RETRAINS = ("int_customer_purchase_labels", "prediction_training_rows")


def test_incremental_builds_equal_a_full_refresh(small_raw, tmp_path) -> None:
    """Builds of three deliveries in turn (up to mid-August; up to the day before the
    last load day, which adds month ends; the last load day, which does not) leave every
    table, marts included, exactly as a full refresh of all rows with the same fitted
    model does, after each delivery, except the prediction models' training inputs,
    which builds with prediction_retrain false keep as the first build left them. The
    deliveries bring late-arriving orders (placed before the previous delivery's loads)
    and orders delivered again."""
    raw, rest, later = tmp_path / "raw", tmp_path / "rest", tmp_path / "later"
    split_deliveries(small_raw, raw, rest, "2026-08-15 00:00:00")
    split_deliveries(rest, tmp_path / "second", later, last_load_day(rest))
    deliveries = [
        [
            (path, raw / path.name.replace(".parquet", "_2.parquet"))
            for path in (tmp_path / "second").iterdir()
        ],
        [(path, raw / path.name.replace("_2.parquet", "_3.parquet")) for path in later.iterdir()],
    ]
    # after the first build, the daily builds score with the models it trained, as a
    # daily job between retrains does; models and seeds only (what is compared here is
    # every table; the data tests run in every other build of the suite)
    daily_vars = {"raw_dir": str(raw), "segmentation_retrain": False, "prediction_retrain": False}
    build = MODELS_AND_SEEDS
    incremental = tmp_path / "incremental"
    first = run_dbt(build, incremental, {"raw_dir": str(raw)})
    assert first.returncode == 0, first.output[-4000:]

    def table(run, name: str) -> pd.DataFrame:
        with run.connect() as connection:
            return frame(connection, f"select * from {name} order by all")

    def history_months(run) -> pd.DataFrame:
        with run.connect() as connection:
            return frame(
                connection,
                "select month_end from int_feature_month_ends where is_in_history "
                "order by month_end",
            )

    moved, kept, kept_drift = [], [], []
    for step, delivery in enumerate(deliveries):
        before = {
            name: table(first, name) for name in (*INCREMENTAL_MODELS, *KEPT_BETWEEN_RETRAINS)
        }
        months_before = history_months(first)
        # mark the score of a customer the delivery does not name: a run that rescores
        # only changed rows keeps the mark, one that rescores everything drops it
        named = duckdb.sql(
            "select distinct customer_id from read_parquet(["
            + ", ".join(f"'{path}'" for path, _ in delivery)
            + "], union_by_name = true)"
        ).df()["customer_id"]
        with duckdb.connect(str(first.warehouse)) as connection:
            marked = connection.execute(
                "select customer_id, month_end, squared_distance "
                "from int_customer_segments_by_month "
                "where customer_id not in (select * from unnest(?)) "
                "order by customer_id, month_end limit 1",
                [list(named.dropna())],
            ).fetchone()
            connection.execute(
                "update int_customer_segments_by_month set squared_distance = -1 "
                "where customer_id = ? and month_end = ?",
                marked[:2],
            )
        # and the drift of the earliest period: a run that recomputes only the periods
        # whose value counts changed keeps the mark when that month did not change
        with duckdb.connect(str(first.warehouse)) as connection:
            drift_mark = connection.execute(
                "select current_period, column_name, kl_divergence "
                "from int_feature_drift_by_period "
                "where scope = 'population' order by current_period, column_name limit 1"
            ).fetchone()
            connection.execute(
                "update int_feature_drift_by_period set kl_divergence = -1 "
                "where scope = 'population' and current_period = ? and column_name = ?",
                drift_mark[:2],
            )
        # late-arriving orders and orders delivered again are in the delivery
        orders = next(path for path, _ in delivery if path.name.startswith("orders"))
        arrivals = duckdb.sql(
            f"select count(*) filter (where ordered_at < stored.latest_load), "
            f"count(*) filter (where order_id in (select order_id from '{raw}/orders*.parquet')) "
            f"from '{orders}', (select max(_loaded_at) as latest_load "
            f"from '{raw}/orders*.parquet') as stored"
        ).fetchone()
        assert min(arrivals) > 0 or step == 1, arrivals
        for path, destination in delivery:
            path.rename(destination)
        second = run_dbt(build, incremental, daily_vars)
        assert second.returncode == 0, second.output[-4000:]
        with duckdb.connect(str(second.warehouse)) as connection:
            kept.append(
                connection.execute(
                    "select count(*) from int_customer_segments_by_month "
                    "where squared_distance = -1"
                ).fetchone()[0]
            )
            connection.execute(
                "update int_customer_segments_by_month set squared_distance = ? "
                "where squared_distance = -1",
                [marked[2]],
            )
            kept_drift.append(
                connection.execute(
                    "select count(*) from int_feature_drift_by_period where kl_divergence = -1"
                ).fetchone()[0]
            )
            # (feature_drift copies the kept value; its status reads psi only)
            for name in ("int_feature_drift_by_period", "feature_drift"):
                connection.execute(
                    f"update {name} set kl_divergence = ? where kl_divergence = -1",
                    [drift_mark[2]],
                )
        # a full refresh of the same models on a copy of the warehouse: every table
        # equals the incremental one; the fitted model is kept (the Python models do not
        # run), so the monthly history is scored with the same model in both. The
        # prediction history is a record of past builds (a full refresh forgets it by
        # design), so it is kept too
        full = run_dbt(
            ["run", "--exclude", "tag:python", "customer_prediction_history", "--full-refresh"],
            copy_of_warehouse(second, tmp_path, f"full{step}"),
            daily_vars,
        )
        assert full.returncode == 0, full.output[-4000:]
        rebuilt = {
            result["unique_id"].split(".")[-1]
            for result in json.loads((full.target / "run_results.json").read_text())["results"]
            if result["unique_id"].startswith("model.")
        }
        marts = {"customer_profiles", "segment_summary"}
        assert {*INCREMENTAL_MODELS, *KEPT_BETWEEN_RETRAINS, *marts} <= rebuilt
        for name in sorted(rebuilt - set(KEPT_BETWEEN_RETRAINS)):
            pd.testing.assert_frame_equal(
                table(second, name), table(full, name), check_exact=True, obj=f"{step}: {name}"
            )
        target = incremental / "target"
        for name in KEPT_BETWEEN_RETRAINS:
            kept_rows = table(second, name)
            pd.testing.assert_frame_equal(kept_rows, before[name], check_exact=True, obj=name)
            executed = next((target / "run").rglob(f"{name}.sql")).read_text()
            assert executed.lstrip().startswith("insert into"), (step, name)
            # while a full refresh recomputes them: the second delivery adds month ends
            if step == 0:
                assert len(table(full, name)) > len(kept_rows), name
        for name in INCREMENTAL_MODELS:
            # the delivery changed stored rows (newer loads, forgotten or withdrawn
            # customers, moved month ends) and added new ones, so both paths of the
            # model ran
            after = table(second, name)
            merged = before[name].merge(
                after, how="outer", on=list(before[name].columns), indicator=True
            )
            # (the last load day of 2,000 customers may reload no event)
            if step == 0 or name in ("customer_features_monthly", "int_customer_segments_by_month"):
                assert (merged["_merge"] == "left_only").sum() > 0, (step, name)
            assert (merged["_merge"] == "right_only").sum() > 0, (step, name)
            # and the run took the incremental path: an insert of the missing rows
            executed = next((target / "run").rglob(f"{name}.sql")).read_text()
            assert executed.lstrip().startswith("insert into"), (step, name)
        moved.append(not history_months(first).equals(months_before))
        first = second
    # the second delivery adds month ends, so the monthly history starts over; the
    # last load day does not, so only the customers it touches are redone
    assert moved == [True, False]
    # and so the scores of the history: all rescored, then only the changed rows
    assert kept == [0, 1]
    # the last load day changes the latest months only: the earliest drift period is
    # kept, not recomputed (after the second delivery it depends on what moved)
    assert kept_drift[1] == 1, kept_drift


def test_a_delivery_loaded_before_the_stored_loads_is_reported_not_lost(
    small_raw, tmp_path
) -> None:
    """An incremental run stages again only the orders its pre-hook deleted: those with
    a load at or after the latest stored one, and those with a verdict to recheck. A
    delivery whose new order carries an earlier load time breaks the rule the daily
    path relies on; the order is then neither staged nor quarantined, and the raw
    reconciliation test fails the build instead of losing the row in silence. A
    --full-refresh stages it."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for path in small_raw.glob("*.parquet"):
        (raw / path.name).symlink_to(path)
    # the staging layer, what it reads, and the tests of nothing else
    reconcile = ["build", "--select", "+path:models/staging", "--indirect-selection", "cautious"]
    workdir = tmp_path / "dbt"
    first = run_dbt(reconcile, workdir, {"raw_dir": str(raw)})
    assert first.returncode == 0, first.output[-4000:]
    # a valid completed order of a staged customer, loaded a day before the latest load
    late = raw / "orders_late.parquet"
    with first.connect() as connection:
        order = connection.execute(
            "select customer_id, cast(loaded_at - interval 1 day as timestamp) as loaded_at, "
            "cast(loaded_at - interval 2 day as timestamp) as ordered_at "
            "from stg_raw__orders order by loaded_at desc, order_id limit 1"
        ).fetchone()
    duckdb.sql(
        f"copy (select 'late-order-1' as order_id, $customer_id as customer_id, "
        f"ordered_at, 'completed' as status, 25.0 as amount, 'USD' as currency, "
        f"_loaded_at from (select $ordered_at as ordered_at, $loaded_at as _loaded_at)) "
        f"to '{late}' (format parquet)",
        params={"customer_id": order[0], "loaded_at": order[1], "ordered_at": order[2]},
    )
    second = run_dbt(reconcile, workdir, {"raw_dir": str(raw)})
    assert second.returncode == 1, second.output[-4000:]
    assert re.search(r"Failure in test assert_raw_orders_reconcile", second.output), second.output[
        -4000:
    ]
    with second.connect() as connection:
        found = connection.execute(
            "select count(*) from base_raw__orders where order_id = 'late-order-1'"
        ).fetchone()[0]
    assert found == 0
    refreshed = run_dbt([*reconcile, "--full-refresh"], workdir, {"raw_dir": str(raw)})
    assert refreshed.returncode == 0, refreshed.output[-4000:]
    with refreshed.connect() as connection:
        status = connection.execute(
            "select row_status from base_raw__orders where order_id = 'late-order-1'"
        ).fetchall()
    assert status == [("staged",)]


BUCKETED_MODELS = (
    "int_customer_activity_aggregated_to_days",
    "customer_features_monthly",
    "int_customer_segments_by_month",
)
# tables built in parts: every run rebuilds them whole
BUCKETED_TABLES = ("customer_profiles",)


def test_a_build_in_customer_buckets_equals_one_query(small_build, small_raw, tmp_path) -> None:
    """With customer_buckets 3 the models that aggregate every order, event and month
    per customer, and the profiles' list of memberships, are built in three queries each
    (post-hook insert_other_customer_buckets). On a copy of the build (made in the
    default number of parts), a full refresh as one query and then one in three parts
    both leave the build's rows; then, with the rows of every fifth customer deleted
    from the incremental tables, an incremental run in three parts brings back all of
    them, whichever part they are in: parts 1 and 2 in one query, since a fifth of the
    customers is less than a part holds. With every row deleted they run one at a time
    and bring back every row as well."""

    def table(workdir, name: str) -> pd.DataFrame:
        """The rows, without the batch of the run that wrote them (each run here writes
        its own)."""
        with duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True) as connection:
            rows = frame(connection, f"select * from {name} order by all")
        return rows.drop(columns=["write_batch"], errors="ignore")

    def assert_rebuilt_as_the_build(run, names, in_parts: bool) -> None:
        """Each table equals the build's, its query filtered to a part or not."""
        assert run.returncode == 0, run.output[-4000:]
        for name in names:
            pd.testing.assert_frame_equal(table(workdir, name), expected[name], check_exact=True)
            executed = next((run.target / "run").rglob(f"{name}.sql")).read_text()
            if in_parts:
                assert "= 0 /* customer bucket */" in executed, name
            else:
                assert "/* customer bucket */" not in executed, name

    bucketed = (*BUCKETED_MODELS, *BUCKETED_TABLES)
    expected = {name: table(small_build.warehouse.parent, name) for name in bucketed}
    workdir = copy_of_warehouse(small_build, tmp_path, "bucketed")
    one_query = run_dbt(
        ["run", "--full-refresh", "--select", *bucketed],
        workdir,
        {"raw_dir": str(small_raw), "customer_buckets": 1},
    )
    assert_rebuilt_as_the_build(one_query, bucketed, in_parts=False)
    # (the string form, as a command line passes it)
    run_vars = {"raw_dir": str(small_raw), "customer_buckets": "3"}
    refreshed = run_dbt(["run", "--full-refresh", "--select", *bucketed], workdir, run_vars)
    assert_rebuilt_as_the_build(refreshed, bucketed, in_parts=True)

    with duckdb.connect(str(workdir / "warehouse.duckdb")) as connection:
        deleted = connection.execute(
            "select customer_id from (select distinct customer_id "
            "from int_customer_activity_aggregated_to_days) "
            "qualify row_number() over (order by customer_id) % 5 = 0"
        ).df()["customer_id"]
        parts = connection.execute(
            "select count(distinct hash(customer_id) % 3) from unnest(?) as t(customer_id)",
            [list(deleted)],
        ).fetchone()[0]
        assert parts == 3
        for name in BUCKETED_MODELS:
            connection.execute(
                f"delete from {name} where customer_id in (select * from unnest(?))",
                [list(deleted)],
            )
    added = run_dbt(["run", "--select", *BUCKETED_MODELS], workdir, run_vars)
    assert added.returncode == 0, added.output[-4000:]
    for name in BUCKETED_MODELS:
        pd.testing.assert_frame_equal(table(workdir, name), expected[name], check_exact=True)
        executed = next((added.target / "run").rglob(f"{name}.sql")).read_text()
        assert executed.lstrip().startswith("insert into"), name
        # a fifth of the customers is less than a part: parts 1 and 2 in one query
        assert re.search(
            rf"{name}: \d+ of \d+ customers missing after part 0; parts 1 to 2 in one query",
            added.output,
        ), name

    # with every row deleted, the missing customers are more than a part holds: the
    # parts run one at a time, and every row comes back all the same
    with duckdb.connect(str(workdir / "warehouse.duckdb")) as connection:
        for name in BUCKETED_MODELS:
            connection.execute(f"delete from {name}")
    emptied = run_dbt(["run", "--select", *BUCKETED_MODELS], workdir, run_vars)
    assert emptied.returncode == 0, emptied.output[-4000:]
    for name in BUCKETED_MODELS:
        pd.testing.assert_frame_equal(table(workdir, name), expected[name], check_exact=True)
        assert re.search(
            rf"{name}: \d+ of \d+ customers missing after part 0; parts 1 to 2 one at a time",
            emptied.output,
        ), name


def test_customer_buckets_must_be_a_whole_number(tmp_path) -> None:
    refused = run_dbt(["parse"], tmp_path / "refused", {"customer_buckets": "0"})
    assert refused.returncode != 0
    assert "var customer_buckets must be a whole number of at least 1, got 0" in refused.output
    assert "Traceback" not in refused.output


def test_a_bounded_history_keeps_lifetime_totals(small_build, small_raw, tmp_path) -> None:
    """With feature_history_months the history holds fewer month ends, but lifetime
    features still count the orders and visits before them: the last month end equals
    customer_features (the singular test), and every kept row equals the full history's."""
    workdir = copy_of_warehouse(small_build, tmp_path, "bounded")
    run = run_dbt(
        [
            "build",
            "--select",
            # the var bounds the month calendar, which the history reads
            "int_feature_month_ends",
            "customer_features_monthly",
            "assert_monthly_history_matches_as_of_features",
        ],
        workdir,
        {"raw_dir": str(small_raw), "feature_history_months": 2},
    )
    assert run.returncode == 0, run.output[-4000:]
    query = "select * from customer_features_monthly order by customer_id, month_end"
    with small_build.connect() as full, run.connect() as bounded:
        kept = bounded.execute(query).df()
        months = sorted(kept["month_end"].unique())
        assert len(months) == 2
        expected = full.execute(
            "select * from customer_features_monthly where month_end >= ? "
            "order by customer_id, month_end",
            [months[0]],
        ).df()
    assert len(kept) > 0
    # every row was written again, by the batch after the build's
    assert set(kept.pop("write_batch")) == {expected.pop("write_batch").max() + 1}
    pd.testing.assert_frame_equal(kept, expected, check_exact=True)


def test_a_table_from_before_the_incremental_models_asks_for_a_full_refresh(
    small_build, small_raw, tmp_path
) -> None:
    """A warehouse whose daily activity was built before the model was incremental (no
    last_loaded_at) stops the next build with a message naming the model and the
    column, not a binder error; --full-refresh rebuilds it."""
    workdir = copy_of_warehouse(small_build, tmp_path, "old")
    with duckdb.connect(str(workdir / "warehouse.duckdb")) as connection:
        connection.execute(
            "alter table int_customer_activity_aggregated_to_days drop column last_loaded_at"
        )
    select = ["--select", "int_customer_activity_aggregated_to_days"]
    run = run_dbt(["run", *select], workdir, {"raw_dir": str(small_raw)})
    assert run.returncode != 0
    assert (
        "int_customer_activity_aggregated_to_days: the stored table has no column "
        "last_loaded_at" in run.output
    )
    assert "dbt build --full-refresh" in run.output
    rebuilt = run_dbt(["run", *select, "--full-refresh"], workdir, {"raw_dir": str(small_raw)})
    assert rebuilt.returncode == 0, rebuilt.output[-4000:]
