"""Time in ADaM: numeric SAS dates, days from first treatment, the analysis relative day.

One rule for every dataset (ADaMIG 1.3 ADT/ADY; SDTMIG 3.4 §4.4.4 study days have no day 0):

* days from treatment = ``ADT - TRTSDT`` when both calendar dates exist, else
  ``offset(--DY) - offset(TRTSDY)`` where ``offset(d) = d - 1`` for ``d > 0`` and ``d`` for ``d < 0``
  (data with study days but no dates, e.g. PRO-ACT without an anchor date);
* ``ADY = days + 1`` when ``days >= 0``, else ``days`` (the treatment day is day 1, no day 0);
* a subject without treatment keeps the SDTM study day (``--DY``) as ADY.
"""
from __future__ import annotations

import pandas as pd

from cdisc_als.distinct import map_distinct

SAS_EPOCH = pd.Timestamp("1960-01-01")


def compute_sas_date(dtc: pd.Series) -> pd.Series:
    """ISO 8601 text -> SAS date (days since 1960-01-01, float); partial or blank -> NaN, nothing imputed.

    >>> compute_sas_date(pd.Series(["1960-01-02", "2020-05", ""])).tolist()
    [1.0, nan, nan]
    """
    return map_distinct(dtc, _sas_date)


def _sas_date(dtc: pd.Series) -> pd.Series:
    text = dtc.astype(object).where(dtc.notna(), "").astype(str).str.slice(0, 10)
    dates = pd.to_datetime(text.where(text.str.fullmatch(r"\d{4}-\d{2}-\d{2}"), None), format="%Y-%m-%d",
                           errors="coerce")
    return ((dates - SAS_EPOCH).dt.days).astype("float64")


def compute_offset(day: pd.Series) -> pd.Series:
    """Study day (no day 0) -> continuous day count: ``d - 1`` for ``d > 0``, ``d`` otherwise.

    >>> compute_offset(pd.Series([-2.0, 1.0, 5.0])).tolist()
    [-2.0, 0.0, 4.0]
    """
    day = pd.to_numeric(day, errors="coerce").astype("float64")
    return day.where(day <= 0, day - 1)


def compute_ady(days: pd.Series) -> pd.Series:
    """Days from the anchor -> relative day without day 0 (``days + 1`` if ``days >= 0``); inverse of offset."""
    days = days.astype("float64")
    return days.where(days < 0, days + 1)


def compute_days_from_treatment(adt: pd.Series, dy: pd.Series, trtsdt: pd.Series,
                                trtsdy: pd.Series) -> pd.Series:
    """Days from first treatment: dates when both exist, else study-day offsets (module rule)."""
    by_date = adt - trtsdt
    by_day = compute_offset(dy) - compute_offset(trtsdy)
    return by_date.where(by_date.notna(), by_day).astype("float64")


def derive_vars_ady(dataset: pd.DataFrame, adsl: pd.DataFrame, *, dy_var: str) -> pd.DataFrame:
    """Add ADY (module rule) and the helper column ``_TREATED`` to a BDS frame.

    ``dataset`` needs USUBJID, ADT and ``dy_var`` (the SDTM --DY); ``adsl`` needs USUBJID, TRTSDT, TRTSDY.
    Treated subjects: ADY from days from first treatment. Subjects without treatment: ADY = --DY.
    """
    from cdisc_als.adam.bds import merge_table

    out = dataset.reset_index(drop=True)
    ref = merge_table(out[["USUBJID"]], adsl[["USUBJID", "TRTSDT", "TRTSDY"]], "USUBJID")
    dy = pd.to_numeric(out[dy_var], errors="coerce").astype("float64")
    days = compute_days_from_treatment(out["ADT"], dy, ref["TRTSDT"], ref["TRTSDY"])
    treated = ref["TRTSDT"].notna() | ref["TRTSDY"].notna()
    out["_TREATED"] = treated.to_numpy()
    out["ADY"] = compute_ady(days).where(treated, dy)
    return out


def compute_analysis_days(ady: pd.Series, adt: pd.Series) -> pd.Series:
    """Time axis of slopes in days: ``offset(ADY)`` (days from first treatment for treated subjects,
    from the SDTM reference start otherwise), or ADT where ADY is missing (untreated, dates only).
    """
    return compute_offset(ady).where(ady.notna(), adt)


def compute_months(days: pd.Series, days_per_month: float) -> pd.Series:
    """Days -> months (``days / days_per_month``; the setting defaults to 30.4375 = 365.25 / 12)."""
    return days / days_per_month


__all__ = ["compute_sas_date", "compute_offset", "compute_ady", "compute_days_from_treatment",
           "derive_vars_ady", "compute_analysis_days", "compute_months", "SAS_EPOCH"]
