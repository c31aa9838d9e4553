"""Column operations that run once per distinct value and are spread back over the rows.

pandas text operations (``.str.strip()``, ``astype(str)`` on floats, regular expressions) loop
in Python over every row.  A clinical column of millions of records holds few distinct
values (test codes, visit names, subject ids, scores), so these helpers factorise the column,
apply the operation to its distinct values and take the result back by code.  The result is
the one the operation gives on the whole column: same values, same index, same dtype.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd


def map_distinct(series: pd.Series, func: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``func(series)`` computed on the distinct values of ``series`` only.

    ``func`` must work value by value (the result for a row depends on that row's value only),
    as ``.str`` methods, ``astype``, ``isin`` and comparisons do; it may return a Series or a
    DataFrame (several results per value).

    >>> map_distinct(pd.Series([" a", "b ", " a"]), lambda s: s.str.strip()).tolist()
    ['a', 'b', 'a']
    """
    if len(series) == 0:
        return func(series)
    out = _spread(series, _value_codes(series), func)
    return out.rename(series.name) if isinstance(out, pd.Series) else out


def map_distinct_rows(frame: pd.DataFrame, func: Callable[[pd.DataFrame], pd.Series]) -> pd.Series:
    """``func(frame)`` computed once per distinct row (combination of values) of ``frame``.

    >>> pairs = pd.DataFrame({"a": ["1", "1", "2"], "b": ["x", "x", "y"]})
    >>> map_distinct_rows(pairs, lambda f: f["a"] + f["b"]).tolist()
    ['1x', '1x', '2y']
    """
    if len(frame) == 0:
        return func(frame)
    return _spread(frame, compute_row_codes(frame), func)


def compute_row_codes(frame: pd.DataFrame) -> np.ndarray:
    """Dense integer codes, equal exactly where two rows hold equal values in every column (NaN equals NaN)."""
    codes = np.zeros(len(frame), dtype=np.int64)
    for column in frame.columns:
        column_codes = _value_codes(frame[column])
        codes, _ = pd.factorize(codes * (column_codes.max() + 1) + column_codes)    # dense: products never overflow
    return codes


def _value_codes(series: pd.Series) -> np.ndarray:
    """Codes of a column's distinct values; floats by their bits, so 0.0 and -0.0 (equal, but written
    differently) stay apart."""
    if series.dtype == np.float64:
        return pd.factorize(series.to_numpy().view(np.int64))[0]
    return pd.factorize(series, use_na_sentinel=False)[0]


def _spread(data, codes: np.ndarray, func):
    """``func`` on the first row of each code, taken back to every row (index and dtype of the result kept)."""
    first = np.empty(codes.max() + 1, dtype=np.intp)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)        # first row holding each code
    result = func(data.iloc[first].reset_index(drop=True))
    out = result.take(codes)
    out.index = data.index
    return out


def compute_blank(series: pd.Series) -> pd.Series:
    """True where a value is missing or text that is empty after stripping blanks (SDTM null).

    >>> compute_blank(pd.Series(["x", " ", None, float("nan")])).tolist()
    [False, True, True, True]
    """
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.isna()
    return map_distinct(series, lambda s: s.isna() | (s.astype(str).str.strip() == "")).astype(bool)


def strip_text(series: pd.Series) -> pd.Series:
    """``series.astype(str).str.strip()`` on the distinct values.

    >>> strip_text(pd.Series([" 7 ", 7])).tolist()
    ['7', '7']
    """
    return map_distinct(series, lambda s: s.astype(str).str.strip())


__all__ = ["map_distinct", "map_distinct_rows", "compute_row_codes", "compute_blank", "strip_text"]
