"""SV: one record per visit a subject actually attended (SDTMIG v3.4 §5.4), from the visit-based findings."""
from __future__ import annotations

import pandas as pd

from cdisc_als.derive.dates import compute_study_day


def build_sv(findings: list[tuple[pd.DataFrame, str]], refs: pd.DataFrame) -> pd.DataFrame:
    """Visits seen in the given (frame, domain) pairs: SVSTDTC/SVENDTC the first and last date at that visit."""
    pieces = []
    for frame, domain in findings:
        if "VISITNUM" not in frame or not frame["VISITNUM"].notna().any():
            continue
        pieces.append(pd.DataFrame({
            "STUDYID": frame["STUDYID"].values, "USUBJID": frame["USUBJID"].values,
            "VISITNUM": frame["VISITNUM"].values, "VISIT": frame["VISIT"].values,
            "VISITDY": frame["VISITDY"].values, "EPOCH": frame["EPOCH"].values,
            "dtc": frame[f"{domain}DTC"].values, "day": frame[f"_day_{domain}DTC"].values}))
    if not pieces:
        return pd.DataFrame()
    allv = pd.concat(pieces, ignore_index=True).dropna(subset=["VISITNUM"])
    allv = allv.sort_values(["USUBJID", "VISITNUM", "day"], kind="stable")
    grouped = allv.groupby(["USUBJID", "VISITNUM"], sort=True)
    sv = grouped.agg(STUDYID=("STUDYID", "first"), VISIT=("VISIT", "first"), VISITDY=("VISITDY", "first"),
                     EPOCH=("EPOCH", "first"), SVSTDTC=("dtc", "first"), SVENDTC=("dtc", "last"),
                     _start=("day", "min"), _end=("day", "max")).reset_index()
    ref = sv["USUBJID"].map(refs["REF_DAY"]).astype("float64")
    sv["SVSTDY"] = compute_study_day(sv["_start"], ref)
    sv["SVENDY"] = compute_study_day(sv["_end"], ref)
    sv["SVPRESP"], sv["SVOCCUR"] = "", ""
    return sv
