"""Read one raw site file into a frame of text, whatever format the site sent.

Every value comes back as text ('' for blank) so that nothing is converted
before the layout says how; the 1-based data row number of each row is kept in
``_row`` (the header is row 0) so rejects can point at the source.

Formats: CSV/TXT (comma, semicolon or tab; UTF-8 with or without BOM, else
cp1252), Excel (.xlsx, header row found even below a title row), and the
binary formats sites send, read through pyreadstat: SAS7BDAT, SPSS .sav, XPT.
"""
from __future__ import annotations

import csv
import io
import operator
from pathlib import Path

import numpy as np
import pandas as pd

from cdisc_als.errors import UserError

ROW = "_row"
MAX_FIELD = 10_000          # longer cells are almost always a broken export, not data
TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}
BINARY_READERS = {".sas7bdat": "read_sas7bdat", ".sav": "read_sav", ".xpt": "read_xport", ".zsav": "read_sav"}


def read_source(path: Path, *, expected: list[str] | None = None) -> pd.DataFrame:
    """Read ``path`` as text columns plus ``_row``.

    ``expected`` names columns the layout needs; for spreadsheets the header row
    is the first row holding one of them (sites often put a title above it).
    """
    path = Path(path)
    if not path.is_file():
        raise UserError("file not found", file=path)
    if path.stat().st_size == 0:
        raise UserError("file is empty", file=path)
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        frame = _read_text(path)
    elif suffix in {".xlsx", ".xlsm"}:
        frame = _read_excel(path, expected or [])
    elif suffix in BINARY_READERS:
        frame = _read_binary(path, BINARY_READERS[suffix])
    else:
        raise UserError(f"unsupported file type '{suffix}' (use CSV, XLSX, SAS7BDAT, SAV or XPT)", file=path)
    _check_header(frame, path)
    frame.insert(0, ROW, np.arange(1, len(frame) + 1))
    return frame


def _decode(raw: bytes, path: Path) -> str:
    if b"\x00" in raw[:4096]:
        raise UserError("binary content where text was expected (is this really a CSV?)", file=path)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _read_text(path: Path) -> pd.DataFrame:
    text = _decode(path.read_bytes(), path)
    if not text.strip():
        raise UserError("file is empty", file=path)
    first = text.split("\n", 1)[0]
    if first.lstrip().lower().startswith(("<!doctype", "<html")):
        raise UserError("this is an HTML page, not a data file", file=path)
    delimiter = max((",", ";", "\t"), key=first.count)
    frame, longest = _parse_delimited(text, delimiter, path)
    if longest is None or longest > MAX_FIELD:
        _check_lengths(frame, path)     # every cell is a str already: no blanks to fill
    if delimiter == ";":
        frame.attrs["decimal_comma"] = True
    return frame


def _parse_delimited(text: str, delimiter: str, path: Path) -> tuple[pd.DataFrame, int | None]:
    """The body of a delimited text as a frame of str under its (checked) header, and the length of its
    longest line or field when that is known (None: not known).  Plain lines and plain quoted text go
    through pandas' C reader; anything else through csv.reader, which also names a row of the wrong width."""
    plain = _plain_lines(text, delimiter)
    quoted = _parse_quoted(text, delimiter) if plain is None else None
    if quoted is not None:
        _check_header(quoted[0], path)
        return quoted
    if plain is not None:
        header, body = plain[0].split(delimiter), plain[1:]
        widths = np.fromiter(map(operator.methodcaller("count", delimiter), body), dtype=np.intp,
                             count=len(body)) + 1
    else:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            rows = list(reader)
        except csv.Error as err:
            raise UserError(f"cannot parse as delimited text: {err}", file=path) from None
        # wholly empty lines are not rows; a line of empty fields is a row (and will be rejected as such)
        header, body = rows[0], [r for r in rows[1:] if r]
        widths = np.fromiter(map(len, body), dtype=np.intp, count=len(body))
    width = len(header)
    wrong = np.flatnonzero(widths != width)
    if len(wrong):
        raise UserError(f"has {widths[wrong[0]]} fields where the header has {width}", file=path,
                        row=int(wrong[0]) + 1)
    names = [h.strip() for h in header]
    if plain is not None:
        frame = _parse_plain(text, delimiter, len(body), names)
        _check_header(frame, path)
        return frame, max(map(len, plain), default=0)
    frame = pd.DataFrame(body, columns=names, dtype=object)
    _check_header(frame, path)
    return _share_repeated(frame), None


