"""Timing shared by the Findings domains built here (QS, RE): dates, study day, visit, epoch, LOBXFL."""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc_als.derive.timing import derive_var_epoch, derive_vars_dtc_dy, derive_vars_visit
from cdisc_als.distinct import map_distinct
from cdisc_als.ingest.layout import DECIMAL_COMMA, KEY_COLUMN
from cdisc_als.sdtm.common import StudyContext


def derive_findings_timing(dataset: pd.DataFrame, ctx: StudyContext, *, domain: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """--DTC/--DY from the record's date (or day offset), then VISITNUM/VISIT/VISITDY and EPOCH.

    Layouts without visit labels (PRO-ACT) leave the visit variables empty rather than invent visits.
    """
    out = derive_vars_dtc_dy(dataset, source="DTC", dtc=f"{domain}DTC", dy=f"{domain}DY", refs=ctx.refs,
                             axis=ctx.axis, anchor_day=ctx.anchor_day)
    day = f"_day_{domain}DTC"
    rejects = None
    if "VISIT_LABEL" in out and ctx.layout.visits:
        out, rejects = derive_vars_visit(out, layout=ctx.layout, day=day)
    else:
        out["VISITNUM"], out["VISIT"], out["VISITDY"] = float("nan"), "", float("nan")
    out = derive_var_epoch(out, day=day, refs=ctx.refs, events=False)
    return out, rejects


def drop_inputs(dataset: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Without the canonical columns a findings builder has turned into SDTM variables (``columns``, plus the
    subject id, the date or day and the parsing hints), so they are not carried into the final sort."""
    inputs = [*columns, "SUBJID", "DTC", DECIMAL_COMMA, KEY_COLUMN]
    return dataset.drop(columns=[c for c in inputs if c in dataset.columns])


def compute_result_text(value: pd.Series) -> pd.Series:
    """Standard character result from a number: integers without a decimal point, others as written by repr."""
    return map_distinct(value, _result_text)


def _result_text(value: pd.Series) -> pd.Series:
    whole = value.notna() & (value == value.round())
    text = np.where(whole, value.fillna(0).round().astype("int64").astype(str), value.astype(str))
    return pd.Series(np.where(value.isna(), "", text), index=value.index, dtype=object)
