"""Build small SDTM-like frames (as read_xpt gives them: '' for missing text) from a compact description.

A subject is a dict: usubjid, armcd, arm, trt_day (study day of the first EX record, or None), and
lists ``qs`` of (day, visitnum, testcd, value[, drvfl]) and ``re`` of (day, visitnum, testcd, value, effort).
Study day 1 is 2020-01-01; with ``dates=False`` every --DTC is blank (PRO-ACT without an anchor).
"""
from __future__ import annotations

import pandas as pd

DAY1 = pd.Timestamp("2020-01-01")


def study_date(day: float, dates: bool) -> str:
    if not dates or day is None:
        return ""
    return (DAY1 + pd.Timedelta(days=int(day) - 1 if day > 0 else int(day))).strftime("%Y-%m-%d")


QS_COLUMNS = ["USUBJID", "QSTESTCD", "QSCAT", "QSSTRESN", "QSSTRESC", "QSDRVFL", "VISITNUM", "VISIT", "QSDTC", "QSDY"]
RE_COLUMNS = ["USUBJID", "RETESTCD", "RESTRESN", "RESTRESU", "REREPNUM", "VISITNUM", "VISIT", "REDTC", "REDY"]


def make_sdtm(subjects: list[dict], *, dates: bool = True, study: str = "S1") -> dict[str, pd.DataFrame]:
    dm, ex, qs, re = [], [], [], []
    for s in subjects:
        uid = s["usubjid"]
        dm.append({"STUDYID": study, "USUBJID": uid, "SUBJID": uid.split("-")[-1], "SITEID": "01",
                   "RFSTDTC": study_date(1, dates), "RFXSTDTC": study_date(s.get("trt_day"), dates),
                   "RFICDTC": study_date(-30, dates), "AGE": 50.0, "AGEU": "YEARS", "SEX": "F", "RACE": "WHITE",
                   "ETHNIC": "", "ARMCD": s.get("armcd", ""), "ARM": s.get("arm", ""),
                   "ACTARMCD": s.get("armcd", ""), "ACTARM": s.get("arm", ""), "COUNTRY": "ISR",
                   "DTHFL": "", "DTHDTC": ""})
        if s.get("trt_day") is not None:
            ex.append({"USUBJID": uid, "EXSEQ": 1.0, "EXTRT": "MSC-NTF", "EXSTDTC": study_date(s["trt_day"], dates),
                       "EXSTDY": float(s["trt_day"])})
        for row in s.get("qs", []):
            day, visitnum, testcd, value = row[:4]
            qs.append({"USUBJID": uid, "QSTESTCD": testcd, "QSCAT": "ALSFRS" if testcd.startswith("ALSF") else "ALSFRS-R",
                       "QSSTRESN": value, "QSSTRESC": "" if value != value else f"{value:g}",
                       "QSDRVFL": row[4] if len(row) > 4 else "", "VISITNUM": float(visitnum),
                       "VISIT": f"VISIT {visitnum}", "QSDTC": study_date(day, dates), "QSDY": float(day)})
        for day, visitnum, testcd, value, effort in s.get("re", []):
            re.append({"USUBJID": uid, "RETESTCD": testcd, "RESTRESN": value, "RESTRESU": "L" if testcd == "FVC" else "%",
                       "REREPNUM": float(effort), "VISITNUM": float(visitnum), "VISIT": f"VISIT {visitnum}",
                       "REDTC": study_date(day, dates), "REDY": float(day)})
    frames = {"DM": pd.DataFrame(dm), "EX": pd.DataFrame(ex, columns=["USUBJID", "EXSEQ", "EXTRT", "EXSTDTC", "EXSTDY"]),
              "QS": pd.DataFrame(qs, columns=QS_COLUMNS), "RE": pd.DataFrame(re, columns=RE_COLUMNS)}
    for name, seq in (("QS", "QSSEQ"), ("RE", "RESEQ")):
        f = frames[name]
        f.insert(1, seq, f.groupby("USUBJID").cumcount().astype(float) + 1 if len(f) else pd.Series(dtype=float))
    return frames


ITEMS12 = ["ALSR01", "ALSR02", "ALSR03", "ALSR04", "ALSR05A", "ALSR06", "ALSR07", "ALSR08", "ALSR09",
           "ALSR10", "ALSR11", "ALSR12"]


def item_rows(day: float, visitnum: float, scores: list[float], items: list[str] = ITEMS12) -> list[tuple]:
    """QS rows of one assessment: ``scores`` aligned with ``items`` (NaN for a missing score)."""
    return [(day, visitnum, cd, float(v)) for cd, v in zip(items, scores)]
