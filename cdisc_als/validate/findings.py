"""Findings: one fixed-column DataFrame, built from op hits and summarised for the reports.

Columns: ``rule_id, p21, cdisc, severity, dataset, usubjid, seq, variable, value, message``.
Sorting is stable (severity, dataset, rule, subject, seq, variable, value) so reports are reproducible.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc_als.validate.catalog import SEVERITIES, Rule, load_catalog
from cdisc_als.validate.context import DatasetData
from cdisc_als.validate.registry import RecordHits, TableHits, VariableHits

FINDING_COLUMNS = ["rule_id", "p21", "cdisc", "severity", "dataset", "usubjid", "seq", "variable", "value", "message"]
RULE_STATUSES = ("passed", "issues", "skipped", "error")


def empty_findings() -> pd.DataFrame:
    return pd.DataFrame(columns=FINDING_COLUMNS, dtype=object)


def _seq_column(ds: DatasetData) -> str | None:
    for name in (ds.resolve("--SEQ"), "ASEQ", "TSSEQ", "IDVARVAL"):
        if name in ds.frame.columns:
            return name
    return None


def _subject_and_seq(ds: DatasetData | None, rows: pd.Index) -> tuple[pd.Series, pd.Series]:
    if ds is None or not len(rows):
        return pd.Series([""] * len(rows), dtype=object), pd.Series([""] * len(rows), dtype=object)
    blank = pd.Series("", index=range(len(rows)), dtype=object)
    usubjid = ds.text("USUBJID").reindex(rows) if "USUBJID" in ds.frame.columns else blank
    seq_name = _seq_column(ds)
    seq = ds.text(seq_name).reindex(rows) if seq_name else blank
    return (usubjid.reset_index(drop=True).fillna("").astype(object),
            seq.reset_index(drop=True).fillna("").astype(object))


def findings_from_hits(rule: Rule, ds: DatasetData | None, hits, dataset_name: str) -> pd.DataFrame:
    """Turn one op result into finding rows for ``rule`` on ``dataset_name`` (None when there are none)."""
    if not hit_count(hits):
        return None
    if isinstance(hits, RecordHits):
        mask = hits.mask.fillna(False).astype(bool)
        rows = ds.frame.index[mask.to_numpy()]
        usubjid, seq = _subject_and_seq(ds, rows)
        if hits.variables:
            values = [ds.text(v).loc[rows].reset_index(drop=True) for v in hits.variables]
            value = values[0]
            for more in values[1:]:
                value = value + ", " + more
        else:
            value = pd.Series([""] * len(rows), dtype=object)
        frame = pd.DataFrame({"usubjid": usubjid, "seq": seq, "variable": ", ".join(hits.variables),
                              "value": value.astype(object)})
    elif isinstance(hits, VariableHits):
        values = hits.values or [""] * len(hits.variables)
        frame = pd.DataFrame({"usubjid": "", "seq": "", "variable": hits.variables, "value": values})
    elif isinstance(hits, TableHits):
        frame = hits.frame.copy()
        if "row" in frame.columns:
            usubjid, seq = _subject_and_seq(ds, pd.Index(frame["row"]))
            frame = frame.drop(columns="row").reset_index(drop=True)
            frame["usubjid"], frame["seq"] = usubjid, seq
    else:
        raise TypeError(f"op {rule.op} returned {type(hits).__name__}, not a hits object")
    frame = frame.reindex(columns=["dataset", "usubjid", "seq", "variable", "value"])
    if frame["dataset"].isna().all():
        frame["dataset"] = dataset_name
    frame = frame.astype(object).fillna("").astype(str)
    frame.insert(0, "rule_id", rule.id)
    frame.insert(1, "p21", rule.p21)
    frame.insert(2, "cdisc", rule.cdisc)
    frame.insert(3, "severity", rule.severity)
    frame["message"] = rule.message
    return frame[FINDING_COLUMNS]


def hit_count(hits) -> int:
    """How many findings an op result holds, without building them."""
    if isinstance(hits, RecordHits):
        return int(hits.mask.fillna(False).astype(bool).sum())
    if isinstance(hits, VariableHits):
        return len(hits.variables)
    if isinstance(hits, TableHits):
        return len(hits.frame)
    raise TypeError(f"op returned {type(hits).__name__}, not a hits object")


def sort_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """Stable order: severity (Error first), dataset, rule, subject, sequence, variable, value."""
    if findings.empty:
        return empty_findings()
    seq_codes, seq_values = pd.factorize(findings["seq"], use_na_sentinel=False)
    seq_number = pd.to_numeric(pd.Series(seq_values), errors="coerce")
    keys = [_rank(findings["severity"].map({s: i for i, s in enumerate(SEVERITIES)})), _rank(findings["dataset"]),
            _rank(findings["rule_id"]), _rank(findings["usubjid"]), _rank(seq_number)[seq_codes],
            _rank(pd.Series(seq_values))[seq_codes], _rank(findings["variable"]), _rank(findings["value"])]
    order = np.lexsort(keys[::-1])                   # stable, first key most significant
    return findings[FINDING_COLUMNS].iloc[order].reset_index(drop=True)


def _rank(values: pd.Series) -> np.ndarray:
    """Each value's rank among the distinct values (missing first): sorting integers, not millions of strings."""
    return pd.factorize(values, sort=True)[0]


def summarise_issues(findings: pd.DataFrame, value_rules: set[str] | None = None) -> pd.DataFrame:
    """One row per dataset x rule: the count of affected records (or variables), the variables named.

    Rules that count ``values`` (catalog ``count: values``, e.g. CT2001/CT2002: Pinnacle 21 reports a
    terminology issue once per distinct value) count distinct variable/value pairs; ``records`` always
    holds the number of finding rows behind the count.
    """
    columns = ["dataset", "rule", "p21", "cdisc", "severity", "message", "variables", "count", "records"]
    if findings.empty:
        return pd.DataFrame(columns=columns)
    if value_rules is None:
        value_rules = {r.id for r in load_catalog() if r.count == "values"}
    grouped = findings.groupby(["dataset", "rule_id"], sort=True, observed=True)
    out = grouped.agg(p21=("p21", "first"), cdisc=("cdisc", "first"), severity=("severity", "first"),
                      message=("message", "first"), records=("message", "size"))
    named = findings[["dataset", "rule_id", "variable"]].drop_duplicates()
    out["variables"] = named.groupby(["dataset", "rule_id"], sort=True)["variable"].agg(
        lambda v: sorted({x for s in v for x in s.split(", ") if x}))
    by_value = findings[findings["rule_id"].isin(value_rules)]
    distinct = by_value.drop_duplicates(["dataset", "rule_id", "variable", "value"]) \
        .groupby(["dataset", "rule_id"], sort=True).size()
    out["count"] = distinct.reindex(out.index).fillna(out["records"]).astype(int)
    out = out.reset_index().rename(columns={"rule_id": "rule"})
    return out[columns]


def cap_details(findings: pd.DataFrame, cap: int) -> tuple[pd.DataFrame, dict[str, int]]:
    """At most ``cap`` detail rows per dataset x rule; returns the kept rows and the totals of capped groups."""
    if findings.empty:
        return findings, {}
    rank = findings.groupby(["dataset", "rule_id"], sort=False).cumcount()
    sizes = findings.groupby(["dataset", "rule_id"], sort=True).size()
    capped = {f"{d}/{r}": int(n) for (d, r), n in sizes.items() if n > cap}
    return findings[rank < cap].reset_index(drop=True), capped
