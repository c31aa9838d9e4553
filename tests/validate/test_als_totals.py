"""The ALSFRS total checks on integer groups give what a plain pandas group-by gives on generated QS data."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from cdisc_als.validate.context import DatasetData
from cdisc_als.validate.ops.als import check_alsfrs_total_range, check_alsfrs_total_sum, instrument_items


def reference_total_sum(qs: pd.DataFrame, tolerance: float = 0.01) -> np.ndarray:
    """The rule with pandas: per subject, day and scale, the items' sum and distinct slots; a total differs
    from the sum when every slot of its scale is scored."""
    table = instrument_items().set_index("testcd")
    rows = qs.assign(scale=qs["QSTESTCD"].map(table["scale"]), total=qs["QSTESTCD"].map(table["is_total"]),
                     slot=qs["QSTESTCD"].map(table["slot"]), slots=qs["QSTESTCD"].map(table["slots"]))
    rows = rows[rows["scale"].notna() & rows["QSSTRESN"].notna()]
    items = rows[rows["total"] == False]  # noqa: E712
    sums = items.groupby(["USUBJID", "QSDY", "scale"]).agg(sum=("QSSTRESN", "sum"), scored=("slot", "nunique"))
    totals = rows[rows["total"] == True].join(sums, on=["USUBJID", "QSDY", "scale"])  # noqa: E712
    bad = (totals["scored"] == totals["slots"]) & ((totals["QSSTRESN"] - totals["sum"]).abs() > tolerance)
    return qs.index.isin(bad[bad].index)


codes = st.sampled_from(list(instrument_items()["testcd"]) + ["OTHER"])
records = st.lists(st.tuples(st.sampled_from(["S1", "S2"]), st.sampled_from([1.0, 30.0]), codes,
                             st.one_of(st.just(float("nan")), st.sampled_from([0.0, 1.0, 2.5, 4.0, 30.0, 48.0, 60.0]))),
                   max_size=60)


@settings(max_examples=120, deadline=None)
@given(rows=records, complete=st.booleans())
def test_total_sum_and_range_equal_the_group_by(rows, complete):
    qs = pd.DataFrame(rows, columns=["USUBJID", "QSDY", "QSTESTCD", "QSSTRESN"])
    if complete:       # one visit with every ALSFRS-R item scored 2 and a total of 24 or 25
        table = instrument_items()
        items = table[(table["scale"] == "ALSFRS-R") & ~table["is_total"] & (table["item"] != "5b")]["testcd"]
        full = pd.DataFrame({"USUBJID": "S3", "QSDY": 1.0, "QSTESTCD": list(items), "QSSTRESN": 2.0})
        qs = pd.concat([qs, full, pd.DataFrame({"USUBJID": ["S3"], "QSDY": [1.0], "QSTESTCD": ["ALSRTOT"],
                                                "QSSTRESN": [25.0 if len(rows) % 2 else 24.0]})], ignore_index=True)
    qs["QSTESTCD"] = qs["QSTESTCD"].astype(object)
    ds = DatasetData("QS", qs)
    hits = check_alsfrs_total_sum(ds, None)
    expected = reference_total_sum(qs)
    got = hits.mask.to_numpy() if hits is not None else np.zeros(len(qs), dtype=bool)
    if hits is None:
        assert not expected.any()
    assert got.tolist() == expected.tolist()
    table = instrument_items().set_index("testcd")
    top = qs["QSTESTCD"].map(table["max_total"])
    range_expected = (qs["QSTESTCD"].map(table["is_total"]) == True) & qs["QSSTRESN"].notna() & (  # noqa: E712
        (qs["QSSTRESN"] < 0) | (qs["QSSTRESN"] > top))
    ranged = check_alsfrs_total_range(ds, None)
    assert (ranged.mask.to_numpy() if ranged is not None else np.zeros(len(qs), bool)).tolist() == \
        (range_expected.to_numpy().tolist() if ranged is not None else [False] * len(qs))
