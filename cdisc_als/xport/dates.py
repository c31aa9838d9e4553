"""SAS dates and datetimes: the numbers an XPT numeric variable holds for a date (SAS TS-140 conventions)."""
from __future__ import annotations

import numpy as np
import pandas as pd

SAS_EPOCH = pd.Timestamp("1960-01-01")


def _as_datetimes(series: pd.Series) -> pd.Series:
    values = pd.to_datetime(series, errors="raise")
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    return values


def to_sas_date(series: pd.Series) -> pd.Series:
    """Days since 1960-01-01 as float64 (SAS date; time of day dropped), NaN where missing.

    Example: ``to_sas_date(pd.Series(pd.to_datetime(["1960-01-02", None])))`` -> ``[1.0, NaN]``.
    """
    values = _as_datetimes(series).dt.floor("D")
    return ((values - SAS_EPOCH) / pd.Timedelta(days=1)).astype(np.float64)


def to_sas_datetime(series: pd.Series) -> pd.Series:
    """Seconds since 1960-01-01T00:00:00 as float64 (SAS datetime; local time, no zone), NaN where missing.

    Example: ``to_sas_datetime(pd.Series(pd.to_datetime(["1960-01-01 00:01"])))`` -> ``[60.0]``.
    """
    values = _as_datetimes(series)
    return ((values - SAS_EPOCH) / pd.Timedelta(seconds=1)).astype(np.float64)
