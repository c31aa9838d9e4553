"""DS: informed consent (protocol milestone) and the end-of-study disposition event (SDTMIG v3.4 §6.2.3)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc_als.derive.dates import compute_day_number
from cdisc_als.derive.ids import derive_var_seq
from cdisc_als.derive.timing import derive_var_epoch, derive_vars_dtc_dy
from cdisc_als.sdtm.common import StudyContext, attach_usubjid

CONSENT = "INFORMED CONSENT OBTAINED"


def build_ds(disposition: pd.DataFrame | None, dm: pd.DataFrame, ctx: StudyContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Consent records from DM.RFICDTC plus the disposition events of the disposition form."""
    consented = dm["RFICDTC"].fillna("") != "" if "RFICDTC" in dm else pd.Series(False, index=dm.index)
    # a Series assigned to an empty frame would bring its own index (one blank record per subject): select first
    consent = dm.loc[consented, ["STUDYID", "USUBJID"]].assign(
        DSSTDTC=dm.loc[consented, "RFICDTC"] if "RFICDTC" in dm else "")
    consent = consent.assign(DSTERM=CONSENT, DSDECOD=CONSENT, DSCAT="PROTOCOL MILESTONE", _planned_epoch="SCREENING")
    rejects = None
    events = consent.head(0)
    if disposition is not None and len(disposition):
        events, rejects = attach_usubjid(disposition, ctx)
        events["DSCAT"] = "DISPOSITION EVENT"
        events["DSTERM"] = events.get("DSTERM", events["DSDECOD"]).where(
            events.get("DSTERM", events["DSDECOD"]).astype(str) != "", events["DSDECOD"])
        events["_planned_epoch"] = ""
    ds = pd.concat([consent, events], ignore_index=True)
    ds["_src"] = ds["DSSTDTC"]
    axis = "dates" if ctx.axis == "dates" else "offsets"
    if axis == "offsets":
        # consent dates in DM are ISO (only with an anchor date); turn them back into offsets like the form's rows,
        # so DSSTDY and EPOCH count from trial entry as every other day on this axis
        consent_rows = ds["DSCAT"] == "PROTOCOL MILESTONE"
        ds["_src"] = ds["_src"].astype(object)
        ds.loc[consent_rows, "_src"] = compute_day_number(ds.loc[consent_rows, "_src"]) - (ctx.anchor_day or 0.0)
    ds = derive_vars_dtc_dy(ds, source="_src", dtc="DSSTDTC", dy="DSSTDY", refs=ctx.refs, axis=axis,
                            anchor_day=ctx.anchor_day if axis == "offsets" else None)
    ds = derive_var_epoch(ds, day="_day_DSSTDTC", refs=ctx.refs, events=True)
    ds["_order"] = np.where(ds["DSCAT"] == "PROTOCOL MILESTONE", 0, 1)
    ds = derive_var_seq(ds, domain="DS", order=["_order", "_day_DSSTDTC"])
    return ds, rejects
