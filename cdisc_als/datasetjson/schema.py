"""Check Dataset-JSON 1.1 documents against CDISC's JSON schemas (copied into ``specs/schema/dataset-json-1.1``).

``dataset.schema.json`` describes a whole ``.json`` document.  CDISC's
``dataset-ndjson-schema.json`` (UTF-16 with a byte-order mark) is kept beside it, but as
published it cannot be used: its ``#/$defs/Column`` reference points nowhere (the column
definition sits inside ``items``).  The first line of a ``.ndjson``/``.dsjc`` file is the
same object without ``rows``, which ``dataset.schema.json`` allows, so that schema checks it.
"""
from __future__ import annotations

import json
from functools import lru_cache

import jsonschema

from cdisc_als.metadata.spec import specs_dir

SCHEMAS = {"json": "dataset.schema.json", "ndjson": "dataset-ndjson-schema.json"}  # see the module docstring


def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    return raw.decode("utf-8-sig")


@lru_cache(maxsize=None)
def load_schema(kind: str) -> jsonschema.protocols.Validator:
    """A validator for ``json`` (whole document) or ``ndjson`` (metadata line)."""
    raw = (specs_dir() / "schema" / "dataset-json-1.1" / SCHEMAS[kind]).read_bytes()
    schema = json.loads(_decode(raw))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def schema_errors(document: dict, kind: str = "json") -> list[str]:
    """Schema violations of a Dataset-JSON document (``kind="json"``) or NDJSON metadata line (``"ndjson"``)."""
    validator = load_schema("json")
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}"
            for e in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))]
