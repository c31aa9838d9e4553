"""Dates and timing: ISO 8601 validity, start after end, study days against DM.RFSTDTC."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from cdisc_als.validate.context import DatasetData, Package
from cdisc_als.validate.ops.common import (column_dates, compute_after, compute_iso_invalid, compute_study_day,
                                           subject_coded, subject_dates)
from cdisc_als.validate.registry import RecordHits, TableHits, register_op


@register_op("iso8601", level="record")
def check_iso8601(ds: DatasetData, pkg: Package, *, pattern: str = r".*DTC", durations: bool = False) -> TableHits | None:
    """Values of variables named like ``pattern`` that are not ISO 8601 (SDTMIG §4.4 forms)."""
    names = [c for c in ds.frame.columns if re.fullmatch(pattern, c) and not pd.api.types.is_numeric_dtype(ds.frame[c])]
    if not names:
        return None
    rows = []
    for name in names:
        bad = compute_iso_invalid(ds, name, durations=durations)
        if bad.any():
            rows.append(pd.DataFrame({"row": ds.frame.index[bad.to_numpy()], "variable": name,
                                      "value": ds.text_at(name, np.flatnonzero(bad.to_numpy()))}))
    return TableHits(pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["row", "variable", "value"]))


@register_op("date_after", level="record")
def check_date_after(ds: DatasetData, pkg: Package, *, start: str, end: str) -> RecordHits | None:
    """Records where ``start`` is later than ``end`` (compared at their common precision)."""
    if not ds.has(start, end):
        return None
    return RecordHits(compute_after(ds, ds.codes(start), ds.codes(end)), [ds.resolve(start), ds.resolve(end)])


@register_op("date_vs_subject", level="record")
def check_date_vs_subject(ds: DatasetData, pkg: Package, *, var: str, subject_var: str,
                          fails_when: str = "after") -> RecordHits | None:
    """``var`` later (``after``) or earlier (``before``) than the subject's DM ``subject_var``."""
    if not ds.has(var, "USUBJID") or pkg.dm_dates.empty or subject_var not in pkg.dm_dates.columns:
        return None
    ref = subject_coded(ds, pkg.dm_dates, subject_var)
    mine = ds.codes(var)
    mask = compute_after(ds, mine, ref) if fails_when == "after" else compute_after(ds, ref, mine)
    return RecordHits(mask, [ds.resolve(var)])


@register_op("study_day", level="record")
def check_study_day(ds: DatasetData, pkg: Package, *, dtc: str, dy: str, mode: str = "wrong") -> RecordHits | None:
    """Study day against DM.RFSTDTC (SDTMIG §4.4.4, no day 0).

    ``wrong``: --DY populated and different from the computed day; ``missing``: --DY null though
    --DTC and RFSTDTC both hold complete dates.
    """
    if not ds.has(dtc, dy, "USUBJID") or ds.domain == "DM" or "RFSTDTC" not in pkg.dm_dates.columns:
        return None
    expected = compute_study_day(column_dates(ds, dtc), subject_dates(ds, pkg.dm_dates, "RFSTDTC"))
    actual = pd.to_numeric(ds.col(dy), errors="coerce")
    if mode == "wrong":
        mask = expected.notna() & actual.notna() & (expected != actual)
    else:
        mask = expected.notna() & actual.isna()
    return RecordHits(mask, [ds.resolve(dtc), ds.resolve(dy)])


@register_op("study_day_imputed", level="record")
def check_study_day_imputed(ds: DatasetData, pkg: Package, *, dtc: str, dy: str) -> RecordHits | None:
    """--DY populated although --DTC or RFSTDTC lacks a complete date (the day was imputed)."""
    if not ds.has(dtc, dy, "USUBJID") or ds.domain == "DM" or "RFSTDTC" not in pkg.dm_dates.columns:
        return None
    computable = column_dates(ds, dtc).notna() & subject_dates(ds, pkg.dm_dates, "RFSTDTC").notna()
    return RecordHits(~ds.null(dy) & ~computable, [ds.resolve(dtc), ds.resolve(dy)])
