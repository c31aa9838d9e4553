"""End to end on the synthetic MSC-NTF fixture trial: convert (site EDC) -> derive, checked against SDTM."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

from cdisc_als.adam.build import derive
from tests.adam.checks import assert_bds_invariants, assert_traces_to_sdtm
from tests.adam.test_slopes_responders import expected_slope

EDC = Path(__file__).resolve().parents[2] / "fixtures" / "edc"


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    from cdisc_als.conversion import convert
    from cdisc_als.xport import read_xpt

    out = tmp_path_factory.mktemp("trial")
    convert(EDC, out, layout="site-edc", study="MSCNTF01")
    report = derive(out / "sdtm", out / "adam")
    read = lambda p: read_xpt(p).frame  # noqa: E731
    sdtm = {n: read(out / "sdtm" / f"{n.lower()}.xpt") for n in ("QS", "RE", "EX")}
    adam = {n: read(p) for n, p in report.datasets.items()}
    return sdtm, adam, out


def test_fixture_trial_traces_and_invariants(package):
    sdtm, adam, out = package
    assert len(adam["ADSL"]) == 26 and set(adam["ADSL"]["SAFFL"]) <= {"Y", "N"}
    for name, domain in (("ADQSALS", "QS"), ("ADRE", "RE")):
        frame = adam[name].replace({"ABLFL": {"": None}, "ANL01FL": {"": None}})
        analysed = frame["ANL01FL"] == "Y" if "ANL01FL" in frame else None
        assert_bds_invariants(frame, analysed=analysed)
        assert_traces_to_sdtm(frame, sdtm[domain], domain=domain)
    assert (out / "tables" / "slopes.md").is_file()


def test_fixture_trial_alsfrs_slopes_match_polyfit(package):
    sdtm, adam, _ = package
    qs, adsl, slopes = sdtm["QS"], adam["ADSL"], adam["ADSLOPE"].set_index(["USUBJID", "PARAMCD", "APHASE"])
    totals = adam["ADQSALS"][adam["ADQSALS"]["PARAMCD"] == "ALSRTOT"]
    for uid, trtsdt in zip(adsl["USUBJID"], adsl["TRTSDT"]):
        rows = totals[totals["USUBJID"] == uid]
        # slope machinery vs numpy.polyfit on the analysed totals (totals themselves are checked in test_adqsals)
        days = (rows["ADT"] - trtsdt).to_numpy()
        for phase in ("PRE-TREATMENT", "POST-TREATMENT"):
            exp = expected_slope(days, rows["AVAL"].to_numpy(float), phase)
            got = slopes.at[(uid, "ALSRSLP", phase), "AVAL"]
            assert (math.isnan(exp) and math.isnan(got)) or math.isclose(got, exp, rel_tol=1e-9, abs_tol=1e-9)
    assert len(qs) and len(totals)
