"""Findings: one fixed-column DataFrame, built from op hits and summarised for the reports.

Columns: ``rule_id, p21, cdisc, severity, dataset, usubjid, seq, variable, value, message``.
Sorting is stable (severity, dataset, rule, subject, seq, variable, value) so reports are reproducible.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cdisc_als.validate.catalog import SEVERITIES, Rule, load_catalog
from cdisc_als.distinct import compute_first_rows, compute_tuple_codes, fold_codes
from cdisc_als.validate.context import DatasetData
from cdisc_als.validate.registry import RecordHits, TableHits, VariableHits

FINDING_COLUMNS = ["rule_id", "p21", "cdisc", "severity", "dataset", "usubjid", "seq", "variable", "value", "message"]
RULE_STATUSES = ("passed", "issues", "skipped", "error")
ISSUE_COLUMNS = ["dataset", "rule", "p21", "cdisc", "severity", "message", "variables", "count", "records"]


def empty_findings() -> pd.DataFrame:
    return pd.DataFrame(columns=FINDING_COLUMNS, dtype=object)


def _seq_column(ds: DatasetData) -> str | None:
    for name in (ds.resolve("--SEQ"), "ASEQ", "TSSEQ", "IDVARVAL"):
        if name in ds.frame.columns:
            return name
    return None


def _subject_and_seq(ds: DatasetData | None, rows: pd.Index) -> tuple[pd.Series, pd.Series]:
    """USUBJID and sequence texts of the rows labelled ``rows`` ('' where there is none)."""
    blank = pd.Series([""] * len(rows), dtype=object)
    if ds is None or not len(rows):
        return blank, blank.copy()
    positions = ds.frame.index.get_indexer(rows)
    seq_name = _seq_column(ds)
    usubjid = pd.Series(ds.text_at("USUBJID", positions), dtype=object) if "USUBJID" in ds.frame.columns else blank
    seq = pd.Series(ds.text_at(seq_name, positions), dtype=object) if seq_name else blank
    return usubjid, seq


def findings_from_hits(rule: Rule, ds: DatasetData | None, hits, dataset_name: str) -> pd.DataFrame:
    """Turn one op result into finding rows for ``rule`` on ``dataset_name`` (None when there are none)."""
    if not hit_count(hits):
        return None
    if isinstance(hits, RecordHits):
        return record_findings(rule, ds, hit_positions(hits), hits.variables, dataset_name)
    if isinstance(hits, VariableHits):
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
    return _finish(rule, frame, dataset_name)


def hit_positions(hits: RecordHits) -> np.ndarray:
    """Row positions (0-based) of the records a :class:`RecordHits` flags."""
    return np.flatnonzero(hits.mask.fillna(False).astype(bool).to_numpy())


def record_findings(rule: Rule, ds: DatasetData, positions: np.ndarray, variables: list[str],
                    dataset_name: str, values: np.ndarray | None = None) -> pd.DataFrame:
    """Finding rows for the records at ``positions``; ``value`` shows ``variables`` joined by ", ".

    ``values`` may hold the value texts already built (one per position).
    """
    usubjid, seq = _subject_and_seq(ds, ds.frame.index[positions])
    if values is None:
        codes, texts = record_values(ds, positions, variables)
        values = texts[codes]
    frame = pd.DataFrame({"usubjid": usubjid, "seq": seq, "variable": ", ".join(variables),
                          "value": pd.Series(values, dtype=object)})
    return _finish(rule, frame, dataset_name)


def record_values(ds: DatasetData, positions: np.ndarray, variables: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The shown value of each record at ``positions`` as ``texts[codes]``: one text per distinct combination of
    the ``variables``' values, so the strings are built once per combination, not once per record."""
    if not variables:
        return np.zeros(len(positions), dtype=np.intp), np.array([""], dtype=object)
    columns = [ds.text_codes(v) for v in variables]
    combo = compute_tuple_codes([codes[positions] for codes, _ in columns])
    first = compute_first_rows(combo)
    texts = None
    for codes, names in columns:
        part = names[codes[positions[first]]]
        texts = part if texts is None else texts + ", " + part
    return combo, texts.astype(object)


