"""Domain logic that is more than a clause list: SUPPQUAL/RELREC references, TS parameters,
--STRESN vs --STRESC, informed consent in DS."""
from __future__ import annotations

import re

import pandas as pd

from cdisc_als.validate.context import DatasetData, Package
from cdisc_als.validate.ops.conditions import compute_clause
from cdisc_als.validate.registry import RecordHits, TableHits, register_op

INTEGER_TEXT = re.compile(r"[1-9][0-9]*|0")


def _parent(pkg: Package, rdomain: str) -> DatasetData | None:
    found = pkg.by_domain(rdomain) if rdomain else []
    return found[0] if len(found) == 1 else pkg.get(rdomain)


def _reference_rows(ds: DatasetData) -> pd.DataFrame:
    return pd.DataFrame({"rdomain": ds.text("RDOMAIN"), "usubjid": ds.text("USUBJID") if ds.has("USUBJID") else "",
                         "idvar": ds.text("IDVAR") if ds.has("IDVAR") else "",
                         "idvarval": ds.text("IDVARVAL") if ds.has("IDVARVAL") else ""}, index=ds.frame.index)


@register_op("reference_domain_exists", level="record")
def check_reference_domain_exists(ds: DatasetData, pkg: Package) -> RecordHits | None:
    """RDOMAIN values naming no dataset of the study."""
    if not ds.has("RDOMAIN"):
        return None
    domains = {d.domain for d in pkg.datasets.values() if not d.is_supp} | set(pkg.datasets)
    return RecordHits(~ds.null("RDOMAIN") & ~ds.text("RDOMAIN").isin(domains), ["RDOMAIN"])


@register_op("reference_variable_exists", level="record")
def check_reference_variable_exists(ds: DatasetData, pkg: Package) -> RecordHits | None:
    """IDVAR values that are not variables of the referenced (existing) domain."""
    if not ds.has("RDOMAIN", "IDVAR"):
        return None
    refs = _reference_rows(ds)
    mask = pd.Series(False, index=ds.frame.index)
    for rdomain, rows in refs[refs["idvar"] != ""].groupby("rdomain", sort=False):
        parent = _parent(pkg, rdomain)
        if parent is not None:
            mask[rows.index] = ~rows["idvar"].isin(set(parent.frame.columns))
    return RecordHits(mask, ["RDOMAIN", "IDVAR"])


@register_op("reference_record_exists", level="record")
def check_reference_record_exists(ds: DatasetData, pkg: Package) -> RecordHits | None:
    """RDOMAIN/USUBJID/IDVAR/IDVARVAL that match no record of the parent dataset.

    Numeric identifying variables (--SEQ) are matched as numbers; a blank IDVAR refers to the subject.
    Parents that are absent or lack IDVAR are left to the RDOMAIN/IDVAR rules.
    """
    if not ds.has("RDOMAIN"):
        return None
    refs = _reference_rows(ds)
    mask = pd.Series(False, index=ds.frame.index)
    for (rdomain, idvar), rows in refs.groupby(["rdomain", "idvar"], sort=False):
        parent = _parent(pkg, rdomain)
        if parent is None or (idvar and idvar not in parent.frame.columns):
            continue
        if not idvar:
            if rows["usubjid"].eq("").all() or not parent.has("USUBJID"):
                continue
            mask[rows.index] = ~rows["usubjid"].isin(set(parent.text("USUBJID")))
            continue
        numeric = pd.api.types.is_numeric_dtype(parent.frame[idvar])
        theirs = pd.to_numeric(parent.frame[idvar], errors="coerce").astype("float64") if numeric else parent.text(idvar)
        mine = pd.to_numeric(rows["idvarval"], errors="coerce").astype("float64") if numeric else rows["idvarval"]
        mine_key, theirs_key = mine.astype(str), theirs.astype(str)
        if parent.has("USUBJID") and (rows["usubjid"] != "").all():
            found = pd.MultiIndex.from_arrays([rows["usubjid"], mine_key]).isin(
                pd.MultiIndex.from_arrays([parent.text("USUBJID"), theirs_key]))
        else:
            found = mine_key.isin(set(theirs_key)).to_numpy()
        mask[rows.index] = ~found & (rows["idvarval"] != "")
    return RecordHits(mask, ["RDOMAIN", "IDVAR", "IDVARVAL"])


