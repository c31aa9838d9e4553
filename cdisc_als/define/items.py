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
    """(``integer``|``float``, Length, SignificantDigits) of numeric values (NaN ignored)."""
    x = pd.to_numeric(pd.Series(pd.unique(values)), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    x = np.unique(x[np.isfinite(x)])
    if x.size == 0:
        return "integer", 1, None
    if np.all(np.mod(x, 1.0) == 0) and np.all(np.abs(x) < 2.0 ** 53):
        digits = np.char.str_len(np.char.mod("%d", np.abs(x).astype(np.int64)))
        return "integer", int(digits.max()), None
    text = np.char.mod("%.15g", np.abs(x))
    if np.any(np.char.find(text, "e") >= 0):
        return "float", 15, 15
    parts = np.char.partition(text, ".")
    whole, decimals = parts[:, 0], parts[:, 2]
    dec_len = np.char.str_len(decimals)
    sig = np.char.str_len(np.char.lstrip(whole, "0")) + dec_len
    return "float", int(max(sig.max(), 1)), int(dec_len.max())


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
