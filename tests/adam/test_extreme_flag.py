"""derive_var_extreme_flag against the rule done with pandas: a stable sort on ``order``, then each group's
first or last competing record."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from cdisc_als.adam.bds import derive_var_extreme_flag


def flag_by_pandas(frame, by_vars, order, ascending, mode, filter_):
    competing = frame[filter_.to_numpy()]
    ranked = competing.sort_values(order, ascending=ascending, kind="stable")
    chosen = ranked.drop_duplicates(by_vars, keep="last" if mode == "last" else "first").index
    return frame.index.isin(chosen)


@st.composite
def frames(draw):
    n = draw(st.integers(0, 40))
    subject = draw(st.lists(st.sampled_from(["S1", "S2", "S3", None]), min_size=n, max_size=n))
    param = draw(st.lists(st.sampled_from(["A", "B"]), min_size=n, max_size=n))
    day = draw(st.lists(st.sampled_from([-3.0, 0.0, -0.0, 1.0, 2.0, np.nan]), min_size=n, max_size=n))
    value = draw(st.lists(st.sampled_from([1.5, 2.0, 2.0, np.nan, -1.0]), min_size=n, max_size=n))
    seq = draw(st.lists(st.integers(1, 4).map(float), min_size=n, max_size=n))
    frame = pd.DataFrame({"USUBJID": pd.Series(subject, dtype=object), "PARAMCD": param, "ADY": day,
                          "AVAL": value, "SRCSEQ": seq})
    if draw(st.booleans()):
        frame["USUBJID"] = frame["USUBJID"].astype("category")
    keep = pd.Series(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    return frame, keep


@settings(max_examples=300, deadline=None)
@given(case=frames(), by_day=st.booleans(), ascending=st.lists(st.booleans(), min_size=2, max_size=2),
       mode=st.sampled_from(["first", "last"]))
def test_flags_the_record_pandas_picks(case, by_day, ascending, mode):
    frame, keep = case
    by_vars = ["USUBJID", "PARAMCD", "ADY"] if by_day else ["USUBJID", "PARAMCD"]
    order = ["AVAL", "SRCSEQ"] if by_day else ["ADY", "SRCSEQ"]
    out = derive_var_extreme_flag(frame, by_vars=by_vars, order=order, new_var="FL", mode=mode,
                                  ascending=ascending, filter=keep)
    expected = flag_by_pandas(frame, by_vars, order, ascending, mode, keep)
    assert (out["FL"] == "Y").to_numpy().tolist() == expected.tolist()
    assert out["FL"].isna().to_numpy().tolist() == (~expected).tolist()
