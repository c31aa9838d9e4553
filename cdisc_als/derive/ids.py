"""Identifiers shared by every domain: USUBJID and --SEQ (SDTMIG v3.4 §4.1.2)."""
from __future__ import annotations

import pandas as pd


def compute_usubjid(study_id: str, subjid: pd.Series) -> pd.Series:
    """USUBJID = STUDYID-SUBJID: unique across every study a sponsor submits."""
    return study_id + "-" + subjid.astype(str).str.strip()


def derive_var_seq(dataset: pd.DataFrame, *, domain: str, order: list[str]) -> pd.DataFrame:
    """Add ``<domain>SEQ``: 1, 2, ... within USUBJID after a stable sort on the ``order`` columns present."""
    keys = ["USUBJID", *[c for c in order if c in dataset.columns]]
    out = dataset.sort_values(keys, kind="stable").reset_index(drop=True)
    out[f"{domain}SEQ"] = (out.groupby("USUBJID", sort=False).cumcount() + 1).astype("float64")
    return out
