"""Persona names of segment profiles (segmentation.personas).

The expected names below were derived by hand from the tables in the module docstring:
each row's comment gives the ratios and the tiers they fall in.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from segmentation.clustering import SegmentationError
from segmentation.personas import PROFILE_COLUMNS, RULES, name_personas, ratio

BASE_NAMES = {rule.name for rule in RULES}


POPULATION_BASKET = 50.0


def version(
    model_version: str,
    population: tuple[float, float, float, float],
    rows: list[tuple],
) -> pd.DataFrame:
    """Profiles of one version.

    Args:
        population: overall median recency, frequency, monetary, engagement; the
            overall median typical order value is POPULATION_BASKET.
        rows: (segment_id, customers, customer_share, revenue_share, recency, frequency,
            monetary, engagement[, typical order value]) per segment; without the last
            element the segment's typical order value is the population's (basket mid).
    """
    rows = [row if len(row) == 9 else (*row, POPULATION_BASKET) for row in rows]
    frame = pd.DataFrame(
        rows,
        columns=[
            "segment_id",
            "customers",
            "customer_share",
            "revenue_share",
            "median_recency_days",
            "median_frequency",
            "median_monetary",
            "median_engagement_score",
            "median_typical_order_value",
        ],
    )
    frame.insert(0, "model_version", model_version)
    recency, frequency, monetary, engagement = population
    overall = (recency, frequency, monetary, POPULATION_BASKET, engagement)
    for column, value in zip(PROFILE_COLUMNS[-5:], overall, strict=True):
        frame[column] = float(value)
    return frame[list(PROFILE_COLUMNS)]


# Population: recency 60 days, 2 orders, 200 USD, engagement 40.
V1 = version(
    "v1",
    (60, 2, 200, 40),
    [
        # outlier, whatever its profile
        (-1, 10, 0.01, 0.02, 30, 3, 250, 40),
        # recency 10/60 = 0.17 recent; 6 orders, 6/2 = 3 frequent; basket 100/50 = 2 big
        (0, 1234, 0.123, 0.45, 10, 6, 900, 70, 100),
        # recency 300/60 = 5 lapsed; 600/200 = 3 high
        (1, 100, 0.10, 0.20, 300, 4, 600, 30),
        # 1 order: one; recency 20/60 = 0.33 recent
        (2, 200, 0.20, 0.05, 20, 1, 50, 20),
        # 0 orders: none; engagement 10/40 = 0.25 low
        (3, 150, 0.15, 0.0, 400, 0, 0, 10),
        # 0 orders: none; 0/200 = 0 and lift 0: low; engagement 60/40 = 1.5 high
        # (boundary included)
        (4, 80, 0.08, 0.0, 200, 0, 0, 60),
        # 5/2 = 2.5 frequent; basket 30/50 = 0.6 small (<= 1/1.5)
        (5, 140, 0.14, 0.07, 15, 5, 60, 40, 30),
        # recency 90/60 = 1.5 lapsed (boundary); 1 order: one; 100/200 = 0.5, lift 0.8: mid
        (6, 100, 0.10, 0.08, 90, 1, 100, 40),
        # recency 45/60 = 0.75 active; 3/2 = 1.5 frequent (boundary); 100/200 = 0.5 but
        # lift 0.08/0.10 = 0.8: mid (low needs both)
        (7, 100, 0.10, 0.08, 45, 3, 100, 40),
    ],
)
V1_EXPECTED = {
    -1: ("Outliers", "R0"),
    0: ("High-value loyal", "R9"),
    1: ("Lapsed big spenders", "R3"),
    2: ("Recent first-timers", "R6"),
    3: ("Browsers", "R2"),
    4: ("Window shoppers", "R1"),
    5: ("Frequent small buyers", "R10"),
    6: ("Lapsed one-timers", "R4"),
    7: ("Loyal regulars", "R11"),
}

# Population: recency 100 days, 4 orders, 100 USD, engagement 50.
V2 = version(
    "v2",
    (100, 4, 100, 50),
    [
        # 1.5 orders: one; recency 1.0 active; 300/100 = 3 high
        (0, 100, 0.10, 0.10, 100, 1.5, 300, 50),
        # 1 order: one; active; 100/100 = 1 and lift 1: mid
        (1, 100, 0.10, 0.10, 100, 1, 100, 50),
        # 3/4 = 0.75 repeat; recency 1.2 active; 200/100 = 2 high
        (2, 100, 0.10, 0.20, 120, 3, 200, 50),
        # 2/4 = 0.5 repeat; 0.8 active; 40/100 = 0.4 and lift 0.02/0.1 = 0.2: low
        (3, 100, 0.10, 0.02, 80, 2, 40, 50),
        # 4/4 = 1 repeat; 0.5 recent; 1.0 and lift 1: mid
        (4, 100, 0.10, 0.10, 50, 4, 100, 50),
        # recency 400/100 = 4 lapsed; 6/4 = 1.5 frequent; 0.8 and lift 1: mid
        (5, 100, 0.10, 0.10, 400, 6, 80, 50),
        # 0.5 orders: none; engagement 50/50 = 1 average
        (6, 300, 0.30, 0.001, 365, 0.5, 2.6, 50),
        # 8/4 = 2 frequent; 0.6 active; basket 75/50 = 1.5 big (boundary included)
        (7, 50, 0.05, 0.10, 60, 8, 120, 50, 75),
        # 1 order: one; 10/100 = 0.1 and lift 0.005/0.1 = 0.05: low; engagement
        # 80/50 = 1.6 high
        (8, 100, 0.10, 0.005, 100, 1, 10, 80),
        # 9/4 frequent; 0.5 recent; basket 34/50 = 0.68 mid (just above 1/1.5)
        (9, 20, 0.02, 0.01, 50, 9, 100, 50, 34),
    ],
)
V2_EXPECTED = {
    0: ("One-time big spenders", "R7"),
    1: ("One-time buyers", "R8"),
    2: ("Big spenders", "R12"),
    3: ("Occasional small buyers", "R13"),
    4: ("Repeat buyers", "R14"),
    5: ("Lapsed regulars", "R5"),
    6: ("Browsers", "R2"),
    7: ("High-value loyal", "R9"),
    8: ("Window shoppers", "R1"),
    9: ("Loyal regulars", "R11"),
}


def names_of(table: pd.DataFrame, model_version: str) -> dict[int, str]:
    rows = table[table["model_version"] == model_version]
    return dict(zip(rows["segment_id"].tolist(), rows["persona_name"].tolist(), strict=True))


def test_hand_worked_profiles_get_the_names_of_the_rule_table() -> None:
    table = name_personas(pd.concat([V2, V1], ignore_index=True))
    for model_version, expected in (("v1", V1_EXPECTED), ("v2", V2_EXPECTED)):
        rows = table[table["model_version"] == model_version]
        got = {
            segment: (name, rule.split()[0])
            for segment, name, rule in zip(
                rows["segment_id"], rows["persona_name"], rows["naming_rule"], strict=True
            )
        }
        assert got == expected
    # together the two versions reach every rule
    codes = {rule.split()[0] for rule in table["naming_rule"]}
    assert codes == {rule.code for rule in RULES}


def test_output_keeps_the_input_columns_sorted_by_version_and_segment() -> None:
    profiles = pd.concat([V2, V1], ignore_index=True)
    profiles["note"] = "kept"
    table = name_personas(profiles)
    assert list(table.columns) == [
        *PROFILE_COLUMNS,
        "note",
        "persona_name",
        "persona_description",
        "naming_rule",
    ]
    keys = list(zip(table["model_version"], table["segment_id"], strict=True))
    assert keys == sorted(keys)
    assert table.index.tolist() == list(range(len(table)))
    assert (table["note"] == "kept").all()
    pd.testing.assert_frame_equal(
        table[profiles.columns].sort_values(["model_version", "segment_id"]).reset_index(drop=True),
        profiles.sort_values(["model_version", "segment_id"]).reset_index(drop=True),
    )


def test_descriptions_carry_the_figures() -> None:
    table = name_personas(pd.concat([V1, V2], ignore_index=True))
    description = dict(
        zip(
            zip(table["model_version"], table["segment_id"], strict=True),
            table["persona_description"],
            strict=True,
        )
    )
    assert description[("v1", 0)] == (
        "1,234 customers (12.3%) bringing 45.0% of revenue; median 6 orders, last order "
        "10 days ago, 900 USD spent, engagement 70/100."
    )
    assert description[("v2", 1)] == (
        "100 customers (10.0%) bringing 10.0% of revenue; median 1 order, last order "
        "100 days ago, 100 USD spent, engagement 50/100."
    )
    # no orders: recency is the time without an order; half-orders keep their decimal
    assert description[("v2", 6)] == (
        "300 customers (30.0%) bringing 0.1% of revenue; median 0.5 orders, no order in the "
        "last 365 days, 3 USD spent, engagement 50/100."
    )
    single = version("v", (10, 1, 10, 10), [(0, 1, 1.0, 1.0, 1, 1.5, 1234.4, 9.6)])
    assert name_personas(single)["persona_description"].item() == (
        "1 customer (100.0%) bringing 100.0% of revenue; median 1.5 orders, last order "
        "1 day ago, 1,234 USD spent, engagement 10/100."
    )


def test_segment_minus_one_is_always_outliers() -> None:
    # the same profile as v1's segment 0 (High-value loyal), but DBSCAN noise
    rows = [
        (-1, 1234, 0.123, 0.45, 10, 6, 900, 70, 100),
        (0, 1234, 0.123, 0.45, 10, 6, 900, 70, 100),
    ]
    table = name_personas(version("v", (60, 2, 200, 40), rows))
    assert names_of(table, "v") == {-1: "Outliers", 0: "High-value loyal"}


# Population: recency 100, 4 orders, 100 USD, engagement 40. Every segment but 4 is a
# "Repeat buyers" profile (3/4 = 0.75 repeat, active, mid value) with another engagement.
COLLIDING = version(
    "c",
    (100, 4, 100, 40),
    [
        (0, 100, 0.2, 0.2, 100, 3, 100, 80),  # engagement 2.0: high
        (1, 100, 0.2, 0.2, 100, 3, 100, 10),  # 0.25: low
        (2, 100, 0.2, 0.2, 100, 3, 100, 40),  # 1.0: average
        (3, 100, 0.2, 0.2, 100, 3, 100, 50),  # 1.25: average
        (4, 100, 0.2, 0.2, 100, 0, 0, 40),  # Browsers, no collision
    ],
)


def test_collisions_take_the_engagement_tier_then_the_segment_id() -> None:
    table = name_personas(COLLIDING)
    assert names_of(table, "c") == {
        0: "Repeat buyers – highly engaged",
        1: "Repeat buyers – low engagement",
        2: "Repeat buyers – average engagement (segment 2)",
        3: "Repeat buyers – average engagement (segment 3)",
        4: "Browsers",
    }
    rules = table["naming_rule"].tolist()
    assert rules[0] == rules[1] == "R14 frequency repeat; + engagement tier"
    assert rules[2] == rules[3] == "R14 frequency repeat; + engagement tier; + segment id"
    assert rules[4] == "R2 frequency none"


def test_versions_are_named_independently() -> None:
    other = COLLIDING.copy()
    other["model_version"] = "d"
    other = other[other["segment_id"].isin([0, 4])]  # no collision left in version d
    table = name_personas(pd.concat([COLLIDING, other], ignore_index=True))
    assert names_of(table, "d") == {0: "Repeat buyers", 4: "Browsers"}
    assert names_of(table, "c")[0] == "Repeat buyers – highly engaged"


# Few values per column, so that equal names (collisions) are common.
POOLS = {
    "customer_share": [0.0, 0.05, 0.1, 0.3],
    "revenue_share": [0.0, 0.02, 0.1, 0.4],
    "median_recency_days": [0, 10, 45, 90, 300],
    "median_frequency": [0, 0.5, 1, 1.5, 2, 3, 6],
    "median_monetary": [-10, 0, 30, 100, 400],
    "median_typical_order_value": [0, 20, 50, 90],
    "median_engagement_score": [0, 10, 30, 60],
}
POPULATION_POOLS = {
    "overall_median_recency_days": [0, 30, 90],
    "overall_median_frequency": [0, 1, 2, 4],
    "overall_median_monetary": [0, 50, 200],
    "overall_median_typical_order_value": [0, 40, 60],
    "overall_median_engagement_score": [0, 20, 40],
}


def redraw(frame: pd.DataFrame, rows: np.ndarray, rng: np.random.Generator) -> None:
    """Give ``rows`` (a boolean mask) new random segment figures, in place."""
    n = int(rows.sum())
    frame.loc[rows, "customers"] = rng.integers(0, 5000, size=n)
    for column, pool in POOLS.items():
        frame.loc[rows, column] = rng.choice(np.asarray(pool, dtype=np.float64), size=n)


def random_versions(rng: np.random.Generator, count: int) -> pd.DataFrame:
    """``count`` random versions of 1 to 11 segments (ids drawn from -1..11)."""
    frames = []
    for index in range(count):
        k = int(rng.integers(1, 12))
        frame = pd.DataFrame(
            {
                "model_version": f"r{index:03d}",
                "segment_id": rng.choice(np.arange(-1, 12), size=k, replace=False),
                "customers": np.zeros(k, dtype=np.int64),
                **{column: np.zeros(k) for column in POOLS},
                **{column: float(rng.choice(pool)) for column, pool in POPULATION_POOLS.items()},
            }
        )
        frames.append(frame)
    profiles = pd.concat(frames, ignore_index=True)[list(PROFILE_COLUMNS)]
    redraw(profiles, np.ones(len(profiles), dtype=bool), rng)
    return profiles


def base_names(profiles: pd.DataFrame) -> dict[tuple[str, int], str]:
    """Each segment's name in a version of its own, where it cannot collide."""
    alone = profiles.copy()
    alone["model_version"] = alone["model_version"] + "/" + alone["segment_id"].astype(str)
    table = name_personas(alone)
    versions = table["model_version"].str.split("/").str[0]
    return dict(
        zip(zip(versions, table["segment_id"], strict=True), table["persona_name"], strict=True)
    )


