"""Write one dataset as Dataset-JSON 1.1: ``.json``, ``.ndjson`` or compressed ``.dsjc``.

* ``json``: one object, ``rows`` an array of arrays (one row per line for readable diffs);
* ``ndjson``: line 1 the metadata object (no ``rows``), then one JSON array per row
  (Dataset-NDJSON, Dataset-JSON 1.1 specification);
* ``dsjc``: the compact Dataset-NDJSON text compressed as a zlib stream, level 9, 15-bit window
  (CDISC Compressed Dataset-JSON 1.1 specification: "a direct zLib compression stream").

Text is UTF-8 and never ASCII-escaped.  The file is written to a temporary name
and renamed, so a reader never sees half a file.
"""
from __future__ import annotations

import json
import os
import zlib
from pathlib import Path

import pandas as pd

from cdisc_als.datasetjson.columns import order_meta
from cdisc_als.datasetjson.values import encode_column
from cdisc_als.errors import UserError

FORMATS = ("json", "ndjson", "dsjc")


def format_of(path: Path | str) -> str:
    """The Dataset-JSON format a file name asks for (by extension).

    Raises:
        UserError: the extension is not .json, .ndjson or .dsjc.
    """
    ext = Path(path).suffix.lower().lstrip(".")
    if ext not in FORMATS:
        raise UserError(f"not a Dataset-JSON file name (expected .json, .ndjson or .dsjc): {Path(path).name}")
    return ext


def compute_rows(frame: pd.DataFrame, columns: list[dict]) -> list[list]:
    """The ``rows`` array: each column converted as its metadata says, then transposed."""
    missing = [c["name"] for c in columns if c["name"] not in frame.columns]
    if missing:
        raise UserError(f"columns {missing} are in the metadata but not in the data")
    encoded = [encode_column(frame[c["name"]], c) for c in columns]
    return [list(row) for row in zip(*encoded)] if encoded else [[] for _ in range(len(frame))]


def _dumps(obj, compact: bool) -> str:
    return json.dumps(obj, ensure_ascii=False, allow_nan=False,
                      separators=(",", ":") if compact else (", ", ": "))


def render_dataset_json(frame: pd.DataFrame, meta: dict, fmt: str) -> bytes:
    """The bytes of a Dataset-JSON file for ``frame`` described by ``meta`` (``columns`` included)."""
    meta = order_meta({**meta, "records": int(len(frame))})
    rows = compute_rows(frame, meta["columns"])
    if fmt == "json":
        head = _dumps(meta, compact=True)[:-1]
        body = ",\n".join(_dumps(r, compact=True) for r in rows)
        return f'{head},"rows":[\n{body}\n]}}\n'.encode("utf-8")
    lines = [_dumps(meta, compact=True)] + [_dumps(r, compact=True) for r in rows]
    text = ("\n".join(lines) + "\n").encode("utf-8")
    if fmt == "ndjson":
        return text
    packer = zlib.compressobj(level=9, wbits=15)
    return packer.compress(text) + packer.flush()


def write_bytes_atomically(data: bytes, path: Path) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)          # only left when the write or the rename failed


def write_dataset_json(frame: pd.DataFrame, meta: dict, path: Path | str, *, fmt: str | None = None) -> Path:
    """Write ``frame`` as Dataset-JSON to ``path`` (format from ``fmt`` or the extension).

    ``meta`` holds the top-level attributes and ``columns`` (see :func:`cdisc_als.datasetjson.columns.build_meta`);
    ``records`` is always set from the frame.

    Raises:
        UserError: unknown format, or a column named in ``meta`` is missing from ``frame``.
    """
    path = Path(path)
    fmt = fmt or format_of(path)
    if fmt not in FORMATS:
        raise UserError(f"unknown Dataset-JSON format {fmt!r} (expected one of {', '.join(FORMATS)})")
    write_bytes_atomically(render_dataset_json(frame, meta, fmt), path)
    return path