def _finish(rule: Rule, frame: pd.DataFrame, dataset_name: str) -> pd.DataFrame:
    """The fixed finding columns: text everywhere ('' for missing), the rule's ids, severity and message."""
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


@dataclass
class Found:
    """One op result as findings: the detail rows kept and the complete summary of every finding.

    ``issues`` has one row per dataset x rule (the columns of :func:`summarise_issues`) and counts every
    finding; ``rows`` holds, per dataset x rule, only the first ``limit`` findings in the order of
    :func:`sort_findings` (all of them without a limit), not yet sorted across groups.
    """

    rows: pd.DataFrame
    issues: pd.DataFrame


def collect_findings(rule: Rule, ds: DatasetData | None, hits, dataset_name: str,
                     limit: int | None = None) -> Found | None:
    """Findings of one op result, summarised over all of them and kept up to ``limit`` per dataset x rule.

    Record hits are ordered on integer codes (subject, sequence, shown value) and only the kept
    records get finding strings; other hits are small and are built as rows, then summarised and cut.
    """
    value_rules = {rule.id} if rule.count == "values" else set()
    if isinstance(hits, RecordHits):
        positions = hit_positions(hits)
        if not len(positions):
            return None
        codes, texts = record_values(ds, positions, hits.variables)
        count = len(pd.unique(texts)) if value_rules else len(positions)
        issues = issue_row(rule, dataset_name, [", ".join(hits.variables)], count, len(positions))
        if limit is not None and len(positions) > limit:
            keep = first_records(ds, positions, codes, texts, limit)
            positions, codes = positions[keep], codes[keep]
        return Found(record_findings(rule, ds, positions, hits.variables, dataset_name, texts[codes]), issues)
    frame = findings_from_hits(rule, ds, hits, dataset_name)
    if frame is None:
        return None
    issues = summarise_issues(frame, value_rules)
    if limit is not None and len(frame) > limit:
        frame = cap_details(sort_findings(frame), limit)[0]
    return Found(frame, issues)


def first_records(ds: DatasetData, positions: np.ndarray, codes: np.ndarray, texts: np.ndarray,
                  limit: int) -> np.ndarray:
    """Indexes (into ``positions``, ascending) of the first ``limit`` records in the order of :func:`sort_findings`.

    Within one dataset x rule that order is subject, sequence as a number (non-numbers first), sequence
    as text, shown value (``texts[codes]``), then the op's order; each is ranked once per distinct value.
    """
    keys = []
    if ds is not None and "USUBJID" in ds.frame.columns:
        subject_codes, subjects = ds.text_codes("USUBJID")
        keys.append(_rank(pd.Series(subjects))[subject_codes[positions]])
    seq_name = _seq_column(ds) if ds is not None else None
    if seq_name:
        seq_codes, seqs = ds.text_codes(seq_name)
        number = _rank(pd.to_numeric(pd.Series(seqs), errors="coerce"))
        keys.append(fold_codes([number, _rank(pd.Series(seqs))])[seq_codes[positions]])
    keys.append(_rank(pd.Series(texts))[codes])
    key = fold_codes(keys)
    cut = np.partition(key, limit - 1)[limit - 1]
    candidates = np.flatnonzero(key <= cut)                 # the first ``limit``, plus any tied with the last
    return np.sort(candidates[np.argsort(key[candidates], kind="stable")[:limit]])


def issue_row(rule: Rule, dataset_name: str, variables: list[str], count: int, records: int) -> pd.DataFrame:
    """The :func:`summarise_issues` row of one dataset x rule (``variables`` as written in the findings)."""
    named = sorted({x for v in variables for x in v.split(", ") if x})
    return pd.DataFrame([{"dataset": dataset_name, "rule": rule.id, "p21": rule.p21, "cdisc": rule.cdisc,
                          "severity": rule.severity, "message": rule.message, "variables": named,
                          "count": count, "records": records}], columns=ISSUE_COLUMNS)


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
    columns = ISSUE_COLUMNS
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