def test_names_are_unique_within_a_version_for_random_profiles() -> None:
    profiles = random_versions(np.random.default_rng(20240601), 200)
    table = name_personas(profiles)
    assert len(table) == len(profiles)
    assert not table.duplicated(["model_version", "persona_name"]).any()
    assert ((table["persona_name"] == "Outliers") == (table["segment_id"] == -1)).all()
    base = table["persona_name"].str.split(" – ").str[0]
    assert base.isin(BASE_NAMES).all()
    suffixed = table["naming_rule"].str.contains("; +", regex=False)
    assert suffixed.sum() > 50  # the draw does produce collisions
    assert table["naming_rule"].str.contains("segment id").sum() > 10
    assert table["persona_description"].str.endswith("/100.").all()


def test_a_segment_keeps_its_name_when_other_segments_change() -> None:
    rng = np.random.default_rng(7)
    before = random_versions(rng, 200)
    # The first segment of each version stays as it is; every other one is redrawn.
    after = before.copy()
    others = (after.groupby("model_version").cumcount() > 0).to_numpy()
    redraw(after, others, rng)
    first, second = name_personas(before), name_personas(after)
    base_before, base_after = base_names(before), base_names(after)

    unchanged = collided_once = 0
    for model_version, segment_id in before.loc[~others, ["model_version", "segment_id"]].values:
        key = (model_version, segment_id)
        base = base_before[key]
        assert base_after[key] == base
        collides = [
            any(
                other != key and other[0] == model_version and name == base
                for other, name in bases.items()
            )
            for bases in (base_before, base_after)
        ]
        in_first = names_of(first, model_version)[segment_id]
        in_second = names_of(second, model_version)[segment_id]
        for name, collided in zip((in_first, in_second), collides, strict=True):
            if collided:
                assert name.startswith(base + " – ")
            else:
                assert name == base
        unchanged += not any(collides)
        collided_once += collides[0] != collides[1]
    # both cases occur: a kept segment colliding with nothing before and after (same name),
    # and one colliding only before or only after (a suffix comes or goes)
    assert unchanged > 50
    assert collided_once > 20


