"""Name segments after their behaviour: the logic behind the persona columns of
``segment_profiles``.

Pure functions, no dbt and no I/O: :func:`name_personas` takes one row per segment (of one
or more model versions) with the segment's medians and the population's medians, and adds
a short ``persona_name``, a one-sentence ``persona_description`` with the figures, and the
``naming_rule`` that produced the name.

Ratios
------
Every tier compares a segment median with the population median of the same model
version as a ratio ``segment / population``. Monetary values below 0 (net refunds) count
as 0. When the population median is 0 no division happens: the ratio is 1 when the segment
median is 0 too (the segment is like the population) and infinite when it is above 0.

Revenue lift is ``revenue_share / customer_share`` by the same rule (1 when both are 0,
infinite when only ``customer_share`` is 0).

Tiers
-----
Two thresholds serve every tier: :data:`HIGH_RATIO` (1.5) and :data:`LOW_RATIO` (0.5).

=========== ======== ================================================================
tier        value    condition (checked top to bottom, first match wins)
=========== ======== ================================================================
frequency   none     ``median_frequency < 1`` (at least half never completed an order)
frequency   one      ``median_frequency < 2``
frequency   frequent ``median_frequency >= 2`` and frequency ratio >= 1.5
frequency   repeat   otherwise
recency     recent   recency ratio <= 0.5
recency     lapsed   recency ratio >= 1.5
recency     active   otherwise
value       high     monetary ratio >= 1.5 **or** revenue lift >= 1.5
value       low      monetary ratio <= 0.5 **and** revenue lift <= 0.5
value       mid      otherwise
basket      big      basket ratio >= 1.5 (median typical order value)
basket      small    basket ratio <= 1 / 1.5
basket      mid      otherwise
engagement  high     engagement ratio >= 1.5
engagement  low      engagement ratio <= 0.5
engagement  average  otherwise
=========== ======== ================================================================

Names
-----
The first rule whose condition holds gives the name (:data:`RULES`); ``naming_rule`` holds
the rule's code and condition.

==== =================================== =========================
rule condition                           persona_name
==== =================================== =========================
R0   ``segment_id = -1`` (DBSCAN noise)  Outliers
R1   frequency none or one, value low,   Window shoppers
     engagement high
R2   frequency none                      Browsers
R3   recency lapsed, value high          Lapsed big spenders
R4   recency lapsed, frequency one       Lapsed one-timers
R5   recency lapsed                      Lapsed regulars
R6   frequency one, recency recent       Recent first-timers
R7   frequency one, value high           One-time big spenders
R8   frequency one                       One-time buyers
R9   frequency frequent, basket big      High-value loyal
R10  frequency frequent, basket small    Frequent small buyers
R11  frequency frequent                  Loyal regulars
R12  frequency repeat, value high        Big spenders
R13  frequency repeat, value low         Occasional small buyers
R14  frequency repeat                    Repeat buyers
==== =================================== =========================

Collisions
----------
Names are unique within a model version. When several segments of a version get the same
name, each of them gets its engagement tier appended: ``" – highly engaged"``,
``" – average engagement"`` or ``" – low engagement"`` (``naming_rule`` gains
``"; + engagement tier"``). Segments whose names are still equal then get
``" (segment <segment_id>)"`` appended instead (``"; + segment id"``). No base name
contains ``" – "`` or ``"(segment"``, so the suffixed names cannot collide with another
segment's name. A segment's name therefore depends only on its own row, except that a
collision adds a suffix.

Description
-----------
``"1,234 customers (12.3%) bringing 45.0% of revenue; median 3 orders, last order 40 days
ago, 512 USD spent, engagement 37/100."`` For frequency none the recency part reads
``"no order in the last 300 days"`` (for a never-ordered customer recency is the tenure).
Counts of orders and days show one decimal only when they are not whole (medians of an
even count); USD and engagement are rounded to whole numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation.clustering import OUTLIER_SEGMENT, SegmentationError

TABLE = "segment_profiles"

HIGH_RATIO = 1.5
LOW_RATIO = 0.5
# Absolute frequency bounds: below 1 the median customer never ordered, below 2 ordered once.
ONE_ORDER = 1.0
TWO_ORDERS = 2.0

SEGMENT_COLUMNS = (
    "median_recency_days",
    "median_frequency",
    "median_monetary",
    "median_typical_order_value",
    "median_engagement_score",
)
POPULATION_COLUMNS = (
    "overall_median_recency_days",
    "overall_median_frequency",
    "overall_median_monetary",
    "overall_median_typical_order_value",
    "overall_median_engagement_score",
)
PROFILE_COLUMNS = (
    "model_version",
    "segment_id",
    "customers",
    "customer_share",
    "revenue_share",
    *SEGMENT_COLUMNS,
    *POPULATION_COLUMNS,
)
PERSONA_COLUMNS = ("persona_name", "persona_description", "naming_rule")

ENGAGEMENT_SUFFIX = {
    "high": " – highly engaged",
    "average": " – average engagement",
    "low": " – low engagement",
}
RULE_ENGAGEMENT_SUFFIX = "; + engagement tier"
RULE_SEGMENT_SUFFIX = "; + segment id"


@dataclass(frozen=True)
class Tiers:
    """The tiers of one segment (see the module docstring for the conditions)."""

    is_outlier: bool
    frequency: str  # none, one, frequent, repeat
    recency: str  # recent, active, lapsed
    value: str  # high, mid, low
    basket: str  # big, mid, small
    engagement: str  # high, average, low


@dataclass(frozen=True)
class Rule:
    """One naming rule: a code, its condition in words, the test and the name."""

    code: str
    condition: str
    applies: Callable[[Tiers], bool]
    name: str

    @property
    def label(self) -> str:
        """The ``naming_rule`` text: code and condition, e.g. ``"R2 frequency none"``."""
        return f"{self.code} {self.condition}"


RULES = (
    Rule("R0", "segment_id -1 (outliers)", lambda t: t.is_outlier, "Outliers"),
    Rule(
        "R1",
        "frequency none or one, value low, engagement high",
        lambda t: t.frequency in ("none", "one") and t.value == "low" and t.engagement == "high",
        "Window shoppers",
    ),
    Rule("R2", "frequency none", lambda t: t.frequency == "none", "Browsers"),
    Rule(
        "R3",
        "recency lapsed, value high",
        lambda t: t.recency == "lapsed" and t.value == "high",
        "Lapsed big spenders",
    ),
    Rule(
        "R4",
        "recency lapsed, frequency one",
        lambda t: t.recency == "lapsed" and t.frequency == "one",
        "Lapsed one-timers",
    ),
    Rule("R5", "recency lapsed", lambda t: t.recency == "lapsed", "Lapsed regulars"),
    Rule(
        "R6",
        "frequency one, recency recent",
        lambda t: t.frequency == "one" and t.recency == "recent",
        "Recent first-timers",
    ),
    Rule(
        "R7",
        "frequency one, value high",
        lambda t: t.frequency == "one" and t.value == "high",
        "One-time big spenders",
    ),
    Rule("R8", "frequency one", lambda t: t.frequency == "one", "One-time buyers"),
    Rule(
        "R9",
        "frequency frequent, basket big",
        lambda t: t.frequency == "frequent" and t.basket == "big",
        "High-value loyal",
    ),
    Rule(
        "R10",
        "frequency frequent, basket small",
        lambda t: t.frequency == "frequent" and t.basket == "small",
        "Frequent small buyers",
    ),
    Rule("R11", "frequency frequent", lambda t: t.frequency == "frequent", "Loyal regulars"),
    Rule(
        "R12",
        "frequency repeat, value high",
        lambda t: t.frequency == "repeat" and t.value == "high",
        "Big spenders",
    ),
    Rule(
        "R13",
        "frequency repeat, value low",
        lambda t: t.frequency == "repeat" and t.value == "low",
        "Occasional small buyers",
    ),
    Rule("R14", "frequency repeat", lambda t: t.frequency == "repeat", "Repeat buyers"),
)


# ---------------------------------------------------------------------------- tiers


def ratio(segment: float, population: float) -> float:
    """``segment / population`` with values below 0 counted as 0, and no division by 0.

    Returns:
        ``segment / population`` when ``population > 0``; otherwise 1.0 when ``segment``
        is 0 as well (like the population) and ``inf`` when it is above 0.
    """
    segment, population = max(float(segment), 0.0), max(float(population), 0.0)
    if population > 0.0:
        return segment / population
    return 1.0 if segment == 0.0 else math.inf


def tiers(row: pd.Series) -> Tiers:
    """The tiers of one profile row (conditions in the module docstring)."""
    frequency = float(row["median_frequency"])
    frequency_ratio = ratio(frequency, row["overall_median_frequency"])
    if frequency < ONE_ORDER:
        frequency_tier = "none"
    elif frequency < TWO_ORDERS:
        frequency_tier = "one"
    elif frequency_ratio >= HIGH_RATIO:
        frequency_tier = "frequent"
    else:
        frequency_tier = "repeat"

    recency_ratio = ratio(row["median_recency_days"], row["overall_median_recency_days"])
    if recency_ratio <= LOW_RATIO:
        recency_tier = "recent"
    elif recency_ratio >= HIGH_RATIO:
        recency_tier = "lapsed"
    else:
        recency_tier = "active"

    monetary_ratio = ratio(row["median_monetary"], row["overall_median_monetary"])
    lift = ratio(row["revenue_share"], row["customer_share"])
    if monetary_ratio >= HIGH_RATIO or lift >= HIGH_RATIO:
        value_tier = "high"
    elif monetary_ratio <= LOW_RATIO and lift <= LOW_RATIO:
        value_tier = "low"
    else:
        value_tier = "mid"

    basket_ratio = ratio(
        row["median_typical_order_value"], row["overall_median_typical_order_value"]
    )
    if basket_ratio >= HIGH_RATIO:
        basket_tier = "big"
    elif basket_ratio <= 1.0 / HIGH_RATIO:
        basket_tier = "small"
    else:
        basket_tier = "mid"

    engagement_ratio = ratio(row["median_engagement_score"], row["overall_median_engagement_score"])
    if engagement_ratio >= HIGH_RATIO:
        engagement_tier = "high"
    elif engagement_ratio <= LOW_RATIO:
        engagement_tier = "low"
    else:
        engagement_tier = "average"

    return Tiers(
        is_outlier=int(row["segment_id"]) == OUTLIER_SEGMENT,
        frequency=frequency_tier,
        recency=recency_tier,
        value=value_tier,
        basket=basket_tier,
        engagement=engagement_tier,
    )


def first_rule(segment_tiers: Tiers) -> Rule:
    """The first rule of :data:`RULES` whose condition holds (R14 catches the rest)."""
    for rule in RULES:
        if rule.applies(segment_tiers):
            return rule
    raise AssertionError(f"no naming rule applies to {segment_tiers}")  # pragma: no cover


# ---------------------------------------------------------------------------- text


def _count(value: float, singular: str, plural: str) -> str:
    """``"1 order"``, ``"3 orders"``, ``"2.5 orders"``, ``"1,234 days"``."""
    value = float(value)
    text = f"{value:,.0f}" if value == round(value) else f"{value:,.1f}"
    return f"{text} {singular if value == 1 else plural}"


def describe(row: pd.Series, frequency_tier: str) -> str:
    """The one-sentence ``persona_description`` of a profile row."""
    recency = _count(row["median_recency_days"], "day", "days")
    last = (
        f"no order in the last {recency}"
        if frequency_tier == "none"
        else f"last order {recency} ago"
    )
    return (
        f"{_count(row['customers'], 'customer', 'customers')} "
        f"({float(row['customer_share']):.1%}) bringing {float(row['revenue_share']):.1%} of "
        f"revenue; median {_count(row['median_frequency'], 'order', 'orders')}, {last}, "
        f"{round(float(row['median_monetary'])):,} USD spent, "
        f"engagement {round(float(row['median_engagement_score']))}/100."
    )


# ---------------------------------------------------------------------------- validation


def _validate(profiles: pd.DataFrame) -> None:
    if not isinstance(profiles, pd.DataFrame):
        raise SegmentationError(f"{TABLE} must be a DataFrame, got {type(profiles).__name__}")
    missing = [column for column in PROFILE_COLUMNS if column not in profiles.columns]
    if missing:
        raise SegmentationError(
            f"{TABLE} lacks columns {missing} (it has {list(profiles.columns)})"
        )
    if profiles.empty:
        raise SegmentationError(f"{TABLE} is empty: no segment to name")
    nulls = [
        f"{column!r} ({int(count)})"
        for column, count in profiles[list(PROFILE_COLUMNS)].isna().sum().items()
        if count
    ]
    if nulls:
        raise SegmentationError(f"{TABLE} has null values in {', '.join(nulls)}")

    numeric = [column for column in PROFILE_COLUMNS if column != "model_version"]
    non_numeric = [
        f"{column!r} ({profiles[column].dtype})"
        for column in numeric
        if not pd.api.types.is_numeric_dtype(profiles[column])
        or pd.api.types.is_bool_dtype(profiles[column])
    ]
    if non_numeric:
        raise SegmentationError(f"{TABLE} has non-numeric columns: {', '.join(non_numeric)}")
    values = {column: profiles[column].to_numpy(dtype=np.float64) for column in numeric}

    problems = []
    for column, array in values.items():
        if not np.isfinite(array).all():
            problems.append(f"{column!r} has {int((~np.isfinite(array)).sum())} infinite value(s)")
    if problems:
        raise SegmentationError(f"{TABLE}: " + "; ".join(problems))

    def check(column: str, bad: np.ndarray, what: str) -> None:
        if bad.any():
            shown = sorted(set(values[column][bad].tolist()))[:5]
            problems.append(f"{column!r} {what} ({int(bad.sum())} row(s), e.g. {shown})")

    for column in ("segment_id", "customers"):
        check(column, values[column] != np.floor(values[column]), "must be whole numbers")
    check("segment_id", values["segment_id"] < OUTLIER_SEGMENT, f"must be >= {OUTLIER_SEGMENT}")
    check("customers", values["customers"] < 0, "must not be negative")
    for column in ("customer_share", "revenue_share"):
        check(column, (values[column] < 0) | (values[column] > 1), "must be within [0, 1]")
    for column in (
        "median_recency_days",
        "median_frequency",
        "median_typical_order_value",
        "median_engagement_score",
        "overall_median_recency_days",
        "overall_median_frequency",
        "overall_median_typical_order_value",
        "overall_median_engagement_score",
    ):
        check(column, values[column] < 0, "must not be negative")
    for column in ("median_engagement_score", "overall_median_engagement_score"):
        check(column, values[column] > 100, "must be at most 100")
    if problems:
        raise SegmentationError(f"{TABLE}: " + "; ".join(problems))

    keys = profiles[["model_version", "segment_id"]]
    duplicated = keys[keys.duplicated(keep=False)].drop_duplicates()
    if len(duplicated):
        pairs = [f"({v!r}, {int(s)})" for v, s in duplicated.itertuples(index=False)][:5]
        raise SegmentationError(
            f"{TABLE} has duplicated (model_version, segment_id): {', '.join(pairs)}"
        )
    differing = [
        column
        for column in POPULATION_COLUMNS
        if (profiles.groupby("model_version")[column].nunique() > 1).any()
    ]
    if differing:
        raise SegmentationError(
            f"{TABLE}: population medians must be the same on every row of a model "
            f"version; they differ in {differing}"
        )


# ---------------------------------------------------------------------------- naming


def name_personas(profiles: pd.DataFrame) -> pd.DataFrame:
    """Name every segment of every model version.

    Args:
        profiles: one row per (``model_version``, ``segment_id``) with the columns of
            :data:`PROFILE_COLUMNS`: ``customers``, ``customer_share`` and
            ``revenue_share`` (0..1), the segment medians (:data:`SEGMENT_COLUMNS`) and
            the population medians of its version repeated on each row
            (:data:`POPULATION_COLUMNS`). Other columns are kept as they are.

    Returns:
        The input columns plus :data:`PERSONA_COLUMNS` (``persona_name``,
        ``persona_description``, ``naming_rule``), sorted by ``model_version`` and
        ``segment_id`` (as int64), with a fresh index. Names follow the rules of the
        module docstring and are unique within a model version; segment -1 is always
        ``"Outliers"``. Row order of the input does not matter.

    Raises:
        SegmentationError: not a frame, missing columns, no rows, nulls, non-numeric or
            infinite values, segment ids below -1 or not whole, negative or fractional
            customer counts, shares outside [0, 1], negative medians (other than
            monetary), engagement above 100, duplicated (model_version, segment_id), or
            population medians differing within a version.
    """
    _validate(profiles)
    table = profiles.copy()
    table["segment_id"] = table["segment_id"].astype("int64")
    table = table.sort_values(["model_version", "segment_id"], kind="stable")
    table = table.reset_index(drop=True)

    names, rules, descriptions, engagement = [], [], [], []
    for _, row in table.iterrows():
        segment_tiers = tiers(row)
        rule = first_rule(segment_tiers)
        names.append(rule.name)
        rules.append(rule.label)
        descriptions.append(describe(row, segment_tiers.frequency))
        engagement.append(segment_tiers.engagement)

    # Collisions, step 1: the engagement tier; step 2: the segment id.
    versions = table["model_version"].tolist()
    segment_ids = table["segment_id"].tolist()
    for position in _colliding(versions, names):
        names[position] += ENGAGEMENT_SUFFIX[engagement[position]]
        rules[position] += RULE_ENGAGEMENT_SUFFIX
    for position in _colliding(versions, names):
        names[position] += f" (segment {segment_ids[position]})"
        rules[position] += RULE_SEGMENT_SUFFIX

    table["persona_name"] = pd.Series(names, index=table.index, dtype="str")
    table["persona_description"] = pd.Series(descriptions, index=table.index, dtype="str")
    table["naming_rule"] = pd.Series(rules, index=table.index, dtype="str")
    return table


def _colliding(versions: list, names: list[str]) -> list[int]:
    """Positions whose (version, name) occurs more than once."""
    keys = list(zip(versions, names, strict=True))
    counts: dict[tuple, int] = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    return [position for position, key in enumerate(keys) if counts[key] > 1]
