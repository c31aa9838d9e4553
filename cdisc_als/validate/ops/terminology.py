"""Controlled terminology (specs/ct): values against each variable's codelist, paired TESTCD/TEST codes.

The variable -> codelist map is the SDTMIG 3.4 / ADaMIG 1.3 one in specs/; variables whose codelist
depends on a value-level condition (several codelists) are not checked here.
"""
from __future__ import annotations

import pandas as pd

from cdisc_als.validate.context import DatasetData, Package
from cdisc_als.validate.ops.structure import model_table
from cdisc_als.validate.registry import TableHits, register_op


RESULT_SUFFIXES = ("ORRES", "STRESC")


def codelist_map(ds: DatasetData, pkg: Package) -> dict[str, str]:
    """Variable -> single codelist C-code for the variables of ``ds`` (model table of its domain)."""
    table = model_table(ds, pkg)
    if table is None:
        return {}
    single = table[(table["codelist"] != "") & ~table["codelist"].str.contains(";")]
    return {v: c for v, c in zip(single["variable"], single["codelist"]) if v in ds.frame.columns}


def _extensible(pkg: Package, codelist: str) -> bool | None:
    info = pkg.spec.codelist_info(codelist)
    return None if info is None else str(info["extensible"]).lower() == "yes"


@register_op("codelist_values", level="record")
def check_codelist_values(ds: DatasetData, pkg: Package, *, extensible: bool, skip: list = (),
                          allow: dict | None = None) -> TableHits | None:
    """Populated values not among the submission values of the variable's (non-)extensible codelist.

    ``allow`` adds values the IG itself prescribes outside the codelist (RACE = MULTIPLE, SDTMIG DM assumption).
    """
    mapping = {v: c for v, c in codelist_map(ds, pkg).items()
               if _extensible(pkg, c) is extensible and v not in skip and ds.resolve(v) not in skip}
    if not mapping:
        return None
    rows = []
    for name, codelist in mapping.items():
        values = pkg.ct_values(codelist)
        if not values:
            continue
        values = values | frozenset((allow or {}).get(name, ()))
        text = ds.text(name)
        bad = ~ds.null(name) & ~text.isin(values)
        if name.endswith(RESULT_SUFFIXES):
            # result codelists (e.g. LBSTRESC C102580) cover the non-numeric results only
            bad &= pd.to_numeric(text, errors="coerce").isna()
        if bad.any():
            rows.append(pd.DataFrame({"row": ds.frame.index[bad.to_numpy()], "variable": name,
                                      "value": text[bad].to_numpy() + f" (codelist {codelist})"}))
    return TableHits(pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["row", "variable", "value"]))


@register_op("paired_codes", level="record")
def check_paired_codes(ds: DatasetData, pkg: Package, *, code: str = "--TESTCD", decode: str = "--TEST") -> TableHits | None:
    """Pairs (e.g. --TESTCD/--TEST) whose terms, both in CT, carry different C-codes."""
    mapping = codelist_map(ds, pkg)
    code_var, decode_var = ds.resolve(code), ds.resolve(decode)
    if code_var not in mapping or decode_var not in mapping:
        return None
    terms = pkg.spec.terms
    code_of = terms[terms["codelist"] == mapping[code_var]].drop_duplicates("value").set_index("value")["code"]
    decode_of = terms[terms["codelist"] == mapping[decode_var]].drop_duplicates("value").set_index("value")["code"]
    left, right = ds.text(code_var).map(code_of), ds.text(decode_var).map(decode_of)
    bad = left.notna() & right.notna() & (left != right)
    return TableHits(pd.DataFrame({"row": ds.frame.index[bad.to_numpy()], "variable": f"{code_var}, {decode_var}",
                                   "value": (ds.text(code_var)[bad] + ", " + ds.text(decode_var)[bad]).to_numpy()}))
