"""YAML documents in ``specs/`` (layouts, trial designs) read and checked against their JSON Schema."""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from cdisc_als.errors import UserError
from cdisc_als.metadata.spec import specs_dir


def load_checked_yaml(path: Path, *, schema: str, kind: str) -> dict:
    """Parse ``path`` and check it against ``specs/schema/<schema>.schema.json``.

    A file that is not YAML, or breaks the schema, is a one-line :class:`UserError` naming the file and,
    for the schema, the path of the first offending key (``sources/alsfrs/melt``).
    """
    import jsonschema

    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise UserError(f"{kind} is not valid YAML: {err}", file=path) from None
    rules = json.loads((specs_dir() / "schema" / f"{schema}.schema.json").read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(rules).iter_errors(doc), key=lambda e: list(e.path))
    if errors:
        where = "/".join(str(p) for p in errors[0].path) or "(top)"
        raise UserError(f"{kind} does not follow the {kind} schema at {where}: {errors[0].message}", file=path)
    return doc
