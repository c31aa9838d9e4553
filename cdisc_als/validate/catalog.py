"""The rule catalog: YAML files in ``specs/rules/`` checked against ``specs/schema/rule.schema.json``.

A :class:`Rule` says *what* is checked (ids, severity, message, scope, versions, op and its
parameters); :mod:`cdisc_als.validate.ops` says *how*. Rules hold no pandas objects.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import jsonschema
import yaml

from cdisc_als.errors import UserError
from cdisc_als.metadata.spec import specs_dir

SEVERITIES = ("Error", "Warning", "Notice")


@dataclass(frozen=True)
class Rule:
    """One catalog entry (see the schema for each field's meaning)."""

    id: str
    name: str
    severity: str
    message: str
    op: str
    params: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    kind: str = "sdtm"
    level: str = "dataset"
    classes: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    versions: tuple[str, ...] = ()
    model: bool = False
    needs_define: bool = False
    count: str = "records"
    profile: str = ""
    p21: str = ""
    cdisc: str = ""
    description: str = ""
    source: str = ""

    @classmethod
    def from_entry(cls, entry: dict, source: str) -> "Rule":
        scope = entry["scope"]
        return cls(
            id=entry["id"], name=entry["name"], severity=entry["severity"], message=entry["message"],
            op=entry["check"]["op"], params=MappingProxyType(dict(entry["check"].get("params", {}))),
            kind=scope["kind"], level=scope.get("level", "dataset"),
            classes=tuple(scope.get("classes", ())), domains=tuple(d.upper() for d in scope.get("domains", ())),
            exclude=tuple(d.upper() for d in scope.get("exclude", ())), versions=tuple(entry.get("versions", ())),
            model=bool(entry.get("model", False)), needs_define=bool(entry.get("needs_define", False)),
            count=entry.get("count", "records"), profile=entry.get("profile", ""),
            p21=entry.get("p21", ""), cdisc=entry.get("cdisc", ""), description=entry.get("description", ""),
            source=source,
        )


def rule_schema() -> dict:
    return json.loads((specs_dir() / "schema" / "rule.schema.json").read_text(encoding="utf-8"))


def read_rule_file(path: Path, schema: dict | None = None) -> list[Rule]:
    """Read one catalog file; a schema violation is a :class:`UserError` naming the file and rule."""
    try:
        entries = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as err:
        raise UserError(f"not valid YAML: {err}", file=path) from None
    validator = jsonschema.Draft202012Validator(schema or rule_schema())
    problem = next(iter(sorted(validator.iter_errors(entries), key=lambda e: list(e.absolute_path))), None)
    if problem is not None:
        where = "/".join(str(p) for p in problem.absolute_path)
        raise UserError(f"rule catalog does not match rule.schema.json at {where or 'top'}: {problem.message}",
                        file=path)
    return [Rule.from_entry(e, path.name) for e in entries]


@lru_cache(maxsize=4)
def load_catalog(folder: str | None = None) -> tuple[Rule, ...]:
    """Every rule in ``specs/rules`` (or ``folder``), sorted by id; ids and op names are checked."""
    from cdisc_als.validate.registry import OPS, get_op

    root = Path(folder) if folder else specs_dir() / "rules"
    schema = rule_schema()
    rules = [r for path in sorted(root.glob("*.yaml")) for r in read_rule_file(path, schema)]
    seen: dict[str, str] = {}
    for rule in rules:
        if rule.id in seen:
            raise UserError(f"rule id {rule.id} defined twice (also in {seen[rule.id]})", file=root / rule.source)
        seen[rule.id] = rule.source
    get_op("condition") if rules else None
    unknown = sorted({r.op for r in rules} - set(OPS))
    if unknown:
        raise UserError(f"rules name ops that are not registered: {', '.join(unknown)}", file=root)
    return tuple(sorted(rules, key=lambda r: r.id))
