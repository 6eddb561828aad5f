"""Drift statistics SQL cannot compute: the p-value of a chi-square statistic."""

from __future__ import annotations

import pandas as pd
from scipy.stats import chi2

from segmentation.training import SegmentationError

P_VALUE_INPUTS = ("chi_square", "degrees_of_freedom")


def with_chi_square_p_values(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with a ``chi_square_p_value`` column: the probability of a chi-square
    statistic at least this large if both periods came from one distribution (the
    survival function of the chi-square distribution with ``degrees_of_freedom``).
    Null where there is no test: zero degrees of freedom (a single category) or a null
    statistic.

    Raises:
        SegmentationError: a column of :data:`P_VALUE_INPUTS` is missing, or a statistic
            or degrees of freedom is negative.
    """
    missing = [column for column in P_VALUE_INPUTS if column not in table.columns]
    if missing:
        raise SegmentationError(f"int_categorical_drift lacks columns {missing}")
    statistic = pd.to_numeric(table["chi_square"], errors="coerce").astype("float64")
    freedom = pd.to_numeric(table["degrees_of_freedom"], errors="coerce").astype("float64")
    if (statistic < 0).any() or (freedom < 0).any():
        raise SegmentationError(
            "int_categorical_drift: chi_square and degrees_of_freedom must not be negative"
        )
    defined = statistic.notna() & (freedom > 0)
    p_values = pd.Series(pd.NA, index=table.index, dtype="Float64")
    p_values[defined] = chi2.sf(statistic[defined], freedom[defined])
    result = table.copy()
    result["chi_square_p_value"] = p_values
    return result
