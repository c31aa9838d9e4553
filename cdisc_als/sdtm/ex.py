"""EX: the cell administration, one record per route per subject (SDTMIG v3.4 §6.1.3).

A combined IT+IM transplantation is two administrations (two routes) on one day.
"""
from __future__ import annotations

import pandas as pd

from cdisc_als.derive.ids import derive_var_seq
from cdisc_als.derive.timing import derive_vars_dtc_dy
from cdisc_als.errors import RejectReason
from cdisc_als.ingest.layout import DECIMAL_COMMA, compute_number, reject
from cdisc_als.sdtm.common import StudyContext, attach_usubjid


def compute_first_treatment(exposure: pd.DataFrame, *, axis: str) -> pd.DataFrame:
    """Per SUBJID the first and last administration day numbers and dates (before USUBJID exists)."""
    from cdisc_als.derive.timing import compute_day

    day, iso = compute_day(exposure, "STDTC", axis=axis, anchor_day=None)
    frame = pd.DataFrame({"SUBJID": exposure["SUBJID"].astype(str).str.strip(), "day": day, "iso": iso})
    frame = frame.dropna(subset=["day"]).sort_values("day", kind="stable")
    grouped = frame.groupby("SUBJID", sort=True)
    return pd.DataFrame({"TRT_DAY": grouped["day"].first(), "TRT_END_DAY": grouped["day"].last(),
                         "TRT_DTC": grouped["iso"].first(), "TRT_END_DTC": grouped["iso"].last()})


def build_ex(exposure: pd.DataFrame, ctx: StudyContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    out, rejects = attach_usubjid(exposure, ctx)
    if "EXDOSE" not in out:          # e.g. PRO-ACT gives the arm and the day, not the dose
        out["EXDOSE"] = ""
    dose, bad = compute_number(out["EXDOSE"].astype(str).str.strip(), out.get(DECIMAL_COMMA, False))
    dose_rejects = reject(out, bad | (dose < 0).fillna(False), column="", values=out["EXDOSE"],
                          reason=RejectReason.BAD_NUMBER, level="cell", detail="dose is not a non-negative number")
    keep = ~(bad | (dose < 0).fillna(False))
    out = out[keep].copy()
    out["EXDOSE"] = dose[keep]
    out = derive_vars_dtc_dy(out, source="STDTC", dtc="EXSTDTC", dy="EXSTDY", refs=ctx.refs, axis=ctx.axis,
                             anchor_day=ctx.anchor_day)
    out["EXENDTC"], out["EXENDY"] = out["EXSTDTC"], out["EXSTDY"]
    out["EPOCH"] = "TREATMENT"
    out = derive_var_seq(out, domain="EX", order=["_day_EXSTDTC", "EXROUTE"])
    return out, pd.concat([rejects, dose_rejects], ignore_index=True)
