"""Write one dataset with the attributes its metadata gives (order, labels, types, formats).

This is the single path from a derived DataFrame to an XPT file for both SDTM
and ADaM: the frame's columns are put in metadata order, numeric variables are
made float, character variables text with '' for missing, and the strict XPT
writer does the rest.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from cdisc_als.distinct import is_text, map_distinct
from cdisc_als.errors import UserError
from cdisc_als.xport.model import WriteReport


@dataclass(frozen=True)
class DatasetMeta:
    """What a writer needs to know about one dataset.

    ``variables`` has columns variable, label, type (Char/Num) and optionally format, in output order.
    """

    name: str
    label: str
    variables: pd.DataFrame


def apply_types(frame: pd.DataFrame, variables: pd.DataFrame) -> pd.DataFrame:
    """Order columns as ``variables`` does and coerce each to its SAS type.

    Num -> float64 (NaN for missing); Char -> text: Python str, with missing values left missing (the
    XPT writer stores them blank, as '', since XPT cannot tell the two apart) and any other value
    written as ``str`` gives it.
    A variable named in the metadata but absent from the frame is an error: metadata and data must agree.
    """
    missing = [v for v in variables["variable"] if v not in frame.columns]
    if missing:
        raise UserError(f"variables {missing} are in the metadata but not in the data")
    out = {}
    for var, typ in zip(variables["variable"], variables["type"]):
        col = frame[var]
        if typ == "Num":
            out[var] = pd.to_numeric(col, errors="raise").astype("float64")
        elif is_text(col):
            out[var] = col                          # already text (or missing): nothing to convert
        else:
            out[var] = map_distinct(col.astype(object), _as_text)
    return pd.DataFrame(out, index=frame.index, copy=False).reset_index(drop=True)


def _as_text(column: pd.Series) -> pd.Series:
    return column.where(column.notna(), "").astype(str)


def write_dataset(frame: pd.DataFrame, out_dir: Path, meta: DatasetMeta, *, created: datetime | None = None,
                  transliterate: bool = False, as_read: bool = False, text: str = "str") -> WriteReport:
    """Write ``frame`` as ``out_dir/<name lowercase>.xpt`` with the attributes in ``meta``; with ``as_read``
    the report carries the dataset as reading the file back gives it (``text`` as
    :func:`cdisc_als.xport.read_xpt` takes it; see :func:`cdisc_als.xport.write_xpt`)."""
    from cdisc_als.xport import write_xpt

    data = apply_types(frame, meta.variables)
    labels = dict(zip(meta.variables["variable"], meta.variables["label"]))
    formats = {}
    if "format" in meta.variables:
        formats = {v: f for v, f in zip(meta.variables["variable"], meta.variables["format"])
                   if isinstance(f, str) and f and f[-1] == "." }
    path = Path(out_dir) / f"{meta.name.lower()}.xpt"
    return write_xpt(data, path, name=meta.name.upper(), label=meta.label, labels=labels, formats=formats,
                     created=created, transliterate=transliterate, as_read=as_read, text=text)


__all__ = ["DatasetMeta", "apply_types", "write_dataset"]
