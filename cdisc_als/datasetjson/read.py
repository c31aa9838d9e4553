"""Read Dataset-JSON 1.1 (``.json``, ``.ndjson``, ``.dsjc``) and dispatch any dataset file by extension.

``.dsjc`` is specified as a zlib stream; CDISC's own example files are gzip-framed,
so both framings are accepted (zlib's automatic header detection).  The result is a
frame in XPT conventions (text as ``str`` with '' for blank, numbers float64 with NaN,
numeric dates as SAS day/second counts) plus the file's metadata dict.
"""
from __future__ import annotations

import json
import zlib
from pathlib import Path

import pandas as pd

from cdisc_als.datasetjson.columns import sas_format_kind
from cdisc_als.datasetjson.values import NUMERIC_TYPES, decode_column
from cdisc_als.datasetjson.write import format_of
from cdisc_als.errors import UserError

MAX_TEXT_BYTES = 4 * 1024 ** 3
REQUIRED = ("datasetJSONVersion", "name", "columns")
DATASET_EXTENSIONS = (".xpt", ".json", ".ndjson", ".dsjc")


def inflate(data: bytes, path: Path, *, limit: int = MAX_TEXT_BYTES) -> bytes:
    """Decompress a zlib- or gzip-framed stream, refusing output beyond ``limit`` bytes."""
    unpacker = zlib.decompressobj(wbits=47)
    try:
        text = unpacker.decompress(data, limit)
    except zlib.error as err:
        raise UserError(f"not a compressed Dataset-JSON file (zlib/gzip): {err}", file=path) from None
    if unpacker.unconsumed_tail:
        raise UserError(f"refused: decompressed content exceeds {limit:,} bytes", file=path)
    return text


def _loads(text: str, path: Path, line: int | None = None):
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise UserError(f"not valid JSON: {err.msg} (column {err.colno})", file=path,
                        row=line if line is not None else err.lineno) from None


def parse_document(data: bytes, path: Path, fmt: str) -> tuple[dict, list]:
    """Split raw file bytes into the metadata dict and the list of rows."""
    if fmt == "dsjc":
        data = inflate(data, path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise UserError(f"not UTF-8 text at byte {err.start}", file=path) from None
    if fmt == "json":
        doc = _loads(text, path)
        if not isinstance(doc, dict):
            raise UserError("not a Dataset-JSON document (top level is not an object)", file=path)
        return {k: v for k, v in doc.items() if k != "rows"}, doc.get("rows") or []
    lines = text.splitlines()
    if not lines:
        raise UserError("empty Dataset-NDJSON file", file=path)
    meta = _loads(lines[0], path, 1)
    if not isinstance(meta, dict):
        raise UserError("first line is not the Dataset-JSON metadata object", file=path, row=1)
    rows = [_loads(line, path, n) for n, line in enumerate(lines[1:], start=2) if line.strip()]
    return meta, rows


def _check(meta: dict, rows: list, path: Path) -> None:
    missing = [k for k in REQUIRED if k not in meta]
    if missing:
        raise UserError(f"not a Dataset-JSON document: missing {', '.join(missing)}", file=path)
    width = len(meta["columns"])
    bad = next((n for n, r in enumerate(rows, start=1) if not isinstance(r, list) or len(r) != width), None)
    if bad is not None:
        raise UserError(f"record {bad} does not have {width} values", file=path, row=bad)
    if "records" in meta and meta["records"] != len(rows):
        raise UserError(f"metadata says {meta['records']} records but the file holds {len(rows)}", file=path)


def read_dataset_json(path: Path | str) -> tuple[pd.DataFrame, dict]:
    """Read a Dataset-JSON 1.1 file into ``(frame, meta)``; ``meta`` has every attribute but ``rows``.

    Raises:
        UserError: unknown extension, not JSON, not Dataset-JSON, ragged rows, record count mismatch,
            or a value that does not fit its column's data type.
    """
    path = Path(path)
    fmt = format_of(path)
    if not path.is_file():
        raise UserError("file not found", file=path)
    meta, rows = parse_document(path.read_bytes(), path, fmt)
    _check(meta, rows, path)
    columns = meta["columns"]
    values = list(zip(*rows)) if rows else [() for _ in columns]
    data = {}
    for col, vals in zip(columns, values):
        try:
            data[col["name"]] = decode_column(vals, col)
        except UserError as err:
            raise UserError(err.message, file=path, row=err.row, column=col["name"]) from None
    return pd.DataFrame(data, columns=[c["name"] for c in columns]), meta


def variables_from_columns(columns: list[dict], frame: pd.DataFrame) -> list:
    """XPT-style variable descriptions (name, label, Char/Num, length, format) for Dataset-JSON columns."""
    from cdisc_als.xport.model import XptVariable

    out = []
    for col in columns:
        numeric = col["dataType"] in NUMERIC_TYPES or col["dataType"] == "boolean" or "targetDataType" in col
        if numeric:
            length = 8
        else:
            longest = frame[col["name"]].astype(str).str.encode("utf-8").str.len().max() if len(frame) else 0
            length = int(col.get("length") or max(int(longest or 0), 1))
        fmt = col.get("displayFormat", "") if numeric else ""
        if numeric and not fmt and col.get("targetDataType"):
            fmt = {"date": "DATE9.", "datetime": "DATETIME20.", "time": "TIME8."}[col["dataType"]]
        out.append(XptVariable(col["name"], col.get("label", ""), "Num" if numeric else "Char", length, fmt or ""))
    return out


def read_dataset(path: Path | str):
    """Read an ``.xpt``, ``.json``, ``.ndjson`` or ``.dsjc`` dataset into an ``XptDataset``.

    Dataset-JSON files get the same shape as :func:`cdisc_als.xport.read_xpt` returns, so callers
    (the validator, ``export``) need not care which format a folder holds.

    Raises:
        UserError: the extension is not one of the four, or the file cannot be read.
    """
    from cdisc_als.xport.model import XptDataset, XptMetadata

    path = Path(path)
    if path.suffix.lower() == ".xpt":
        from cdisc_als.xport import read_xpt
        return read_xpt(path)
    if path.suffix.lower() not in DATASET_EXTENSIONS:
        raise UserError(f"not a dataset file (expected {', '.join(DATASET_EXTENSIONS)})", file=path)
    frame, meta = read_dataset_json(path)
    variables = tuple(variables_from_columns(meta["columns"], frame))
    metadata = XptMetadata(path=path, name=str(meta["name"]).upper(), label=meta.get("label", ""),
                           variables=variables, nrows=len(frame), row_length=sum(v.length for v in variables))
    return XptDataset(metadata=metadata, frame=frame)


def dataset_files(folder: Path | str) -> list[Path]:
    """Dataset files of a folder (by extension, sorted by name)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError("not a folder", file=folder)
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in DATASET_EXTENSIONS)


__all__ = ["read_dataset_json", "read_dataset", "dataset_files", "variables_from_columns", "sas_format_kind"]
