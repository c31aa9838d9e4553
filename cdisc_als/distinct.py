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
    as ``.str`` methods, ``astype``, ``isin`` and comparisons do.

    >>> map_distinct(pd.Series([" a", "b ", " a"]), lambda s: s.str.strip()).tolist()
    ['a', 'b', 'a']
    """
    if len(series) == 0:
        return func(series)
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    first = np.empty(len(uniques), dtype=np.intp)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)        # first row holding each code
    result = func(series.iloc[first].reset_index(drop=True))
    out = result.take(codes)
    out.index = series.index
    return out.rename(series.name)


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


__all__ = ["map_distinct", "compute_blank", "strip_text"]
