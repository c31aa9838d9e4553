"""Identifiers shared by every domain: USUBJID and --SEQ (SDTMIG v3.4 §4.1.2)."""
from __future__ import annotations

import pandas as pd

from cdisc_als.distinct import compute_rank_order, compute_ranks, compute_run_positions, reorder_rows

SUBJECT_ROW = "_subject"     # a record's row in the subject references (StudyContext.refs), for lookups by position


def compute_usubjid(study_id: str, subjid: pd.Series) -> pd.Series:
    """USUBJID = STUDYID-SUBJID: unique across every study a sponsor submits."""
    return study_id + "-" + subjid.astype(str).str.strip()


def derive_var_seq(dataset: pd.DataFrame, *, domain: str, order: list[str]) -> pd.DataFrame:
    """Add ``<domain>SEQ``: 1, 2, ... within USUBJID after a stable sort on the ``order`` columns present."""
    keys = ["USUBJID", *[c for c in order if c in dataset.columns]]
    ranks = [compute_ranks(dataset[c]) for c in keys]           # sorted on integer ranks, not on text
    position = compute_rank_order(ranks, len(dataset))
    out = reorder_rows(dataset, position)
    if len(out) and pd.isna(out["USUBJID"].iloc[-1]):            # records without a subject sort last
        seq = out.groupby("USUBJID", sort=False).cumcount() + 1
    else:
        seq = compute_run_positions(ranks[0][position])          # sorted: a subject's records are contiguous
    out[f"{domain}SEQ"] = pd.Series(seq, index=out.index).astype("float64")
    return out
