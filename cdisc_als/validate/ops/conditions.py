"""The ``condition`` op: a record fails when every clause in ``all`` (and one in ``any``) holds.

Most FDA Validator record rules are of the form "X must (not) be populated when Y is ...".
They are written in the catalog as clause lists, so one vectorised function serves them all::

    check:
      op: condition
      params:
        all:
          - {var: --ORRES, is: populated}
          - {var: --STAT, is: eq, value: NOT DONE}
        optional: [--STAT]        # may be absent: read as all-null; other absent variables = rule n/a

``skip_when_all_null`` names variables that, when empty in every record, mean the study did not
collect them (the rule then does not apply). ``when_any_present`` names variables of which at least
one must be in the dataset for the rule to apply (e.g. the relative-timing variables of SD0021). A clause with ``ci: true`` compares case-insensitively.

Clause tests: populated, null, eq, ne, in, not_in, eq_var, ne_var, gt, lt, ge, le (numbers),
gt_var, lt_var (numbers), matches, not_matches (regex, full match), longer_than (characters),
non_ascii, leading_space.
"""
from __future__ import annotations

import operator

import numpy as np
import pandas as pd

from cdisc_als.validate.context import DatasetData
from cdisc_als.validate.registry import RecordHits, TableHits, register_op

_NUM = {"gt": operator.gt, "lt": operator.lt, "ge": operator.ge, "le": operator.le}


def compute_clause(ds: DatasetData, clause: dict) -> pd.Series:
    """Boolean mask of rows where one clause holds, evaluated once per distinct value (or pair of values)."""
    var, test, value = clause["var"], clause["is"], clause.get("value")
    if test == "populated":
        return ~ds.null(var)
    if test == "null":
        return ds.null(var)
    if test == "leading_space":
        if pd.api.types.is_numeric_dtype(ds.col(var)):
            return pd.Series(False, index=ds.frame.index)
        return ds.map_column(var, _leading_space).astype(bool)
    ci = bool(clause.get("ci"))
    absent = var not in ds.frame.columns and not ds.has(var)      # an absent (optional) variable reads as all-null
    if test in ("eq_var", "ne_var", "gt_var", "lt_var"):
        if absent:
            return ds.map_text(value, lambda other: _pair_holds(pd.Series("", index=other.index), other, test, ci))
        return ds.map_texts([var, value], lambda pair: _pair_holds(pair.iloc[:, 0], pair.iloc[:, 1], test, ci))
    if ci:
        value = [str(v).upper() for v in value] if isinstance(value, list) else str(value).upper()
    if absent:
        holds = bool(np.asarray(_value_holds(pd.Series([""]), test, value, ci))[0])
        return pd.Series(holds, index=ds.frame.index)
    return ds.map_text(var, lambda texts: _value_holds(texts, test, value, ci))


def _value_holds(text: pd.Series, test: str, value, ci: bool) -> pd.Series:
    """One clause test on texts (a one-variable test; ``value`` already upper-cased when ``ci``)."""
    if ci:
        text = text.str.upper()
    if test == "eq":
        return text == str(value)
    if test == "ne":
        return text != str(value)
    if test == "in":
        return text.isin([str(v) for v in value])
    if test == "not_in":
        return ~text.isin([str(v) for v in value])
    if test in _NUM:
        return _NUM[test](pd.to_numeric(text, errors="coerce"), float(value)).fillna(False).astype(bool)
    if test in ("matches", "not_matches"):
        hit = text.str.fullmatch(str(value)).fillna(False).astype(bool)
        return hit if test == "matches" else ~hit & (text != "")
    if test == "longer_than":
        return text.str.len() > int(value)
    if test == "non_ascii":
        return ~text.str.fullmatch(r"[\x20-\x7e]*").fillna(True).astype(bool)
    raise ValueError(f"unknown clause test {test!r}")


def _pair_holds(text: pd.Series, other: pd.Series, test: str, ci: bool) -> pd.Series:
    """A two-variable test (eq_var, ne_var as text; gt_var, lt_var as numbers) on pairs of texts
    (``ci`` upper-cases the clause's own variable only)."""
    if ci:
        text = text.str.upper()
    if test in ("eq_var", "ne_var"):
        same = text == other
        return same if test == "eq_var" else ~same
    left, right = pd.to_numeric(text, errors="coerce"), pd.to_numeric(other, errors="coerce")
    return _NUM[test[:2]](left, right).fillna(False).astype(bool)


def _leading_space(values: pd.Series) -> pd.Series:
    raw = values.fillna("").astype(str)
    return raw.str.startswith(" ") & (raw.str.strip() != "") | (raw.str.strip() == ".")


def clause_variables(params: dict) -> list[str]:
    names: list[str] = []
    for clause in [*params.get("all", ()), *params.get("any", ())]:
        names.append(clause["var"])
        if clause["is"].endswith("_var"):
            names.append(clause["value"])
    return list(dict.fromkeys(names))


@register_op("condition")
def check_condition(ds: DatasetData, pkg, **params) -> RecordHits | None:
    """Rows where all clauses of ``all`` hold and (if given) at least one of ``any``."""
    optional = set(params.get("optional", ()))
    needed = [v for v in clause_variables(params) if v not in optional]
    if not ds.has(*needed):
        return None
    if any(ds.null(v).all() for v in params.get("skip_when_all_null", ())):
        return None
    if params.get("when_any_present") and not any(ds.has(v) for v in params["when_any_present"]):
        return None
    mask = pd.Series(True, index=ds.frame.index)
    for clause in params.get("all", ()):
        mask &= compute_clause(ds, clause)
    if params.get("any"):
        alternatives = pd.Series(False, index=ds.frame.index)
        for clause in params["any"]:
            alternatives |= compute_clause(ds, clause)
        mask &= alternatives
    report = [ds.resolve(v) for v in params.get("report", clause_variables(params)) if ds.has(v)]
    return RecordHits(mask, report)


@register_op("each_variable", level="record")
def check_each_variable(ds: DatasetData, pkg, **params) -> TableHits | None:
    """Apply one clause to every variable matching ``pattern`` (e.g. leading spaces in any Char)."""
    import re


    pattern = re.compile(params.get("pattern", ".*"))
    skip = re.compile(params["skip"]) if params.get("skip") else None
    rows = []
    for name in ds.frame.columns:
        if not pattern.fullmatch(name) or (skip and skip.fullmatch(name)):
            continue
        if params.get("char_only", True) and pd.api.types.is_numeric_dtype(ds.frame[name]):
            continue
        mask = compute_clause(ds, {**params["clause"], "var": name})
        if mask.any():
            rows.append(pd.DataFrame({"row": ds.frame.index[mask.to_numpy()], "variable": name,
                                      "value": ds.frame.loc[mask, name].astype(str).to_numpy()}))
    frame = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["row", "variable", "value"])
    return TableHits(frame)
