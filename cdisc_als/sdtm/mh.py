"""MH: the ALS diagnosis as medical history, one record per subject (SDTMIG v3.4 §6.2.6).

MHSTDTC is the date of symptom onset; the diagnosis date and the region of
onset have no standard MH variable and go to SUPPMH.  MHTERM/MHDECOD/MHCAT
are constants of the layout.
"""
from __future__ import annotations

import pandas as pd

from cdisc_als.derive.ids import derive_var_seq
from cdisc_als.derive.timing import derive_vars_dtc_dy
from cdisc_als.sdtm.common import StudyContext, attach_usubjid


def build_mh(history: pd.DataFrame, ctx: StudyContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    out, rejects = attach_usubjid(history, ctx)
    out = derive_vars_dtc_dy(out, source="MHSTDTC", dtc="MHSTDTC", dy=None, refs=ctx.refs, axis=ctx.axis,
                             anchor_day=ctx.anchor_day)
    if "DIAGDTC" in out:
        out = derive_vars_dtc_dy(out, source="DIAGDTC", dtc="DIAGDTC", dy=None, refs=ctx.refs, axis=ctx.axis,
                                 anchor_day=ctx.anchor_day)
    out["MHENRTPT"], out["MHENTPT"] = "ONGOING", "END OF STUDY"
    out = derive_var_seq(out, domain="MH", order=["MHTERM"])
    return out, rejects
