"""Controlled terminology (specs/ct): values against each variable's codelist, paired TESTCD/TEST codes.

The variable -> codelist map is the SDTMIG 3.4 / ADaMIG 1.3 one in specs/; variables whose codelist
depends on a value-level condition (several codelists) are not checked here. Two tables in
specs/rules keep older packages from being judged by today's terminology alone:

* ``ct_bindings.csv``: variables whose codelist binding starts at a later SDTMIG version (EPOCH and
  QSCAT have no codelist in SDTMIG 3.1.2) are not checked for earlier versions;
* ``ct_earlier_terms.csv``: submission values of earlier CT versions, since renamed or retired (UNIT
  ``sec`` is now ``s``). In packages of an SDTMIG older than 3.4 they are reported by their own
  Notice rule, not as CT2001/CT2002, which assume the CT version of specs/ (SDTM CT 2025-03-28).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from functools import lru_cache

from cdisc_als.metadata.spec import read_table
from cdisc_als.validate.context import DatasetData, Package
from cdisc_als.validate.ops.structure import model_table
from cdisc_als.validate.registry import TableHits, register_op


RESULT_SUFFIXES = ("ORRES", "STRESC")


def codelist_map(ds: DatasetData, pkg: Package) -> dict[str, str]:
    """Variable -> single codelist C-code for the variables of ``ds`` bound to CT in the package's version.

    Computed once per dataset and run (four terminology rules ask for it).
    """
    cache = pkg.__dict__.setdefault("_ct_cache", {})
    key = ("map", ds.name)
    if key not in cache:
        cache[key] = _codelist_map(ds, pkg)
    return cache[key]


def _codelist_map(ds: DatasetData, pkg: Package) -> dict[str, str]:
    table = model_table(ds, pkg)
    if table is None:
        return {}
    single = table[(table["codelist"] != "") & ~table["codelist"].str.contains(";")]
    unbound = unbound_variables(pkg.standard)
    return {v: c for v, c in zip(single["variable"], single["codelist"])
            if v in ds.frame.columns and v not in unbound}


@lru_cache(maxsize=8)
def unbound_variables(standard: str) -> frozenset[str]:
    """Variables whose codelist binding (specs/rules/ct_bindings.csv) starts after ``standard``."""
    from cdisc_als.validate.engine import SDTM_VERSIONS

    if standard not in SDTM_VERSIONS:
        return frozenset()
    table = read_table("rules/ct_bindings.csv")
    rank = SDTM_VERSIONS.index(standard)
    return frozenset(v for v, since in zip(table["variable"], table["since"]) if SDTM_VERSIONS.index(since) > rank)


def earlier_terms(pkg: Package, codelist: str) -> dict[str, str]:
    """Earlier-CT submission values of ``codelist`` -> today's term, for packages older than SDTMIG 3.4."""
    if pkg.standard in ("sdtmig-3.4",) or not pkg.standard.startswith("sdtmig"):
        return {}
    table = _earlier_table()
    rows = table[table["codelist"] == codelist]
    return dict(zip(rows["value"], rows["current"]))


@lru_cache(maxsize=1)
def _earlier_table():
    return read_table("rules/ct_earlier_terms.csv")


def _extensible(pkg: Package, codelist: str) -> bool | None:
    cache = pkg.__dict__.setdefault("_ct_cache", {})
    key = ("extensible", codelist)
    if key not in cache:
        info = pkg.spec.codelist_info(codelist)
        cache[key] = None if info is None else str(info["extensible"]).lower() == "yes"
    return cache[key]


def _not_in_codelist(ds: DatasetData, pkg: Package, name: str, codelist: str, extra=frozenset()) -> pd.Series:
    """Populated values of ``name`` outside ``codelist`` (plus ``extra``); numbers pass in result variables."""
    values = pkg.ct_values(codelist) | frozenset(extra)
    return ~ds.null(name) & ds.map_text(name, lambda text: _outside(text, values, name.endswith(RESULT_SUFFIXES)))


