"""Trial designs: data files in ``specs/trials/`` that say what TS, TE, TA and TV hold for a study.

A design (schema ``specs/schema/trial.schema.json``) lists the trial summary parameters with
their values (or a derivation from the data, or an ISO 21090 null flavor), the planned elements
with their epoch and the data event that starts each one, and the elements of each arm.  A
layout names its design with ``trial: <name>``.  Loading checks the design against the schema and
against the specs: every TSPARMCD is a CDISC term, every coded value is a term of its codelist,
every arm names known elements.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cdisc_als.errors import UserError
from cdisc_als.metadata.documents import load_checked_yaml
from cdisc_als.metadata.spec import Spec, specs_dir

PARMCD_CODELIST, PARM_CODELIST = "C66738", "C67152"     # TSPARMCD and TSPARM share C-codes
SUMMARY_COLUMNS = ["parmcd", "tsseq", "value", "derive", "null_flavor", "codelist", "code", "dictionary"]


@dataclass(frozen=True)
class TrialDesign:
    """A loaded, checked design.

    ``summary``: one row per TS record (parmcd, tsseq, value, derive, null_flavor, codelist (short name),
    code (TSVALCD in an external dictionary), dictionary (its TSVCDREF)).
    ``elements``: etcd, element, epoch, starts_at, start_rule, end_rule, duration.
    ``arms``: armcd, taetord, etcd.
    """

    name: str
    description: str
    summary: pd.DataFrame
    elements: pd.DataFrame
    arms: pd.DataFrame
    visit_start_rule: str
    visit_end_rule: str


def trial_path(name: str, *, relative_to: Path | None = None) -> Path:
    """``specs/trials/<name>.yaml``, or ``name`` itself when it is a YAML file (relative to ``relative_to``)."""
    candidate = Path(name)
    if candidate.suffix in {".yaml", ".yml"}:
        for base in ([relative_to] if relative_to else []) + [Path.cwd()]:
            if (base / candidate).is_file():
                return base / candidate
    path = specs_dir() / "trials" / f"{name}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in (specs_dir() / "trials").glob("*.yaml"))
        raise UserError(f"unknown trial design '{name}' (known: {', '.join(known)})")
    return path


def load_trial_design(name: str, spec: Spec, *, relative_to: Path | None = None) -> TrialDesign:
    """Load a design by name or path, check it against its schema and the specs' terminology."""
    path = trial_path(name, relative_to=relative_to)
    doc = load_checked_yaml(path, schema="trial", kind="trial design")
    summary = _summary_table(doc["summary"])
    elements = pd.DataFrame(doc["elements"]).reindex(
        columns=["etcd", "element", "epoch", "starts_at", "start_rule", "end_rule", "duration"]).fillna("")
    arms = pd.DataFrame([{"armcd": armcd, "taetord": order, "etcd": etcd}
                         for armcd, etcds in doc["arms"].items() for order, etcd in enumerate(etcds, start=1)])
    _check(summary, elements, arms, spec, path)
    return TrialDesign(doc["name"], doc.get("description", ""), summary, elements, arms,
                       doc.get("visit_start_rule", ""), doc.get("visit_end_rule", ""))


def _summary_table(entries: list[dict]) -> pd.DataFrame:
    """One row per TS record: a list value gives several records of one parameter (TSSEQ 1, 2, ...)."""
    table = pd.DataFrame(entries).reindex(columns=["parmcd", "value", "derive", "null_flavor", "codelist", "code",
                                                   "code_from_value", "dictionary"])
    table["value"] = table["value"].map(lambda v: v if isinstance(v, list) else [v])
    table = table.explode("value", ignore_index=True)
    table["tsseq"] = table.groupby("parmcd").cumcount() + 1
    table = table.astype({"code_from_value": "boolean"}).fillna({"code_from_value": False})
    text = table.drop(columns="code_from_value").astype(object).where(table.notna(), "").astype(str)
    text["code"] = text["code"].where(~table["code_from_value"].astype(bool), text["value"])
    return text[SUMMARY_COLUMNS]


def _check(summary: pd.DataFrame, elements: pd.DataFrame, arms: pd.DataFrame, spec: Spec, path: Path) -> None:
    known = set(spec.codelist_values(PARMCD_CODELIST))
    unknown = sorted(set(summary["parmcd"]) - known)
    if unknown:
        raise UserError(f"TSPARMCD not in CDISC CT {PARMCD_CODELIST}: {', '.join(unknown)}", file=path)
    for short, values in summary.loc[summary["codelist"] != ""].groupby("codelist")["value"]:
        codelist = codelist_code(spec, short)
        if codelist is None:
            raise UserError(f"no CDISC codelist with the short name '{short}'", file=path)
        bad = sorted(set(values) - set(spec.codelist_values(codelist)))
        if bad:
            raise UserError(f"not in codelist {short} ({codelist}): {', '.join(bad)}", file=path)
    if elements["etcd"].duplicated().any():
        raise UserError("an element code (ETCD) occurs twice", file=path)
    missing = sorted(set(arms["etcd"]) - set(elements["etcd"]))
    if missing:
        raise UserError(f"arms name elements the design does not define: {', '.join(missing)}", file=path)


def codelist_code(spec: Spec, short_name: str) -> str | None:
    """C-code of the CDISC codelist with this short name (e.g. TPHASE -> C66737)."""
    hit = spec.codelists.loc[(spec.codelists["short_name"] == short_name) & (spec.codelists["source"] == "CDISC"),
                             "codelist"]
    return hit.iloc[0] if len(hit) else None


__all__ = ["TrialDesign", "codelist_code", "load_trial_design", "trial_path"]
