"""Run the catalog over a package: scope and version filters, one op call per rule x dataset.

An op that raises gives its rule the status ``error`` (with the exception text) and the run goes on.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from cdisc_als.metadata.spec import load_spec
from cdisc_als.validate.catalog import SEVERITIES, Rule, load_catalog
from cdisc_als.validate.context import DatasetData, Package
from cdisc_als.validate.findings import Found, collect_findings, empty_findings, sort_findings, summarise_issues
from cdisc_als.validate.registry import get_op

MODELS = {"sdtmig-3.4": "sdtmig-3.4", "adamig-1.3": "adamig-1.3"}
SDTM_VERSIONS = ("sdtmig-3.1.2", "sdtmig-3.1.3", "sdtmig-3.2", "sdtmig-3.3", "sdtmig-3.4")
ADAM_VERSIONS = ("adamig-1.1", "adamig-1.2", "adamig-1.3")


@dataclass
class Result:
    """What a validation run produced: findings, their summary, each rule's status, and the datasets seen.

    ``issues`` summarises every finding (one row per dataset x rule, see :func:`summarise_issues`);
    ``findings`` holds the finding rows, all of them, or the first ``detail_limit`` per dataset x rule
    (in the sorted order) when the run was given a limit. Totals come from ``issues``, never from
    counting ``findings``.
    """

    findings: pd.DataFrame
    rules: pd.DataFrame          # rule, p21, cdisc, severity, message, status, reason, datasets, count
    datasets: pd.DataFrame       # dataset, file, records, variables, label, errors, warnings, notices
    standard: str
    standard_source: str = "given"
    unreadable: list = field(default_factory=list)   # (dataset, why) for files that could not be read
    issues: pd.DataFrame | None = None               # None: summarised from ``findings`` (all rows)
    detail_limit: int | None = None

    def __post_init__(self) -> None:
        if self.issues is None:
            if self.detail_limit is not None:
                raise ValueError("a Result with a detail_limit needs its issues summary")
            self.issues = summarise_issues(self.findings)

    @property
    def severity_counts(self) -> dict[str, int]:
        """Number of findings per severity (Error, Warning, Notice), over every finding."""
        totals = self.issues.groupby("severity")["records"].sum() if len(self.issues) else {}
        return {sev: int(totals.get(sev, 0)) for sev in SEVERITIES}

    @property
    def error_count(self) -> int:
        return self.severity_counts["Error"]


def kind_of(standard: str) -> str:
    return "adam" if standard.startswith("adam") else "sdtm"


def in_scope(rule: Rule, ds: DatasetData, pkg: Package) -> bool:
    """Does ``rule`` look at ``ds`` (domain list, classes, exclusions)?"""
    if ds.name in rule.exclude or ds.domain in rule.exclude:
        return False
    names = {ds.name, ds.domain, "SUPPQUAL" if ds.is_supp else ds.domain}
    if rule.domains and not names & set(rule.domains):
        return False
    if rule.classes and not pkg.classes(ds) & set(rule.classes):
        return False
    return True


def skip_reason(rule: Rule, pkg: Package) -> str | None:
    """Why ``rule`` cannot run on this package at all (None when it can)."""
    kind = kind_of(pkg.standard)
    if rule.kind not in (kind, "any"):
        return f"skipped: {rule.kind.upper()} rule, package is {kind.upper()}"
    if rule.versions and pkg.standard not in rule.versions:
        return f"skipped: applies to {', '.join(rule.versions)}, package is {pkg.standard}"
    if rule.model and not pkg.model_available:
        return (f"skipped: model for {pkg.standard} not available "
                f"(specs/ holds SDTMIG 3.4 and ADaMIG 1.3 metadata only)")
    if rule.needs_define and pkg.define is None:
        return "skipped: no define.xml given"
    if rule.profile == "als" and not pkg.is_als:
        return "skipped: ALS-package rule; the package holds no ALSFRS-R/ALSFRS data in QS"
    return None


def run_rule(rule: Rule, pkg: Package, detail_limit: int | None = None) -> tuple[list[Found], dict]:
    """Findings (kept rows and summary per op call) and a status row for one rule."""
    status = {"rule": rule.id, "p21": rule.p21, "cdisc": rule.cdisc, "severity": rule.severity,
              "message": rule.message, "status": "passed", "reason": "", "datasets": "", "count": 0}
    reason = skip_reason(rule, pkg)
    if reason:
        return [], {**status, "status": "skipped", "reason": reason}
    op = get_op(rule.op)
    params = dict(rule.params)
    parts, applied = [], []
    try:
        if rule.level == "package":
            hits = op(None, pkg, **params)
            if hits is not None:
                applied.append("(package)")
                parts.append(collect_findings(rule, None, hits, "", detail_limit))
        else:
            for ds in pkg.datasets.values():
                if not in_scope(rule, ds, pkg):
                    continue
                hits = op(ds, pkg, **params)
                if hits is None:
                    continue
                applied.append(ds.name)
                parts.append(collect_findings(rule, ds, hits, ds.name, detail_limit))
    except Exception as err:  # noqa: BLE001 - an op bug must not stop the run; it is reported as 'error'
        return [], {**status, "status": "error", "reason": f"{type(err).__name__}: {err}"}
    parts = [p for p in parts if p is not None]
    if not applied:
        return parts, {**status, "status": "skipped", "reason": "skipped: no dataset in scope has the variables"}
    count = int(sum(p.issues["records"].sum() for p in parts))
    status.update(datasets=" ".join(sorted(set(applied))), count=count, status="issues" if count else "passed")
    return parts, status


def validate_package(datasets: dict[str, DatasetData | pd.DataFrame], *, standard: str = "sdtmig-3.4",
                     define=None, rules: tuple[Rule, ...] | None = None,
                     unreadable: list[tuple[str, str]] | None = None, detail_limit: int | None = None) -> Result:
    """Validate in-memory datasets (``DatasetData`` or plain frames keyed by dataset name).

    ``detail_limit``: keep only the first that many finding rows per dataset x rule (in the sorted order)
    and never build the others; the summary, totals and reports still count every finding.
    None keeps every row in ``Result.findings``.
    """
    if detail_limit is not None and detail_limit < 1:
        raise ValueError(f"detail_limit must be at least 1, not {detail_limit}")
    data = {name.upper(): d if isinstance(d, DatasetData) else DatasetData(name, d) for name, d in datasets.items()}
    model = MODELS.get(standard)
    spec = load_spec(model or ("adamig-1.3" if kind_of(standard) == "adam" else "sdtmig-3.4"))
    pkg = Package(data, standard, spec, model is not None, define, list(unreadable or ()))
    parts, statuses = [], []
    for rule in rules if rules is not None else load_catalog():
        found, status = run_rule(rule, pkg, detail_limit)
        parts.extend(found)
        statuses.append(status)
    rows = [p.rows for p in parts if len(p.rows)]
    findings = sort_findings(pd.concat(rows, ignore_index=True)) if rows else empty_findings()
    issues = pd.concat([p.issues for p in parts], ignore_index=True) if parts else summarise_issues(findings)
    issues = issues.sort_values(["dataset", "rule"], kind="mergesort").reset_index(drop=True)
    return Result(findings, pd.DataFrame(statuses), dataset_summary(pkg, issues), standard,
                  unreadable=list(pkg.unreadable), issues=issues, detail_limit=detail_limit)


def dataset_summary(pkg: Package, issues: pd.DataFrame) -> pd.DataFrame:
    """One row per dataset with its size and finding counts by severity (``issues``: the summary per dataset x rule)."""
    counts = issues.groupby(["dataset", "severity"])["records"].sum().unstack(fill_value=0) if len(issues) else None
    rows = []
    for name in sorted(pkg.datasets):
        ds = pkg.datasets[name]
        row = {"dataset": name, "file": ds.path, "records": len(ds.frame), "variables": len(ds.frame.columns),
               "label": ds.label}
        for sev in SEVERITIES:
            row[sev.lower() + "s"] = int(counts.loc[name, sev]) if counts is not None and name in counts.index \
                and sev in counts.columns else 0
        rows.append(row)
    return pd.DataFrame(rows, columns=["dataset", "file", "records", "variables", "label",
                                       "errors", "warnings", "notices"])