@register_op("idvarval_format", level="record")
def check_idvarval_format(ds: DatasetData, pkg: Package) -> RecordHits | None:
    """IDVARVAL for a --SEQ must be an integer text (no '.0', no decimals); leading blanks are SD1021's."""
    if not ds.has("IDVAR", "IDVARVAL"):
        return None
    seq = ds.text("IDVAR").str.endswith("SEQ")
    plain = ds.map_column("IDVARVAL", lambda u: u.fillna("").astype(str).str.strip().str.fullmatch(INTEGER_TEXT.pattern))
    return RecordHits(seq & ~plain.astype(bool), ["IDVAR", "IDVARVAL"])


@register_op("ts_parameter_missing", level="dataset")
def check_ts_parameter_missing(ds: DatasetData, pkg: Package, *, parmcd: str, when: dict | None = None) -> TableHits | None:
    """TS lacks a record for ``parmcd`` (optionally only when another parameter has a given value)."""
    if not ds.has("TSPARMCD"):
        return None
    codes = ds.text("TSPARMCD")
    if when:
        values = ds.text("TSVAL")[codes == when["parmcd"]]
        if not values.isin([str(v) for v in when["values"]]).any():
            return TableHits(pd.DataFrame(columns=["variable", "value"]))
    missing = not (codes == parmcd).any()
    return TableHits(pd.DataFrame([{"variable": "TSPARMCD", "value": parmcd}] if missing else [],
                                  columns=["variable", "value"]))


@register_op("ts_value", level="record")
def check_ts_value(ds: DatasetData, pkg: Package, *, parmcd: str, clause: dict) -> RecordHits | None:
    """TSVAL of ``parmcd`` records that meet the failing ``clause``."""
    if not ds.has("TSPARMCD", "TSVAL"):
        return None
    mask = (ds.text("TSPARMCD") == parmcd) & compute_clause(ds, {**clause, "var": "TSVAL"})
    return RecordHits(mask, ["TSPARMCD", "TSVAL"])


@register_op("stresn_vs_stresc", level="record")
def check_stresn_vs_stresc(ds: DatasetData, pkg: Package, *, mode: str = "mismatch") -> RecordHits | None:
    """Where --STRESC is a number, --STRESN must be populated (``missing``) and equal to it (``mismatch``)."""
    if not ds.has("--STRESC", "--STRESN"):
        return None
    as_number = ds.map_text("--STRESC", lambda text: pd.to_numeric(text, errors="coerce"))
    stresn = pd.to_numeric(ds.col("--STRESN"), errors="coerce")
    if mode == "missing":
        mask = as_number.notna() & stresn.isna()
    else:
        mask = as_number.notna() & stresn.notna() & ((as_number - stresn).abs() > 1e-9 * as_number.abs().clip(lower=1))
    return RecordHits(mask, [ds.resolve("--STRESC"), ds.resolve("--STRESN")])


@register_op("subject_lacks_event", level="record")
def check_subject_lacks_event(ds: DatasetData, pkg: Package, *, domain: str, variable: str, values: list,
                              unless: list = ()) -> RecordHits | None:
    """DM subjects with no record in ``domain`` whose ``variable`` is one of ``values`` (e.g. informed consent in DS)."""
    targets = [t for t in pkg.by_domain(domain) if t.has(variable, "USUBJID")]
    if not targets or not ds.has("USUBJID"):
        return None
    having = set()
    for t in targets:
        having |= set(t.text("USUBJID")[t.text(variable).isin([str(v) for v in values])])
    mask = ~ds.text("USUBJID").isin(having)
    for clause in unless:
        if ds.has(clause["var"]):
            mask &= ~compute_clause(ds, clause)
    return RecordHits(mask, ["USUBJID"])
