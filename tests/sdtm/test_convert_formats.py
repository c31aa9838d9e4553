"""The same EDC export sent as Excel (with a title row) and SPSS .sav converts to the same SDTM as the CSVs."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pyreadstat

from cdisc_als.conversion import convert

EDC = Path(__file__).resolve().parents[2] / "fixtures" / "edc"


def test_xlsx_and_sav_forms_give_the_same_sdtm(tmp_path):
    mixed = tmp_path / "mixed"
    shutil.copytree(EDC, mixed)
    alsfrs = pd.read_csv(mixed / "alsfrs.csv", dtype=str, keep_default_na=False)
    (mixed / "alsfrs.csv").unlink()
    with pd.ExcelWriter(mixed / "alsfrs.xlsx") as book:
        pd.DataFrame([["ALSFRS-R export, site 01"]]).to_excel(book, header=False, index=False)
        alsfrs.to_excel(book, startrow=2, index=False)
    spiro = pd.read_csv(mixed / "spirometry.csv", dtype=str, keep_default_na=False)
    (mixed / "spirometry.csv").unlink()
    numeric = {c: pd.to_numeric(spiro[c]) for c in ("EFFORT", "FVC_VALUE", "FVC_PREDICTED_L", "FVC_PCT_PREDICTED")}
    pyreadstat.write_sav(spiro.assign(**numeric), str(mixed / "spirometry.sav"))

    plain = convert(EDC, tmp_path / "csv", layout="site-edc", study="S")
    other = convert(mixed, tmp_path / "other", layout="site-edc", study="S")
    for name in ("QS", "DM", "AE"):
        pd.testing.assert_frame_equal(plain.datasets[name], other.datasets[name])
    # the .sav holds numbers, so '3.40' comes back as '3.4': results agree as numbers, not as text
    re_plain, re_other = plain.datasets["RE"], other.datasets["RE"]
    pd.testing.assert_series_equal(re_plain["RESTRESN"], re_other["RESTRESN"])
    assert (re_plain["USUBJID"] == re_other["USUBJID"]).all()
    assert (pd.to_numeric(re_plain["REORRES"]) == pd.to_numeric(re_other["REORRES"])).all()
    counts = ["rows_read", "rows_mapped", "rows_rejected"]
    assert (plain.reconciliation[counts].values == other.reconciliation[counts].values).all()
