"""Write one DataFrame as a SAS transport v5 file (SAS TS-140), strictly and reproducibly."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from cdisc_als.config import build_timestamp
from cdisc_als.distinct import compute_code_order
from cdisc_als.errors import XptError
from cdisc_als.staging import WRITE_THROUGH_BYTES, ChunkWriter
from cdisc_als.xport import layout
from cdisc_als.xport.checks import (MAX_VARIABLES, SasFormat, check_dataset_name, check_keys,
                                    check_label, check_variable_name, parse_format)
from cdisc_als.xport.columns import CharColumn, NumColumn, Where, column_type, prepare_character, prepare_numeric
from cdisc_als.xport.ibm import ieee_to_ibm
from cdisc_als.xport.model import WriteReport, XptDataset, XptVariable
from cdisc_als.xport.read import header_metadata, read_xpt
from cdisc_als.xport.text import TEXT_KINDS, text_column, transliterate_text

CHUNK_BYTES = 1 << 21          # observations are assembled in ~2 MB slices that stay in cache ...
BUFFER_BYTES = 1 << 24         # ... into 16 MB buffers, each handed whole to the writing thread


@dataclass(frozen=True)
class _Column:
    variable: XptVariable
    form: SasFormat
    data: CharColumn | NumColumn


def write_xpt(frame: pd.DataFrame, path: str | os.PathLike, *, name: str, label: str = "",
              labels: dict[str, str] | None = None, formats: dict[str, str] | None = None,
              lengths: dict[str, int] | None = None, created: datetime | None = None,
              transliterate: bool = False, as_read: bool = False, text: str = "str") -> WriteReport:
    """Write ``frame`` to ``path`` as the single dataset ``name`` of a SAS transport v5 file.

    Rules (SAS TS-140 and the FDA Study Data TCG), all enforced, none silently repaired:
    dataset and variable names 1-8 letters/digits/underscores starting with a letter (variable
    names uppercase; the dataset name is written uppercase); labels at most 40 ASCII characters;
    character values ASCII and at most 200 bytes.  Character length is the longest value in bytes
    (at least 1; ``lengths`` may widen it); numerics are 8-byte IBM floats; NaN/None/pd.NA are
    missing.  ``formats`` such as ``{"TRTSDT": "DATE9."}`` go into the namestrs.  The header
    timestamps come from ``created`` (default :func:`cdisc_als.config.build_timestamp`), so a
    rerun writes identical bytes.  The file is written to a temporary name in the same folder and
    then renamed, so a failed write leaves no partial file.

    Args:
        transliterate: replace non-ASCII text (values and labels) by an ASCII spelling instead
            of failing; every change is listed in ``WriteReport.transliterations``.
        as_read: also return the file as :func:`~cdisc_als.xport.read_xpt` reads it back
            (``WriteReport.dataset``; ``text`` as ``read_xpt`` takes it), built from what was written
            instead of from the file.

    Returns:
        A :class:`WriteReport` (variables as written, row length, size, transliterations, warnings).

    Raises:
        XptError: a limit is violated; the message names the dataset, variable and first row.

    Example:
        >>> dm = pd.DataFrame({"USUBJID": ["01-001", "01-002"], "AGE": [61, 58]})
        >>> write_xpt(dm, "dm.xpt", name="DM", label="Demographics",
        ...           labels={"USUBJID": "Unique Subject Identifier", "AGE": "Age"}).row_length
        14
    """
    path = Path(path)
    if text not in TEXT_KINDS:
        raise ValueError(f"text={text!r}: one of {TEXT_KINDS}")
    dataset = check_dataset_name(name, path)
    columns = _check_columns(frame, dataset, path)
    labels = check_keys(labels, columns, "labels", dataset, path)
    formats = check_keys(formats, columns, "formats", dataset, path)
    lengths = check_keys(lengths, columns, "lengths", dataset, path)
    changes: list[pd.DataFrame] = []
    dataset_label = _label(label, dataset, None, path, transliterate, changes)
    prepared, position = [], 0
    for number, variable in enumerate(columns, start=1):
        column = _prepare_column(frame[variable], Where(dataset, variable, path), number, position,
                                 _label(labels.get(variable, ""), dataset, variable, path, transliterate, changes),
                                 formats.get(variable), lengths.get(variable), transliterate, changes)
        prepared.append(column)
        position += column.variable.length
    when = created or build_timestamp()
    head = (layout.library_records(when) + layout.member_records(dataset, dataset_label, when, len(prepared))
            + _namestrs(prepared) + layout.OBS_HEADER)
    size = _write_atomically(path, head, prepared, len(frame), position)
    warnings = _warnings(prepared, len(frame), dataset)
    extra = {"transliterations": pd.concat(changes, ignore_index=True)} if changes else {}
    if as_read:
        # a final all-blank row of an all-text dataset reads as record padding: only the file tells
        extra["dataset"] = read_xpt(path, text=text) if warnings else _as_read(prepared, head, path, len(frame), text)
    return WriteReport(path=path, name=dataset, nrows=len(frame), variables=tuple(c.variable for c in prepared),
                       row_length=position, size=size, warnings=warnings, **extra)


def _as_read(columns: list[_Column], head: bytes, path: Path, nrows: int, text: str) -> XptDataset:
    """The dataset :func:`~cdisc_als.xport.read_xpt` reads from the file just written, from the written columns.

    Numbers come back as their IBM round trip gives them; a text comes back as its stored bytes without
    trailing blanks (values that differ only in those, and missing values and ``""``, become one), with
    the reader's :class:`TextCodes` (codes of the distinct stored values in order of first appearance),
    or as the reader's categorical (``text="category"``).
    """
    values, text_codes = {}, {}
    for column in columns:
        name, data = column.variable.name, column.data
        if isinstance(data, NumColumn):                        # the column itself, or the writer's own copy
            values[name] = data.values if data.source is None else data.source.reset_index(drop=True)
        elif nrows == 0:
            values[name] = np.empty(0, dtype=object)            # as the reader gives an empty text column
        elif text == "category":
            values[name] = _category_texts(data)
        else:
            values[name], text_codes[name] = text_column(*_stored_texts(data))
    frame = pd.DataFrame(values, columns=[c.variable.name for c in columns], copy=False)
    return XptDataset(metadata=header_metadata(head, path, nrows), frame=frame, text_codes=text_codes)


def _stored_texts(data: CharColumn) -> tuple[np.ndarray, np.ndarray]:
    """``(texts, codes)`` of a written text column as the reader numbers them (see :func:`_as_read`): the
    stored values (equal bytes, one value) in order of first appearance; the column is renumbered only
    where that is not the writer's own numbering."""
    held = len(data.table) - 1 + data.missing                   # code k (blank) counts when a row is missing
    appearance = compute_code_order(data.codes, held)           # writer codes by first appearance
    stored = np.ascontiguousarray(data.table).view(f"V{data.width}")[:, 0]     # one entry per writer code
    _, same = np.unique(stored, return_inverse=True)
    same = same.reshape(-1)
    groups, first = np.unique(same[appearance], return_index=True)   # stored values rows hold
    ordered = groups[np.argsort(first)]                         # ... by first appearance
    number = np.empty(len(stored), dtype=np.intp)
    number[ordered] = np.arange(len(ordered))
    renumber = number[same]                                     # writer code -> reader code
    codes = data.codes if np.array_equal(renumber[appearance], appearance) else renumber[data.codes]
    table_row = np.empty(len(stored), dtype=np.intp)            # a table row of each stored value
    table_row[same] = np.arange(len(stored))
    return _decoded(data, table_row[ordered]), codes


