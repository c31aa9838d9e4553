"""Transport v5 limits on names, labels and formats (SAS TS-140; FDA Study Data TCG).

Each check raises :class:`~cdisc_als.errors.XptError` naming the dataset and variable;
nothing is ever truncated to fit.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from cdisc_als.errors import XptError

MAX_NAME = 8
MAX_LABEL = 40
MAX_CHAR_LENGTH = 200
MAX_VARIABLES = 9999                      # the NAMESTR header has four digits for the count

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,7}")
# A SAS format: optional $, a name that does not end in a digit, a width, a period, decimals.
_FORMAT = re.compile(r"(\$?(?:[A-Z_](?:[A-Z0-9_]*[A-Z_])?)?)(\d*)\.(\d*)")


class SasFormat(NamedTuple):
    """A format split the way a namestr stores it: ``nform`` name, ``nfl`` width, ``nfd`` decimals."""

    name: str
    width: int
    decimals: int

    def text(self) -> str:
        """Back to SAS notation: ``DATE9.``, ``8.2``, ``$CHAR20.``; ``""`` for no format."""
        if not self.name and not self.width and not self.decimals:
            return ""
        return f"{self.name}{self.width or ''}.{self.decimals or ''}"


NO_FORMAT = SasFormat("", 0, 0)


def check_dataset_name(name: object, path: Path) -> str:
    """The member name: 1-8 letters, digits or underscores starting with a letter; returned uppercase."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise XptError(f"dataset name {name!r} is not 1-8 letters, digits or underscores starting with a letter",
                       file=path)
    return name.upper()


def check_variable_name(name: object, dataset: str, path: Path) -> str:
    """A variable name: as for datasets, and already uppercase (SDTM/ADaM names are; nothing is renamed)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name) or name != name.upper():
        raise XptError(f"dataset {dataset}: variable name {name!r} is not 1-8 uppercase letters, digits or "
                       "underscores starting with a letter", file=path, column=str(name))
    return name


def check_label(label: object, dataset: str, variable: str | None, path: Path) -> str:
    """A dataset or variable label: text of at most 40 ASCII characters."""
    what = f"dataset {dataset}" + (f", variable {variable}" if variable else "")
    if not isinstance(label, str):
        raise XptError(f"{what}: label {label!r} is not text", file=path, column=variable)
    if not label.isascii():
        raise XptError(f"{what}: label {label!r} has non-ASCII characters (use transliterate=True to replace them)",
                       file=path, column=variable)
    if len(label) > MAX_LABEL:
        raise XptError(f"{what}: label is {len(label)} characters, more than {MAX_LABEL}: {label!r}",
                       file=path, column=variable)
    return label


def parse_format(text: object, *, character: bool, dataset: str, variable: str, path: Path) -> SasFormat:
    """Split ``"DATE9."`` into ``SasFormat("DATE", 9, 0)``; ``""``/None is no format.

    Character variables take ``$`` formats only, numeric variables never; the name fits 8 bytes.
    """
    if text is None or text == "":
        return NO_FORMAT
    match = _FORMAT.fullmatch(text.upper()) if isinstance(text, str) else None
    problem = None
    if not match or not (match.group(1) or match.group(2)):
        problem = "is not a SAS format such as DATE9., 8.2 or $CHAR20."
    elif len(match.group(1)) > MAX_NAME:
        problem = f"has a name longer than {MAX_NAME} characters"
    elif match.group(1).startswith("$") != character:
        problem = "must start with $ for a character variable" if character else \
            "starts with $ but the variable is numeric"
    elif int(match.group(2) or 0) > 32767 or int(match.group(3) or 0) > 32767:
        problem = "has a width or decimals over 32767"
    if problem:
        raise XptError(f"dataset {dataset}, variable {variable}: format {text!r} {problem}", file=path,
                       column=variable)
    return SasFormat(match.group(1), int(match.group(2) or 0), int(match.group(3) or 0))


def check_keys(given: dict | None, columns: list[str], what: str, dataset: str, path: Path) -> dict:
    """``given`` (labels, formats or lengths by variable) must name only variables of the frame."""
    given = dict(given or {})
    unknown = sorted(map(str, set(given) - set(columns)))
    if unknown:
        raise XptError(f"dataset {dataset}: {what} given for variables not in the frame: {', '.join(unknown)}",
                       file=path, column=unknown[0])
    return given
