"""Data types and lengths from values (Define-XML 2.1 DataType, ISO 8601 as in SDTMIG v3.4 §4.4)."""
from __future__ import annotations

import pandas as pd
import pytest

from cdisc_als.define.items import compute_iso_datatype, compute_number_format


@pytest.mark.parametrize("values, expected", [
    (["2020-01-02", "", "2021-12-31"], "date"),
    (["2020-01-02T10:11:12"], "datetime"),
    (["10:11:12"], "time"),
    (["2020-01", "2020-01-02", "2020"], "partialDate"),
    (["2020-01-02T10:11", "2020-01-02"], "partialDatetime"),
    (["2003---15"], "incompleteDatetime"),
    (["2003-12-15T-:15"], "incompleteDatetime"),
    (["P2Y", "-PT15M", "PT0.5H"], "durationDatetime"),
    (["2003-12-01/2003-12-10"], "intervalDatetime"),
    (["not a date"], "text"),
    (["", ""], "date"),
])
def test_iso_datatype(values, expected):
    assert compute_iso_datatype(pd.Series(values, dtype=object)) == expected


def test_number_formats():
    assert compute_number_format(pd.Series([1.0, 22.0, float("nan")])) == ("integer", 2, None)
    assert compute_number_format(pd.Series([1.5, -10.25])) == ("float", 4, 2)
    assert compute_number_format(pd.Series([float("nan")])) == ("integer", 1, None)
    # 8.55 stored as a double is 8.549999999999999: 15 significant digits give back 8.55
    assert compute_number_format(pd.Series([8.549999999999999])) == ("float", 3, 2)
