"""Data type, length and significant digits of a variable, as its values actually are.

Define-XML 2.1 ItemDef/@DataType for ISO 8601 text variables follows the values
(SDTMIG v3.4 §4.4 formats; the CDISC SDTM-MSG define uses the same split):

* every value a complete date ``YYYY-MM-DD`` -> ``date``;
* every value a complete date-time with seconds -> ``datetime``; every value ``hh:mm:ss`` -> ``time``;
* dates truncated on the right (``2003-12``, ``2003``) mixed with complete ones -> ``partialDate``;
  with times (``2003-12-15T13:14``) -> ``partialDatetime``;
* a missing middle component (``2003---15``, ``2003-12-15T-:15``) -> ``incompleteDatetime``;
* durations (``P2Y``, ``-PT15M``) -> ``durationDatetime``; any interval (``a/b``) -> ``intervalDatetime``.

Lengths: ``text`` gets the XPT length (the writer makes it the longest value);
``integer`` the most digits; ``float`` the most significant digits of the 15-digit
representation with ``SignificantDigits`` the most decimals.  ISO 8601 types carry no
length (as in CDISC's Define-XML 2.1 examples).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc_als.distinct import compute_category_order, factorize_objects, factorize_text
from cdisc_als.xport.model import TextCodes

_DATE = r"\d{4}-\d{2}-\d{2}"
_TIME = r"\d{2}:\d{2}:\d{2}(?:\.\d+)?"
PATTERNS = {
    "date": rf"^{_DATE}$",
    "datetime": rf"^{_DATE}T{_TIME}(?:Z|[+-]\d{{2}}:\d{{2}})?$",
    "time": rf"^{_TIME}$",
    "partialDate": r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$",
    "partialDatetime": r"^\d{4}(?:-\d{2}(?:-\d{2}(?:T\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?)?)?)?$",
    "incompleteDatetime": r"^(?:\d{4}|-)(?:-(?:\d{2}|-))?(?:-(?:\d{2}|-))?(?:T(?:\d{2}|-)(?::(?:\d{2}|-))?(?::(?:\d{2}|-))?)?$",
    "durationDatetime": r"^-?P(?:\d+(?:\.\d+)?[YMWD])*(?:T(?:\d+(?:\.\d+)?[HMS])+)?$",
    "intervalDatetime": r"^[^/]+/[^/]+$",
}
ISO_ORDER = ("date", "datetime", "time", "partialDate", "partialDatetime", "incompleteDatetime",
             "durationDatetime", "intervalDatetime")
ISO_TYPES = frozenset(ISO_ORDER)


def distinct_text(values: pd.Series) -> pd.Series:
    """The distinct values as text: every rule here depends on the set of values only, and a column
    of millions of records holds few distinct ones, so text operations run on these."""
    return pd.Series(pd.unique(values)).astype(str)


def value_codes(values: pd.Series, known: TextCodes | None = None) -> tuple[np.ndarray, pd.Series]:
    """``(codes, distinct)`` of a column: ``distinct`` holds each value once, with the column's dtype, in order
    of first appearance (as ``pd.unique`` gives them, every kind of missing value counted as one), and
    ``codes`` the position of each row's value in it.

    ``known``: the reader's codes of the column; used when they still describe it, so only its few
    distinct texts are compared.  Otherwise text read back from a transport file holds one object per
    distinct value, so text is grouped by object first and only the distinct objects are compared as
    strings (:func:`cdisc_als.distinct.factorize_objects`).
    """
    if known is not None and known.describes(values):
        merged, uniques = pd.factorize(known.texts)       # stored values that decode to the same text
        codes = known.codes if len(uniques) == len(known.texts) else merged[known.codes]
        return codes, pd.Series(uniques, dtype=values.dtype)
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, uniques = factorize_text(values)           # from the categorical's own codes
    elif values.dtype == object or isinstance(values.dtype, pd.StringDtype):
        codes, uniques = factorize_objects(values.to_numpy(dtype=object))
    else:
        codes, uniques = pd.factorize(values.to_numpy(), use_na_sentinel=True)
    distinct = pd.Series(uniques, dtype=values.dtype)
    missing = codes < 0
    if missing.any():
        # codes number values in order of first appearance, so the values seen before the first missing
        # one are the codes up to the largest code before it
        first = int(np.argmax(missing))
        place = int(codes[:first].max()) + 1 if first else 0
        codes = np.where(missing, place, codes + (codes >= place))
        distinct = pd.concat([distinct.iloc[:place], values.iloc[[first]], distinct.iloc[place:]],
                             ignore_index=True)
    return codes, distinct


class DistinctColumns:
    """The columns of ``frames`` (by dataset) as :func:`value_codes`; ``known`` are the reader's codes by
    dataset and column.  The distinct values of a column, what every rule of a define computes on (each
    depends on the set of values only), are computed once, when first asked for."""

    def __init__(self, frames: dict[str, pd.DataFrame], known: dict[str, dict[str, TextCodes]] | None = None) -> None:
        self.frames = frames
        self.known = known or {}
        self._distinct: dict[tuple[str, str], pd.Series] = {}

    def codes(self, dataset: str, variable: str) -> tuple[np.ndarray, pd.Series]:
        """:func:`value_codes` of the column."""
        return value_codes(self.frames[dataset][variable], self.known.get(dataset, {}).get(variable))

    def __call__(self, dataset: str, variable: str) -> pd.Series:
        """The column's distinct values (of a categorical without missing values: its categories in order of
        first appearance, found without a pass over every row)."""
        key = (dataset, variable)
        if key not in self._distinct:
            values = self.frames[dataset][variable]
            if isinstance(values.dtype, pd.CategoricalDtype) and not values.isna().any():
                order = compute_category_order(values)
                self._distinct[key] = pd.Series(values.cat.categories[order], dtype=values.dtype)
            else:
                self._distinct[key] = self.codes(dataset, variable)[1]
        return self._distinct[key]


def compute_iso_datatype(values: pd.Series, *, default: str = "date") -> str:
    """The narrowest Define-XML ISO 8601 data type that every non-blank value satisfies (``text`` if none)."""
    text = distinct_text(values).str.strip()
    text = text[text != ""].drop_duplicates()
    if text.empty:
        return default
    for datatype in ISO_ORDER:
        if text.str.fullmatch(PATTERNS[datatype]).all():
            return datatype
    return "text"


def compute_number_format(values: pd.Series) -> tuple[str, int, int | None]:
    """(``integer``|``float``, Length, SignificantDigits) of numeric values (NaN ignored).

    Whole numbers (below 2**53) are ``integer`` with the digits of the largest magnitude.  Other columns are
    ``float`` with the most significant digits and the most decimals of their values written at 15
    significant digits (``"%.15g"``); 15 and 15 when any is written with an exponent.
    """
    if values.dtype != np.float64:
        values = pd.Series(pd.unique(values))
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    finite = np.isfinite(x)
    x = x if finite.all() else x[finite]
    if x.size == 0:
        return "integer", 1, None
    largest = float(np.abs(x).max())
    if largest < 2.0 ** 53 and np.array_equal(x, np.trunc(x)):
        return "integer", len("%d" % int(largest)), None
    digits = compute_float_digits(np.abs(x))
    return ("float", 15, 15) if digits is None else ("float", max(digits[0], 1), digits[1])


def compute_float_digits(x: np.ndarray) -> tuple[int, int] | None:
    """(most significant digits, most decimals) of non-negative finite numbers as ``"%.15g"`` writes them,
    or None when one of them is written with an exponent.

    Counted on the numbers: each is scaled by a power of ten (exact in extended precision) to 15 digits
    before the point, rounded, and its trailing zeros counted.  A number whose scaled fraction lies too close
    to one half for that precision to tell the rounding (and every number where ``long double`` is no wider
    than a double) is written out instead (:func:`compute_float_digits_by_text`).
    """
    x = pd.unique(x[x != 0])                   # "0": no significant digit, no decimal
    if x.size == 0:
        return 0, 0
    margin = 1e15 * float(np.finfo(np.longdouble).eps) * 8
    if margin >= 0.25 or (x >= 1e15).any():    # 1e15 and up always take an exponent at 15 digits
        return compute_float_digits_by_text(x) if margin >= 0.25 else None
    exponent = np.clip(np.floor(np.log10(x)).astype(np.int64), -6, 14)
    if (exponent < -5).any():                  # below 1e-5: an exponent even after rounding up
        return None
    wide = x.astype(np.longdouble)
    powers = np.array([10.0 ** k for k in range(22)], dtype=np.longdouble)      # exact: 5**21 < 2**53
    for _ in range(2):                         # log10 may miss by one next to a power of ten
        scaled = wide * powers[np.clip(14 - exponent, 0, 21)]
        exponent = exponent + (scaled >= 1e15) - (scaled < 1e14)
    scaled = wide * powers[np.clip(14 - exponent, 0, 21)]
    unclear = np.abs(scaled - np.floor(scaled) - 0.5) < margin
    mantissa = np.rint(scaled).astype(np.int64)
    carried = mantissa == 10 ** 15             # 9.999...95 rounds up to the next power of ten
    exponent = exponent + carried
    mantissa = np.where(carried, 10 ** 14, mantissa)
    clear = ~unclear
    if (((exponent < -4) | (exponent > 14)) & clear).any():
        return None
    zeros = np.zeros(len(mantissa), dtype=np.int64)
    for _ in range(14):
        ends_in_zero = mantissa % 10 == 0
        zeros += ends_in_zero
        mantissa = np.where(ends_in_zero, mantissa // 10, mantissa)
    decimals = np.maximum(15 - zeros - exponent - 1, 0)
    significant = np.where(exponent >= 0, exponent + 1 + decimals, decimals)
    found = (int(significant[clear].max(initial=0)), int(decimals[clear].max(initial=0)))
    if not unclear.any():
        return found
    written = compute_float_digits_by_text(x[unclear])
    return None if written is None else (max(found[0], written[0]), max(found[1], written[1]))


def compute_float_digits_by_text(x: np.ndarray) -> tuple[int, int] | None:
    """:func:`compute_float_digits` by writing each distinct number with ``"%.15g"``."""
    text = np.array(["%.15g" % v for v in np.unique(x).tolist()])
    if np.any(np.strings.find(text, "e") >= 0):
        return None
    whole, _, decimals = np.strings.partition(text, ".")
    dec_len = np.strings.str_len(decimals)
    sig = np.strings.str_len(np.strings.lstrip(whole, "0")) + dec_len
    return int(sig.max()), int(dec_len.max())


def compute_item_format(values: pd.Series, *, sas_type: str, length: int, iso: bool,
                        iso_default: str = "date") -> dict:
    """DataType, Length and SignificantDigits of one variable (or one value-level subset of it)."""
    if sas_type == "Num":
        datatype, size, digits = compute_number_format(values)
        return {"datatype": datatype, "length": size, "significant_digits": digits}
    if iso:
        datatype = compute_iso_datatype(values, default=iso_default)
        if datatype != "text":
            return {"datatype": datatype, "length": None, "significant_digits": None}
    size = int(length) if length else compute_text_length(values)
    return {"datatype": "text", "length": max(size, 1), "significant_digits": None}


def compute_text_length(values: pd.Series) -> int:
    """Bytes (UTF-8) of the longest value, at least 1 (Define-XML Length must be positive)."""
    if len(values) == 0:
        return 1
    longest = distinct_text(values).str.rstrip().str.encode("utf-8").str.len().max()
    return max(int(longest) if pd.notna(longest) else 1, 1)
