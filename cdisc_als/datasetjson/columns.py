"""Dataset-JSON 1.1 metadata (top level and ``columns``) from XPT metadata, refined by a define.xml.

What CDISC's own examples do (SDTM-MSG / ADaM-MSG, checked column by column):

* ``itemOID``/``itemGroupOID``, labels, ``keySequence``, ``length`` and the logical type
  come from the define.xml that describes the file (ItemDef/@OID, Description,
  ItemRef/@KeySequence, ItemDef/@Length, ItemDef/@DataType); without a define the
  ``IT.<DATASET>.<VARIABLE>`` / ``IG.<DATASET>`` convention and the XPT labels are used.
* define ``text`` -> ``string`` with ``length``; ``integer``/``float`` unchanged;
  ``date``/``datetime``/``time`` keep their name (no length); the other ISO 8601 types
  (partialDate, durationDatetime, ...) become ``string`` without length.
* a numeric variable holding SAS dates/datetimes/times becomes ``date``/``datetime``/``time`` with
  ``targetDataType: integer`` and its SAS format as ``displayFormat`` (only such columns carry one).
* without a define, a numeric variable is ``integer`` when every value is whole, else ``float``.
"""
from __future__ import annotations

import re
from datetime import datetime

import numpy as np
import pandas as pd

from cdisc_als.config import build_timestamp

DATASET_JSON_VERSION = "1.1.0"
DATE_FORMATS = {"DATE", "E8601DA", "IS8601DA", "B8601DA", "YYMMDD", "MMDDYY", "DDMMYY", "WORDDATE",
                "WORDDATX", "WEEKDATE", "MONYY", "YYMMDDN", "NLDATE", "DAY", "JULIAN"}
DATETIME_FORMATS = {"DATETIME", "E8601DT", "IS8601DT", "B8601DT", "DATEAMPM", "NLDATM", "MDYAMPM", "E8601DN"}
TIME_FORMATS = {"TIME", "E8601TM", "IS8601TM", "B8601TM", "HHMM", "HOUR", "TOD", "TIMEAMPM", "MMSS"}
DEFINE_TO_JSON = {"text": "string", "integer": "integer", "float": "float", "double": "double",
                  "decimal": "decimal", "date": "date", "datetime": "datetime", "time": "time",
                  "boolean": "boolean", "URI": "URI"}
TOP_LEVEL_ORDER = ("datasetJSONCreationDateTime", "datasetJSONVersion", "fileOID", "dbLastModifiedDateTime",
                   "originator", "sourceSystem", "studyOID", "metaDataVersionOID", "metaDataRef",
                   "itemGroupOID", "records", "name", "label", "columns")
COLUMN_ORDER = ("itemOID", "name", "label", "dataType", "targetDataType", "length", "displayFormat",
                "keySequence")


def sas_format_kind(fmt: str) -> str | None:
    """``date``, ``datetime`` or ``time`` when ``fmt`` (e.g. ``DATE9.``) displays SAS dates/times, else None."""
    name = re.sub(r"[\d.]+$", "", (fmt or "").upper().lstrip("$"))
    if name in DATE_FORMATS:
        return "date"
    if name in DATETIME_FORMATS:
        return "datetime"
    if name in TIME_FORMATS:
        return "time"
    return None


def _whole_numbers(values: pd.Series) -> bool:
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    x = x[np.isfinite(x)]
    return bool(np.all(np.mod(x, 1.0) == 0) and np.all(np.abs(x) < 2.0 ** 53))


def _define_rows(define, dataset: str) -> dict[str, dict]:
    if define is None:
        return {}
    rows = define.variables[define.variables["dataset"] == dataset.upper()]
    return {r["variable"]: r for r in rows.to_dict("records")}


def compute_column(var, values: pd.Series, dataset: str, item: dict | None) -> dict:
    """The Dataset-JSON column object for one XPT variable (``item``: its define.xml row, if any)."""
    col = {"itemOID": (item or {}).get("item_oid") or f"IT.{dataset.upper()}.{var.name}",
           "name": var.name, "label": (item or {}).get("label") or var.label}
    kind = sas_format_kind(var.format) if var.type == "Num" else None
    define_type = (item or {}).get("datatype", "")
    if var.type == "Num" and (kind or define_type in ("date", "datetime", "time")):
        col["dataType"] = define_type if define_type in ("date", "datetime", "time") else kind
        col["targetDataType"] = "integer"
        col["displayFormat"] = (item or {}).get("display_format") or var.format
    elif item is not None and define_type:
        col["dataType"] = DEFINE_TO_JSON.get(define_type, "string")
        if define_type == "text":
            length = item.get("length")
            col["length"] = int(length) if pd.notna(length) else int(var.length)
    elif var.type == "Num":
        col["dataType"] = "integer" if _whole_numbers(values) else "float"
    else:
        col["dataType"] = "string"
        col["length"] = int(var.length)
    if item is not None and item.get("display_format") and "displayFormat" not in col and kind:
        col["displayFormat"] = item["display_format"]
    key = (item or {}).get("key_sequence")
    if key is not None and pd.notna(key):
        col["keySequence"] = int(key)
    return {k: col[k] for k in COLUMN_ORDER if k in col}


def build_meta(name: str, label: str, variables, frame: pd.DataFrame, *, define=None,
               created: datetime | None = None, metadata_ref: str | None = None,
               originator: str | None = "cdisc_als") -> dict:
    """Top-level Dataset-JSON metadata plus ``columns`` for one dataset (everything but ``rows``).

    ``define`` is a :class:`cdisc_als.define.read.DefineMetadata` describing the dataset, or None.
    """
    name = name.upper()
    items = _define_rows(define, name)
    group = None
    if define is not None:
        hit = define.datasets[define.datasets["dataset"] == name]
        group = None if hit.empty else hit.iloc[0]
    stamp = (created or build_timestamp()).strftime("%Y-%m-%dT%H:%M:%S")
    meta = {
        "datasetJSONCreationDateTime": stamp, "datasetJSONVersion": DATASET_JSON_VERSION,
        "originator": originator,
        "studyOID": define.study_oid if define is not None else None,
        "metaDataVersionOID": define.metadata_version_oid if define is not None else None,
        "metaDataRef": metadata_ref if define is not None else None,
        "itemGroupOID": group["oid"] if group is not None and group["oid"] else f"IG.{name}",
        "records": int(len(frame)), "name": name,
        "label": group["label"] if group is not None and group["label"] else label,
        "columns": [compute_column(v, frame[v.name], name, items.get(v.name)) for v in variables],
    }
    return {k: meta[k] for k in TOP_LEVEL_ORDER if meta.get(k) is not None}


def order_meta(meta: dict) -> dict:
    """``meta`` with its attributes in the order the specification recommends (unknown ones last)."""
    known = {k: meta[k] for k in TOP_LEVEL_ORDER if k in meta}
    return {**known, **{k: v for k, v in meta.items() if k not in known and k != "rows"}}
