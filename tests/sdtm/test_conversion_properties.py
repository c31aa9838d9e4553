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
    folder = tmp_path_factory.mktemp("in")
    (folder / "PROACT_DEMOGRAPHICS.csv").write_text(
        DEMOGRAPHICS + "".join(f"{100 + s},0,60,,Unknown,,,,,,1,,,Male\n" for s in range(n_subjects)))
    for name in ("Q10_Respiratory", "ALSFRS_Total", "ALSFRS_R_Total"):
        frame[name] = ""
    frame.to_csv(folder / "PROACT_ALSFRS.csv", index=False)
    out = tmp_path_factory.mktemp("out")
    result = convert(folder, out, layout="proact", study="S")
    table = result.reconciliation.set_index("form")
    assert table.loc["alsfrs", "rows_read"] == len(frame)
    assert (table["rows_read"] == table["rows_mapped"] + table["rows_rejected"]).all()
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
