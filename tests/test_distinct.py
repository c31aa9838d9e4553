"""map_distinct / compute_blank / strip_text give what the plain pandas operation gives, row for row and dtype."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from cdisc_als.distinct import (compute_blank, compute_duplicated, compute_rank_order, compute_row_codes,
                                compute_sort_order, compute_value_codes, encode_text, factorize_objects, factorize_text, map_distinct,
                                map_distinct_rows, reorder_rows, share_categories, strip_text)

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
    stripped = strip_text(series)                 # text of numbers comes back categorical, the same values
    assert len(series) == 0 or stripped.isna().any() or isinstance(stripped.dtype, pd.CategoricalDtype)
    pd.testing.assert_series_equal(stripped.astype(object), series.astype(str).str.strip().astype(object))


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


KEY_TEXT = st.one_of(st.none(), st.sampled_from(["", "a", "B", "b", "a ", "10", "9"]))
KEY_FLOAT = st.one_of(st.just(float("nan")), st.sampled_from([0.0, -0.0, 1.5, -2.0, 10.0]))


def as_dtype(series: pd.Series, dtype) -> pd.Series:
    """``series`` as object, str, a categorical over its sorted values (encode_text) or over unsorted ones."""
    if dtype == "encoded":
        return encode_text(series)
    if dtype == "unsorted":
        categories = pd.unique(series.dropna().to_numpy(dtype=object))[::-1]
        return series.astype(pd.CategoricalDtype(pd.Index(categories, dtype=object)))
    return series.astype(dtype)


TEXT_DTYPES = st.sampled_from([object, "str", "encoded", "unsorted"])


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(st.tuples(KEY_TEXT, KEY_FLOAT, st.integers(-3, 3)), max_size=40),
       dtype=TEXT_DTYPES, keys=st.permutations(["t", "f", "i"]))
def test_sort_order_is_the_stable_pandas_sort(rows, dtype, keys):
    frame = pd.DataFrame(rows, columns=["t", "f", "i"])
    frame["t"] = as_dtype(frame["t"], dtype)
    frame.index = np.arange(len(frame)) * 2 + 7
    expected = frame.reset_index(drop=True).sort_values(list(keys), kind="stable").index.to_numpy()
    assert compute_sort_order(frame[list(keys)]).tolist() == expected.tolist()


@settings(max_examples=60, deadline=None)
@given(values=st.lists(KEY_TEXT, max_size=40), shared=st.booleans(), sentinel=st.booleans())
def test_factorize_objects_is_pandas_factorize(values, shared, sentinel):
    # shared: rows hold a few repeated objects (as after take/map); otherwise a new object per row
    pool = {v: v for v in values}
    array = np.array([pool[v] if shared else (None if v is None else "".join(list(v))) for v in values], dtype=object)
    codes, uniques = factorize_objects(array, use_na_sentinel=sentinel)
    expected_codes, expected_uniques = pd.factorize(array, use_na_sentinel=sentinel)
    assert codes.tolist() == expected_codes.tolist()
    assert [u if isinstance(u, str) else None for u in uniques] == \
        [u if isinstance(u, str) else None for u in expected_uniques]


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(KEY_TEXT, KEY_FLOAT), min_size=1, max_size=30), constant=st.booleans())
def test_reorder_rows_is_take(rows, constant):
    frame = pd.DataFrame(rows, columns=["t", "f"]).astype({"t": object})
    frame["c"] = "same"
    frame["n"] = 1.0 if constant else np.arange(len(frame), dtype=float)
    frame.index = np.arange(len(frame)) + 3
    position = np.random.default_rng(len(rows)).permutation(len(frame))
    pd.testing.assert_frame_equal(reorder_rows(frame, position), frame.take(position).reset_index(drop=True))


@given(rows=st.lists(st.tuples(KEY_TEXT, st.integers(0, 2)), max_size=30))
def test_duplicated_is_pandas_duplicated(rows):
    frame = pd.DataFrame(rows, columns=["t", "i"]).astype({"t": object})
    assert compute_duplicated(frame).tolist() == frame.duplicated().tolist()


@settings(max_examples=60, deadline=None)
@given(columns=st.lists(st.tuples(st.integers(0, 3), st.sampled_from([1, 5, 1 << 40])), min_size=1, max_size=4),
       size=st.integers(0, 30), seed=st.integers(0, 99))
def test_rank_order_is_lexsort(columns, size, seed):
    """One combined key where it fits in 62 bits, np.lexsort otherwise: the same stable order either way."""
    rng = np.random.default_rng(seed)
    ranks = [rng.integers(0, distinct + 1, size) * scale for distinct, scale in columns]
    assert compute_rank_order(ranks, size).tolist() == np.lexsort(ranks[::-1]).tolist()


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["a", "b", "c", None]), max_size=30), min_size=1, max_size=4),
       st.booleans())
def test_joint_codes_are_equal_exactly_where_values_are_equal(columns, as_numbers):
    from cdisc_als.distinct import compute_joint_codes

    to_value = {"a": 1.0, "b": 2.5, "c": -0.5, None: np.nan} if as_numbers else {v: v for v in "abc"} | {None: None}
    series = [pd.Series([to_value[v] for v in column], dtype=float if as_numbers else object) for column in columns]
    codes = compute_joint_codes(series)
    flat_values = [v for column in columns for v in column]
    flat_codes = np.concatenate(codes) if codes else np.empty(0)
    for i, left in enumerate(flat_values):
        assert (flat_codes[i] == -1) == (left is None)
        for j, right in enumerate(flat_values):
            if left is not None and right is not None:
                assert (flat_codes[i] == flat_codes[j]) == (left == right)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(KEY_TEXT, max_size=40), dtype=TEXT_DTYPES)
def test_value_codes_of_any_text_column_are_dense_and_equal_where_values_are(values, dtype):
    series = as_dtype(pd.Series(values, dtype=object), dtype)
    codes = compute_value_codes(series)
    expected, _ = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
    assert sorted(set(codes.tolist())) == list(range(len(set(expected.tolist()))))
    assert (pd.Series(codes).groupby(expected).nunique() == 1).all()


@settings(max_examples=60, deadline=None)
@given(values=st.lists(KEY_TEXT, max_size=30), other=st.lists(KEY_TEXT, max_size=10), dtype=TEXT_DTYPES)
def test_encode_text_keeps_the_values_over_sorted_categories(values, other, dtype):
    series = as_dtype(pd.Series(values, dtype=object, name="V"), dtype)
    encoded = encode_text(series)
    assert encoded.astype(object).where(encoded.notna(), None).tolist() == values
    assert list(encoded.cat.categories) == sorted({v for v in values if v is not None})
    left, right = share_categories(series, pd.Series(other, dtype=object))
    assert left.cat.categories.equals(right.cat.categories)
    assert list(left.cat.categories) == sorted({v for v in values + other if v is not None})
    assert left.astype(object).where(left.notna(), None).tolist() == values
    assert right.astype(object).where(right.notna(), None).tolist() == other


def test_encode_text_refuses_a_value_outside_the_categories():
    import pytest
    with pytest.raises(ValueError, match="outside the categories"):
        encode_text(pd.Series(["a", "z"], name="V"), pd.Index(["a", "b"]))
    # a category no row holds is no value
    held = pd.Series(pd.Categorical(["a", "b"], categories=["a", "b", "z"]))
    assert encode_text(held, pd.Index(["a", "b"])).tolist() == ["a", "b"]


@settings(max_examples=60, deadline=None)
@given(values=st.lists(KEY_TEXT, max_size=40), dtype=TEXT_DTYPES)
def test_factorize_text_is_pandas_factorize_of_the_values(values, dtype):
    codes, uniques = factorize_text(as_dtype(pd.Series(values, dtype=object), dtype))
    expected_codes, expected_uniques = pd.factorize(np.array(values, dtype=object))
    assert codes.tolist() == expected_codes.tolist()
    assert uniques.tolist() == list(expected_uniques)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(KEY_TEXT, max_size=30), dtype=st.sampled_from(["encoded", "unsorted"]),
       op=st.sampled_from(sorted(OPERATIONS)), extra=st.booleans())
def test_map_distinct_on_a_categorical_gives_the_operation_s_values(values, dtype, op, extra):
    series = as_dtype(pd.Series(values, dtype=object, name="V"), dtype)
    if extra:                                                  # a category no row holds changes nothing
        series = series.cat.add_categories(["never held"])
    series.index = np.arange(len(series)) * 3 + 5
    expected = OPERATIONS[op](series)
    got = map_distinct(series, OPERATIONS[op])
    assert got.index.equals(series.index)
    assert got.astype(object).where(got.notna(), None).tolist() == \
        expected.astype(object).where(expected.notna(), None).tolist()
