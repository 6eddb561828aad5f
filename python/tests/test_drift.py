"""segmentation.drift: the chi-square p-value added to int_categorical_drift."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency
from segmentation.drift import with_chi_square_p_values
from segmentation.training import SegmentationError


def test_p_value_is_that_of_the_contingency_table() -> None:
    # segment counts of two months, by hand: 2 x 3 table
    table = np.array([[120, 80, 50], [100, 95, 70]])
    statistic, p_value, freedom, _ = chi2_contingency(table, correction=False)
    rows = pd.DataFrame(
        {"column_name": ["segment_id"], "chi_square": [statistic], "degrees_of_freedom": [freedom]}
    )
    result = with_chi_square_p_values(rows)
    assert result["chi_square_p_value"].iloc[0] == pytest.approx(p_value, rel=1e-12)
    assert 0 < p_value < 1
    assert list(result.columns) == [*rows.columns, "chi_square_p_value"]


def test_no_p_value_without_a_test() -> None:
    rows = pd.DataFrame(
        {
            "column_name": ["one_category", "unknown", "tested"],
            "chi_square": [0.0, None, 3.84],
            "degrees_of_freedom": [0, 2, 1],
        }
    )
    p_values = with_chi_square_p_values(rows)["chi_square_p_value"]
    assert p_values.isna().tolist() == [True, True, False]
    assert p_values.iloc[2] == pytest.approx(0.05, abs=1e-3)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (pd.DataFrame({"chi_square": [1.0]}), "lacks columns ['degrees_of_freedom']"),
        (
            pd.DataFrame({"chi_square": [-1.0], "degrees_of_freedom": [2]}),
            "must not be negative",
        ),
    ],
)
def test_bad_input_names_the_problem(rows: pd.DataFrame, message: str) -> None:
    with pytest.raises(SegmentationError, match=message.replace("[", r"\[").replace("]", r"\]")):
        with_chi_square_p_values(rows)
