"""The one timing rule: dates when present, study-day offsets otherwise; no day 0."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, strategies as st

from cdisc_als.adam.timing import (compute_ady, compute_days_from_treatment, compute_offset, compute_sas_date)

nonzero_day = st.integers(-400, 400).filter(lambda d: d != 0)


def test_sas_date_counts_days_from_1960_and_refuses_partial_dates():
    got = compute_sas_date(pd.Series(["1960-01-01", "2020-01-01T10:00", "2020-01", "", None]))
    assert got.iloc[0] == 0 and got.iloc[1] == (pd.Timestamp("2020-01-01") - pd.Timestamp("1960-01-01")).days
    assert got.iloc[2:].isna().all()


@given(nonzero_day, nonzero_day)
def test_dates_and_study_days_agree(day, trt_day):
    """Days from treatment from calendar dates equal the offset rule on study days."""
    def date(d):
        return pd.Timestamp("2020-01-01") + pd.Timedelta(days=d - 1 if d > 0 else d)
    sas = lambda d: float((date(d) - pd.Timestamp("1960-01-01")).days)  # noqa: E731
    by_date = compute_days_from_treatment(pd.Series([sas(day)]), pd.Series([np.nan]),
                                          pd.Series([sas(trt_day)]), pd.Series([np.nan]))
    by_day = compute_days_from_treatment(pd.Series([np.nan]), pd.Series([float(day)]),
                                         pd.Series([np.nan]), pd.Series([float(trt_day)]))
    assert by_date.iat[0] == by_day.iat[0] == (date(day) - date(trt_day)).days
    ady = compute_ady(by_day).iat[0]
    assert ady != 0 and compute_offset(pd.Series([ady])).iat[0] == by_day.iat[0]
