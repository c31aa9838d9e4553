"""Timing variables shared by every domain: --DTC, --DY, VISIT/VISITNUM, EPOCH.

Two time axes exist.  With calendar dates (a site EDC export) a record's day
number is its date counted from 1960-01-01 and --DY is computed against
DM.RFSTDTC.  With day offsets (PRO-ACT ``*_Delta``: days from trial entry) the
day number is the offset itself, trial entry is the reference (day 1, no day
0) and --DTC stays empty unless the user gave an anchor date for offset 0;
nothing else ever turns an offset into a calendar date.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc_als.derive.dates import (compute_day_number, compute_iso_from_day_number, compute_study_day)
from cdisc_als.derive.ids import SUBJECT_ROW
from cdisc_als.distinct import compute_rank_order, compute_ranks, compute_row_codes, map_distinct, where_text
from cdisc_als.errors import RejectReason
from cdisc_als.ingest.layout import Layout, reject


def compute_day(frame: pd.DataFrame, column: str, *, axis: str, anchor_day: float | None) -> tuple[pd.Series, pd.Series]:
    """(day number, ISO --DTC) for ``column`` on the layout's time axis."""
    if axis == "offsets":
        day = pd.to_numeric(frame[column], errors="coerce").astype("float64")
        iso = compute_iso_from_day_number(day + anchor_day) if anchor_day is not None else pd.Series("", index=frame.index, dtype=object)
        return day, iso
    iso = frame[column].fillna("").astype(object)
    return compute_day_number(iso), iso


def derive_vars_dtc_dy(dataset: pd.DataFrame, *, source: str, dtc: str, dy: str | None, refs: pd.DataFrame,
                       axis: str, anchor_day: float | None) -> pd.DataFrame:
    """Add ``dtc`` (ISO 8601), ``dy`` (study day, SDTMIG §4.4.4) and ``_day_<dtc>`` from ``source``.

    ``refs`` is indexed by USUBJID with ``REF_DAY`` (day number of RFSTDTC).
    """
    out = dataset.copy(deep=False)       # copy-on-write: the caller's frame is never changed
    day, iso = compute_day(out, source, axis=axis, anchor_day=anchor_day)
    out[dtc] = iso
    out[f"_day_{dtc}"] = day
    if dy:
        out[dy] = compute_study_day(day, compute_subject_value(out, refs["REF_DAY"]))
    return out


