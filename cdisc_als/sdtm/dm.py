"""DM: one record per subject (SDTMIG v3.4 §5.2), and the subject reference days every domain uses.

RFSTDTC and RFXSTDTC are the first administration of study treatment
(with day offsets and an anchor date, RFSTDTC is trial entry, the day --DY counts from),
RFXENDTC the last; RFICDTC informed consent; RFENDTC the disposition date (else
the last record); RFPENDTC the last date of any record.  ARM/ARMCD come from
the planned cohort and ACTARM/ACTARMCD from what was given, both through the
layout's arm table.  AGE is taken as collected, else computed in whole years
at informed consent from complete dates only.  Several race boxes give RACE
MULTIPLE with each race in SUPPDM.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc_als.derive.dates import compute_day_number, compute_iso_from_day_number
from cdisc_als.derive.ids import compute_usubjid
from cdisc_als.distinct import map_distinct
from cdisc_als.derive.timing import compute_day
from cdisc_als.errors import RejectReason
from cdisc_als.ingest.layout import Layout, reject


def deduplicate_subjects(subjects: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A second demographics row for the same SUBJID contradicts the first: it is rejected."""
    subjid = subjects["SUBJID"].astype(str).str.strip()
    again = subjid.duplicated(keep="first")
    rejects = reject(subjects.assign(_col="SUBJID"), again, column="SUBJID", values=subjid,
                     reason=RejectReason.CONFLICT, level="row", detail="second demographics row for this subject")
    return subjects[~again].assign(SUBJID=subjid[~again]), rejects


def compute_subject_refs(subjects: pd.DataFrame, first_treatment: pd.DataFrame, *, study_id: str,
                         axis: str) -> pd.DataFrame:
    """USUBJID-indexed reference days: REF_DAY (RFSTDTC), TRT_DAY, SCREEN_DAY (filled later).

    On the offsets axis the reference day is trial entry (offset 0); with dates it is the first treatment.
    """
    refs = pd.DataFrame({"SUBJID": subjects["SUBJID"].values},
                        index=pd.Index(compute_usubjid(study_id, subjects["SUBJID"]).values, name="USUBJID"))
    trt = first_treatment.reindex(refs["SUBJID"].values)
    refs["TRT_DAY"] = trt["TRT_DAY"].values
    refs["TRT_END_DAY"] = trt["TRT_END_DAY"].values
    refs["TRT_DTC"] = trt["TRT_DTC"].fillna("").values
    refs["TRT_END_DTC"] = trt["TRT_END_DTC"].fillna("").values
    refs["REF_DAY"] = 0.0 if axis == "offsets" else refs["TRT_DAY"]
    refs["SCREEN_DAY"] = np.nan
    return refs


def compute_age(birth: pd.Series, at: pd.Series) -> pd.Series:
    """Whole years between two complete ISO dates; NaN when either is partial or missing."""
    b = pd.to_datetime(birth.where(birth.str.fullmatch(r"\d{4}-\d{2}-\d{2}")), errors="coerce")
    a = pd.to_datetime(at.str.slice(0, 10).where(at.str.slice(0, 10).str.fullmatch(r"\d{4}-\d{2}-\d{2}")),
                       errors="coerce")
    years = a.dt.year - b.dt.year
    before_birthday = (a.dt.month < b.dt.month) | ((a.dt.month == b.dt.month) & (a.dt.day < b.dt.day))
    return (years - before_birthday.astype(int)).astype("float64")


def _arm(cohort: pd.Series, arms: dict, key: str) -> pd.Series:
    table = {str(k).upper(): v[key] for k, v in arms.items()}
    return cohort.astype(object).fillna("").astype(str).str.strip().str.upper().map(table).astype(object).fillna("")


