"""Exceptions for user mistakes and the closed set of reject reasons.

A :class:`UserError` is something the person running cdisc_als can fix (a bad
file, a missing column).  The CLI prints it as one line and exits non-zero;
anything else is a bug and keeps its traceback.
"""
from __future__ import annotations

from enum import Enum


class UserError(Exception):
    """A problem with the user's input, reported as one line: file, row, column, what."""

    def __init__(self, message: str, *, file: object = None, row: int | None = None,
                 column: str | None = None) -> None:
        self.message = message
        self.file = None if file is None else str(file)
        self.row = row
        self.column = column
        super().__init__(self.one_line())

    def __reduce__(self):
        # pickled whole (a stage run in a forked child sends its error back to the parent)
        return _rebuild_user_error, (type(self), self.message, self.file, self.row, self.column)

    def one_line(self) -> str:
        where = [p for p in (
            self.file,
            None if self.row is None else f"row {self.row}",
            None if self.column is None else f"column {self.column}",
        ) if p]
        return f"{': '.join([', '.join(where)] if where else [])}{': ' if where else ''}{self.message}"


def _rebuild_user_error(kind: type, message: str, file: str | None, row: int | None, column: str | None):
    return kind(message, file=file, row=row, column=column)


class XptError(UserError):
    """An XPT file cannot be written or read within the SAS transport v5 rules."""


class DefineError(UserError):
    """A define.xml cannot be read safely."""


class RejectReason(str, Enum):
    """Why a raw row did not become an SDTM record (stable codes for rejects.csv)."""

    MISSING_KEY = "MISSING_KEY"              # subject id (or another key) empty
    UNKNOWN_SUBJECT = "UNKNOWN_SUBJECT"      # no demographics record for the subject
    BAD_DATE = "BAD_DATE"                    # date cannot be read in the declared formats
    BAD_NUMBER = "BAD_NUMBER"                # numeric field is not a number
    OUT_OF_RANGE = "OUT_OF_RANGE"            # value outside the instrument's range
    BAD_CODE = "BAD_CODE"                    # value not in the layout's recode table
    DUPLICATE = "DUPLICATE"                  # exact duplicate of an earlier row
    CONFLICT = "CONFLICT"                    # contradicts another row (e.g. 5a and 5b both scored)
    NO_RESULT = "NO_RESULT"                  # row carries no result at all
    UNKNOWN_VISIT = "UNKNOWN_VISIT"          # visit label not in the layout's visit map
