"""Convert columns between a DataFrame (XPT conventions) and Dataset-JSON 1.1 values.

XPT conventions (what :func:`cdisc_als.xport.read_xpt` returns): character
variables are Python ``str`` with '' for blank, numerics are float64 with NaN,
SAS dates are days and datetimes seconds since 1960-01-01.

Dataset-JSON 1.1 conventions (specification section "Data types", and how
CDISC's own SDTM/ADaM MSG examples are written):

* ``string`` (and ISO 8601 text typed ``date``/``datetime``/``time``): JSON string, '' for blank;
* ``integer``: JSON integer, ``null`` when missing;
* ``float``/``double``: JSON number rounded to 15 significant digits (the precision a
  SAS double carries reliably; CDISC writes 8.55 for the IEEE value 8.549999999999999),
  written without a fraction when it is whole (``71`` not ``71.0``), ``null`` when missing;
* ``decimal``: JSON string holding the number;
* numeric SAS dates/datetimes/times (``targetDataType: integer``): ISO 8601 strings
  ``YYYY-MM-DD``, ``YYYY-MM-DDThh:mm:ss``, ``hh:mm:ss``; ``null`` when missing.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc_als.errors import UserError

SAS_EPOCH = np.datetime64("1960-01-01T00:00:00", "s")
NUMERIC_TYPES = ("integer", "float", "double", "decimal")
TEMPORAL_TYPES = ("date", "datetime", "time")
_MAX_EXACT = 2.0 ** 53


def compute_json_numbers(values: pd.Series, data_type: str) -> np.ndarray:
    """Numbers as JSON-ready Python objects: int when whole, 15-significant-digit float otherwise, None for NaN."""
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    out = np.full(x.shape, None, dtype=object)
    ok = np.isfinite(x)
    if not ok.any():
        return out
    rounded = np.char.mod("%.15g", x[ok]).astype("float64")
    if data_type == "decimal":
        out[ok] = np.char.mod("%.15g", x[ok]).astype(object)
        return out
    whole = (np.mod(rounded, 1.0) == 0) & (np.abs(rounded) < _MAX_EXACT)
    obj = rounded.astype(object)
    obj[whole] = rounded[whole].astype(np.int64).astype(object)
    out[ok] = obj
    return out


def compute_iso_from_sas(values: pd.Series, data_type: str) -> np.ndarray:
    """SAS numeric dates (days), datetimes or times (seconds) as ISO 8601 strings; None where missing."""
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    out = np.full(x.shape, None, dtype=object)
    ok = np.isfinite(x)
    if data_type == "date":
        stamps = (SAS_EPOCH.astype("datetime64[D]") + np.floor(x[ok]).astype("int64")).astype(str)
    elif data_type == "datetime":
        stamps = (SAS_EPOCH + np.round(x[ok]).astype("int64")).astype(str)
    else:
        secs = np.round(x[ok]).astype("int64")
        stamps = np.char.mod("%02d:%02d:%02d", np.stack([secs // 3600, secs // 60 % 60, secs % 60], axis=-1))
    out[ok] = np.asarray(stamps, dtype=object)
    return out


def compute_sas_from_iso(values: pd.Series, data_type: str, *, name: str = "") -> np.ndarray:
    """ISO 8601 date/datetime/time strings as SAS numbers (days or seconds since 1960-01-01); NaN when blank.

    Raises:
        UserError: a value is not a complete ISO 8601 date/datetime/time.
    """
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    blank = text == ""
    out = np.full(len(text), np.nan)
    try:
        if data_type == "time":
            parts = text[~blank].str.split(":", expand=True).astype(float)
            secs = parts[0] * 3600 + parts[1] * 60 + (parts[2] if 2 in parts else 0)
            out[~blank.to_numpy()] = secs.to_numpy()
        else:
            stamps = pd.to_datetime(text[~blank], format="ISO8601", utc=False)
            stamps = stamps.dt.tz_localize(None) if getattr(stamps.dt, "tz", None) is not None else stamps
            delta = (stamps.to_numpy().astype("datetime64[s]") - SAS_EPOCH).astype("int64")
            out[~blank.to_numpy()] = delta / 86400 if data_type == "date" else delta
    except (ValueError, KeyError) as err:
        raise UserError(f"{data_type} values are not ISO 8601 ({err})", column=name or None) from None
    return out


def encode_column(values: pd.Series, column: dict) -> np.ndarray:
    """One frame column as the JSON values its Dataset-JSON ``column`` metadata calls for."""
    data_type = column["dataType"]
    if column.get("targetDataType") == "integer" and data_type in TEMPORAL_TYPES:
        return compute_iso_from_sas(values, data_type)
    if data_type in NUMERIC_TYPES:
        return compute_json_numbers(values, data_type)
    if data_type == "boolean":
        x = pd.to_numeric(values, errors="coerce")
        return np.where(x.isna(), None, x.astype(bool, errors="ignore")).astype(object)
    text = values.astype(object)
    return text.where(text.notna(), None).to_numpy(dtype=object)


def decode_column(values: list | tuple, column: dict) -> pd.Series:
    """JSON values of one column as a frame column in XPT conventions (str with '' / float64 with NaN).

    Raises:
        UserError: a numeric column holds text that is not a number, or a date is not ISO 8601.
    """
    name = column.get("name", "")
    raw = pd.Series(np.asarray(values, dtype=object), dtype=object)
    data_type = column.get("dataType", "string")
    if column.get("targetDataType") in ("integer", "decimal") and data_type in TEMPORAL_TYPES:
        return pd.Series(compute_sas_from_iso(raw, data_type, name=name), dtype="float64")
    if data_type in NUMERIC_TYPES or data_type == "boolean" or column.get("targetDataType") == "decimal":
        if data_type == "boolean":
            raw = raw.replace({True: 1.0, False: 0.0})
        number = pd.to_numeric(raw, errors="coerce")
        bad = number.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
            raise UserError(f"value {raw[bad].iloc[0]!r} is not a number", row=row, column=name)
        return number.astype("float64")
    return raw.where(raw.notna(), "").astype(str).astype(object)
