"""Invariants every BDS dataset must satisfy, checked on every record, and SDTM traceability."""
from __future__ import annotations

import numpy as np
import pandas as pd


def assert_bds_invariants(bds: pd.DataFrame, *, analysed: pd.Series | None = None) -> None:
    """ABLFL/BASE/CHG/PCHG/ASEQ rules of ADaMIG BDS on every record."""
    analysed = pd.Series(True, index=bds.index) if analysed is None else analysed
    base_rows = bds[bds["ABLFL"] == "Y"]
    assert not base_rows.duplicated(["USUBJID", "PARAMCD"]).any()
    assert (base_rows["ADY"] <= 1).all() and analysed[base_rows.index].all()
    # the baseline is the latest analysed record on or before day 1
    cand = bds[analysed & (bds["ADY"] <= 1) & bds["AVAL"].notna()]
    latest = cand.groupby(["USUBJID", "PARAMCD"])["ADY"].max()
    got = base_rows.set_index(["USUBJID", "PARAMCD"])["ADY"]
    pd.testing.assert_series_equal(got.sort_index(), latest.reindex(got.index).sort_index(), check_names=False)
    base = bds.set_index(["USUBJID", "PARAMCD"]).index.map(base_rows.set_index(["USUBJID", "PARAMCD"])["AVAL"])
    np.testing.assert_array_equal(bds["BASE"].to_numpy(), np.asarray(base, dtype=float))
    post = (bds["ADY"] > 1) & bds["BASE"].notna()
    np.testing.assert_allclose(bds.loc[post, "CHG"], bds.loc[post, "AVAL"] - bds.loc[post, "BASE"], rtol=0, atol=1e-12)
    assert bds.loc[~post, "CHG"].isna().all()
    nz = post & (bds["BASE"] != 0)
    np.testing.assert_allclose(bds.loc[nz, "PCHG"], 100 * bds.loc[nz, "CHG"] / bds.loc[nz, "BASE"], rtol=1e-12)
    seq = bds.groupby("USUBJID")["ASEQ"].apply(lambda s: sorted(s) == list(range(1, len(s) + 1)))
    assert seq.all()


def assert_traces_to_sdtm(bds: pd.DataFrame, sdtm: pd.DataFrame, *, domain: str) -> None:
    """Every record with SRCSEQ points at the SDTM row with the same subject, test code and value."""
    traced = bds[bds["SRCSEQ"].notna()]
    assert (traced["SRCDOM"] == domain).all() and (traced["SRCVAR"] == f"{domain}STRESN").all()
    src = sdtm.rename(columns={f"{domain}SEQ": "SRCSEQ", f"{domain}TESTCD": "PARAMCD", f"{domain}STRESN": "SRC_AVAL"})
    joined = traced.merge(src[["USUBJID", "SRCSEQ", "PARAMCD", "SRC_AVAL"]], on=["USUBJID", "SRCSEQ"],
                          how="left", suffixes=("", "_src"), validate="one_to_one")
    assert (joined["PARAMCD"] == joined["PARAMCD_src"]).all()
    np.testing.assert_array_equal(joined["AVAL"].to_numpy(), joined["SRC_AVAL"].astype(float).to_numpy())