def derive_vars_visit(dataset: pd.DataFrame, *, layout: Layout, label: str = "VISIT_LABEL",
                      day: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """VISITNUM, VISIT, VISITDY and the planned epoch from the layout's visit map (SDTMIG §4.4.5).

    Unscheduled visits get VISITNUM = the latest planned visit before them + 0.1 (0.2, ... for further
    ones in the same interval) and VISIT ``UNSCHEDULED <VISITNUM>``, so VISIT and VISITNUM stay one-to-one
    per subject; VISITDY is left empty for them.  A label the map does not know is rejected.
    """
    out = dataset.copy(deep=False)       # copy-on-write: the caller's frame is never changed
    key = out[label].astype(str).str.strip().str.upper()
    table = pd.DataFrame(layout.visits).T
    planned = key.isin(table.index)
    unscheduled = key.isin(layout.unscheduled)
    bad = ~planned & ~unscheduled
    rejects = reject(out, bad, column=label, values=out[label], reason=RejectReason.UNKNOWN_VISIT,
                     level="row", detail="visit label not in the layout's visit map")
    out = out[~bad].copy()
    key, planned = key[~bad], planned[~bad]
    out["VISITNUM"] = key.map(table["visitnum"]).astype("float64")
    out["VISIT"] = key.map(table["visit"]).fillna("").astype(object)
    out["VISITDY"] = key.map(table["visitdy"]).astype("float64") if "visitdy" in table else np.nan
    out["_planned_epoch"] = key.map(table["epoch"]).fillna("").astype(object) if "epoch" in table else ""
    if (~planned).any():
        out = _number_unscheduled(out, ~planned, day)
    return out, rejects


def _number_unscheduled(out: pd.DataFrame, mask: pd.Series, day: str) -> pd.DataFrame:
    plan = out.loc[~mask, ["USUBJID", day, "VISITNUM"]].dropna().sort_values(day)
    uns = out.loc[mask, ["USUBJID", day]].reset_index().sort_values(day)
    merged = pd.merge_asof(uns.dropna(subset=[day]), plan, on=day, by="USUBJID", direction="backward")
    merged["VISITNUM"] = merged["VISITNUM"].fillna(0)
    # several unscheduled visits after the same planned one: .1, .2, ... by distinct day
    merged["_k"] = merged.groupby(["USUBJID", "VISITNUM"])[day].rank(method="dense")
    merged["VISITNUM"] = (merged["VISITNUM"] + merged["_k"] / 10).round(1)
    number = merged.set_index("index")["VISITNUM"]
    out.loc[mask, "VISITNUM"] = number.reindex(out.index[mask]).values
    out.loc[mask, "VISIT"] = "UNSCHEDULED " + out.loc[mask, "VISITNUM"].map("{:.1f}".format)
    out.loc[mask & out["VISITNUM"].isna(), "VISIT"] = "UNSCHEDULED"
    out.loc[mask, "VISITDY"] = np.nan
    return out


#: EPOCH by day, for the conditions of :func:`derive_var_epoch` in order ('' when none holds)
EPOCH_BY_DAY = np.array(["", "SCREENING", "RUN-IN", "TREATMENT", "RUN-IN", "FOLLOW-UP"], dtype=object)


def compute_subject_value(dataset: pd.DataFrame, values: pd.Series) -> pd.Series:
    """A subject-level number for each record: ``values`` (a column of the subject references, indexed by
    USUBJID) taken by the record's row in the references (``SUBJECT_ROW``), else looked up once per USUBJID."""
    if SUBJECT_ROW in dataset and dataset[SUBJECT_ROW].dtype == np.int64:
        return pd.Series(values.to_numpy(dtype=np.float64)[dataset[SUBJECT_ROW].to_numpy()], index=dataset.index)
    return map_distinct(dataset["USUBJID"], lambda u: u.map(values)).astype("float64")


def derive_var_epoch(dataset: pd.DataFrame, *, day: str, refs: pd.DataFrame, events: bool) -> pd.DataFrame:
    """EPOCH (codelist C99079) from the record's day relative to the subject's first treatment day.

    A planned visit's epoch (from the layout) wins for findings.  Otherwise: on or before the
    screening visit SCREENING, then RUN-IN until treatment, TREATMENT on the treatment day for events
    and interventions, FOLLOW-UP after it.  Unknown dates or untreated subjects give no EPOCH (§4.1.3.1:
    EPOCH is not imputed).
    """
    out = dataset.copy(deep=False)       # copy-on-write: the caller's frame is never changed
    d = out[day]
    trt = compute_subject_value(out, refs["TRT_DAY"])
    screen = compute_subject_value(out, refs["SCREEN_DAY"])
    which = np.select(
        [d.isna() | trt.isna(), d <= screen, d < trt, (d == trt) & events, (d == trt), d > trt],
        list(range(len(EPOCH_BY_DAY))), default=0)
    labels, label = np.unique(EPOCH_BY_DAY.astype(str), return_inverse=True)
    by_day = pd.Series(pd.Categorical.from_codes(label.reshape(-1)[which], categories=pd.Index(labels, dtype=object)),
                       index=out.index)                  # a small code per record, not an object
    if "_planned_epoch" in out:
        planned = out["_planned_epoch"]
        has_plan = map_distinct(planned, lambda p: p.fillna("") != "").to_numpy(dtype=bool)
        out["EPOCH"] = where_text(has_plan, planned.fillna("") if planned.dtype == object else planned, by_day)
    else:
        out["EPOCH"] = by_day
    return out


def derive_var_lobxfl(dataset: pd.DataFrame, *, domain: str, by: list[str], day: str, value: str,
                      refs: pd.DataFrame, order: list[str] | None = None) -> pd.DataFrame:
    """--LOBXFL = "Y" on the last non-missing result on or before the first treatment day, per subject and test."""
    out = dataset.copy(deep=False)       # copy-on-write: the caller's frame is never changed
    trt = compute_subject_value(out, refs["TRT_DAY"])
    eligible = out[value].notna() & out[day].notna() & (out[day] <= trt)
    keys = ["USUBJID", *by]
    flag = np.zeros(len(out), dtype=np.int8)            # codes of the categories "", "Y"
    rows = np.flatnonzero(eligible.to_numpy(dtype=bool))
    rows = rows[out[keys].iloc[rows].notna().all(axis=1).to_numpy()]   # as groupby: no key, no group
    if len(rows):
        sort_keys = out[[day, *(order or [])]].iloc[rows]
        rows = rows[compute_rank_order([compute_ranks(sort_keys[c]) for c in sort_keys.columns], len(rows))]
        group = compute_row_codes(out[keys].iloc[rows])
        _, last_from_end = np.unique(group[::-1], return_index=True)     # each group's last record
        flag[rows[len(rows) - 1 - last_from_end]] = 1
    out[f"{domain}LOBXFL"] = pd.Series(pd.Categorical.from_codes(flag, categories=pd.Index(["", "Y"], dtype=object)),
                                       index=out.index)
    return out
