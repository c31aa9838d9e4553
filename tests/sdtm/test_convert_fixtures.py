"""End to end on the bundled fixture trial, checked against the raw CSVs read independently with pandas."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from cdisc_als.conversion import convert

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
STUDY = "MSCNTF01"
EDC_ITEMS = {"Q1_SPEECH": "ALSR01", "Q2_SALIVATION": "ALSR02", "Q3_SWALLOWING": "ALSR03",
             "Q4_HANDWRITING": "ALSR04", "Q5A_CUTTING": "ALSR05A", "Q5B_CUTTING_GASTROSTOMY": "ALSR05B",
             "Q6_DRESSING": "ALSR06", "Q7_TURNING": "ALSR07", "Q8_WALKING": "ALSR08", "Q9_STAIRS": "ALSR09",
             "R1_DYSPNEA": "ALSR10", "R2_ORTHOPNEA": "ALSR11", "R3_RESPIRATORY_INSUFFICIENCY": "ALSR12",
             "TOTAL_SCORE": "ALSRTOT"}


@pytest.fixture(scope="module")
def edc(tmp_path_factory):
    out = tmp_path_factory.mktemp("edc")
    return convert(FIXTURES / "edc", out, layout="site-edc", study=STUDY)


@pytest.fixture(scope="module")
def proact(tmp_path_factory):
    out = tmp_path_factory.mktemp("proact")
    return convert(FIXTURES / "proact", out, layout="proact", study=STUDY)


def read(out: Path, name: str) -> pd.DataFrame:
    frame, _ = pyreadstat.read_xport(str(out / "sdtm" / f"{name}.xpt"))
    return frame


@pytest.mark.parametrize("which", ["edc", "proact"])
def test_every_raw_row_is_mapped_or_rejected(which, request):
    result = request.getfixturevalue(which)
    table = pd.read_csv(result.out_dir / "reconciliation.csv")
    assert (table["rows_read"] == table["rows_mapped"] + table["rows_rejected"]).all()
    raw_counts = {p.name: len(pd.read_csv(p, dtype=str)) for p in (FIXTURES / which).glob("*.csv")}
    assert (table["rows_read"] == table["file"].map(raw_counts)).all()
    rejects = pd.read_csv(result.out_dir / "rejects.csv", dtype=str)
    row_level = rejects[rejects["level"] == "row"].groupby("form")["row"].nunique()
    assert (table.set_index("form")["rows_rejected"] == row_level.reindex(table["form"]).fillna(0).values).all()
    assert rejects["reason"].notna().all()


def test_edc_qs_values_equal_the_raw_cells(edc):
    raw = pd.read_csv(FIXTURES / "edc" / "alsfrs.csv", dtype=str).drop_duplicates()
    long = raw.melt(id_vars=["SUBJECT", "VISIT", "VISIT_DATE"], value_vars=list(EDC_ITEMS),
                    var_name="col", value_name="QSORRES").dropna(subset=["QSORRES"])
    long["QSTESTCD"] = long["col"].map(EDC_ITEMS)
    long["USUBJID"] = STUDY + "-" + long["SUBJECT"]
    long["QSDTC"] = pd.to_datetime(long["VISIT_DATE"], format="%d-%b-%Y").dt.strftime("%Y-%m-%d")
    qs = read(edc.out_dir, "qs")
    collected = qs[qs["QSDRVFL"] != "Y"]
    merged = collected.merge(long, on=["USUBJID", "QSDTC", "QSTESTCD"], how="left", suffixes=("", "_raw"))
    assert merged["QSORRES_raw"].notna().all(), "every QS record comes from a raw cell"
    assert (merged["QSORRES"] == merged["QSORRES_raw"]).all()
    assert np.allclose(merged["QSSTRESN"], merged["QSORRES_raw"].astype(float))
    # every non-empty raw cell is a record, a rejected cell, or a cell of a rejected row
    every = pd.read_csv(FIXTURES / "edc" / "alsfrs.csv", dtype=str)
    cells_per_row = every[list(EDC_ITEMS)].notna().sum(axis=1)
    rejects = edc.rejects[edc.rejects["form"] == "alsfrs"]
    rejected_rows = rejects.loc[rejects["level"] == "row", "row"].astype(int).unique()
    cell_rejects = (rejects["level"] == "cell").sum()
    assert cells_per_row.sum() == len(collected) + cell_rejects + cells_per_row.iloc[rejected_rows - 1].sum()


def test_derived_totals_are_flagged_and_equal_the_item_sums(edc):
    qs = read(edc.out_dir, "qs")
    derived = qs[qs["QSDRVFL"] == "Y"]
    assert len(derived) > 0 and (derived["QSORRES"] == "").all()
    items = qs[(qs["QSTESTCD"] != "ALSRTOT") & (qs["QSCAT"] == "ALSFRS-R")]
    sums = items.groupby(["USUBJID", "QSDTC"])["QSSTRESN"].sum()
    for row in derived.itertuples():
        assert row.QSSTRESN == sums[(row.USUBJID, row.QSDTC)]


def test_edc_re_standard_units(edc):
    raw = pd.read_csv(FIXTURES / "edc" / "spirometry.csv", dtype=str)
    re_ = read(edc.out_dir, "re")
    fvc = re_[re_["RETESTCD"] == "FVC"].copy()
    raw["USUBJID"] = STUDY + "-" + raw["SUBJECT"]
    raw["REDTC"] = pd.to_datetime(raw["VISIT_DATE"], format="%d-%b-%Y").dt.strftime("%Y-%m-%d")
    raw["REREPNUM"] = raw["EFFORT"].astype(float)
    merged = fvc.merge(raw, on=["USUBJID", "REDTC", "REREPNUM"])
    assert len(merged) == len(fvc)
    factor = np.where(merged["FVC_UNIT"] == "mL", 0.001, 1.0)
    assert np.allclose(merged["RESTRESN"], merged["FVC_VALUE"].astype(float) * factor)
    assert (merged["REORRESU"] == merged["FVC_UNIT"]).all() and (merged["RESTRESU"] == "L").all()
    assert (re_.loc[re_["RETESTCD"] == "FVCPP", "RESTRESU"] == "%").all()
    assert set(re_["RETEST"]) == {"Forced Vital Capacity", "Percent Predicted Forced Vital Capacity"}


def test_dm_one_record_per_subject_with_treatment_dates(edc):
    dm = read(edc.out_dir, "dm")
    ex = read(edc.out_dir, "ex")
    assert dm["USUBJID"].is_unique and len(dm) == 26
    first = ex.groupby("USUBJID")["EXSTDTC"].min()
    assert (dm.set_index("USUBJID")["RFXSTDTC"] == first.reindex(dm["USUBJID"]).values).all()
    assert set(dm["ARMCD"]) == {"IM", "IT", "ITIM"}
    assert (dm.groupby("ARMCD").size().to_dict()) == {"IM": 6, "IT": 6, "ITIM": 14}
    assert set(ex.loc[ex["USUBJID"].isin(dm.loc[dm["ARMCD"] == "ITIM", "USUBJID"]), "EXROUTE"]) == \
        {"INTRAMUSCULAR", "INTRATHECAL"}


def test_study_days_have_no_day_zero_and_match_dates(edc):
    qs, dm = read(edc.out_dir, "qs"), read(edc.out_dir, "dm")
    ref = pd.to_datetime(qs["USUBJID"].map(dm.set_index("USUBJID")["RFSTDTC"]))
    days = (pd.to_datetime(qs["QSDTC"]) - ref).dt.days
    expected = np.where(days >= 0, days + 1, days)
    assert (qs["QSDY"] != 0).all() and np.array_equal(qs["QSDY"].values, expected)


def test_proact_keeps_half_points_and_separates_the_scales(proact):
    qs = read(proact.out_dir, "qs")
    assert (qs["QSSTRESN"] % 1 == 0.5).any()
    half = qs[qs["QSSTRESN"] % 1 == 0.5]
    assert (half["QSORRES"].astype(float) == half["QSSTRESN"]).all()
    original = qs[qs["QSCAT"] == "ALSFRS"]
    assert len(original) and original["QSTESTCD"].str.startswith("ALSF").all()
    assert qs.loc[qs["QSCAT"] == "ALSFRS-R", "QSTESTCD"].str.startswith("ALSR").all()
    # no calendar dates were invented: the time axis is study days only
    assert (qs["QSDTC"] == "").all() and qs["QSDY"].notna().all() and (qs["QSDY"] != 0).all()


def test_proact_anchor_date_gives_dates_consistent_with_days(tmp_path):
    result = convert(FIXTURES / "proact", tmp_path, layout="proact", study=STUDY, anchor_date="2011-06-01")
    qs = read(tmp_path, "qs")
    offset = (pd.to_datetime(qs["QSDTC"]) - pd.Timestamp("2011-06-01")).dt.days
    assert np.array_equal(qs["QSDY"].values, np.where(offset >= 0, offset + 1, offset))
    assert result.reconciliation["rows_read"].sum() > 0


def test_rerun_is_byte_identical(tmp_path):
    digests = []
    for run in ("a", "b"):
        convert(FIXTURES / "edc", tmp_path / run, layout="site-edc", study=STUDY)
        files = sorted((tmp_path / run).rglob("*"))
        digests.append({f.relative_to(tmp_path / run): hashlib.sha256(f.read_bytes()).hexdigest()
                        for f in files if f.is_file()})
    assert digests[0] == digests[1]
