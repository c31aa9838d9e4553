"""Vectorised helpers the op families share: ISO 8601 parsing, study days, row selection.

ISO 8601 as SDTMIG v3.4 §4.4 allows it: extended format only, right truncation, a single hyphen
for each unknown intermediate component (``2003---15``, ``--12-15``, ``2003-12-15T-:15``), an
optional time zone, uncertainty intervals with a solidus, and durations ``PnYnMnDTnHnMnS`` / ``PnW``.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from cdisc_als.validate.context import DatasetData, map_coded, spread

_C2 = r"(?:\d{2}|-)"
_DATE = rf"(?:\d{{4}}|-)(?:-{_C2}(?:-{_C2})?)?"
_TIME = rf"T{_C2}(?::{_C2}(?::(?:\d{{2}}(?:\.\d+)?|-))?)?(?:Z|[+-]\d{{2}}(?::\d{{2}})?)?"
DATETIME = rf"{_DATE}(?:{_TIME})?"
_N = r"\d+(?:[.,]\d+)?"
DURATION = rf"-?P(?:{_N}W|(?=\d|T\d)(?:{_N}Y)?(?:{_N}M)?(?:{_N}D)?(?:T(?=\d)(?:{_N}H)?(?:{_N}M)?(?:{_N}S)?)?)"
DATETIME_RE = re.compile(rf"^(?:{DATETIME}|{DATETIME}/{DATETIME}|{DATETIME}/{DURATION}|{DURATION}/{DATETIME})$")
DURATION_RE = re.compile(rf"^(?:{DURATION}|{DATETIME}/{DURATION}|{DURATION}/{DATETIME}|{DATETIME}/{DATETIME})$")
_FULL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T(\d{2})(?::(\d{2})(?::(\d{2}))?)?)?")


def compute_iso_invalid(ds: DatasetData, name: str, *, durations: bool = False) -> pd.Series:
    """True where a populated text value of column ``name`` is not ISO 8601 (date/time, interval, or duration).

    Components must also be in range (month 01-12, day valid for the month, hour 00-23,
    minute and second 00-59) where they are given. Evaluated once per distinct value.
    """
    return ds.map_column(name, lambda u: _iso_invalid(u.reset_index(drop=True), durations)).astype(bool)


def _iso_invalid(values: pd.Series, durations: bool) -> pd.Series:
    text = values.fillna("").astype(str)
    populated = text.str.strip() != ""
    pattern = DURATION_RE if durations else DATETIME_RE
    bad = populated & ~text.str.fullmatch(pattern.pattern[1:-1])
    parts = text.str.split("/", regex=False).explode()
    parts = parts[parts.str.match(r"^\d{4}")]
    if len(parts):
        comp = parts.str.extract(_FULL.pattern)
        nums = comp.apply(pd.to_numeric, errors="coerce")
        out = ((nums[1] < 1) | (nums[1] > 12) | (nums[2] < 1) | (nums[2] > 31) | (nums[3] > 23)
               | (nums[4] > 59) | (nums[5] > 59))
        full = comp[2].notna()
        cal = pd.to_datetime(comp[0] + "-" + comp[1] + "-" + comp[2], format="%Y-%m-%d", errors="coerce")
        out |= full & cal.isna()
        bad |= out.groupby(level=0).any().reindex(text.index, fill_value=False)
    return bad & populated


def _dates(values: pd.Series) -> pd.Series:
    """Complete calendar dates (datetime64) from the date part of --DTC values; NaT where incomplete."""
    text = values.fillna("").astype(str).str.slice(0, 10)
    ok = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    return pd.to_datetime(text.where(ok), format="%Y-%m-%d", errors="coerce")


def column_dates(ds: DatasetData, name: str) -> pd.Series:
    """Complete calendar dates of the --DTC column ``name`` (NaT where incomplete), parsed once per distinct value."""
    return ds.map_column(name, _dates).astype("datetime64[ns]")


def subject_dates(ds: DatasetData, lookup: pd.DataFrame, column: str) -> pd.Series:
    """For each row of ``ds``, the complete date in the subject-level ``column`` of ``lookup`` (NaT if none)."""
    codes, values = subject_coded(ds, lookup, column)
    return spread(_dates(pd.Series(values)), codes, ds.frame.index).astype("datetime64[ns]")


def compute_study_day(date: pd.Series, reference: pd.Series) -> pd.Series:
    """SDTMIG study day from two date columns: date - ref + 1 on/after the reference date, date - ref before it
    (no day 0); NaN where either date is missing."""
    diff = (date - reference).dt.days
    return diff.where(diff < 0, diff + 1)


def compute_after(ds: DatasetData, start: tuple[np.ndarray, np.ndarray], end: tuple[np.ndarray, np.ndarray]) -> pd.Series:
    """True where both values are given and ``start`` is later than ``end`` at their common precision.

    ``start`` and ``end`` are coded columns of ``ds`` (``(codes, values)``, as ``ds.codes`` and
    :func:`subject_coded` give). Values with unknown intermediate components (``2003---15``) or
    intervals are not compared. Computed once per distinct (start, end) pair.
    """
    return map_coded({"start": start, "end": end}, lambda p: _after(p["start"], p["end"]), ds.frame.index)


def _after(start: pd.Series, end: pd.Series) -> pd.Series:
    a = start.fillna("").astype(str).str.strip()
    b = end.fillna("").astype(str).str.strip()
    plain = r"\d{4}(?:-\d{2}(?:-\d{2}(?:T\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?)?)?)?"
    ok = a.str.fullmatch(plain) & b.str.fullmatch(plain)
    n = np.minimum(a.str.len(), b.str.len()).where(ok, 0)
    result = pd.Series(False, index=a.index)
    for k in sorted(set(n[ok].astype(int))):
        rows = n == k
        result[rows] = a[rows].str.slice(0, k) > b[rows].str.slice(0, k)
    return result


def subject_coded(ds: DatasetData, lookup: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """The subject-level ``column`` of ``lookup`` (indexed by USUBJID) for each row of ``ds`` ('' if none),
    coded as ``(codes, values)`` with one code per distinct value."""
    key = ("subject", id(lookup), column)         # several rules look up the same DM date per run
    if key not in ds._nulls:
        codes, subjects = ds.text_codes("USUBJID")
        values = pd.Series(subjects).map(lookup[column]).fillna("") if column in lookup.columns \
            else pd.Series("", index=range(len(subjects)))
        same, distinct = pd.factorize(np.asarray(values, dtype=object))   # few distinct dates over many subjects
        ds._nulls[key] = (lookup, same.astype(codes.dtype)[codes], np.asarray(distinct, dtype=object))
    return ds._nulls[key][1:]


def in_reference(keys: pd.DataFrame, reference: pd.DataFrame) -> pd.Series:
    """True where a row's key tuple occurs in ``reference`` (same column order, text values)."""
    ref = pd.MultiIndex.from_frame(reference.drop_duplicates().astype(str))
    mine = pd.MultiIndex.from_frame(keys.astype(str))
    return pd.Series(mine.isin(ref), index=keys.index)