def _outside(text: pd.Series, values: frozenset[str], result: bool) -> pd.Series:
    """Texts not in ``values``; for a ``result`` variable numbers pass too."""
    bad = ~text.isin(values)
    if result:
        # result codelists (e.g. LBSTRESC C102580) cover the non-numeric results only; '<2.2' is a censored number
        number = text.str.replace(r"^(?:<=|>=|<|>)\s*", "", regex=True)
        bad &= pd.to_numeric(number, errors="coerce").isna()
    return bad


def instrument_values(pkg: Package, suffix: str) -> frozenset[str]:
    """Submission values of every CDISC codelist whose name ends with ``suffix`` (cached per run).

    RS holds oncology responses (ONCRTSCD, the codelist SDTMIG binds) and clinical classifications,
    whose test codes live in one codelist per instrument (HAMD101 in C100138): a code from any
    instrument codelist is a CDISC term there.
    """
    key = ("instrument", suffix)
    cache = pkg.__dict__.setdefault("_ct_cache", {})
    if key not in cache:
        lists = pkg.spec.codelists
        names = lists.loc[lists["name"].str.endswith(suffix), "codelist"]
        cache[key] = frozenset(pkg.spec.terms.loc[pkg.spec.terms["codelist"].isin(set(names)), "value"].astype(str))
    return cache[key]


def _hits(rows: list) -> TableHits:
    return TableHits(pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["row", "variable", "value"]))


@register_op("codelist_values", level="record")
def check_codelist_values(ds: DatasetData, pkg: Package, *, extensible: bool, skip: list = (),
                          allow: dict | None = None, instruments: dict | None = None) -> TableHits | None:
    """Populated values not among the submission values of the variable's (non-)extensible codelist.

    ``allow`` adds values the IG itself prescribes outside the codelist (RACE = MULTIPLE, SDTMIG DM assumption);
    ``instruments`` maps a variable to a codelist-name suffix whose codelists' values are accepted too
    (see :func:`instrument_values`); earlier-CT terms (``ct_earlier_terms.csv``) are left to the
    ``codelist_earlier_terms`` rule.
    """
    mapping = {v: c for v, c in codelist_map(ds, pkg).items()
               if _extensible(pkg, c) is extensible and v not in skip and ds.resolve(v) not in skip}
    if not mapping:
        return None
    rows = []
    for name, codelist in mapping.items():
        if not pkg.ct_values(codelist):
            continue
        extra = set((allow or {}).get(name, ())) | set(earlier_terms(pkg, codelist))
        if name in (instruments or {}):
            extra |= instrument_values(pkg, instruments[name])
        bad = _not_in_codelist(ds, pkg, name, codelist, extra)
        if bad.any():
            rows.append(pd.DataFrame({"row": ds.frame.index[bad.to_numpy()], "variable": name,
                                      "value": ds.text_at(name, np.flatnonzero(bad.to_numpy())) + f" (codelist {codelist})"}))
    return _hits(rows)


@register_op("codelist_earlier_terms", level="record")
def check_codelist_earlier_terms(ds: DatasetData, pkg: Package) -> TableHits | None:
    """Values that are submission values of an earlier CT version of the variable's codelist (renamed/retired)."""
    mapping = {v: c for v, c in codelist_map(ds, pkg).items() if earlier_terms(pkg, c)}
    if not mapping:
        return None
    rows = []
    for name, codelist in mapping.items():
        older = earlier_terms(pkg, codelist)
        text = ds.text(name)
        hit = text.isin(set(older)) & ~text.isin(pkg.ct_values(codelist))
        if hit.any():
            rows.append(pd.DataFrame({"row": ds.frame.index[hit.to_numpy()], "variable": name,
                                      "value": text[hit].to_numpy() + " (now " + text[hit].map(older).to_numpy()
                                      + f", codelist {codelist})"}))
    return _hits(rows)


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
    left, right = ds.map_text(code_var, lambda t: t.map(code_of)), ds.map_text(decode_var, lambda t: t.map(decode_of))
    bad = left.notna() & right.notna() & (left != right)
    return TableHits(pd.DataFrame({"row": ds.frame.index[bad.to_numpy()], "variable": f"{code_var}, {decode_var}",
                                   "value": (ds.text(code_var)[bad] + ", " + ds.text(decode_var)[bad]).to_numpy()}))
