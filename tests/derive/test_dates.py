"""ISO 8601 dates and study days (SDTMIG v3.4 §4.4)."""
from __future__ import annotations

import pandas as pd
import pytest

from cdisc_als.derive.dates import (compute_day_from_offset, compute_day_number, compute_iso_date,
                                    compute_offset_from_day, compute_study_day)


@pytest.mark.parametrize("raw, fmt, iso, bad", [
    ("07-JUN-2011", "DD-MON-YYYY", "2011-06-07", False),
    ("7 jun 2011", "DD-MON-YYYY", "2011-06-07", False),
    ("UN-JUN-2011", "DD-MON-YYYY", "2011-06", False),
    ("UN-UNK-1958", "DD-MON-YYYY", "1958", False),
    ("15-UNK-2011", "DD-MON-YYYY", "2011---15", False),
    ("30-FEB-2014", "DD-MON-YYYY", "", True),
    ("31-XYZ-2011", "DD-MON-YYYY", "", True),
    ("2014-02-30", "YYYY-MM-DD", "", True),
    ("2012-02-29", "YYYY-MM-DD", "2012-02-29", False),
    ("2013-02-29", "YYYY-MM-DD", "", True),
    ("12/31/2011", "MM/DD/YYYY", "2011-12-31", False),
    ("31/12/2011", "DD/MM/YYYY", "2011-12-31", False),
    ("31.12.2011", "DD.MM.YYYY", "2011-12-31", False),
    ("yesterday", "YYYY-MM-DD", "", True),
    ("", "YYYY-MM-DD", "", False),
])
def test_compute_iso_date(raw, fmt, iso, bad):
    got, flagged = compute_iso_date(pd.Series([raw]), [fmt])
    assert got.iloc[0] == iso
    assert bool(flagged.iloc[0]) is bad


def test_first_matching_format_wins():
    got, bad = compute_iso_date(pd.Series(["2011-06-07", "07-JUN-2011"]), ["YYYY-MM-DD", "DD-MON-YYYY"])
    assert got.tolist() == ["2011-06-07", "2011-06-07"] and not bad.any()


def test_study_day_has_no_day_zero():
    ref = compute_day_number(pd.Series(["2011-10-30"] * 4))
    day = compute_day_number(pd.Series(["2011-10-30", "2011-10-31", "2011-10-29", "2011-10-01"]))
    assert compute_study_day(day, ref).tolist() == [1, 2, -1, -29]


def test_day_number_is_sas_date_and_partial_dates_have_none():
    got = compute_day_number(pd.Series(["1960-01-01", "2011-06", "", "2011-06-07T10:30"]))
    assert got.iloc[0] == 0 and got.iloc[1:3].isna().all()
    assert got.iloc[3] == (pd.Timestamp("2011-06-07") - pd.Timestamp("1960-01-01")).days


def test_offsets_round_trip_through_study_days():
    offsets = pd.Series([-90.0, -1.0, 0.0, 1.0, 183.0])
    days = compute_day_from_offset(offsets)
    assert days.tolist() == [-90, -1, 1, 2, 184]
    assert compute_offset_from_day(days).tolist() == offsets.tolist()
