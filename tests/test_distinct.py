"""map_distinct / compute_blank / strip_text give what the plain pandas operation gives, row for row and dtype."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from cdisc_als.distinct import compute_blank, compute_row_codes, map_distinct, map_distinct_rows, strip_text

TEXT = st.one_of(st.none(), st.just(float("nan")), st.sampled_from(["", " ", "a", " a", "a ", "B", "1", " 2.5 "]))
OPERATIONS = {
    "strip": lambda s: s.astype(str).str.strip(),
    "upper-map": lambda s: s.astype(str).str.upper().map({"A": "x", "B": "y"}),
    "blank": lambda s: s.isna() | (s.astype(str).str.strip() == ""),
    "number": lambda s: pd.to_numeric(s, errors="coerce"),
}


@settings(max_examples=60, deadline=None)
@given(values=st.lists(TEXT, max_size=30), dtype=st.sampled_from([object, "str"]),
       op=st.sampled_from(sorted(OPERATIONS)))
def test_map_distinct_equals_the_operation_on_every_row(values, dtype, op):
    series = pd.Series(values, dtype=dtype, index=np.arange(len(values)) * 3 + 5, name="V")
    expected = OPERATIONS[op](series)
    got = map_distinct(series, OPERATIONS[op])
    pd.testing.assert_series_equal(got, expected.rename("V"))


@given(values=st.lists(st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=False)), max_size=30))
def test_numeric_columns(values):
    series = pd.Series(values, dtype="float64")
    pd.testing.assert_series_equal(compute_blank(series), series.isna())
    pd.testing.assert_series_equal(strip_text(series), series.astype(str).str.strip())


def test_blank_and_strip_on_text():
    series = pd.Series([" x ", "", "  ", None, "x"], dtype=object)
    assert compute_blank(series).tolist() == [False, True, True, True, False]
    assert strip_text(series).tolist()[:3] == ["x", "", ""]
    assert compute_blank(series.iloc[:0]).empty


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(TEXT, st.sampled_from(["1", "2", ""])), min_size=1, max_size=30))
def test_map_distinct_rows_equals_the_operation_on_every_row(rows):
    frame = pd.DataFrame(rows, columns=["a", "b"], dtype=object)
    combine = lambda f: f["a"].fillna("<na>").astype(str) + "|" + f["b"]   # noqa: E731
    got = map_distinct_rows(frame, combine)
    pd.testing.assert_series_equal(got, combine(frame))
    codes = compute_row_codes(frame)
    groups = frame.fillna("<na>").groupby(["a", "b"], sort=False).ngroup().to_numpy()
    assert (pd.Series(codes).groupby(groups).nunique() == 1).all()
    assert len(set(codes)) == len(set(groups))
