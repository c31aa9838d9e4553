"""Plain records returned by the XPT reader and writer."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class XptVariable:
    """One variable as its namestr describes it.

    ``format`` is the display format as SAS writes it (``"DATE9."``, ``"8.2"``, ``"$CHAR20."``),
    ``""`` when none; ``position`` is the byte offset of the variable in an observation.
    """

    name: str
    label: str
    type: Literal["Char", "Num"]
    length: int
    format: str = ""
    position: int = 0
    informat: str = ""


@dataclass(frozen=True)
class XptMetadata:
    """What the headers of a transport file say, without the observations."""

    path: Path
    name: str
    label: str
    variables: tuple[XptVariable, ...]
    nrows: int
    row_length: int
    sas_version: str = ""
    os_name: str = ""
    dataset_type: str = ""
    created: datetime | None = None
    modified: datetime | None = None


class EncodingIssue(NamedTuple):
    """A character value that was not valid UTF-8 and was decoded as cp1252 instead."""

    variable: str
    row: int            # 0-based position in the frame
    raw: bytes          # the stored bytes, trailing blanks removed
    value: str          # what the frame holds


@dataclass(frozen=True, eq=False)
class TextCodes:
    """How the reader built a character column: ``texts[codes]`` is the column, row by row.

    ``codes`` (the smallest unsigned integer type that holds them) are equal exactly where the stored
    bytes are, numbered in order of first appearance; ``texts`` is the decoded text of each (two stored
    values that differ only in trailing blanks decode to the same text).  ``column`` is the object array
    the column was built as: the codes describe a frame's column only while :meth:`describes` says so.
    """

    codes: np.ndarray
    texts: np.ndarray
    column: np.ndarray

    def describes(self, values: pd.Series) -> bool:
        """Whether ``values`` still holds the column as read: its rows are the very array built (a copy,
        a renamed frame or a shallow copy share it; a changed copy no longer does)."""
        return isinstance(values.dtype, pd.StringDtype) and values.to_numpy(dtype=object) is self.column


@dataclass(frozen=True)
class XptDataset:
    """A dataset read from a transport file: ``frame`` plus the metadata it came with.

    In ``frame`` character variables are Python ``str`` (``""`` for blank) and numeric
    variables float64 (NaN for any missing value, special missings ``.A``-``.Z`` included).
    ``text_codes`` holds the reader's codes of each (non-empty) character column: a consumer may
    group by them instead of hashing the text again, after checking :meth:`TextCodes.describes`.
    """

    metadata: XptMetadata
    frame: pd.DataFrame
    encoding_issues: tuple[EncodingIssue, ...] = ()
    text_codes: dict[str, TextCodes] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def label(self) -> str:
        return self.metadata.label

    @property
    def variables(self) -> list[XptVariable]:
        return list(self.metadata.variables)


@dataclass(frozen=True)
class XptFolder:
    """Every ``.xpt`` file of a folder read once, to be handed to several consumers.

    ``datasets`` are the readable files and ``failures`` the others with the error reading raised,
    each in file-name order.  Consumers take :meth:`shared`, never the frames themselves.
    """

    folder: Path
    datasets: tuple[XptDataset, ...]
    failures: tuple[tuple[Path, Exception], ...] = ()

    @classmethod
    def of_written(cls, folder: Path, datasets: list[XptDataset]) -> XptFolder:
        """The folder as :func:`~cdisc_als.xport.read_xpt_folder` reads it, from the datasets the writer handed
        back (``as_read``) for its files: each path re-pointed into ``folder`` (the files were written in a
        staging folder and moved), in file-name order."""
        moved = [replace(d, metadata=replace(d.metadata, path=Path(folder) / d.metadata.path.name)) for d in datasets]
        return cls(folder=Path(folder), datasets=tuple(sorted(moved, key=lambda d: d.metadata.path)))

    def shared(self) -> list[XptDataset]:
        """The datasets, each with its own shallow copy of the frame: a consumer that adds, renames or
        overwrites columns changes only its copy (pandas copy-on-write), never the rows read."""
        return [replace(d, frame=d.frame.copy(deep=False)) for d in self.datasets]

    def without_text_codes(self) -> XptFolder:
        """The same datasets without their :class:`TextCodes`, for when no consumer left needs them
        (they take 1-2 bytes per row of every character column)."""
        return replace(self, datasets=tuple(replace(d, text_codes={}) for d in self.datasets))

    def raise_failure(self, stems: list[str] | None = None) -> None:
        """Raise the error of the first unreadable file (among those whose upper-case stem is in ``stems``,
        taken in that order, when given), as reading that file alone would have."""
        failed = {path.stem.upper(): error for path, error in self.failures}
        for stem in stems if stems is not None else list(failed):
            if stem in failed:
                raise failed[stem]


@dataclass(frozen=True)
class WriteReport:
    """What :func:`write_xpt` wrote.

    ``transliterations`` has one row per changed text (columns ``variable``, ``row``, ``old``,
    ``new``); ``row`` is the 0-based position in the frame, ``<NA>`` for a variable label, and
    ``variable`` is ``""`` for the dataset label.  ``warnings`` are one-line notes that did not
    stop the write (e.g. a final all-blank row that readers will take for padding).  ``dataset`` is the
    file as :func:`~cdisc_als.xport.read_xpt` would read it back, when the writer was asked for it (``as_read``).
    """

    path: Path
    name: str
    nrows: int
    variables: tuple[XptVariable, ...]
    row_length: int
    size: int
    transliterations: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        {"variable": pd.Series(dtype=object), "row": pd.Series(dtype="Int64"),
         "old": pd.Series(dtype=object), "new": pd.Series(dtype=object)}))
    warnings: tuple[str, ...] = ()
    dataset: XptDataset | None = None
