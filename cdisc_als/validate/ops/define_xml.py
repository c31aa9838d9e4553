"""define.xml against the data: datasets and variables on both sides, types and labels (rules need_define)."""
from __future__ import annotations

import pandas as pd

from cdisc_als.validate.context import DatasetData, Package
from cdisc_als.validate.ops.structure import attribute_mismatches
from cdisc_als.validate.registry import TableHits, VariableHits, register_op

def _define_vars(pkg: Package, ds: DatasetData) -> pd.DataFrame | None:
    table = pkg.define.variables
    rows = table[table["dataset"] == ds.name]
    return None if rows.empty else rows


@register_op("define_dataset_missing", level="package")
def check_define_dataset_missing(ds, pkg: Package, *, side: str) -> TableHits:
    """Datasets in the data but not in define.xml (``side: data``) or the reverse (``side: define``)."""
    in_define = set(pkg.define.datasets["dataset"])
    in_data = set(pkg.datasets)
    names = sorted(in_data - in_define) if side == "data" else sorted(in_define - in_data)
    return TableHits(pd.DataFrame({"dataset": names, "value": "not in define.xml" if side == "data" else "no dataset"}))


@register_op("define_variable_missing", level="variable")
def check_define_variable_missing(ds: DatasetData, pkg: Package, *, side: str) -> VariableHits | None:
    """Variables in the dataset but not in define.xml (``data``) or described in define.xml but absent (``define``)."""
    rows = _define_vars(pkg, ds)
    if rows is None:
        return None
    described, present = list(rows["variable"]), list(ds.frame.columns)
    return VariableHits([v for v in present if v not in described] if side == "data"
                        else [v for v in described if v not in present])


@register_op("define_type", level="variable")
def check_define_type(ds: DatasetData, pkg: Package) -> VariableHits | None:
    """integer/float in define.xml must be Num in the data; every other DataType Char."""
    rows = _define_vars(pkg, ds)
    if rows is None:
        return None
    wanted = {v: t for v, t in zip(rows["variable"], rows["type"]) if t in ("Char", "Num")}
    return attribute_mismatches(ds, wanted, "type", "define")


@register_op("define_label", level="variable")
def check_define_label(ds: DatasetData, pkg: Package) -> VariableHits | None:
    """Variable labels that differ from define.xml (where both are given)."""
    rows = _define_vars(pkg, ds)
    if rows is None:
        return None
    return attribute_mismatches(ds, {v: lab for v, lab in zip(rows["variable"], rows["label"]) if lab}, "label", "define")
