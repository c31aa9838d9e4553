"""Supplemental qualifiers (SUPP--): collected values that have no standard variable (SDTMIG v3.4 §8.4)."""
from __future__ import annotations

import pandas as pd

from cdisc_als.metadata.spec import read_table


def derive_supp(dataset: pd.DataFrame, *, domain: str, idvar: str | None) -> pd.DataFrame:
    """SUPP<domain> records for every non-blank column named in ``specs/sdtm/supp.csv`` for the domain.

    The QNAM, QLABEL and QORIG of each qualifier come from that table (sponsor metadata).
    """
    table = read_table("sdtm/supp.csv")
    table = table[(table["domain"] == domain) & table["column"].isin(dataset.columns)]
    pieces = []
    for qnam, qlabel, column, qorig in table[["qnam", "qlabel", "column", "qorig"]].itertuples(index=False):
        value = dataset[column].fillna("").astype(str).str.strip()
        keep = value != ""
        if not keep.any():
            continue
        rows = dataset.loc[keep]
        idvarval = rows[idvar].astype("Int64").astype(str).values if idvar else ""
        pieces.append(pd.DataFrame({
            "STUDYID": rows["STUDYID"].values, "RDOMAIN": domain, "USUBJID": rows["USUBJID"].values,
            "IDVAR": idvar or "", "IDVARVAL": idvarval,
            "QNAM": qnam, "QLABEL": qlabel, "QVAL": value[keep].values, "QORIG": qorig, "QEVAL": "",
        }))
    columns = ["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL", "QORIG", "QEVAL"]
    if not pieces:
        return pd.DataFrame(columns=columns)
    return pd.concat(pieces, ignore_index=True).sort_values(["USUBJID", "QNAM"], kind="stable")[columns]
