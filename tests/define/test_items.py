"""Data types and lengths from values (Define-XML 2.1 DataType, ISO 8601 as in SDTMIG v3.4 §4.4)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cdisc_als.define.items import compute_iso_datatype, compute_number_format, value_codes
from cdisc_als.distinct import compute_first_rows as first_rows
from cdisc_als.xport.model import TextCodes


@pytest.mark.parametrize("values, expected", [
    (["2020-01-02", "", "2021-12-31"], "date"),
    (["2020-01-02T10:11:12"], "datetime"),
    (["10:11:12"], "time"),
    (["2020-01", "2020-01-02", "2020"], "partialDate"),
    (["2020-01-02T10:11", "2020-01-02"], "partialDatetime"),
    (["2003---15"], "incompleteDatetime"),
    (["2003-12-15T-:15"], "incompleteDatetime"),
    (["P2Y", "-PT15M", "PT0.5H"], "durationDatetime"),
    (["2003-12-01/2003-12-10"], "intervalDatetime"),
    (["not a date"], "text"),
    (["", ""], "date"),
])
def test_iso_datatype(values, expected):
    assert compute_iso_datatype(pd.Series(values, dtype=object)) == expected


def test_number_formats():
    assert compute_number_format(pd.Series([1.0, 22.0, float("nan")])) == ("integer", 2, None)
    assert compute_number_format(pd.Series([1.5, -10.25])) == ("float", 4, 2)
    assert compute_number_format(pd.Series([float("nan")])) == ("integer", 1, None)
    # 8.55 stored as a double is 8.549999999999999: 15 significant digits give back 8.55
    assert compute_number_format(pd.Series([8.549999999999999])) == ("float", 3, 2)


def number_format_by_hand(values: list[float]) -> tuple[str, int, int | None]:
    """The number rules written out value by value (Define-XML Length / SignificantDigits)."""
    finite = [v for v in values if v == v and abs(v) != float("inf")]
    if not finite:
        return "integer", 1, None
    if all(v == int(v) and abs(v) < 2 ** 53 for v in finite):
        return "integer", max(len(str(abs(int(v)))) for v in finite), None
    texts = ["%.15g" % abs(v) for v in finite]
    if any("e" in t for t in texts):
        return "float", 15, 15
    whole = [t.partition(".")[0].lstrip("0") for t in texts]
    decimals = [len(t.partition(".")[2]) for t in texts]
    return "float", max(max(len(w) + d for w, d in zip(whole, decimals)), 1), max(decimals)


@pytest.mark.parametrize("seed", range(6))
def test_number_formats_against_the_rules_by_hand(seed):
    rng = np.random.default_rng(seed)
    n = 2000
    kind = seed % 3
    values = (rng.integers(-10 ** (seed + 2), 10 ** (seed + 2), n).astype(float) if kind == 0
              else np.round(rng.normal(50, 30, n), seed) if kind == 1
              else rng.choice([0.0, -0.0, 7.0, 0.5, 123.25, np.nan, 1e20], n))
    values[rng.integers(0, n, 10)] = np.nan
    assert compute_number_format(pd.Series(values)) == number_format_by_hand(values.tolist())


def test_value_codes_are_the_distinct_values_in_order_of_appearance():
    column = pd.Series(["b", "a", "b", "c", "a", "a"], dtype="str")
    codes, distinct = value_codes(column)
    assert distinct.tolist() == list(pd.unique(column)) and distinct.dtype == column.dtype
    assert (distinct.to_numpy()[codes] == column.to_numpy()).all()
    assert first_rows(codes).tolist() == [0, 1, 3]
    numbers = pd.Series([2.0, np.nan, 1.0, 2.0, np.nan])
    codes, distinct = value_codes(numbers)
    assert codes.tolist() == [0, 1, 2, 0, 1] and distinct.iloc[[0, 2]].tolist() == [2.0, 1.0]
    assert np.isnan(distinct.iloc[1])


def test_reader_codes_are_used_only_while_they_describe_the_column():
    texts = np.array(["A", "B", "A"], dtype=object)         # stored "A" and "A\0" both read as "A"
    stored = np.array([0, 1, 2, 0, 2], dtype=np.uint8)
    column = pd.array(texts, dtype="str").take(stored)
    known = TextCodes(codes=stored, texts=texts, column=np.asarray(column, dtype=object))
    frame = pd.DataFrame({"X": column}, copy=False)
    codes, distinct = value_codes(frame["X"], known)
    assert distinct.tolist() == ["A", "B"] and codes.tolist() == [0, 1, 0, 0, 0]
    changed = frame.copy(deep=False)
    changed.loc[0, "X"] = "B"
    codes, distinct = value_codes(changed["X"], known)        # not the column read any more: hashed
    assert distinct.tolist() == ["B", "A"] and codes.tolist() == [0, 0, 1, 1, 1]


def _hard_numbers() -> list[float]:
    """Numbers next to the edges of 15-digit writing: powers of ten and their neighbours, halves at the 15th
    digit (exact ties), the ends of the fixed-point range (1e-4 and 1e15) and the rounding up to them."""
    out = [100000000000000.5, 123456789012345.5, 999999999999999.5, 999999999999999.0, 0.0001,
           0.00009999999999999999, 0.000099999999999999995, 1e-5, 8.549999999999999, 0.1 + 0.2, 1e15]
    for k in range(-5, 16):
        ten = 10.0 ** k
        out += [ten, np.nextafter(ten, 0), np.nextafter(ten, np.inf), ten * 9.999999999999995]
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(
    st.floats(min_value=1e-6, max_value=2e15, allow_nan=False),                 # any double in range
    st.integers(-10 ** 6, 10 ** 6).map(lambda i: i / 100),                      # values as data holds them
    st.integers(-10 ** 9, 10 ** 9).map(lambda i: i / 10 ** 7),
    st.sampled_from(_hard_numbers())), min_size=1, max_size=40))
def test_number_formats_of_any_floats_against_the_rules_by_hand(values):
    values = [v + 0.5 if v == int(v) and abs(v) < 1e14 else v for v in values]   # not all whole numbers
    assert compute_number_format(pd.Series(values)) == number_format_by_hand(values)


def test_exact_ties_are_written_out():
    """100000000000000.5 lies exactly half way at the 15th digit: C rounds it to even, as the text path does."""
    assert compute_number_format(pd.Series([100000000000000.5])) == number_format_by_hand([100000000000000.5])
    assert compute_number_format(pd.Series([0.25, 100000000000001.5])) == ("float", 15, 2)
