"""Run the catalog over a package: scope and version filters, one op call per rule x dataset.

An op that raises gives its rule the status ``error`` (with the exception text) and the run goes on.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from cdisc_als.metadata.spec import load_spec
from cdisc_als.validate.catalog import Rule, load_catalog
from cdisc_als.validate.context import DatasetData, Package
from cdisc_als.validate.findings import empty_findings, findings_from_hits, sort_findings
from cdisc_als.validate.registry import get_op

MODELS = {"sdtmig-3.4": "sdtmig-3.4", "adamig-1.3": "adamig-1.3"}
SDTM_VERSIONS = ("sdtmig-3.1.2", "sdtmig-3.1.3", "sdtmig-3.2", "sdtmig-3.3", "sdtmig-3.4")
ADAM_VERSIONS = ("adamig-1.1", "adamig-1.2", "adamig-1.3")


@dataclass
class Result:
    """What a validation run produced: findings, each rule's status, and the datasets seen."""

    findings: pd.DataFrame
    rules: pd.DataFrame          # rule, p21, cdisc, severity, message, status, reason, datasets, count
    datasets: pd.DataFrame       # dataset, file, records, variables, label, errors, warnings, notices
    standard: str
    standard_source: str = "given"
    unreadable: list = field(default_factory=list)   # (dataset, why) for files that could not be read

    @property
    def error_count(self) -> int:
        return int((self.findings["severity"] == "Error").sum())


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


def run_rule(rule: Rule, pkg: Package) -> tuple[pd.DataFrame, dict]:
    """Findings and a status row for one rule."""
    status = {"rule": rule.id, "p21": rule.p21, "cdisc": rule.cdisc, "severity": rule.severity,
              "message": rule.message, "status": "passed", "reason": "", "datasets": "", "count": 0}
    reason = skip_reason(rule, pkg)
    if reason:
        return empty_findings(), {**status, "status": "skipped", "reason": reason}
    op = get_op(rule.op)
    params = dict(rule.params)
    parts, applied = [], []
    try:
        if rule.level == "package":
            hits = op(None, pkg, **params)
            if hits is not None:
                applied.append("(package)")
                parts.append(findings_from_hits(rule, None, hits, ""))
                parts = [p for p in parts if p is not None]
        else:
            for ds in pkg.datasets.values():
                if not in_scope(rule, ds, pkg):
                    continue
                hits = op(ds, pkg, **params)
                if hits is None:
                    continue
                applied.append(ds.name)
                found = findings_from_hits(rule, ds, hits, ds.name)
                if found is not None:
                    parts.append(found)
    except Exception as err:  # noqa: BLE001 - an op bug must not stop the run; it is reported as 'error'
        return empty_findings(), {**status, "status": "error", "reason": f"{type(err).__name__}: {err}"}
    found = pd.concat(parts, ignore_index=True) if parts else empty_findings()
    if not applied:
        return found, {**status, "status": "skipped", "reason": "skipped: no dataset in scope has the variables"}
    status.update(datasets=" ".join(sorted(set(applied))), count=len(found),
                  status="issues" if len(found) else "passed")
    return found, status


def validate_package(datasets: dict[str, DatasetData | pd.DataFrame], *, standard: str = "sdtmig-3.4",
                     define=None, rules: tuple[Rule, ...] | None = None,
                     unreadable: list[tuple[str, str]] | None = None) -> Result:
    """Validate in-memory datasets (``DatasetData`` or plain frames keyed by dataset name)."""
    data = {name.upper(): d if isinstance(d, DatasetData) else DatasetData(name, d) for name, d in datasets.items()}
    model = MODELS.get(standard)
    spec = load_spec(model or ("adamig-1.3" if kind_of(standard) == "adam" else "sdtmig-3.4"))
    pkg = Package(data, standard, spec, model is not None, define, list(unreadable or ()))
    parts, statuses = [], []
    for rule in rules if rules is not None else load_catalog():
        found, status = run_rule(rule, pkg)
        parts.append(found)
        statuses.append(status)
    non_empty = [p for p in parts if len(p)]
    findings = sort_findings(pd.concat(non_empty, ignore_index=True)) if non_empty else empty_findings()
    return Result(findings, pd.DataFrame(statuses), dataset_summary(pkg, findings), standard,
                  unreadable=list(pkg.unreadable))


def dataset_summary(pkg: Package, findings: pd.DataFrame) -> pd.DataFrame:
    """One row per dataset with its size and finding counts by severity."""
    counts = findings.groupby(["dataset", "severity"]).size().unstack(fill_value=0) if len(findings) else None
    rows = []
    for name in sorted(pkg.datasets):
        ds = pkg.datasets[name]
        row = {"dataset": name, "file": ds.path, "records": len(ds.frame), "variables": len(ds.frame.columns),
               "label": ds.label}
        for sev in ("Error", "Warning", "Notice"):
            row[sev.lower() + "s"] = int(counts.loc[name, sev]) if counts is not None and name in counts.index \
                and sev in counts.columns else 0
        rows.append(row)
    return pd.DataFrame(rows, columns=["dataset", "file", "records", "variables", "label",
                                       "errors", "warnings", "notices"])
