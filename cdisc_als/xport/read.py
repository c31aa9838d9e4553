"""Read a SAS transport v5 file (SAS TS-140) into a DataFrame with numpy, checking every header.

Anything that is not a well-formed v5 file (an HTML page saved as .xpt, an empty or truncated
file, a header whose counts or lengths do not add up) raises :class:`XptError` naming the file.
"""
from __future__ import annotations

import io
import os
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from cdisc_als.errors import UserError, XptError
from cdisc_als.xport import layout
from cdisc_als.xport.checks import SasFormat
from cdisc_als.xport.ibm import ibm_to_ieee
from cdisc_als.xport.model import XptDataset, XptFolder, XptMetadata, XptVariable
from cdisc_als.xport.text import TEXT_KINDS, decode_words, packed_integers, read_windows, value_windows

_FIRST_OBS = 9 * layout.RECORD          # the earliest an OBS block can start: 8 header records + 1 namestr record
_WORDS_BUDGET = 64 << 20                # bytes of column words read in one pass over the observations


def read_xpt(path: str | os.PathLike, *, columns: list[str] | None = None, text: str = "str") -> XptDataset:
    """Read the (first) dataset of a transport v5 file.

    Character values are ``str`` with trailing blanks removed (``""`` for blank); text that is
    not valid UTF-8 is decoded as cp1252 and listed in ``encoding_issues``.  Numerics are
    float64, every kind of missing value NaN.  Trailing all-blank rows that fit inside the
    final 80-byte record are record padding (TS-140) and are not returned, so an all-blank last
    row of an all-character dataset shorter than 80 bytes is dropped as pyreadstat does.

    Args:
        columns: read only these variables, in this order.
        text: ``"str"`` (the default) or ``"category"``: character variables as categoricals over their
            sorted distinct values (the same values, one small integer per row; no ``text_codes``).

    Raises:
        XptError: the file is not a readable v5 transport file, or a requested column is absent.

    Example:
        >>> ds = read_xpt("dm.xpt")
        >>> ds.name, ds.frame.shape, ds.variables[0].label     # ('DM', (2, 2), 'Unique Subject Identifier')
    """
    path = Path(path)
    if text not in TEXT_KINDS:
        raise ValueError(f"text={text!r}: one of {TEXT_KINDS}")
    with _Source.open(path) as source:
        metadata, obs_start = _parse_headers(source)
        wanted = _select(metadata.variables, columns, path)
        values, issues, text_codes = {}, [], {}
        for batch in _batches(wanted, metadata.nrows, budget=max(_WORDS_BUDGET, source.size // 2)):
            places = [value_windows(var.length) for var in batch]
            words = source.read_words(obs_start, metadata.nrows, metadata.row_length,
                                      [(var.position + offset, size) for var, where in zip(batch, places)
                                       for offset, size in where])
            for var, where in zip(batch, places):
                mine, words = words[:len(where)], words[len(where):]
                if var.type == "Num":     # IBM floats are big-endian: the byte-swapped packed integer
                    values[var.name] = ibm_to_ieee(packed_integers(mine, var.length).byteswap(inplace=True))
                else:
                    values[var.name], found, codes = decode_words(mine, var.length, var.name, text)
                    issues.extend(found)
                    if codes is not None:
                        text_codes[var.name] = codes
    frame = pd.DataFrame(values, columns=[v.name for v in wanted], copy=False)
    return XptDataset(metadata=metadata, frame=frame, encoding_issues=tuple(issues), text_codes=text_codes)


def _batches(variables: list[XptVariable], nrows: int, budget: int) -> list[list[XptVariable]]:
    """Consecutive groups of variables whose words (see :meth:`_Source.read_words`) take at most ``budget``
    bytes (a variable wider than that alone), so the words of a whole file are never held at once."""
    batches, size = [[]], 0
    for var in variables:
        need = nrows * sum(width for _, width in value_windows(var.length))
        if batches[-1] and size + need > budget:
            batches.append([])
            size = 0
        batches[-1].append(var)
        size += need
    return batches


class _Source:
    """An open transport file, read a piece at a time into one reusable buffer: the headers, a scan for
    a second member, then the observations a few MiB of rows at a time.  The whole file is never held
    in memory, and each chunk of rows is in the CPU cache while every column is taken out of it."""

    CHUNK = 4 << 20

    def __init__(self, handle, path: Path) -> None:
        self.handle, self.path = handle, path
        self.size = handle.seek(0, os.SEEK_END)
        self.buffer = bytearray()

    @classmethod
    @contextmanager
    def open(cls, path: Path):
        try:
            handle = path.open("rb")
        except OSError as err:
            raise XptError(f"cannot read the file: {err.strerror or err}", file=path) from None
        with handle:
            source = cls(handle, path)
            if not source.size:
                raise XptError("the file is empty, not a SAS transport file", file=path)
            yield source

    def read_at(self, offset: int, count: int) -> bytes:
        """Up to ``count`` bytes from ``offset`` (fewer at the end of the file)."""
        return bytes(self._fill(offset, count))

    def _fill(self, offset: int, count: int) -> memoryview:
        if len(self.buffer) < count:
            self.buffer = bytearray(max(count, self.CHUNK))
        view = memoryview(self.buffer)[:count]
        try:
            self.handle.seek(offset)
            got = self.handle.readinto(view)
        except OSError as err:
            raise XptError(f"cannot read the file: {err.strerror or err}", file=self.path) from None
        return view[:got]

    def find_record(self, key: bytes, start: int) -> int:
        """Offset of the first 80-byte record from ``start`` (a record boundary) that begins with ``key``;
        the file size when there is none."""
        step = max(self.CHUNK // layout.RECORD, 1) * layout.RECORD
        for offset in range(start, self.size, step):
            got = len(self._fill(offset, step))
            found = self.buffer.find(key, 0, got)
            while found != -1 and found % layout.RECORD:
                found = self.buffer.find(key, found + 1, got)
            if found != -1:
                return offset + found
        return self.size

    def read_words(self, obs_start: int, nrows: int, row_length: int,
                   windows: list[tuple[int, int]]) -> list[np.ndarray]:
        """The little-endian integers at ``(offset, size)`` of every observation, as contiguous arrays."""
        out = [np.empty(nrows, dtype=f"<u{size}") for _, size in windows]
        step = max(1, self.CHUNK // row_length)
        for start in range(0, nrows, step):
            count = min(step, nrows - start)
            chunk = self._fill(obs_start + start * row_length, count * row_length)
            if len(chunk) < count * row_length:
                raise XptError("the file changed while it was read: observations are missing", file=self.path)
            rows = np.frombuffer(chunk, dtype=np.uint8).reshape(count, row_length)
            for target, word in zip(out, read_windows(rows, windows)):
                target[start:start + count] = word
            del rows
        return out


def read_xpt_folder(folder: str | os.PathLike, *, text: str = "str") -> XptFolder:
    """Read every ``*.xpt`` file of ``folder`` (any case of the extension, sorted by name) once
    (``text`` as :func:`read_xpt` takes it).

    A file :func:`read_xpt` cannot read is kept in ``failures`` with its error instead of stopping
    the others; each consumer decides what an unreadable file means to it.

    Raises:
        UserError: ``folder`` is not a folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError("not a folder", file=folder)
    datasets, failures = [], []
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() == ".xpt" and p.is_file()):
        try:
            datasets.append(read_xpt(path, text=text))
        except Exception as err:  # noqa: BLE001 - kept for the consumer: a finding for one, an error for another
            failures.append((path, err))
    return XptFolder(folder=folder, datasets=tuple(datasets), failures=tuple(failures))


def header_metadata(head: bytes, path: Path, nrows: int) -> XptMetadata:
    """The metadata :func:`read_xpt_metadata` gives for a file of ``nrows`` observations whose header records
    (up to and including the OBS header) are ``head``: the writer describes what it wrote without reading it."""
    return replace(_parse_headers(_Source(io.BytesIO(head), path))[0], nrows=nrows)


def read_xpt_metadata(path: str | os.PathLike) -> XptMetadata:
    """Dataset name and label, variables (name, label, type, length, format, position) and row count."""
    with _Source.open(Path(path)) as source:
        return _parse_headers(source)[0]


def _fail(path: Path, message: str) -> XptError:
    return XptError(message, file=path)


def _parse_headers(source: _Source) -> tuple[XptMetadata, int]:
    """Check the header records and namestrs; return the metadata and where the observations start."""
    path = source.path
    data = source.read_at(0, 8 * layout.RECORD)
    if any(data.startswith(key) for key in layout.V8_KEYS):
        raise _fail(path, "this is a SAS transport version 8 file; only version 5 is read (write it as v5)")
    if not data.startswith(layout.LIBRARY_KEY):
        raise _fail(path, "not a SAS transport (XPT) file: it does not start with the library header record")
    if source.size < _FIRST_OBS + layout.RECORD or source.size % layout.RECORD:
        raise _fail(path, f"the file is {source.size} bytes, not a whole number of 80-byte records after the "
                          "headers: it is truncated or damaged")
    record = [data[i:i + layout.RECORD] for i in range(0, 8 * layout.RECORD, layout.RECORD)]
    expected = {3: layout.MEMBER_KEY, 4: layout.DSCRPTR_KEY, 7: layout.NAMESTR_KEY}
    for index, key in expected.items():
        if not record[index].startswith(key):
            raise _fail(path, f"header record {index + 1} should start {key.decode()!r}: damaged header")
    if record[3][74:78] != b"0140":
        raise _fail(path, f"namestrs of {record[3][74:78].decode('latin-1')!r} bytes are not supported "
                          "(TS-140 v5 uses 140)")
    nvars = _count(record[7][54:58], path, "variable count in the NAMESTR header")
    if nvars == 0:
        raise _fail(path, "the NAMESTR header declares no variables")
    names_end = 8 * layout.RECORD + nvars * layout.NAMESTR_LENGTH
    obs_header = names_end + (-names_end % layout.RECORD)
    data += source.read_at(len(data), obs_header + layout.RECORD - len(data))     # the namestrs and the OBS header
    if data[obs_header:obs_header + 48] != layout.OBS_KEY:
        raise _fail(path, f"no OBS header record after {nvars} namestrs (at byte {obs_header}): the header "
                          "lies about the variable count, or the file is truncated")
    variables = _variables(data, nvars, path)
    row_length = sum(v.length for v in variables)
    obs_start = obs_header + layout.RECORD
    nrows = _count_rows(source, obs_start, row_length)
    metadata = XptMetadata(
        path=path, name=_text(record[5][8:16]), label=_text(record[6][32:72]), variables=tuple(variables),
        nrows=nrows, row_length=row_length, sas_version=_text(record[1][24:32]), os_name=_text(record[1][32:40]),
        dataset_type=_text(record[6][72:80]), created=layout.parse_timestamp(record[5][64:80]),
        modified=layout.parse_timestamp(record[6][:16]))
    if not metadata.name:
        raise _fail(path, "the member header has no dataset name")
    return metadata, obs_start


def _count(raw: bytes, path: Path, what: str) -> int:
    if not raw.isdigit():
        raise _fail(path, f"the {what} is {raw.decode('latin-1')!r}, not a number: damaged header")
    return int(raw)


def _text(raw: bytes) -> str:
    raw = raw.rstrip(b" \x00")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _variables(data: bytes, nvars: int, path: Path) -> list[XptVariable]:
    names = np.frombuffer(data, dtype=layout.NAMESTR_DTYPE, count=nvars, offset=8 * layout.RECORD)
    variables = []
    for entry in names:                                        # one namestr per variable, not per row
        name = _text(entry["nname"])
        kind = {layout.NUMERIC: "Num", layout.CHARACTER: "Char"}.get(int(entry["ntype"]))
        length, position = int(entry["nlng"]), int(entry["npos"])
        where = f"variable {len(variables) + 1} ({name or 'no name'})"
        if not name or kind is None:
            raise _fail(path, f"namestr of {where} has no name or an unknown type {int(entry['ntype'])}")
        if length < 1 or (kind == "Num" and not 2 <= length <= 8):
            raise _fail(path, f"namestr of {where} has an impossible length {length}")
        form = SasFormat(_text(entry["nform"]), int(entry["nfl"]), int(entry["nfd"]))
        informat = SasFormat(_text(entry["niform"]), int(entry["nifl"]), int(entry["nifd"]))
        variables.append(XptVariable(name=name, label=_text(entry["nlabel"]), type=kind, length=length,
                                     format=form.text(), position=position, informat=informat.text()))
    _check_positions(variables, path)
    return variables


def _check_positions(variables: list[XptVariable], path: Path) -> None:
    """Variables must tile the observation: no overlaps, no gaps, no name twice."""
    ordered = sorted(variables, key=lambda v: v.position)
    expected = 0
    for var in ordered:
        if var.position != expected:
            raise _fail(path, f"variable {var.name} starts at byte {var.position} of the observation, expected "
                              f"{expected}: the namestr positions and lengths do not add up")
        expected += var.length
    seen = [v.name for v in variables]
    if len(set(seen)) != len(seen):
        raise _fail(path, "a variable name occurs twice in the namestrs")


def _count_rows(source: _Source, obs_start: int, row_length: int) -> int:
    """Whole observations before the end (or before a second member); trailing padding is not a row."""
    end = source.find_record(layout.MEMBER_KEY, obs_start)
    size = end - obs_start
    nrows = size // row_length
    tail = source.read_at(obs_start + nrows * row_length, end - obs_start - nrows * row_length)
    if tail.strip(b" "):
        raise _fail(source.path, f"the last observation is incomplete ({len(tail)} of {row_length} bytes): "
                                 "the file is truncated or a header length is wrong")
    first_maybe_padding = max(0, -(-(size - layout.RECORD + 1) // row_length))
    if nrows > first_maybe_padding:
        last = source.read_at(obs_start + first_maybe_padding * row_length,
                              (nrows - first_maybe_padding) * row_length)
        block = np.frombuffer(last, dtype=np.uint8).reshape(-1, row_length)
        real = np.flatnonzero((block != 0x20).any(axis=1))
        nrows = first_maybe_padding + (int(real[-1]) + 1 if len(real) else 0)
    return nrows


def _select(variables: tuple[XptVariable, ...], columns: list[str] | None, path: Path) -> list[XptVariable]:
    if columns is None:
        return list(variables)
    by_name = {v.name: v for v in variables}
    missing = [c for c in columns if c not in by_name]
    if missing:
        raise XptError(f"no variable {', '.join(missing)} in the file", file=path, column=missing[0])
    return [by_name[c] for c in columns]