def _category_texts(data: CharColumn) -> pd.Categorical:
    """A written text column as the reader's ``text="category"`` gives it: a categorical over the sorted
    distinct texts of the values rows hold (no order of appearance needed)."""
    held = np.arange(len(data.table) - 1 + data.missing)        # every value is held; blank only when missing
    return text_column(_decoded(data, held), data.codes, "category")[0]


def _decoded(data: CharColumn, rows: np.ndarray) -> np.ndarray:
    """The texts of table ``rows`` (stored bytes without trailing blanks), as an object array of str."""
    return np.strings.rstrip(data.table[rows].view(f"S{data.width}")[:, 0], b" ").astype("U").astype(object)


def _check_columns(frame: pd.DataFrame, dataset: str, path: Path) -> list[str]:
    if not isinstance(frame, pd.DataFrame):
        raise XptError(f"dataset {dataset}: expected a pandas DataFrame, got {type(frame).__name__}", file=path)
    columns = list(frame.columns)
    if not columns or len(columns) > MAX_VARIABLES:
        raise XptError(f"dataset {dataset}: has {len(columns)} variables; a v5 file holds 1 to {MAX_VARIABLES}",
                       file=path)
    repeated = sorted({str(c) for c in columns if columns.count(c) > 1})
    if repeated:
        raise XptError(f"dataset {dataset}: variable names repeated: {', '.join(repeated)}", file=path,
                       column=repeated[0])
    return [check_variable_name(c, dataset, path) for c in columns]


def _label(text: object, dataset: str, variable: str | None, path: Path, transliterate: bool,
           changes: list[pd.DataFrame]) -> str:
    if transliterate and isinstance(text, str) and not text.isascii():
        new = transliterate_text(text)
        changes.append(pd.DataFrame({"variable": [variable or ""], "row": pd.array([pd.NA], dtype="Int64"),
                                     "old": [text], "new": [new]}))
        text = new
    return check_label(text, dataset, variable, path)


