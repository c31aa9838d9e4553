"""ADQSALS: totals and subscores only from complete item sets; baseline and change; traceability to QS."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from cdisc_als.adam.build import derive_adam_with_exclusions
from tests.adam.checks import assert_bds_invariants, assert_traces_to_sdtm
from tests.adam.factory import ITEMS12, item_rows, make_sdtm

NAN = float("nan")
WITH_5B = [cd if cd != "ALSR05A" else "ALSR05B" for cd in ITEMS12]


def build(qs_rows, trt_day=50, dates=True):
    sdtm = make_sdtm([{"usubjid": "S-1", "armcd": "IT", "arm": "IT", "trt_day": trt_day, "qs": qs_rows}], dates=dates)
    data, excluded = derive_adam_with_exclusions(sdtm)
    return sdtm, data["ADQSALS"], excluded


def totals(adqsals, paramcd="ALSRTOT"):
    return adqsals[adqsals["PARAMCD"] == paramcd].set_index("AVISITN")["AVAL"]


def test_total_and_subscores_only_from_complete_item_sets():
    scores = [4, 3, 2.5, 4, 1, 3, 2, 2, 1, 4, 4, 3]
    rows = (item_rows(1, 1, scores)                                     # complete, 5a
            + item_rows(20, 2, scores, WITH_5B)                         # complete, 5b
            + item_rows(40, 3, scores[:11] + [NAN])                     # R3 missing -> no total
            + item_rows(60, 4, scores) + [(60, 4, "ALSR05B", 2.0)])     # 5a and 5b -> fine motor incomplete
    sdtm, ad, excluded = build(rows)
    tot = totals(ad)
    assert sorted(tot.index) == [1.0, 2.0]
    assert tot[1.0] == tot[2.0] == float(np.sum(scores))
    bulbar = totals(ad, "ALSRBULB")
    assert sorted(bulbar.index) == [1.0, 2.0, 3.0, 4.0] and bulbar[1.0] == sum(scores[:3])
    assert sorted(totals(ad, "ALSRFMOT").index) == [1.0, 2.0, 3.0]
    assert sorted(totals(ad, "ALSRRSPR").index) == [1.0, 2.0, 4.0]
    assert (excluded["reason"] == "no numeric result").sum() == 1
    derived = ad[ad["PARAMCD"].isin(["ALSRTOT", "ALSRBULB"])]
    assert derived["SRCSEQ"].isna().all() and derived["SRCDOM"].isna().all()


def test_collected_total_wins_and_converter_total_is_recomputed():
    scores = [4] * 12
    rows = (item_rows(1, 1, scores) + [(1, 1, "ALSRTOT", 47.0)]          # collected total kept as is
            + item_rows(30, 2, scores) + [(30, 2, "ALSRTOT", 40.0, "Y")]  # converter total replaced by the sum
            + [(70, 3, "ALSRTOT", 41.0)])
    sdtm, ad, excluded = build(rows)
    tot = totals(ad)
    assert tot.to_dict() == {1.0: 47.0, 2.0: 48.0, 3.0: 41.0}
    assert list(excluded["reason"]) == ["converter-derived total: recomputed from items"]


def test_original_alsfrs_rows_are_excluded_and_reported():
    rows = item_rows(1, 1, [4] * 12) + [(1, 1, "ALSF10", 3.0), (1, 1, "ALSFTOT", 39.0)]
    sdtm, ad, excluded = build(rows)
    assert not ad["PARAMCD"].str.startswith("ALSF").any()
    assert list(excluded["testcd"]) == ["ALSF10", "ALSFTOT"]


def test_baseline_change_and_trace_on_every_record():
    rng = np.random.default_rng(7)
    rows = []
    for visit, day in enumerate([-20, 1, 30, 50, 51, 90, 200], start=1):
        rows += item_rows(day, visit, list(rng.integers(0, 5, 12).astype(float)))
    sdtm, ad, _ = build(rows, trt_day=50)
    assert_bds_invariants(ad)
    assert_traces_to_sdtm(ad, sdtm["QS"], domain="QS")
    base = ad[ad["ABLFL"] == "Y"]
    assert set(base["AVISITN"]) == {4.0}      # day 50 = treatment day = ADY 1: on or before TRTSDT


def test_same_result_with_study_days_only():
    rows = []
    for visit, day in enumerate([-20, 1, 30, 50, 90, 200], start=1):
        rows += item_rows(day, visit, [visit % 5] * 12)
    with_dates = build(rows, dates=True)[1]
    without = build(rows, dates=False)[1]
    assert without["ADT"].isna().all()
    cols = ["PARAMCD", "AVAL", "ADY", "ABLFL", "BASE", "CHG"]
    pd.testing.assert_frame_equal(with_dates[cols], without[cols])


def reference_param_sum(dataset, by_vars, components):
    """The rule written the plain pandas way (join, group-by, filter), to check the vectorised one against."""
    feed = dataset[[*by_vars, "PARAMCD", "AVAL"]].merge(components, on="PARAMCD")
    grouped = feed.groupby([*by_vars, "TARGET"], dropna=False).agg(
        n=("AVAL", "size"), slots=("SLOT", "nunique"), AVAL=("AVAL", "sum")).reset_index()
    need = grouped["TARGET"].map(components.groupby("TARGET")["SLOT"].nunique())
    done = grouped[(grouped["n"] == grouped["slots"]) & (grouped["slots"] == need)]
    return done.drop(columns=["n", "slots"]).rename(columns={"TARGET": "PARAMCD"}).reset_index(drop=True)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_param_sum_matches_a_plain_group_by(data):
    from cdisc_als.adam.adqsals import derive_param_sum

    components = pd.DataFrame({"PARAMCD": ["I1", "I2", "I3a", "I3b", "I1", "I2"],
                               "SLOT": ["1", "2", "3", "3", "1", "2"],
                               "TARGET": ["TOT", "TOT", "TOT", "TOT", "SUB", "SUB"]})
    n = data.draw(st.integers(0, 60))
    pick = lambda values: data.draw(st.lists(st.sampled_from(values), min_size=n, max_size=n))  # noqa: E731
    dataset = pd.DataFrame({
        "USUBJID": pd.Series(pick(["S-2", "S-1", "S-10"]), dtype=object),
        "AVISIT": pd.Series(pick(["Week 4", "Baseline", None]), dtype=object),
        "AVISITN": pd.Series(pick([1.0, 2.0, NAN]), dtype="float64"),
        "PARAMCD": pd.Series(pick(["I1", "I2", "I3a", "I3b", "OTHER"]), dtype=object),
        "AVAL": pd.Series(pick([0.0, 1.0, 2.0, 4.0]), dtype="float64")})
    by_vars = ["USUBJID", "AVISITN", "AVISIT"]
    got = derive_param_sum(dataset, by_vars=by_vars, components=components)
    want = reference_param_sum(dataset, by_vars, components)
    columns = [*by_vars, "PARAMCD", "AVAL"]
    as_text = lambda frame: frame[columns].astype(object).where(frame[columns].notna(), "NA").astype(str)  # noqa: E731
    pd.testing.assert_frame_equal(as_text(got), as_text(want))
    assert got["SRCSEQ"].isna().all() and got["SRCDOM"].isna().all()
