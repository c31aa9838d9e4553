"""Smoke version of benchmarks/pool.py: a generated 200-subject PRO-ACT pool through the whole pipeline."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from cdisc_als.pipeline import run
from cdisc_als.xport import read_xpt

POOL_SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "pool.py"


@pytest.fixture(scope="module")
def pool():
    spec = importlib.util.spec_from_file_location("bench_pool", POOL_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pool_of_200_runs_end_to_end(pool, tmp_path):
    source = tmp_path / "pool"
    rows = pool.write_pool(source, 200, seed=11)
    report = run(source, tmp_path / "out", layout="proact", study="POOL")
    recon = report.summary["reconciliation"].set_index("file")
    assert set(recon.index) == set(rows)
    for name, count in rows.items():
        assert recon.at[name, "rows_read"] == count
        assert recon.at[name, "rows_read"] == recon.at[name, "rows_mapped"] + recon.at[name, "rows_rejected"]
    adslope = read_xpt(tmp_path / "out" / "adam" / "adslope.xpt").frame
    assert adslope["USUBJID"].nunique() == 200
    assert {"ALSRSLP", "FVCPPSLP"} <= set(adslope["PARAMCD"])
    stages = {s["stage"]: s for s in report.stages}
    assert set(stages) == {"convert", "define sdtm", "validate sdtm", "derive", "define adam", "validate adam"}
    assert [s["started"] for s in report.stages] == sorted(s["started"] for s in report.stages)
    # SDTM is checked in a forked process while the main one derives; ADaM by the main process, within
    # derive, once its files are written (a forked process draws the plots meanwhile)
    assert {s["process"] for s in report.stages} == {"main", "checking sdtm"}
    assert stages["define sdtm"]["started"] >= stages["convert"]["started"] + stages["convert"]["seconds"]
    assert stages["validate sdtm"]["started"] < stages["derive"]["started"] + stages["derive"]["seconds"]
    derive_end = stages["derive"]["started"] + stages["derive"]["seconds"]
    assert stages["derive"]["started"] < stages["define adam"]["started"]
    assert stages["validate adam"]["started"] + stages["validate adam"]["seconds"] <= derive_end


def test_generation_is_seeded_and_shaped(pool):
    first, again = pool.generate_pool(30, seed=3), pool.generate_pool(30, seed=3)
    assert all(first[name].equals(again[name]) for name in first)
    alsfrs = first["PROACT_ALSFRS.csv"]
    assert len(alsfrs) == 30 * pool.VISITS and alsfrs["subject_id"].nunique() == 30
    assert len(first["PROACT_FVC.csv"]) == 30 * pool.VISITS
    # exactly one of 5a/5b per row, and the total is the sum of the 12 items
    q5 = (alsfrs["Q5a_Cutting_without_Gastrostomy"] != "") ^ (alsfrs["Q5b_Cutting_with_Gastrostomy"] != "")
    assert q5.all()
    items = [c for c in pool.ITEMS if c != "Q5_Cutting"]
    total = alsfrs[items].astype(int).sum(axis=1) + alsfrs["Q5a_Cutting_without_Gastrostomy"].replace("", "0").astype(int) \
        + alsfrs["Q5b_Cutting_with_Gastrostomy"].replace("", "0").astype(int)
    assert (total == alsfrs["ALSFRS_R_Total"].astype(int)).all()
