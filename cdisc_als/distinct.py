"""Column operations that run once per distinct value and are spread back over the rows.

pandas text operations (``.str.strip()``, ``astype(str)`` on floats, regular expressions) loop
in Python over every row.  A clinical column of millions of records holds few distinct
values (test codes, visit names, subject ids, scores), so these helpers factorise the column,
apply the operation to its distinct values and take the result back by code.  The result is
the one the operation gives on the whole column: same values, same index, same dtype.

The ADaM build goes one step further and keeps its large text columns (USUBJID, PARAMCD ...) as pandas
categoricals over *sorted* categories (:func:`encode_text`, :func:`share_categories`): one small integer
per row, so sorting, grouping, merging and taking rows work on integers, and the categories' order is the
text's own, so a sort on the codes is the sort on the text.  Every helper here takes either kind of column.
"""
from __future__ import annotations

import ctypes
from typing import Callable

import numpy as np
import pandas as pd


def map_distinct(series: pd.Series, func: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``func(series)`` computed on the distinct values of ``series`` only.

    ``func`` must work value by value (the result for a row depends on that row's value only),
    as ``.str`` methods, ``astype``, ``isin`` and comparisons do; it may return a Series or a
    DataFrame (several results per value).  For a categorical or numeric ``series`` a text result
    (or text column of a DataFrame result) without missing values comes back as a categorical over its
    sorted values (one small integer per row instead of one object), the same values.

    >>> map_distinct(pd.Series([" a", "b ", " a"]), lambda s: s.str.strip()).tolist()
    ['a', 'b', 'a']
    """
    if len(series) == 0:
        return func(series)
    if isinstance(series.dtype, pd.CategoricalDtype):
        out = _spread(series, *_category_sample(series), func)
    else:
        codes = compute_value_codes(series)
        out = _spread(series, series.iloc[compute_first_rows(codes)].reset_index(drop=True), codes, func)
    return out.rename(series.name) if isinstance(out, pd.Series) else out


def _category_sample(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """One value per category the rows of a categorical hold (and a missing value when a row has one), with
    each row's position in that sample (:func:`compute_held_codes`: no pass over the rows factorises
    anything)."""
    held, codes = compute_held_codes(series)
    missing = bool(len(codes)) and int(codes.min()) < 0
    if missing:
        codes = np.where(codes < 0, len(held), codes)               # missing: the sample's last row
    sample = pd.Categorical.from_codes(np.append(held, -1) if missing else held, dtype=series.dtype)
    return pd.Series(sample, name=series.name), codes


def compute_held_codes(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The categories a categorical's rows hold (positions into its categories, in category order) and each
    row's code among them (-1, missing, stays -1); the rows' own codes when they hold every category.  The
    categories held are found by :func:`compute_code_order`, without factorising the rows."""
    codes, size = series.cat.codes.to_numpy(), len(series.cat.categories)
    held = np.sort(compute_code_order(codes, size))
    if len(held) == size:
        return held, codes
    number = np.full(size + 1, -1, dtype=np.intp)                  # the last slot: code -1 (missing)
    number[held] = np.arange(len(held))
    return held, number[codes]


def map_distinct_rows(frame: pd.DataFrame, func: Callable[[pd.DataFrame], pd.Series]) -> pd.Series:
    """``func(frame)`` computed once per distinct row (combination of values) of ``frame``.

    >>> pairs = pd.DataFrame({"a": ["1", "1", "2"], "b": ["x", "x", "y"]})
    >>> map_distinct_rows(pairs, lambda f: f["a"] + f["b"]).tolist()
    ['1x', '1x', '2y']
    """
    if len(frame) == 0:
        return func(frame)
    codes = compute_row_codes(frame)
    return _spread(frame, frame.iloc[compute_first_rows(codes)].reset_index(drop=True), codes, func)


def compute_row_codes(frame: pd.DataFrame) -> np.ndarray:
    """Dense integer codes, equal exactly where two rows hold equal values in every column (NaN equals NaN)."""
    if len(frame) == 0 or frame.shape[1] == 0:
        return np.zeros(len(frame), dtype=np.int64)
    return compute_tuple_codes([compute_value_codes(frame[c]) for c in frame.columns]).astype(np.int64)


def compute_tuple_codes(columns: list[np.ndarray]) -> np.ndarray:
    """Dense codes (first appearance first) of the rows' tuples of integer ``columns``: equal exactly where
    every column is equal."""
    if not len(columns[0]):
        return np.zeros(0, dtype=np.intp)
    codes = pd.factorize(fold_codes(columns))[0]
    return codes.astype(np.int32) if len(codes) < 2 ** 31 else codes


def fold_codes(columns: list[np.ndarray]) -> np.ndarray:
    """One int64 per row that orders (and equates) rows as the tuple of integer ``columns`` does, the first
    most significant; renumbered densely (order kept) whenever the mixed-radix number could overflow."""
    key, bound = np.zeros(len(columns[0]), dtype=np.int64), 1
    for column in columns:
        low = int(column.min()) if len(column) else 0
        width = int(column.max()) - low + 1 if len(column) else 1
        if bound * width >= 2 ** 62:
            key = np.unique(key, return_inverse=True)[1].reshape(-1).astype(np.int64)
            bound = int(key.max()) + 1
        key, bound = key * width + (column - low), bound * width
    return key


def compute_value_codes(series: pd.Series) -> np.ndarray:
    """Dense codes of a column's distinct values (missing values too); floats by their bits, so 0.0 and
    -0.0 (equal, but written differently) stay apart."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return _dense(series.cat.codes.to_numpy(), len(series.cat.categories))
    if series.dtype == np.float64:
        return pd.factorize(series.to_numpy().view(np.int64))[0]
    if _holds_objects(series):
        return factorize_objects(series.to_numpy(), use_na_sentinel=False)[0]
    return pd.factorize(series, use_na_sentinel=False)[0]


def _dense(codes: np.ndarray, ncategories: int) -> np.ndarray:
    """Categorical codes (-1 missing, some categories perhaps unused) renumbered 0.. over those rows hold,
    in category order, missing last."""
    shifted = np.where(codes < 0, ncategories, codes) if (codes < 0).any() else codes
    held = np.bincount(shifted, minlength=ncategories + 1) > 0
    number = np.cumsum(held) - 1
    return number[shifted] if not held[:-1].all() else shifted.astype(np.intp, copy=False)


def encode_text(series: pd.Series, categories: pd.Index | None = None) -> pd.Series:
    """``series`` (text, or a categorical) as a categorical over sorted ``categories`` (by default its own
    distinct values); missing values stay missing.  A value outside ``categories`` is an error, never
    silently made missing as ``astype`` would.

    >>> encode_text(pd.Series(["b", "a", None, "b"])).cat.codes.tolist()
    [1, 0, -1, 1]
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        if categories is not None and series.cat.categories.equals(categories):
            return series
        codes, uniques = series.cat.codes.to_numpy(), np.asarray(series.cat.categories, dtype=object)
    else:
        codes, uniques = factorize_objects(series.to_numpy(dtype=object)) if _holds_objects(series) \
            else pd.factorize(series)
        uniques = np.asarray(uniques, dtype=object)
    if categories is None:
        categories = pd.Index(uniques, dtype=object).sort_values()
    categories = pd.Index(categories, dtype=object)
    position = categories.get_indexer(uniques)
    outside = position < 0
    if outside.any() and isinstance(series.dtype, pd.CategoricalDtype):   # a category no row holds is no value
        outside &= np.bincount(codes[codes >= 0], minlength=len(uniques)) > 0
    if outside.any():
        raise ValueError(f"{series.name}: values outside the categories, e.g. {uniques[outside][0]!r}")
    mapped = np.append(position, -1)[codes]                            # code -1 (missing) stays -1
    return pd.Series(pd.Categorical.from_codes(mapped, categories=categories), index=series.index,
                     name=series.name)


def is_text(column: pd.Series) -> bool:
    """Whether a column is text: ``str``, object holding strings (and missing values) only, or a categorical
    of such text."""
    values = column.cat.categories if isinstance(column.dtype, pd.CategoricalDtype) else column
    return values.dtype == "str" or (values.dtype == object and
                                     pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"))


def as_text(series: pd.Series) -> pd.Series:
    """The column as text: text (``str``, or a categorical of text) as it is, anything else through
    ``astype(str)``."""
    return series if series.dtype != object and is_text(series) else series.astype(str)


def decode_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each categorical column of text turned back into a ``str`` column (for code written for
    plain text; worth it on small frames only)."""
    coded = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    return frame.assign(**{c: frame[c].astype(object).astype("str") for c in coded}) if coded else frame


def where_text(condition: pd.Series | np.ndarray, if_true: pd.Series, if_false: pd.Series) -> pd.Series:
    """``if_true.where(condition, if_false)`` for text columns of either kind: two categoricals are put over
    one set of categories and chosen between by code (pandas refuses to mix categoricals whose categories
    differ), anything else as pandas does it.

    >>> where_text(np.array([True, False]), encode_text(pd.Series(["a", "a"])), encode_text(pd.Series(["b", "c"]))).tolist()
    ['a', 'c']
    """
    if not (isinstance(if_true.dtype, pd.CategoricalDtype) or isinstance(if_false.dtype, pd.CategoricalDtype)):
        return if_true.where(condition, if_false)
    left, right = share_categories(if_true, if_false)
    codes = np.where(np.asarray(condition, dtype=bool), left.cat.codes.to_numpy(), right.cat.codes.to_numpy())
    return pd.Series(pd.Categorical.from_codes(codes, dtype=left.dtype), index=if_true.index, name=if_true.name)


def share_categories(*columns: pd.Series) -> list[pd.Series]:
    """The columns as categoricals over one sorted set of categories, the union of their values, so that
    pandas merges, compares and concatenates them by code (a column already over those categories is
    returned as it is)."""
    distinct = [c.cat.categories if isinstance(c.dtype, pd.CategoricalDtype)
                else pd.Index(pd.unique(c.dropna().to_numpy(dtype=object)), dtype=object) for c in columns]
    union = distinct[0]
    for more in distinct[1:]:
        union = union.union(more, sort=False)
    categories = pd.Index(union, dtype=object).sort_values()
    return [encode_text(c, categories) for c in columns]


def compute_joint_codes(columns: list[pd.Series]) -> list[np.ndarray]:
    """Codes of several columns in one code space: equal values share a code across the columns, missing
    values are -1.  Each column is factorised on its own (text by object identity first) and only the
    distinct values are matched across columns, so no column is copied or concatenated.

    >>> [c.tolist() for c in compute_joint_codes([pd.Series(["a", "b"]), pd.Series(["b", None])])]
    [[0, 1], [1, -1]]
    """
    parts = [factorize_objects(c.to_numpy()) if _holds_objects(c) else pd.factorize(c) for c in columns]
    uniques = [np.asarray(u, dtype=object) for _, u in parts]
    joint, _ = pd.factorize(np.concatenate(uniques) if uniques else np.empty(0, dtype=object))
    starts = np.cumsum([0] + [len(u) for u in uniques])
    return [np.append(joint[start:start + len(u)], -1)[codes]            # code -1 (missing) stays -1
            for (codes, _), u, start in zip(parts, uniques, starts)]


def _holds_objects(series: pd.Series) -> bool:
    """True for text held as Python objects: object columns and pandas' python-backed ``str`` columns."""
    return series.dtype == object or (isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "python")


def factorize_objects(values: np.ndarray, *, use_na_sentinel: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values)`` of an object array (same codes and uniques), hashing each distinct
    *object* once: rows are grouped by object identity first, then those objects by value.

    >>> factorize_objects(np.array(["b", "a", "b", None], dtype=object))[0].tolist()
    [0, 1, 0, -1]
    """
    values = np.ascontiguousarray(values, dtype=object)
    identity_codes, identities = pd.factorize(_object_pointers(values))
    if len(identities) > len(values) // 2:          # mostly distinct objects: hash the values directly
        codes, uniques = pd.factorize(values, use_na_sentinel=use_na_sentinel)
        return codes, np.asarray(uniques, dtype=object)
    representative = np.empty(len(identities), dtype=np.intp)
    representative[identity_codes] = np.arange(len(values))      # any row holding that object will do
    value_codes, uniques = pd.factorize(values[representative], use_na_sentinel=use_na_sentinel)
    return value_codes[identity_codes], np.asarray(uniques, dtype=object)


def factorize_text(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of a text column, object, ``str`` or categorical: codes in order of first appearance
    (missing -1) and the distinct values as an object array.  A categorical is factorised from its codes,
    without one Python object per row.

    >>> factorize_text(encode_text(pd.Series(["b", "a", None, "b"])))[0].tolist()
    [0, 1, -1, 0]
    """
    if not isinstance(series.dtype, pd.CategoricalDtype):
        return factorize_objects(series.to_numpy(dtype=object))
    codes, order = series.cat.codes.to_numpy(), compute_category_order(series)
    number = np.full(len(series.cat.categories) + 1, -1, dtype=np.intp)      # the extra last slot: code -1
    number[order] = np.arange(len(order))
    same = len(order) == len(series.cat.categories) and (order == np.arange(len(order))).all()
    return (codes.astype(np.intp) if same else number[codes]), \
        np.asarray(series.cat.categories, dtype=object)[order]


def compute_category_order(series: pd.Series) -> np.ndarray:
    """The categories a categorical's rows hold (positions into its categories), in order of first appearance
    (see :func:`compute_code_order`)."""
    return compute_code_order(series.cat.codes.to_numpy(), len(series.cat.categories))


def compute_code_order(codes: np.ndarray, size: int) -> np.ndarray:
    """The codes (0 to ``size`` - 1; -1, missing, is skipped) that rows hold, in order of first appearance.

    The rows are scanned in blocks that grow from a few thousand, and the scan stops once every code has
    shown up, so a column whose values all appear early (test codes, flags, study ids) is hardly read.
    """
    first = np.full(size + 1, len(codes), dtype=np.intp)          # first row of each code; the last slot: -1
    found, start, block = 0, 0, 4096
    while start < len(codes) and found < size:
        part = codes[start:start + block]
        seen = np.full(size + 1, len(part), dtype=np.intp)
        seen[part[::-1]] = np.arange(len(part) - 1, -1, -1)
        new = np.flatnonzero((seen[:-1] < len(part)) & (first[:-1] == len(codes)))
        first[new] = seen[new] + start
        found += len(new)
        start, block = start + len(part), block * 2
    held = np.flatnonzero(first[:-1] < len(codes))
    return held[np.argsort(first[held], kind="stable")]


def _object_pointers(values: np.ndarray) -> np.ndarray:
    """The object addresses a contiguous object array holds, as integers (a view: keep ``values`` alive
    while using it; the addresses are only compared, never dereferenced)."""
    pointer = ctypes.cast(values.ctypes.data, ctypes.POINTER(ctypes.c_ssize_t))
    return np.ctypeslib.as_array(pointer, shape=(len(values),)) if len(values) else np.empty(0, np.intp)


def compute_first_rows(codes: np.ndarray) -> np.ndarray:
    """Position of the first row holding each code (codes dense from 0)."""
    first = np.empty(codes.max() + 1 if len(codes) else 0, dtype=np.intp)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    return first


def _spread(data, sample, codes: np.ndarray, func):
    """``func`` on ``sample`` (one row of ``data`` per code, in code order), taken back to every row by
    ``codes`` (index and dtype of the result kept; text that a categorical or numeric column gives without
    a missing value comes back categorical, see :func:`map_distinct`)."""
    result = func(sample)
    coded = isinstance(data, pd.Series) and (isinstance(data.dtype, pd.CategoricalDtype) or data.dtype.kind in "fiu")
    if coded and isinstance(result, pd.Series) and _is_plain_text(result):
        return pd.Series(encode_text(result).array.take(codes), index=data.index, name=result.name)
    out = result.take(codes)
    out.index = data.index
    if coded and isinstance(result, pd.DataFrame):
        text = [c for c in result.columns if _is_plain_text(result[c])]
        for column in text:
            out[column] = encode_text(result[column]).array.take(codes)
    return out


def _is_plain_text(result: pd.Series) -> bool:
    """Text, not a categorical, with values and no missing one (the results :func:`_spread` may give back as
    a categorical)."""
    return not isinstance(result.dtype, pd.CategoricalDtype) and len(result) > 0 and is_text(result) \
        and not result.isna().any()


def compute_ranks(series: pd.Series) -> np.ndarray:
    """Dense integer ranks of a column's values in sort order (Python ordering for text, category order
    for a categorical, as pandas sorts them); missing values rank after every value.  Equal values share
    a rank (0.0 and -0.0 too, as in a sort).

    >>> compute_ranks(pd.Series(["b", None, "a", "b"], dtype=object)).tolist()
    [1, 2, 0, 1]
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        # pandas sorts a categorical in the order of its categories (sorted text, from encode_text)
        return _dense(series.cat.codes.to_numpy(), len(series.cat.categories))
    values = series.to_numpy()
    if series.dtype == np.float64:
        codes, uniques = pd.factorize(values.view(np.int64))
        uniques = uniques.view(np.float64)
    elif _holds_objects(series):
        codes, uniques = factorize_objects(values)
    elif pd.api.types.is_integer_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        codes, uniques = pd.factorize(values)
    else:
        codes, uniques = pd.factorize(series)
        uniques = np.asarray(uniques)
    present = ~pd.isna(uniques)
    # ranks of the distinct values in the order pandas sorts them (equal values, such as 0.0 and -0.0, together)
    inverse, distinct = pd.factorize(uniques[present], sort=True)
    rank = np.empty(len(uniques) + 1, dtype=np.int64)           # the extra last slot: code -1 (missing)
    rank[:-1][present] = inverse
    rank[:-1][~present] = len(distinct)
    rank[-1] = len(distinct)
    return rank[codes]


def compute_sort_order(frame: pd.DataFrame) -> np.ndarray:
    """Row positions in the order ``frame.sort_values(list(frame.columns), kind="stable")`` gives
    (ascending, missing last, ties in row order), sorted on integer ranks instead of the values.

    >>> compute_sort_order(pd.DataFrame({"a": ["y", "x", "y"], "b": [2.0, 1.0, 1.0]})).tolist()
    [1, 2, 0]
    """
    return compute_rank_order([compute_ranks(frame.iloc[:, i]) for i in range(frame.shape[1])], len(frame))


def compute_rank_order(ranks: list[np.ndarray], size: int) -> np.ndarray:
    """The stable order of ``size`` rows sorted on several columns of non-negative integer ranks (the first
    the most significant), as ``np.lexsort(ranks[::-1])`` gives it: the ranks are folded into one integer
    key (:func:`fold_codes`) and that key is sorted once."""
    if not ranks:
        return np.arange(size)
    return np.argsort(fold_codes(ranks), kind="stable")


def compute_run_positions(codes: np.ndarray) -> np.ndarray:
    """1, 2, ... along each run of equal consecutive codes (on a sorted column: the number of each row within
    its value's rows, as a sequence number within a subject).

    >>> compute_run_positions(np.array([4, 4, 7, 7, 7, 9])).tolist()
    [1, 2, 1, 2, 3, 1]
    """
    start = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])          # the first row of each run
    return np.arange(len(codes)) - np.repeat(start, np.diff(np.r_[start, len(codes)])) + 1


def reorder_rows(frame: pd.DataFrame, position: np.ndarray) -> pd.DataFrame:
    """``frame.take(position).reset_index(drop=True)`` for a permutation ``position``; a column holding
    one value in every row (the same object, or the same bits) is already in any order and is not moved."""
    constant = [c for c in frame.columns if _holds_one_value(frame[c])] if len(frame) else []
    out = frame.drop(columns=constant).take(position).reset_index(drop=True)
    for name in constant:
        out.insert(frame.columns.get_loc(name), name, frame[name].set_axis(out.index))   # shared, not copied
    return out


def _holds_one_value(series: pd.Series) -> bool:
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        return bool((codes == codes[0]).all())
    values = series.to_numpy() if _holds_objects(series) or series.dtype.kind in "biuf" else None
    if values is None:
        return False
    if values.dtype == object:
        held = np.ascontiguousarray(values)         # kept alive while its addresses are compared
        return bool((_object_pointers(held) == _object_pointers(held)[0]).all())
    if values.dtype.kind == "f":
        values = values.view(f"i{values.dtype.itemsize}")
    return bool((values == values[0]).all())


def compute_duplicated(frame: pd.DataFrame) -> np.ndarray:
    """True for each row equal to an earlier row in every column (text, integers; NaN equals NaN)."""
    return pd.Series(compute_row_codes(frame)).duplicated().to_numpy()


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


__all__ = ["map_distinct", "map_distinct_rows", "compute_row_codes", "compute_tuple_codes", "fold_codes",
           "compute_joint_codes", "compute_blank",
           "strip_text", "factorize_objects",
           "compute_ranks", "compute_sort_order", "compute_duplicated", "reorder_rows", "compute_value_codes",
           "compute_first_rows", "compute_rank_order", "encode_text", "share_categories",
           "factorize_text", "as_text", "is_text", "decode_text",
           "compute_category_order", "compute_code_order", "compute_held_codes", "compute_run_positions", "where_text"]
