"""Nothing lost, nothing invented, from SDTM to ADaM, on the fixture trial run end to end (both layouts).

Every ADQSALS/ADRE record traces to SDTM (SRCDOM/SRCSEQ -> QSSEQ/RESEQ, same test and value); every
derived total or subscore equals the sum of its item records in QS, recomputed here from SDTM and the
instrument table; every ALSFRS(-R) QS record and every FVC RE record is used by ADaM or listed in
tables/excluded.csv with a reason, and the exclusions are exactly the ones the documented rule names.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdisc_als.metadata.spec import load_instrument
from cdisc_als.metadata.study import load_study_spec
from cdisc_als.xport import read_xpt
from tests.adam.checks import assert_traces_to_sdtm

LAYOUTS = ["site-edc", "proact"]


def _read(out, kind, name):
    return read_xpt(out / kind / f"{name}.xpt").frame


def _keys(frame, seq):
    return set(zip(frame["USUBJID"], frame[seq].astype(float)))


@pytest.fixture(scope="module", params=LAYOUTS)
def package(request, runs):
    out = runs(request.param, "a")
    excluded = pd.read_csv(out / "tables/excluded.csv", dtype={"USUBJID": str}, keep_default_na=False)
    return {"QS": _read(out, "sdtm", "qs"), "RE": _read(out, "sdtm", "re"),
            "ADQSALS": _read(out, "adam", "adqsals"), "ADRE": _read(out, "adam", "adre"),
            "excluded": excluded, "table": pd.read_csv(out / "tables/reconciliation_adam.csv"), "out": out}


def test_every_bds_record_with_a_source_points_at_its_sdtm_record(package):
    assert_traces_to_sdtm(package["ADQSALS"], package["QS"], domain="QS")
    assert_traces_to_sdtm(package["ADRE"], package["RE"], domain="RE")
    assert package["ADRE"]["SRCSEQ"].notna().all()            # FVC has no derived parameter


def test_derived_totals_and_subscores_are_sums_of_their_qs_items(package):
    """Each derived record (no SRCSEQ) = the sum, taken from SDTM QS, of one complete item set of the same
    assessment (subject, visit, date, day): the items are found through their own SRCSEQ."""
    instrument = load_instrument("alsfrs")
    items = instrument[(instrument["scale"] == "ALSFRS-R") & (instrument["item"] != "TOTAL")]
    items = items.assign(item=items["item"].str.rstrip("ab"))      # 5a and 5b are alternatives for item 5
    total = instrument.loc[(instrument["scale"] == "ALSFRS-R") & (instrument["item"] == "TOTAL"), "testcd"].iat[0]
    subs = load_study_spec("adam").dataset_parameters("ADQSALS")
    members = pd.concat([items[["testcd", "item"]].assign(TARGET=total),
                         items.merge(subs, on="subscore")[["testcd", "item", "paramcd"]]
                         .rename(columns={"paramcd": "TARGET"})])
    adqsals, qs = package["ADQSALS"], package["QS"]
    assessment = ["USUBJID", "AVISITN", "ADT", "ADY"]
    collected = adqsals[adqsals["SRCSEQ"].notna() & adqsals["PARAMCD"].isin(items["testcd"])]
    source = qs.set_index(["USUBJID", "QSSEQ"])["QSSTRESN"]
    collected = collected.assign(SDTM_VALUE=source.reindex(pd.MultiIndex.from_frame(
        collected[["USUBJID", "SRCSEQ"]])).to_numpy())
    feed = collected.merge(members, left_on="PARAMCD", right_on="testcd")
    sums = feed.groupby([*assessment, "TARGET"], dropna=False).agg(
        expected=("SDTM_VALUE", "sum"), n=("SDTM_VALUE", "size"), slots=("item", "nunique")).reset_index()
    derived = adqsals[adqsals["SRCSEQ"].isna()]
    assert len(derived) and set(derived["PARAMCD"]) <= set(members["TARGET"])
    joined = derived.merge(sums, left_on=[*assessment, "PARAMCD"], right_on=[*assessment, "TARGET"],
                           how="left", validate="one_to_one")
    assert joined["expected"].notna().all(), "a derived record without QS items behind it"
    assert (joined["n"] == joined["slots"]).all(), "an item slot counted twice (5a and 5b both scored)"
    need = joined["PARAMCD"].map(members.groupby("TARGET")["item"].nunique())
    assert (joined["slots"] == need).all(), "a derived record from an incomplete item set"
    np.testing.assert_allclose(joined["AVAL"], joined["expected"], rtol=0, atol=1e-9)


def _expected_exclusions(qs: pd.DataFrame) -> set:
    """The documented rule (adam/adqsals.py): original-ALSFRS rows, rows without a number, derived totals."""
    instrument = load_instrument("alsfrs")
    revised = instrument["scale"] == "ALSFRS-R"
    total = instrument.loc[revised & (instrument["item"] == "TOTAL"), "testcd"].iat[0]
    code = qs["QSTESTCD"]
    drop = code.isin(instrument.loc[~revised, "testcd"]) | \
        (code.isin(instrument.loc[revised, "testcd"]) & qs["QSSTRESN"].isna()) | \
        ((code == total) & (qs.get("QSDRVFL", pd.Series("", index=qs.index)) == "Y") & qs["QSSTRESN"].notna())
    return _keys(qs[drop], "QSSEQ")


@pytest.mark.parametrize("domain, dataset, codes", [("QS", "ADQSALS", None), ("RE", "ADRE", ["FVC", "FVCPP"])])
def test_every_sdtm_record_is_used_or_excluded_with_a_reason(package, domain, dataset, codes):
    sdtm = package[domain]
    if codes is None:
        codes = list(load_instrument("alsfrs")["testcd"])
    scope = _keys(sdtm[sdtm[f"{domain}TESTCD"].isin(codes)], f"{domain}SEQ")
    bds = package[dataset]
    used = _keys(bds[bds["SRCDOM"] == domain], "SRCSEQ")
    gone = package["excluded"][package["excluded"]["domain"] == domain]
    excluded = _keys(gone, "seq")
    assert (gone["reason"].str.strip() != "").all()
    assert not used & excluded, "a record both used and excluded"
    assert used | excluded == scope, f"lost: {sorted(scope - used - excluded)[:5]}; invented: " \
                                     f"{sorted((used | excluded) - scope)[:5]}"
    if domain == "QS":
        assert excluded == _expected_exclusions(sdtm)
    table = package["table"][package["table"]["domain"] == domain]
    assert table["unaccounted"].sum() == 0 and table["both"].sum() == 0
    assert (table["used"].sum(), table["excluded"].sum(), table["sdtm_records"].sum()) == \
        (len(used), len(excluded), len(scope))


def test_the_row_level_defect_became_a_reject_not_a_failure(runs):
    rejects = pd.read_csv(runs("site-edc", "a") / "rejects.csv", dtype=str, keep_default_na=False)
    from tests.pipeline.conftest import IMPOSSIBLE_ROW
    hit = rejects[(rejects["file"] == "alsfrs.csv") & (rejects["row"] == str(IMPOSSIBLE_ROW))]
    assert list(hit["reason"]) == ["BAD_DATE"] and list(hit["value"]) == ["30-FEB-2014"]