def build_dm(subjects: pd.DataFrame, refs: pd.DataFrame, *, layout: Layout, study_id: str,
             anchor_day: float | None, actual_cohort: pd.Series, end_dtc: pd.Series, last_dtc: pd.Series,
             death: pd.DataFrame) -> pd.DataFrame:
    """Demographics records.  ``actual_cohort``, ``end_dtc``, ``last_dtc`` are indexed by USUBJID;
    ``death`` has USUBJID, DTHDTC."""
    dm = subjects.copy()
    dm.insert(0, "STUDYID", study_id)
    dm["USUBJID"] = compute_usubjid(study_id, dm["SUBJID"]).values
    by = dm["USUBJID"]
    dm["RFXSTDTC"] = by.map(refs["TRT_DTC"]).fillna("")
    dm["RFSTDTC"] = dm["RFXSTDTC"]
    if layout.time_axis == "offsets" and anchor_day is not None:
        # --DY counts from trial entry on this axis, so RFSTDTC (the --DY reference) is its date
        dm["RFSTDTC"] = by.map(compute_iso_from_day_number(refs["REF_DAY"] + anchor_day)).fillna("")
    dm["RFXENDTC"] = by.map(refs["TRT_END_DTC"]).fillna("")
    if "RFICDTC" in dm and layout.time_axis == "offsets":
        _, dm["RFICDTC"] = compute_day(dm, "RFICDTC", axis="offsets", anchor_day=anchor_day)
    dm["RFENDTC"] = by.map(end_dtc).astype(object).fillna("")
    dm["RFPENDTC"] = by.map(last_dtc).astype(object).fillna("")
    dth = death.drop_duplicates("USUBJID").set_index("USUBJID")["DTHDTC"] if len(death) else pd.Series(dtype=object)
    died = by.isin(dth.index)
    dm["DTHDTC"] = by.map(dth).astype(object).fillna("")
    dm["DTHFL"] = np.where(died, "Y", "")
    cohort = dm["COHORT"] if "COHORT" in dm else by.map(actual_cohort)
    dm["ARMCD"], dm["ARM"] = _arm(cohort, layout.arms, "armcd"), _arm(cohort, layout.arms, "arm")
    actual = by.map(actual_cohort)
    dm["ACTARMCD"], dm["ACTARM"] = _arm(actual, layout.arms, "armcd"), _arm(actual, layout.arms, "arm")
    dm["ARMNRS"] = np.select([dm["ARMCD"] == "", dm["ACTARMCD"] == ""],
                             ["NOT ASSIGNED", "ASSIGNED, NOT TREATED"], default="")
    if "BRTHDTC" in dm and layout.time_axis == "offsets":
        _, dm["BRTHDTC"] = compute_day(dm, "BRTHDTC", axis="offsets", anchor_day=anchor_day)
    collected_age = pd.to_numeric(dm["AGE"], errors="coerce") if "AGE" in dm else pd.Series(np.nan, index=dm.index)
    computed = compute_age(dm.get("BRTHDTC", pd.Series("", index=dm.index)).fillna(""),
                           dm.get("RFICDTC", pd.Series("", index=dm.index)).fillna(""))
    dm["AGE"] = collected_age.fillna(computed)
    dm["AGEU"] = np.where(dm["AGE"].notna(), "YEARS", "")
    return dm.sort_values("USUBJID", kind="stable").reset_index(drop=True)


def compute_last_dtc(*frames_and_columns: tuple[pd.DataFrame, str]) -> pd.Series:
    """Per USUBJID the latest complete date found in any of the given (frame, --DTC column) pairs."""
    pieces = []
    for frame, column in frames_and_columns:
        if column in frame and len(frame):
            date = map_distinct(frame[column], lambda d: d.astype(str).str.slice(0, 10))
            complete = compute_day_number(date).notna().to_numpy(dtype=bool)
            pieces.append(pd.DataFrame({"USUBJID": frame["USUBJID"].to_numpy()[complete],
                                        "dtc": date.array[complete]}))
    if not pieces:
        return pd.Series(dtype=object)
    return pd.concat(pieces, ignore_index=True).groupby("USUBJID")["dtc"].max()



