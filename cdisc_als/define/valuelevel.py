"""Value-level metadata: one ItemDef per value of a "by" variable, with its WhereClauseDef.

Rules come from ``specs/sdtm/valuelevel.csv`` (SDTM: QS results by QSTESTCD, QS test codes
by QSCAT, RE results and units by RETESTCD, SUPPQUAL QVAL by QNAM) and, for ADaM, from the
data: every Basic Data Structure dataset gets AVAL described per PARAMCD (ADaMIG v1.3 §3.3.4).
A rule with ``value`` ``*`` applies to each value of ``by`` found in the data that has
no rule of its own; a rule naming a value applies only when the data hold it.
Data type, length and significant digits are computed from the records the where
clause selects.  ``codelist`` is a CT id, or ``instrument``: the response list that
``specs/instruments/alsfrs.csv`` gives the test code.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from cdisc_als.define.items import DistinctColumns, compute_item_format
from cdisc_als.distinct import compute_first_rows, strip_text
from cdisc_als.metadata.spec import load_instrument

VLM_COLUMNS = ["valuelist", "dataset", "variable", "item_oid", "where_oid", "by", "by_oid", "value", "label",
               "datatype", "length", "significant_digits", "codelist", "origin", "source", "method", "comment",
               "mandatory", "order"]
COMPANIONS = {"QNAM": "QLABEL", "PARAMCD": "PARAM"}


def safe_oid_part(value: str) -> str:
    """A value as an OID fragment: characters outside ``A-Za-z0-9._-`` become ``_``."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", str(value)) or "_"


def adam_rules(datasets: pd.DataFrame, columns: dict[str, list[str]]) -> pd.DataFrame:
    """AVAL by PARAMCD for every BDS dataset that has both."""
    bds = datasets[(datasets["class"] == "BASIC DATA STRUCTURE")]
    names = [d for d in bds["dataset"] if {"AVAL", "PARAMCD"} <= set(columns.get(d, []))]
    return pd.DataFrame({"dataset": names, "variable": "AVAL", "by": "PARAMCD", "value": "*", "codelist": "",
                         "origin": "", "source": "", "method": "", "comment": ""})


def sdtm_rules(table: pd.DataFrame, datasets: pd.DataFrame) -> pd.DataFrame:
    """``specs/sdtm/valuelevel.csv`` rows bound to the concrete datasets (rules may name a model)."""
    bound = datasets[["dataset", "model"]].merge(table, how="inner", left_on="model", right_on="dataset",
                                                 suffixes=("", "_rule"))
    direct = datasets[["dataset"]].merge(table, how="inner", on="dataset")
    bound = bound.drop(columns=["model", "dataset_rule"])
    return pd.concat([direct, bound], ignore_index=True).drop_duplicates(["dataset", "variable", "by", "value"])


def _label(frame: pd.DataFrame, by: str, by_first: np.ndarray, values: pd.Index, parent_label: str) -> pd.Series:
    """The label of each value-level item: the companion variable's text (QLABEL for QNAM, PARAM for
    PARAMCD, --TEST for --TESTCD) on the first record of the value, else the parent label with the value.
    ``by_first`` are the first rows of each distinct ``by`` value, which hold every first record."""
    companion = COMPANIONS.get(by, by[:-2] if by.endswith("CD") else "")
    if companion and companion in frame.columns:
        names = frame[[by, companion]].iloc[by_first].astype(str).drop_duplicates(by).set_index(by)[companion]
        return names.reindex(values).fillna("").where(lambda s: s != "", parent_label)
    return pd.Series([f"{parent_label} ({v})" for v in values], index=values)


def _values_by_key(keys: np.ndarray, values: np.ndarray) -> dict[int, np.ndarray]:
    """For each code of ``keys`` (per row), the distinct codes of ``values`` on its rows."""
    width = int(values.max()) + 1 if len(values) else 1
    pairs = pd.unique(keys.astype(np.int64) * width + values)
    key_of, value_of = np.divmod(pairs, width)
    order = np.argsort(key_of, kind="stable")
    bounds = np.flatnonzero(np.diff(key_of[order])) + 1
    return {int(k[0]): v for k, v in zip(np.split(key_of[order], bounds), np.split(value_of[order], bounds))}


def build_valuelevel(rules: pd.DataFrame, frames: dict[str, pd.DataFrame], items: pd.DataFrame, *,
                     columns: DistinctColumns | None = None) -> pd.DataFrame:
    """Value-level rows (see :data:`VLM_COLUMNS`) for the rules whose dataset, variable and by exist.

    ``items`` is the variable-level table (dataset, variable, label, sas_type, length, iso, origin,
    source, method, comment) the value-level items inherit from.  A value of ``by`` is its text with
    blanks stripped; a missing ``by`` is no value.  Each item's format is computed on the distinct
    values of ``variable`` its records hold.  ``columns``: the frames' columns as codes (the define's own,
    which may hold the reader's codes).
    """
    columns = columns or DistinctColumns(frames)
    parent = items.set_index(["dataset", "variable"])
    responses = load_instrument("alsfrs").set_index("testcd")["responses"]
    out = []
    for (dataset, variable, by), group in rules.groupby(["dataset", "variable", "by"], sort=False):
        frame = frames.get(dataset)
        if frame is None or variable not in frame or by not in frame or (dataset, variable) not in parent.index:
            continue
        base = parent.loc[(dataset, variable)]
        by_codes, by_values = columns.codes(dataset, by)
        keys = strip_text(by_values)                                          # the value of each distinct by
        present = pd.Index(sorted(keys[keys.notna() & (keys != "")].unique()))
        explicit = group[group["value"] != "*"].set_index("value")
        star = group[group["value"] == "*"]
        chosen = present[present.isin(explicit.index)] if star.empty else present
        if chosen.empty:
            continue
        labels = _label(frame, by, compute_first_rows(by_codes), chosen, base["label"])
        key_codes, _ = pd.factorize(keys, use_na_sentinel=False)
        variable_codes, variable_values = columns.codes(dataset, variable)
        held = _values_by_key(key_codes[by_codes], variable_codes)
        key_code_of = dict(zip(keys, key_codes))
        for order, value in enumerate(chosen, start=1):
            rule = explicit.loc[value] if value in explicit.index else star.iloc[0]
            subset = variable_values.iloc[held[int(key_code_of[value])]]
            fmt = compute_item_format(subset, sas_type=base["sas_type"], length=0, iso=bool(base["iso"]))
            codelist = rule["codelist"]
            if codelist == "instrument":
                codelist = responses.get(value, "") if value in responses.index else ""
            oid_value = safe_oid_part(value)
            out.append({
                "valuelist": f"VL.{dataset}.{variable}", "dataset": dataset, "variable": variable,
                "item_oid": f"IT.{dataset}.{variable}.{oid_value}",
                "where_oid": f"WC.{dataset}.{by}.{oid_value}", "by": by, "by_oid": f"IT.{dataset}.{by}",
                "value": value, "label": labels.get(value, base["label"]), **fmt, "codelist": codelist,
                "origin": rule["origin"] or base["origin"], "source": rule["source"] or base["source"],
                "method": rule["method"] or base["method"], "comment": rule["comment"] or base["comment"],
                "mandatory": "No", "order": order,
            })
    return pd.DataFrame(out, columns=VLM_COLUMNS)