def test_row_order_does_not_matter() -> None:
    profiles = random_versions(np.random.default_rng(3), 30)
    shuffled = profiles.sample(frac=1.0, random_state=1)
    pd.testing.assert_frame_equal(name_personas(profiles), name_personas(shuffled))


def test_ratio_never_divides_by_zero() -> None:
    assert ratio(6, 4) == 1.5
    assert ratio(0, 0) == 1.0
    assert ratio(5, 0) == math.inf
    assert ratio(-3, 10) == 0.0  # net refunds count as 0
    assert ratio(-3, -5) == 1.0
    assert ratio(3, -1) == math.inf


def test_zero_population_medians() -> None:
    rows = [
        # all zero like the population: ratios 1 -> none, engagement average
        (0, 100, 0.5, 0.0, 0, 0, 0, 0),
        # 1 order, 0 USD: one; recency 0 = recent (ratio 1 is active: 0/0 counts as alike)
        (1, 50, 0.25, 0.0, 0, 1, 0, 0),
        # anything above a zero median is infinitely above it: recency lapsed, value high
        (2, 50, 0.25, 0.0, 10, 3, 50, 20),
        # negative net revenue counts as 0, like the population: value mid
        (3, 10, 0.05, 0.0, 0, 2, -20, 0),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division by zero warning either
        table = name_personas(version("z", (0, 0, 0, 0), rows))
    assert names_of(table, "z") == {
        0: "Browsers",
        1: "One-time buyers",
        2: "Lapsed big spenders",
        3: "Loyal regulars",  # 2 orders, ratio inf: frequent; mid value
    }
    assert table["persona_description"].iloc[3].endswith("-20 USD spent, engagement 0/100.")


def with_change(column: str, row: int, value: object) -> pd.DataFrame:
    """V1 with one value replaced; the column's dtype is inferred again (pandas would refuse
    to put 2.5 in an int64 column in place)."""
    frame = V1.copy()
    values = frame[column].tolist()
    values[row] = value
    frame[column] = pd.Series(values, index=frame.index)
    return frame


@pytest.mark.parametrize(
    ("profiles", "message"),
    [
        (V1.drop(columns="median_monetary"), r"lacks columns \['median_monetary'\]"),
        (V1.iloc[:0], "segment_profiles is empty"),
        (pd.concat([V1, V1.iloc[[2]]]), r"duplicated \(model_version, segment_id\): \('v1', 1\)"),
        (with_change("customers", 3, -5), "'customers' must not be negative"),
        (with_change("customers", 3, 2.5), "'customers' must be whole numbers"),
        (with_change("median_frequency", 3, np.nan), r"null values in 'median_frequency' \(1\)"),
        (with_change("model_version", 3, None), r"null values in 'model_version' \(1\)"),
        (with_change("revenue_share", 3, 1.2), "'revenue_share' must be within"),
        (with_change("customer_share", 3, -0.1), "'customer_share' must be within"),
        (with_change("median_recency_days", 3, -1.0), "'median_recency_days' must not be neg"),
        (with_change("median_engagement_score", 3, 101.0), "at most 100"),
        (with_change("median_monetary", 3, np.inf), "'median_monetary' has 1 infinite"),
        (with_change("segment_id", 3, -2), "'segment_id' must be >= -1"),
        (with_change("median_frequency", 3, "three"), "non-numeric columns: 'median_frequency'"),
        (
            with_change("overall_median_frequency", 3, 2.5),
            r"population medians .* differ in \['overall_median_frequency'\]",
        ),
    ],
)
def test_bad_profiles_name_the_problem(profiles: pd.DataFrame, message: str) -> None:
    with pytest.raises(SegmentationError, match=message):
        name_personas(profiles)


def test_a_non_frame_is_refused() -> None:
    with pytest.raises(SegmentationError, match="must be a DataFrame"):
        name_personas(V1.to_dict())  # type: ignore[arg-type]
