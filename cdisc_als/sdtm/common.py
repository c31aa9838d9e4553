"""What every SDTM domain builder shares: the study context, subject lookup, and the final shape.

The final shape comes from the model (``specs/standards/sdtmig-3.4``): variables
in IG order; Required and Expected variables always present (Expected may be
empty, §4.1.5); Permissible variables kept only when the data populate them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cdisc_als.derive.ids import SUBJECT_ROW
from cdisc_als.distinct import compute_blank, compute_duplicated, map_distinct, strip_text
from cdisc_als.errors import RejectReason
from cdisc_als.ingest.layout import DECIMAL_COMMA, FILE, KEY_COLUMN, ROW, Layout, keep_rows, reject
from cdisc_als.metadata.spec import Spec

TRACE = [FILE, ROW, "_col", "_form", DECIMAL_COMMA, KEY_COLUMN]


@dataclass(frozen=True)
class StudyContext:
    """Everything a domain builder needs besides its own source frame.

    ``refs`` is indexed by USUBJID with SUBJID, REF_DAY (day number of RFSTDTC), TRT_DAY (first
    treatment) and SCREEN_DAY (screening visit); day numbers are on the layout's time axis.
    """

    study_id: str
    layout: Layout
    spec: Spec
    refs: pd.DataFrame
    anchor_day: float | None

    @property
    def axis(self) -> str:
        return self.layout.time_axis


def attach_usubjid(dataset: pd.DataFrame, ctx: StudyContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """STUDYID and USUBJID from SUBJID, and the subject's row in ``ctx.refs`` (``SUBJECT_ROW``); records of
    subjects without demographics are rejected."""
    out = dataset.copy(deep=False)          # copy-on-write: the caller's frame is never changed
    found = map_distinct(out["SUBJID"], lambda subjid: _find_subjects(subjid, ctx.refs))
    out["USUBJID"] = found["USUBJID"]
    unknown = out["USUBJID"].isna()
    column = out[KEY_COLUMN] if KEY_COLUMN in out else "SUBJID"
    subjid = strip_text(out["SUBJID"]) if unknown.any() else out["SUBJID"]      # (only rejected rows are read)
    rejects = reject(out, unknown, column=column, values=subjid, reason=RejectReason.UNKNOWN_SUBJECT, level="row",
                     detail="subject has no demographics record")
    out = keep_rows(out, ~unknown)
    out.insert(0, "STUDYID", ctx.study_id)
    out[SUBJECT_ROW] = keep_rows(found["row"], ~unknown).astype(np.int64)
    return out, rejects


def _find_subjects(subjid: pd.Series, refs: pd.DataFrame) -> pd.DataFrame:
    """USUBJID and row in ``refs`` of each SUBJID (blanks around it ignored); missing without demographics."""
    key = subjid.astype(str).str.strip()
    return pd.DataFrame({"USUBJID": key.map(pd.Series(refs.index, index=refs["SUBJID"].values)),
                         "row": key.map(pd.Series(np.arange(len(refs)), index=refs["SUBJID"].values))})


def finalize_domain(dataset: pd.DataFrame, *, domain: str, spec: Spec) -> pd.DataFrame:
    """Put ``dataset`` in model shape for ``domain``; trace columns (``_file``, ``_row``, ``_col``) are kept last.

    Variables the model does not know and internal helper columns (leading underscore) are dropped.
    """
    model = spec.dataset_variables(domain)
    out = dataset.copy(deep=False)          # copy-on-write: the caller's frame is never changed
    if "DOMAIN" in set(model["variable"]):
        out["DOMAIN"] = domain
    keep = []
    for var, core in zip(model["variable"], model["core"]):
        if var in out.columns:
            if core in ("Req", "Exp") or not compute_blank(out[var]).all():
                keep.append(var)
        elif core in ("Req", "Exp"):
            out[var] = "" if model.set_index("variable").at[var, "type"] == "Char" else float("nan")
            keep.append(var)
    trace = [c for c in TRACE if c in out.columns]
    return out[keep + trace].reset_index(drop=True)


def split_trace(dataset: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(data without trace columns, the raw rows it used as _form/_file/_row, each once)."""
    trace_cols = [c for c in ("_form", FILE, ROW) if c in dataset.columns]
    if len(trace_cols) == 3:
        used = dataset[trace_cols]
        used = used[~compute_duplicated(used)].dropna()          # a raw row once, however many records it gave
    else:
        used = pd.DataFrame(columns=["_form", FILE, ROW])
    return dataset.drop(columns=[c for c in TRACE if c in dataset.columns]), used
