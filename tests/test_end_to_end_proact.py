"""PRO-ACT extract -> SDTM -> ADaM, with ADSLOPE and ADRESP recomputed straight from the raw CSVs (numpy, 1e-9).

The expected slopes follow the documented rules, computed here without any cdisc_als code:
time = (ALSFRS_Delta - Treatment_Group_Delta) / 30.4375 months; PRE-TREATMENT = assessments up to and including the
last one on or before the treatment day (the baseline); POST-TREATMENT = from the baseline through treatment day + 183;
ALSFRS-R total = the collected ALSFRS_R_Total, else the sum of the 12 items when all are valid; FVC = the largest of
the three trials of a row; responder when the pre slope is negative and (post - pre) / |pre| >= 0.25.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cdisc_als.adam.build import derive
from cdisc_als.conversion import convert
from cdisc_als.xport import read_xpt

RAW = Path(__file__).resolve().parents[1] / "fixtures" / "proact"
ITEMS = ["Q1_Speech", "Q2_Salivation", "Q3_Swallowing", "Q4_Handwriting", "Q6_Dressing_and_Hygiene",
         "Q7_Turning_in_Bed", "Q8_Walking", "Q9_Climbing_Stairs", "R_1_Dyspnea", "R_2_Orthopnea",
         "R_3_Respiratory_Insufficiency"]
MONTH, WINDOW, THRESHOLD = 30.4375, 183, 0.25


@pytest.fixture(scope="module")
def adam(tmp_path_factory):
    out = tmp_path_factory.mktemp("proact")
    convert(RAW, out, layout="proact", study="S")
    report = derive(out / "sdtm", out / "adam")
    return {name: read_xpt(path).frame for name, path in report.datasets.items()}


def raw_points() -> dict[str, pd.DataFrame]:
    demo = pd.read_csv(RAW / "PROACT_DEMOGRAPHICS.csv")
    trt = pd.read_csv(RAW / "PROACT_TREATMENT.csv").set_index("subject_id")["Treatment_Group_Delta"]
    qs = pd.read_csv(RAW / "PROACT_ALSFRS.csv").drop_duplicates()
    qs = qs[qs["subject_id"].isin(demo["subject_id"]) & qs[["R_1_Dyspnea", "R_2_Orthopnea",
                                                             "R_3_Respiratory_Insufficiency"]].notna().any(axis=1)]
    items = qs[ITEMS].apply(pd.to_numeric, errors="coerce")
    five = qs[["Q5a_Cutting_without_Gastrostomy", "Q5b_Cutting_with_Gastrostomy"]].apply(pd.to_numeric, errors="coerce")
    valid = items.apply(lambda c: c.between(0, 4)).all(axis=1) & (five.notna().sum(axis=1) == 1) & \
        five.apply(lambda c: c.between(0, 4) | c.isna()).all(axis=1)
    summed = items.sum(axis=1) + five.sum(axis=1)
    total = pd.to_numeric(qs["ALSFRS_R_Total"], errors="coerce").where(qs["ALSFRS_R_Total"].notna(),
                                                                        summed.where(valid))
    alsfrs = pd.DataFrame({"subject": qs["subject_id"], "delta": qs["ALSFRS_Delta"], "y": total}).dropna()
    fvc = pd.read_csv(RAW / "PROACT_FVC.csv")
    fvc = fvc[fvc["subject_id"].isin(demo["subject_id"])]
    best = {
        "FVCSLP": fvc[[f"Subject_Liters_Trial_{i}" for i in (1, 2, 3)]].max(axis=1),
        "FVCPPSLP": fvc[[f"pct_of_Normal_Trial_{i}" for i in (1, 2, 3)]].max(axis=1),
    }
    points = {"ALSRSLP": alsfrs}
    for code, values in best.items():
        points[code] = pd.DataFrame({"subject": fvc["subject_id"], "delta": fvc["Forced_Vital_Capacity_Delta"],
                                     "y": values}).dropna()
    for frame in points.values():
        frame["days"] = frame["delta"] - frame["subject"].map(trt)
    return points


def expected_slopes() -> pd.DataFrame:
    rows = []
    for code, pts in raw_points().items():
        for subject, g in pts.groupby("subject"):
            g = g.sort_values("days")
            base_day = g.loc[g["days"] <= 0, "days"].max()
            phases = {"PRE-TREATMENT": g[g["days"] <= base_day],
                      "POST-TREATMENT": g[(g["days"] >= base_day) & (g["days"] <= WINDOW)]}
            for phase, part in phases.items():
                t = part["days"].to_numpy() / MONTH
                slope = np.polyfit(t, part["y"].to_numpy(), 1)[0] if len(np.unique(t)) >= 2 else np.nan
                rows.append({"subject": str(subject), "PARAMCD": code, "APHASE": phase, "expected": slope})
    return pd.DataFrame(rows)


def test_adslope_equals_numpy_from_the_raw_files(adam):
    got = adam["ADSLOPE"]
    got = got.assign(subject=got["USUBJID"].str.replace("S-", "", regex=False))
    merged = expected_slopes().merge(got, on=["subject", "PARAMCD", "APHASE"], how="left")
    assert merged["AVAL"].notna().sum() == merged["expected"].notna().sum() > 0
    both = merged.dropna(subset=["expected"])
    assert np.allclose(both["AVAL"], both["expected"], rtol=0, atol=1e-9)


def test_adresp_follows_the_responder_rule(adam):
    exp = expected_slopes().pivot_table(index=["subject", "PARAMCD"], columns="APHASE", values="expected")
    improvement = (exp["POST-TREATMENT"] - exp["PRE-TREATMENT"]) / exp["PRE-TREATMENT"].abs()
    evaluable = (exp["PRE-TREATMENT"] < 0) & exp["POST-TREATMENT"].notna()
    flag = pd.Series(np.where(improvement >= THRESHOLD, "Y", "N"), index=exp.index).where(evaluable, "")
    resp = adam["ADRESP"].assign(subject=adam["ADRESP"]["USUBJID"].str.replace("S-", "", regex=False))
    code = {"ALSRRESP": "ALSRSLP", "FVCRESP": "FVCPPSLP"}
    for row in resp[resp["PARAMCD"].isin(code)].itertuples():
        assert row.AVALC == flag[(row.subject, code[row.PARAMCD])], (row.subject, row.PARAMCD)
    anyresp = resp[resp["PARAMCD"] == "ANYRESP"].set_index("subject")["AVALC"]
    per_measure = flag.unstack("PARAMCD")[["ALSRSLP", "FVCPPSLP"]]
    expected_any = np.where((per_measure == "Y").any(axis=1), "Y",
                            np.where((per_measure != "").any(axis=1), "N", ""))
    assert (anyresp.reindex(per_measure.index).fillna("").values == expected_any).all()