def _plain_lines(text: str, delimiter: str) -> list[str] | None:
    """The header and the non-empty lines of ``text``, when a row is simply a line split at the delimiter,
    as csv.reader would split it; None otherwise.

    That holds without quotes (no field spans a delimiter or a line), carriage returns and NULs, with a
    first line that is not empty and holds a delimiter (a blank-looking line is then a row of the wrong
    width, as for csv.reader), and lines short enough for csv.reader's field limit.
    """
    if '"' in text or "\r" in text or "\x00" in text:
        return None
    lines = text.split("\n")
    if delimiter not in lines[0] or max(map(len, lines)) > csv.field_size_limit():
        return None
    return [lines[0], *[line for line in lines[1:] if line]]


def _parse_quoted(text: str, delimiter: str) -> tuple[pd.DataFrame, int] | None:
    """A delimited text with quoted fields as csv.reader reads it, parsed by pandas' C reader: the frame of str
    (header as column names, stripped) and the length in bytes of its longest field, quotes included; None when
    the text is not of the plain quoted kind this handles, or a record is not as wide as the header (the
    caller then reads it with csv.reader, which names the row).

    The plain quoted kind (RFC 4180): no carriage returns or NULs; every quote either opens a field (at its
    start) or closes one (before a delimiter, a line end or the end), a doubled quote inside a quoted field
    standing for one quote; no field longer than csv.reader's limit.  Then a quote count tells whether a
    delimiter or line end is inside a quoted field, so the width of every record is counted on the bytes,
    and csv.reader and pandas read the same values (tested against each other on generated texts).
    """
    if "\r" in text or "\x00" in text:
        return None
    data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    size = len(data)
    quotes = np.flatnonzero(data == ord('"'))
    if len(quotes) % 2:
        return None
    separator = (data == ord(delimiter)) | (data == ord("\n"))
    opens, closes = quotes[0::2], quotes[1::2]
    # an opening quote starts a field, or follows the closing quote it pairs with ("" inside a quoted field)
    after_close = np.isin(opens - 1, closes)
    at_start = (opens == 0) | separator[np.maximum(opens - 1, 0)]
    if not (at_start | after_close).all():
        return None
    # a closing quote ends a field, or is the first of a doubled quote
    at_end = (closes == size - 1) | separator[np.minimum(closes + 1, size - 1)]
    if not (at_end | np.isin(closes + 1, opens)).all():
        return None
    cut = np.flatnonzero(separator)
    cut = cut[np.searchsorted(quotes, cut) % 2 == 0]                  # not inside a quoted field
    lines = cut[data[cut] == ord("\n")]
    edges = np.r_[-1, cut, size]
    longest = int((np.diff(edges) - 1).max())
    if longest > csv.field_size_limit():
        return None
    starts, ends = np.r_[0, lines + 1], np.r_[lines, size]
    delimiters = np.bincount(np.searchsorted(lines, cut[data[cut] != ord("\n")]), minlength=len(starts))
    records = ends > starts                                           # csv.reader skips empty lines only
    widths = delimiters[records] + 1
    if not records[0] or (widths != widths[0]).any():
        return None
    frame = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, names=range(widths[0]), dtype=object,
                        na_filter=False, keep_default_na=False, quotechar='"', doublequote=True,
                        skip_blank_lines=True, engine="c", low_memory=False)
    if len(frame) != len(widths):
        return None
    names = [str(h).strip() for h in frame.iloc[0]]
    frame = frame.iloc[1:].reset_index(drop=True)
    frame.columns = names
    return frame, longest


