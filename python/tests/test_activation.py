"""Activation marts against a recomputation here: customer tags from their documented
rules, and the next best action from the seed personalization_rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from dbt_runner import PROJECT_DIR


@pytest.fixture(scope="module")
def con(small_build):
    with small_build.connect() as connection:
        yield connection


@pytest.fixture(scope="module")
def customers(con) -> pd.DataFrame:
    return con.execute(
        "select f.customer_id, f.tenure_days, f.engagement_score, r.r_score, r.f_score, "
        "r.m_score, r.frequency, r.recency_days, r.rfm_segment, a.segment_id, "
        "p.purchase_propensity, p.churn_risk, "
        "(select threshold from prediction_model_registry where target = 'purchase_propensity' "
        " and model_version = p.purchase_model_version) as purchase_threshold, "
        "(select threshold from prediction_model_registry where target = 'churn_risk' "
        " and model_version = p.churn_model_version) as churn_threshold "
        "from customer_features f join customer_rfm_scores r using (customer_id) "
        "left join customer_segment_assignments a using (customer_id) "
        "left join customer_predictions p using (customer_id)"
    ).df()


def expected_tags(customers: pd.DataFrame) -> pd.DataFrame:
    settings = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    rules = {
        "high_value": customers["m_score"] == 5,
        "at_risk": (customers["r_score"] <= 2) & (customers["f_score"] >= 3),
        "new_customer": customers["tenure_days"] <= settings["new_customer_days"],
        "lapsed": (customers["frequency"] > 0)
        & (customers["recency_days"] > settings["lapsed_days"]),
        "never_purchased": customers["frequency"] == 0,
        "highly_engaged": customers["engagement_score"] >= settings["highly_engaged_score"],
        # the models' flags: a probability at or above the champion's threshold
        "likely_to_buy": customers["purchase_propensity"] >= customers["purchase_threshold"],
        "churn_risk": customers["churn_risk"] >= customers["churn_threshold"],
    }
    return pd.DataFrame(
        [(c, tag) for tag, holds in rules.items() for c in customers.loc[holds, "customer_id"]],
        columns=["customer_id", "customer_tag"],
    )


def test_tags_follow_their_rules(con, customers) -> None:
    got = con.execute("select customer_id, customer_tag from int_customer_tags").df()
    expected = expected_tags(customers)
    assert set(map(tuple, got.to_numpy())) == set(map(tuple, expected.to_numpy()))
    # every rule fires on the small data set, so each is checked
    assert set(got["customer_tag"]) == set(expected["customer_tag"])
    assert len(set(got["customer_tag"])) == 8


def test_next_best_action_is_the_first_matching_rule(con, customers) -> None:
    rules = pd.read_csv(PROJECT_DIR / "seeds" / "personalization_rules.csv").sort_values("priority")
    default = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"][
        "next_best_action_default"
    ]
    tags = expected_tags(customers)
    action = pd.Series(default, index=customers.index, dtype=object)
    rule_name = pd.Series("default", index=customers.index, dtype=object)
    matched = pd.Series(0, index=customers.index)
    decided = pd.Series(False, index=customers.index)
    for rule in rules.itertuples():
        holds = pd.Series(True, index=customers.index)
        if isinstance(rule.customer_tag, str):
            tagged = set(tags.loc[tags["customer_tag"] == rule.customer_tag, "customer_id"])
            holds &= customers["customer_id"].isin(tagged)
        if isinstance(rule.rfm_segment, str):
            holds &= customers["rfm_segment"] == rule.rfm_segment
        if not np.isnan(rule.segment_id):
            holds &= customers["segment_id"] == rule.segment_id
        if not np.isnan(rule.min_engagement_score):
            holds &= customers["engagement_score"] >= rule.min_engagement_score
        if not np.isnan(rule.max_engagement_score):
            holds &= customers["engagement_score"] <= rule.max_engagement_score
        matched += holds.astype(int)
        first = holds & ~decided
        action[first], rule_name[first] = rule.action, rule.rule_name
        decided |= holds
    expected = pd.DataFrame(
        {
            "customer_id": customers["customer_id"],
            "next_best_action": action,
            "rule_name": rule_name,
            "matched_rules": matched,
        }
    ).set_index("customer_id")
    got = con.execute("select * from customer_next_best_action").df().set_index("customer_id")
    assert got.index.is_unique and set(got.index) == set(expected.index)
    got = got.loc[expected.index]
    assert (got["next_best_action"] == expected["next_best_action"]).all()
    assert (got["rule_name"] == expected["rule_name"]).all()
    assert (got["matched_rules"] == expected["matched_rules"]).all()
    assert (got["is_default_action"] == (expected["rule_name"] == "default")).all()
    # conflicts happen and the default is used, so both paths are exercised
    assert (expected["matched_rules"] > 1).any() and (expected["rule_name"] == "default").any()


def test_no_mart_carries_an_email_or_a_name(con, small_raw) -> None:
    """Privacy: the marts expose the customer key, never a raw email (or any text with
    an @); the raw emails exist, so the check can fail."""
    marts = sorted(path.stem for path in (PROJECT_DIR / "models" / "marts").glob("*.sql"))
    assert {"customer_next_best_action", "dim_customer_segments", "segment_summary"} <= set(marts)
    emails = set(
        con.execute(
            f"select email from '{small_raw}/customers*.parquet' where email is not null"
        ).df()["email"]
    )
    assert emails
    for mart in marts:
        rows = con.execute(f"select * from {mart}").df()
        assert not [c for c in rows.columns if "email" in c or c in ("name", "full_name")], mart
        text = rows.select_dtypes(include=["object", "string"])
        for column in text.columns:
            values = set(text[column].dropna().astype(str))
            assert not values & emails, (mart, column)
            assert not any("@" in value for value in values), (mart, column)


def test_profiles_list_every_membership(con) -> None:
    dims = con.execute(
        "select customer_id, segment_name, rfm_segment from dim_customer_segments"
    ).df()
    tags = con.execute("select customer_id, customer_tag from int_customer_tags").df()
    by_customer = tags.groupby("customer_id")["customer_tag"].apply(list).to_dict()
    profiles = con.execute("select customer_id, segments, tag_count from customer_profiles").df()
    got = {c: list(s) for c, s in zip(profiles["customer_id"], profiles["segments"], strict=True)}
    assert len(got) == len(dims)
    for row in dims.itertuples():
        own = by_customer.get(row.customer_id, [])
        expected = sorted(
            [f"segment:{row.segment_name}", f"rfm:{row.rfm_segment}"] + [f"tag:{t}" for t in own]
        )
        assert got[row.customer_id] == expected, row.customer_id
    counts = dict(zip(profiles["customer_id"], profiles["tag_count"], strict=True))
    assert all(counts[c] == len(by_customer.get(c, [])) for c in got)
