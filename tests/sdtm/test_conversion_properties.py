"""Property: for any PRO-ACT-layout ALSFRS file with gaps and junk, rows in = rows mapped + rows rejected,
and every mapped score equals its source cell."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdisc_als.conversion import convert

ITEMS = ["Q1_Speech", "Q2_Salivation", "Q3_Swallowing", "Q4_Handwriting", "Q5a_Cutting_without_Gastrostomy",
         "Q5b_Cutting_with_Gastrostomy", "Q6_Dressing_and_Hygiene", "Q7_Turning_in_Bed", "Q8_Walking",
         "Q9_Climbing_Stairs", "R_1_Dyspnea", "R_2_Orthopnea", "R_3_Respiratory_Insufficiency"]
CODES = ["ALSR01", "ALSR02", "ALSR03", "ALSR04", "ALSR05A", "ALSR05B", "ALSR06", "ALSR07", "ALSR08", "ALSR09",
         "ALSR10", "ALSR11", "ALSR12"]
CELL = st.one_of(st.sampled_from(["", "", "0", "1", "2", "3", "4", "2.5", "0.5"]),
                 st.sampled_from(["5", "-1", "n/a", "x", "4.0", "1e1", " 3 "]))
DEMOGRAPHICS = ("subject_id,Demographics_Delta,Age,Date_of_Birth,Ethnicity,Race_Americ_Indian_Alaska_Native,"
                "Race_Asian,Race_Black_African_American,Race_Hawaiian_Pacific_Islander,Race_Unknown,Race_Caucasian,"
                "Race_Other,Race_Other_Specify,Sex\n")


def convert_and_reconcile(tmp_path_factory, n_subjects: int, form: str, frame: pd.DataFrame):
    """Convert ``frame`` as the PRO-ACT ``form`` file (subjects 100.. in demographics); check rows in =
    rows mapped + rows rejected for every source file; return the output folder and the reconciliation."""
    folder = tmp_path_factory.mktemp("in")
    (folder / "PROACT_DEMOGRAPHICS.csv").write_text(
        DEMOGRAPHICS + "".join(f"{100 + s},0,60,,Unknown,,,,,,1,,,Male\n" for s in range(n_subjects)))
    frame.to_csv(folder / f"PROACT_{form.upper()}.csv", index=False)
    out = tmp_path_factory.mktemp("out")
    table = convert(folder, out, layout="proact", study="S").reconciliation.set_index("form")
    assert table.loc[form, "rows_read"] == len(frame)
    assert (table["rows_read"] == table["rows_mapped"] + table["rows_rejected"]).all()
    return out, table


@st.composite
def alsfrs_files(draw):
    n_subjects = draw(st.integers(1, 4))
    rows = []
    for s in range(n_subjects):
        for visit in range(draw(st.integers(0, 5))):
            cells = {item: draw(CELL) for item in ITEMS}
            subject = draw(st.sampled_from([str(100 + s), str(100 + s), "", "999"]))
            delta = draw(st.sampled_from([str(visit * 30 - 60), "", "abc"]))
            rows.append({"subject_id": subject, **cells, "ALSFRS_Delta": delta})
    return n_subjects, pd.DataFrame(rows, columns=["subject_id", *ITEMS, "ALSFRS_Delta"])


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(alsfrs_files())
def test_rows_reconcile_and_values_survive(tmp_path_factory, data):
    n_subjects, frame = data
    for name in ("Q10_Respiratory", "ALSFRS_Total", "ALSFRS_R_Total"):
        frame[name] = ""
    out, table = convert_and_reconcile(tmp_path_factory, n_subjects, "alsfrs", frame)
    if not (out / "sdtm" / "qs.xpt").exists():
        assert table.loc["alsfrs", "rows_mapped"] == 0
        return
    qs, _ = pyreadstat.read_xport(str(out / "sdtm" / "qs.xpt"))
    if "QSSTRESN" not in qs:
        qs["QSSTRESN"] = np.nan
    collected = qs[qs.get("QSDRVFL", pd.Series("", index=qs.index)) != "Y"]
    # independent expectation from the raw frame: valid subject, delta a number, score a number in 0..4,
    # not both 5a and 5b on the row, not a duplicate row
    raw = frame.drop_duplicates(keep="first").copy()
    raw = raw[raw["subject_id"].isin([str(100 + s) for s in range(n_subjects)])]
    raw = raw[pd.to_numeric(raw["ALSFRS_Delta"], errors="coerce").notna()]
    long = raw.melt(id_vars=["subject_id", "ALSFRS_Delta"], value_vars=ITEMS, var_name="item", value_name="v")
    long["score"] = pd.to_numeric(long["v"].str.strip(), errors="coerce")
    long = long[long["score"].between(0, 4)]
    long["_rowid"] = long.index % len(raw) if len(raw) else 0
    both = long[long["item"].str.startswith("Q5")].groupby(["subject_id", "ALSFRS_Delta", "_rowid"])["item"].transform("size") > 1
    long = long.drop(index=both[both].index)
    assert len(collected) == len(long)
    assert np.allclose(np.sort(collected["QSSTRESN"].values), np.sort(long["score"].values))
    # a row with any revised respiratory item is ALSFRS-R, any other row the original ALSFRS
    revised = raw[["R_1_Dyspnea", "R_2_Orthopnea", "R_3_Respiratory_Insufficiency"]].ne("").any(axis=1)
    expected_scales = {"ALSFRS-R"} if revised.all() else ({"ALSFRS"} if not revised.any() else {"ALSFRS", "ALSFRS-R"})
    assert set(collected["QSCAT"]) <= expected_scales
    assert set(collected["QSTESTCD"]) <= set(CODES) | {c.replace("ALSR", "ALSF") for c in CODES[:10]}


# ---- a second file type: PRO-ACT FVC (three efforts in one row, a unit column, % predicted) ----

FVC_COLUMNS = ["subject_id", "Forced_Vital_Capacity_Delta", "Subject_Liters_Trial_1", "pct_of_Normal_Trial_1",
               "Subject_Liters_Trial_2", "pct_of_Normal_Trial_2", "Subject_Liters_Trial_3", "pct_of_Normal_Trial_3",
               "Forced_Vital_Capacity_Units", "Subject_Normal"]
LITRES = st.sampled_from(["", "3.52", "2.1", "0.95", "3500", "x", "n/a", " 4.0 "])
PERCENT = st.sampled_from(["", "77.9", "70", "101.5", "?", "n/a"])
UNIT_FACTOR = {"Liters": 1.0, "L": 1.0, "mL": 0.001}          # specs/layouts/proact.yaml units


@st.composite
def fvc_files(draw):
    n_subjects = draw(st.integers(1, 3))
    rows = []
    for s in range(n_subjects):
        for visit in range(draw(st.integers(0, 4))):
            rows.append({"subject_id": draw(st.sampled_from([str(100 + s), str(100 + s), "", "999"])),
                         "Forced_Vital_Capacity_Delta": draw(st.sampled_from([str(visit * 30), "", "abc"])),
                         **{f"Subject_Liters_Trial_{t}": draw(LITRES) for t in (1, 2, 3)},
                         **{f"pct_of_Normal_Trial_{t}": draw(PERCENT) for t in (1, 2, 3)},
                         "Forced_Vital_Capacity_Units": draw(st.sampled_from(["Liters", "L", "mL", "", "gallons"])),
                         "Subject_Normal": draw(st.sampled_from(["4.52", ""]))})
    return n_subjects, pd.DataFrame(rows, columns=FVC_COLUMNS)


@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fvc_files())
def test_fvc_rows_reconcile_and_values_survive(tmp_path_factory, data):
    """rows in = mapped + rejected; every RESTRESN = its source cell x the unit's factor (L), % as is."""
    n_subjects, frame = data
    out, _ = convert_and_reconcile(tmp_path_factory, n_subjects, "fvc", frame)
    # independent expectation: a known subject, a numeric day offset, a numeric cell (and a known unit for litres)
    raw = frame.drop_duplicates(keep="first")
    raw = raw[raw["subject_id"].isin([str(100 + s) for s in range(n_subjects)])
              & pd.to_numeric(raw["Forced_Vital_Capacity_Delta"], errors="coerce").notna()]
    expected = []
    for trial in (1, 2, 3):
        litres = pd.to_numeric(raw[f"Subject_Liters_Trial_{trial}"].str.strip(), errors="coerce")
        factor = raw["Forced_Vital_Capacity_Units"].map(UNIT_FACTOR)
        expected += [("FVC", trial, v) for v in (litres * factor).dropna()]
        percent = pd.to_numeric(raw[f"pct_of_Normal_Trial_{trial}"].str.strip(), errors="coerce")
        expected += [("FVCPP", trial, v) for v in percent.dropna()]
    re_ = pyreadstat.read_xport(str(out / "sdtm" / "re.xpt"))[0] if (out / "sdtm" / "re.xpt").exists() else None
    if re_ is None or not len(re_):                  # no file, or a dataset of no records
        assert not expected
        return
    got = sorted(zip(re_["RETESTCD"], re_["REREPNUM"].astype(int), re_["RESTRESN"].round(9)))
    assert got == sorted((c, t, round(v, 9)) for c, t, v in expected)