def _prepare_column(series: pd.Series, where: Where, number: int, position: int, label: str,
                    form: str | None, length: int | None, transliterate: bool,
                    changes: list[pd.DataFrame]) -> _Column:
    kind = column_type(series, where)
    sas_format = parse_format(form, character=kind == "Char", dataset=where.dataset, variable=where.variable,
                              path=where.path)
    if kind == "Num":
        if length is not None and length != 8:
            raise where.error(f"length {length!r}: numeric variables are written as 8-byte IBM floats")
        data = prepare_numeric(series, where)
        width = 8
    else:
        data = prepare_character(series, where, length=length, transliterate=transliterate)
        width = data.width
        if data.changes is not None:
            changes.append(data.changes)
    variable = XptVariable(name=where.variable, label=label, type=kind, length=width,
                           format=sas_format.text(), position=position)
    return _Column(variable, sas_format, data)


def _namestrs(columns: list[_Column]) -> bytes:
    """One 140-byte namestr per variable (TS-140), the block blank-padded to whole records."""
    names = np.zeros(len(columns), dtype=layout.NAMESTR_DTYPE)
    for i, column in enumerate(columns):
        var, form = column.variable, column.form
        numeric = var.type == "Num"
        names[i] = (layout.NUMERIC if numeric else layout.CHARACTER, 0, var.length, i + 1,
                    layout.pad(var.name, 8), layout.pad(var.label, 40), layout.pad(form.name, 8),
                    form.width, form.decimals, 1 if numeric else 0, b"\0\0", layout.pad("", 8), 0, 0,
                    var.position, b"\0" * 52)
    block = names.tobytes()
    return block + layout.padding(len(block))


def _observations_dtype(columns: list[_Column], row_length: int) -> np.dtype:
    return np.dtype({"names": [c.variable.name for c in columns],
                     "formats": [">u8" if c.variable.type == "Num" else f"V{c.variable.length}" for c in columns],
                     "offsets": [c.variable.position for c in columns], "itemsize": row_length})


def _write_observations(handle, columns: list[_Column], nrows: int, row_length: int) -> None:
    """Assemble the observations and write them.

    The rows are assembled slice by slice (each slice small enough to stay in the CPU cache) into buffers
    of :data:`BUFFER_BYTES`, and each full buffer is written by a thread of its own while the next is
    assembled (:class:`cdisc_als.staging.ChunkWriter`, three buffers in turn; a buffer is large so that the
    writer rarely waits for the interpreter lock).  A text column holding one value in every row (STUDYID,
    DOMAIN ...) is filled in once.  A large file is written through to disk as it goes
    (:func:`cdisc_als.staging.write_through`).
    """
    chunk = max(1, min(nrows, CHUNK_BYTES // row_length))
    per_buffer = max(1, min(nrows, BUFFER_BYTES // row_length // chunk * chunk))      # whole slices
    buffers = [np.empty(per_buffer, dtype=_observations_dtype(columns, row_length))
               for _ in range(ChunkWriter.BUFFERS if nrows > per_buffer else 1)]
    varying = []
    for column in columns:
        name, data = column.variable.name, column.data
        if isinstance(data, CharColumn):
            table = data.table.view(f"V{data.width}")[:, 0]
            if (data.codes == data.codes[0]).all():
                for rows in buffers:
                    rows[name] = table[data.codes[0]]
                continue
            varying.append((name, table, data.codes))
        else:
            varying.append((name, None, data.values))
    with ChunkWriter(handle, through=nrows * row_length >= WRITE_THROUGH_BYTES) as writer:
        for number, first in enumerate(range(0, nrows, per_buffer)):
            rows = buffers[number % len(buffers)][:min(per_buffer, nrows - first)]
            for start in range(0, len(rows), chunk):
                part, stop = rows[start:start + chunk], min(start + chunk, len(rows))
                for name, table, data in varying:
                    values = data[first + start:first + stop]
                    part[name] = ieee_to_ibm(values) if table is None else table[values]
            writer.put(rows.view(np.uint8))


def _write_atomically(path: Path, head: bytes, columns: list[_Column], nrows: int, row_length: int) -> int:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temporary, "xb") as handle:
            handle.write(head)
            if nrows:
                _write_observations(handle, columns, nrows, row_length)
            handle.write(layout.padding(nrows * row_length))
            size = handle.tell()
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return size


def _warnings(columns: list[_Column], nrows: int, dataset: str) -> tuple[str, ...]:
    if not nrows or any(not isinstance(c.data, CharColumn) for c in columns):
        return ()
    last_blank = all((c.data.table[c.data.codes[-1]] == 0x20).all() for c in columns)
    if not last_blank:
        return ()
    return (f"dataset {dataset}: the last row is blank in every (character) variable; readers take it for "
            "record padding and drop it",)
