"""Dates: raw text to ISO 8601 (SDTMIG v3.4 §4.4) and study days (§4.4.4).

Partial dates keep only what is known, by right truncation (``2011-06``,
``1958``) or, for a known day in an unknown month, with a hyphen per missing
component (``2011---15``).  Nothing is imputed.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc_als.distinct import map_distinct

MONTHS = {m: i for i, m in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1)}
UNKNOWN = r"(?:UN|UNK|UNKN|UK|XX|XXX|XXXX|NK|-{1,4})"
_D = rf"(?P<day>\d{{1,2}}|{UNKNOWN})"
_M = rf"(?P<month>\d{{1,2}}|{UNKNOWN})"
_MON = rf"(?P<month>[A-Za-z]{{3}}|{UNKNOWN})"
_Y = rf"(?P<year>\d{{4}}|{UNKNOWN})"

#: date formats a layout may name, as anchored regular expressions with day/month/year groups
FORMATS = {
    "DD-MON-YYYY": rf"{_D}[- ]{_MON}[- ]{_Y}",
    "DDMONYYYY": rf"{_D}{_MON}{_Y}",
    "YYYY-MM-DD": rf"{_Y}-{_M}-{_D}",
    "DD/MM/YYYY": rf"{_D}/{_M}/{_Y}",
    "MM/DD/YYYY": rf"{_M}/{_D}/{_Y}",
    "DD.MM.YYYY": rf"{_D}\.{_M}\.{_Y}",
    "YYYY-MM": rf"{_Y}-{_M}(?P<day>)",
    "YYYY": rf"{_Y}(?P<month>)(?P<day>)",
}


def compute_iso_date(text: pd.Series, formats: list[str]) -> tuple[pd.Series, pd.Series]:
    """Parse raw date text with the first of ``formats`` that matches.

    Returns ``(iso, bad)``: ISO 8601 text ('' where the source is blank or wholly
    unknown) and a mask of values that are present but not a real date in any of
    the formats (``2014-02-30``, ``31/31/2011``, free text).
    """
    raw = text.fillna("").astype(str).str.strip()
    parts = pd.DataFrame({"year": "", "month": "", "day": ""}, index=raw.index, dtype=object)
    matched = pd.Series(False, index=raw.index)
    for name in formats:
        pattern = FORMATS.get(name)
        if pattern is None:
            raise ValueError(f"unknown date format {name!r}; known: {sorted(FORMATS)}")
        todo = ~matched & (raw != "")
        if not todo.any():
            break
        found = raw[todo].str.extract(f"^{pattern}$", flags=0)
        ok = found["year"].notna()
        idx = found.index[ok]
        parts.loc[idx, ["year", "month", "day"]] = found.loc[ok, ["year", "month", "day"]].fillna("").values
        matched.loc[idx] = True
    return _assemble(parts, matched, raw)


def _assemble(parts: pd.DataFrame, matched: pd.Series, raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    def number(col: str, names: dict[str, int] | None = None) -> pd.Series:
        s = parts[col].astype(str).str.upper()
        if names:
            s = s.map(lambda v: str(names[v]) if v in names else v)
        return pd.to_numeric(s.where(s.str.fullmatch(r"\d+")), errors="coerce")

    year, month, day = number("year"), number("month", MONTHS), number("day")
    month_text = parts["month"].astype(str).str.upper()
    bad_month_name = month_text.str.fullmatch(r"[A-Z]{3}") & ~month_text.isin(MONTHS) & \
        ~month_text.str.fullmatch(UNKNOWN)
    bad = (raw != "") & ~matched
    bad |= bad_month_name | (month < 1) | (month > 12) | (day < 1) | (day > 31)
    full = year.notna() & month.notna() & day.notna() & ~bad
    stamp = pd.to_datetime(pd.DataFrame({"year": year.where(full, 2000), "month": month.where(full, 1),
                                         "day": day.where(full, 1)}), errors="coerce")
    bad |= full & stamp.isna()
    def padded(number: pd.Series, width: int) -> pd.Series:
        text = number.astype("Int64").astype(str).str.zfill(width)
        return text.where(number.notna(), "").astype(object)

    y, m, d = padded(year, 4), padded(month, 2), padded(day, 2)
    iso = pd.Series(np.select(
        [y == "", (m != "") & (d != ""), m != "", d != ""],
        ["", y + "-" + m + "-" + d, y + "-" + m, y + "---" + d],
        default=y), index=raw.index, dtype=object)
    iso = iso.where(~bad, "")
    return iso, bad


def compute_day_number(dtc: pd.Series) -> pd.Series:
    """Days since 1960-01-01 (the SAS date origin) for complete dates; NaN for partial or blank ones."""
    return map_distinct(dtc, _day_number)


def _day_number(dtc: pd.Series) -> pd.Series:
    text = dtc.fillna("").astype(str).str.slice(0, 10)
    complete = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    stamp = pd.to_datetime(text.where(complete), format="%Y-%m-%d", errors="coerce")
    return (stamp - pd.Timestamp("1960-01-01")).dt.days.astype("float64")


def compute_study_day(day: pd.Series, reference_day: pd.Series) -> pd.Series:
    """--DY from two day numbers: reference day is day 1, the day before is -1 (no day 0), SDTMIG §4.4.4."""
    diff = day - reference_day
    return diff.where(diff < 0, diff + 1)


def compute_day_from_offset(offset: pd.Series) -> pd.Series:
    """--DY from a day offset where offset 0 is the reference day (PRO-ACT ``*_Delta``): 0 -> 1, -1 -> -1."""
    off = pd.to_numeric(offset, errors="coerce")
    return off.where(off < 0, off + 1)


def compute_offset_from_day(study_day: pd.Series) -> pd.Series:
    """Inverse of :func:`compute_day_from_offset`: day 1 -> 0, day -1 -> -1."""
    return study_day.where(study_day < 0, study_day - 1)


def compute_iso_from_day_number(day: pd.Series) -> pd.Series:
    """ISO date text for day numbers (days since 1960-01-01); '' where missing."""
    return map_distinct(day, _iso_from_day_number)


def _iso_from_day_number(day: pd.Series) -> pd.Series:
    stamp = pd.Timestamp("1960-01-01") + pd.to_timedelta(day, unit="D")
    return stamp.dt.strftime("%Y-%m-%d").fillna("").astype(object)
