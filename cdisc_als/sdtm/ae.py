"""AE: adverse events, one record per event per subject (SDTMIG v3.4 §6.2.1).

Coded terms come from the export itself or, where its coded columns are blank,
from a user-supplied coding table keyed by the verbatim term.  AEBODSYS is the
primary SOC.  An event marked ongoing without an end date gets AEENRTPT
ONGOING relative to the end of study.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc_als.derive.ids import derive_var_seq
from cdisc_als.derive.timing import derive_var_epoch, derive_vars_dtc_dy
from cdisc_als.errors import RejectReason
from cdisc_als.ingest.layout import reject
from cdisc_als.sdtm.common import StudyContext, attach_usubjid

CODED = ["AELLT", "AELLTCD", "AEDECOD", "AEPTCD", "AEHLT", "AEHLTCD", "AEHLGT", "AEHLGTCD", "AESOC", "AESOCCD"]


def derive_vars_coding(dataset: pd.DataFrame, coding: pd.DataFrame | None, *, key: str,
                       columns: dict) -> pd.DataFrame:
    """Fill blank coded terms from a coding table matched on the upper-cased verbatim term."""
    if coding is None or coding.empty:
        return dataset
    table = coding.assign(_k=coding[key].astype(str).str.strip().str.upper()).drop_duplicates("_k").set_index("_k")
    verbatim = dataset["AETERM"].astype(str).str.strip().str.upper()
    out = dataset.copy()
    for target, source in columns.items():
        filled = verbatim.map(table[source])
        if target.endswith("CD"):
            filled = pd.to_numeric(filled, errors="coerce")
        current = out[target] if target in out else pd.Series(np.nan, index=out.index)
        blank = current.isna() | (current.astype(str).str.strip() == "")
        out[target] = current.where(~blank, filled)
    return out


def build_ae(events: pd.DataFrame, ctx: StudyContext, coding: pd.DataFrame | None = None,
             coding_cfg: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    out, rejects = attach_usubjid(events, ctx)
    if coding_cfg:
        out = derive_vars_coding(out, coding, key=coding_cfg["key"], columns=coding_cfg["columns"])
    for var in CODED:
        if var not in out:
            out[var] = np.nan if var.endswith("CD") else ""
    out["AEBODSYS"], out["AEBDSYCD"] = out["AESOC"], out["AESOCCD"]
    for side in ("ST", "EN"):
        source = f"AE{side}DTC"
        out = derive_vars_dtc_dy(out, source=source, dtc=source, dy=f"AE{side}DY", refs=ctx.refs, axis=ctx.axis,
                                 anchor_day=ctx.anchor_day)
    backwards = (out["_day_AEENDTC"] < out["_day_AESTDTC"]).fillna(False)
    order_rejects = reject(out.assign(_col=""), backwards, column="", values=out["AEENDTC"],
                           reason=RejectReason.CONFLICT, level="row", detail="end date before start date")
    out = out[~backwards].copy()
    if "ONGOING" in out:
        ongoing = (out["ONGOING"] == "Y") & (out["AEENDTC"] == "")
        out["AEENRTPT"] = np.where(ongoing, "ONGOING", "")
        out["AEENTPT"] = np.where(ongoing, "END OF STUDY", "")
    out = derive_var_epoch(out, day="_day_AESTDTC", refs=ctx.refs, events=True)
    out = derive_var_seq(out, domain="AE", order=["_day_AESTDTC", "AETERM"])
    return out, pd.concat([rejects, order_rejects], ignore_index=True)
