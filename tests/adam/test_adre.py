"""ADRE: every effort traced to RE, the best effort of each visit flagged and analysed."""
from __future__ import annotations

import numpy as np

from cdisc_als.adam.build import derive_adam
from tests.adam.checks import assert_bds_invariants, assert_traces_to_sdtm
from tests.adam.factory import make_sdtm


def test_best_effort_flag_baseline_and_trace():
    rng = np.random.default_rng(3)
    re_rows = []
    for visit, day in enumerate([-60, -30, 1, 40, 100, 170], start=1):
        for effort in (1, 2, 3):
            fvc = round(float(rng.uniform(1.5, 4.0)), 2)
            re_rows += [(day, visit, "FVC", fvc, effort), (day, visit, "FVCPP", round(fvc * 25, 1), effort)]
    re_rows.append((100, 5, "FVC", float("nan"), 4))
    sdtm = make_sdtm([{"usubjid": "S-1", "armcd": "IT", "arm": "IT", "trt_day": 1, "re": re_rows},
                      {"usubjid": "S-2", "armcd": "IM", "arm": "IM", "trt_day": None, "re": re_rows[:12]}])
    adre = derive_adam(sdtm)["ADRE"]
    re = sdtm["RE"].dropna(subset=["RESTRESN"])
    assert len(adre) == len(re)
    assert_traces_to_sdtm(adre, sdtm["RE"], domain="RE")
    best = re.groupby(["USUBJID", "RETESTCD", "VISITNUM"])["RESTRESN"].max()
    flagged = adre[adre["ANL01FL"] == "Y"].set_index(["USUBJID", "PARAMCD", "AVISITN"])["AVAL"]
    assert len(flagged) == len(best)
    np.testing.assert_array_equal(flagged.sort_index().to_numpy(), best.sort_index().to_numpy())
    assert_bds_invariants(adre, analysed=adre["ANL01FL"] == "Y")
    assert adre.loc[adre["USUBJID"] == "S-2", "ABLFL"].isna().all()   # untreated: no baseline