def _share_repeated(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with each column's equal values as one shared str (as pandas' C reader gives them): later
    passes then touch a few objects, not one new object per cell scattered in memory."""
    columns = {}
    for name in frame.columns:
        codes, uniques = pd.factorize(frame[name].to_numpy(dtype=object))
        columns[name] = np.asarray(uniques, dtype=object)[codes]
    return pd.DataFrame(columns, columns=frame.columns, index=frame.index, dtype=object)


def _parse_plain(text: str, delimiter: str, rows: int, names: list[str]) -> pd.DataFrame:
    """The body of a plain delimited text (see :func:`_plain_lines`) as a frame of str, parsed by pandas' C reader
    (each column's repeated values share one str object)."""
    frame = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, skiprows=1, names=range(len(names)),
                        dtype=object, na_filter=False, keep_default_na=False, quoting=csv.QUOTE_NONE,
                        skip_blank_lines=True, engine="c", low_memory=False)
    if len(frame) != rows:
        raise AssertionError(f"parsed {len(frame)} rows where the text has {rows}")
    frame.columns = names
    return frame


def _read_excel(path: Path, expected: list[str]) -> pd.DataFrame:
    try:
        # keep_default_na=False: 'n/a', 'NA', 'NULL' typed in a cell are values to reject with a reason, not blanks
        grid = pd.read_excel(path, header=None, dtype=object, engine="openpyxl", keep_default_na=False,
                             na_values=[]).replace("", np.nan)
    except Exception as err:  # openpyxl raises many types for a damaged workbook
        raise UserError(f"cannot read as an Excel workbook: {type(err).__name__}", file=path) from None
    grid = grid.dropna(how="all").reset_index(drop=True)
    if grid.empty:
        raise UserError("workbook's first sheet is empty", file=path)
    wanted = set(expected)
    header_at = 0
    if wanted:
        hits = grid.apply(lambda row: len(wanted & {str(v).strip() for v in row if pd.notna(v)}), axis=1)
        header_at = int(hits.idxmax()) if hits.max() > 0 else 0
    header = [str(v).strip() if pd.notna(v) else "" for v in grid.iloc[header_at]]
    body = grid.iloc[header_at + 1:].reset_index(drop=True)
    body.columns = header
    body = body.loc[:, [h != "" for h in header]]
    _check_header(body, path)
    return _limit_fields(_to_text(body), path)


def _read_binary(path: Path, reader: str) -> pd.DataFrame:
    import pyreadstat

    if reader == "read_xport":
        from cdisc_als.xport import read_xpt_metadata
        read_xpt_metadata(path)       # strict header check: pyreadstat reads truncated or lying files silently
    try:
        frame, _ = getattr(pyreadstat, reader)(str(path))
    except Exception as err:  # pyreadstat raises its own ReadstatError and others for damaged files
        raise UserError(f"cannot read as {path.suffix.lstrip('.').upper()}: {err}", file=path) from None
    _check_header(frame, path)
    return _limit_fields(_to_text(frame), path)


def _to_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Render typed cells as the text a site would have exported (integers without '.0', dates ISO)."""
    out = {}
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_datetime64_any_dtype(col):
            text = col.dt.strftime("%Y-%m-%d").astype(object)
        elif pd.api.types.is_numeric_dtype(col):
            text = col.map(_number_text, na_action="ignore").astype(object)
        else:
            text = col.astype(object).map(_cell_text, na_action="ignore")
        out[str(name).strip()] = text.where(col.notna(), "")
    return pd.DataFrame(out, dtype=object)


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _cell_text(value: object) -> str:
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return _number_text(value)
    return str(value)


def _check_header(frame: pd.DataFrame, path: Path) -> None:
    names = list(frame.columns)
    if not names or all(n == "" for n in names):
        raise UserError("has no header row", file=path)
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise UserError("duplicate column name", file=path, column=name)
        seen.add(name)


def _limit_fields(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    frame = frame.fillna("")
    _check_lengths(frame.astype(str), path)
    return frame


def _check_lengths(frame: pd.DataFrame, path: Path) -> None:
    """No cell of a frame of str longer than MAX_FIELD characters; the first column holding one names its row."""
    for name in frame.columns:
        values = frame[name].to_numpy(dtype=object)
        if max(map(len, values), default=0) > MAX_FIELD:
            lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
            raise UserError(f"field of {int(lengths.max()):,} characters (limit {MAX_FIELD:,})",
                            file=path, row=int(lengths.argmax()) + 1, column=name)
