"""The fixed parts of a SAS transport v5 file (SAS TS-140), shared by the writer and the reader.

A v5 file is a sequence of 80-byte records::

    LIBRARY header, real header (SAS version, OS, created), modified
    MEMBER header, DSCRPTR header, member record (dataset name ...), modified + label + type
    NAMESTR header (variable count), one 140-byte namestr per variable (blank-padded to 80)
    OBS header, the observations back to back (blank-padded to 80)

Where TS-140 leaves a choice (SAS version and OS strings, justification codes) this
module follows what readstat (``pyreadstat.write_xport(file_format_version=5)``) writes,
so files are byte-identical to it apart from the timestamps.
"""
from __future__ import annotations

import re
from datetime import datetime

import numpy as np

RECORD = 80
NAMESTR_LENGTH = 140

_PREFIX = b"HEADER RECORD*******"
LIBRARY_HEADER = _PREFIX + b"LIBRARY HEADER RECORD!!!!!!!" + b"0" * 30 + b"  "
MEMBER_HEADER = _PREFIX + b"MEMBER  HEADER RECORD!!!!!!!" + b"000000000000000001600000000140  "
DSCRPTR_HEADER = _PREFIX + b"DSCRPTR HEADER RECORD!!!!!!!" + b"0" * 30 + b"  "
OBS_HEADER = _PREFIX + b"OBS     HEADER RECORD!!!!!!!" + b"0" * 30 + b"  "
#: The first 48 bytes that identify each header record, and their v8 counterparts (a v8 file is detected, not read).
LIBRARY_KEY, MEMBER_KEY, DSCRPTR_KEY = LIBRARY_HEADER[:48], MEMBER_HEADER[:48], DSCRPTR_HEADER[:48]
NAMESTR_KEY, OBS_KEY = _PREFIX + b"NAMESTR HEADER RECORD!!!!!!!", OBS_HEADER[:48]
V8_KEYS = (_PREFIX + b"LIBV8   HEADER RECORD!!!!!!!", _PREFIX + b"MEMBV8  HEADER RECORD!!!!!!!")

SAS_VERSION = b"6.06    "
OS_NAME = b"bsd4.2  "

#: One namestr (TS-140 "NAMESTR record"), big-endian; ``rest`` is reserved (zeros).
NAMESTR_DTYPE = np.dtype([
    ("ntype", ">i2"), ("nhfun", ">i2"), ("nlng", ">i2"), ("nvar0", ">i2"),
    ("nname", "S8"), ("nlabel", "S40"),
    ("nform", "S8"), ("nfl", ">i2"), ("nfd", ">i2"), ("nfj", ">i2"), ("nfill", "V2"),
    ("niform", "S8"), ("nifl", ">i2"), ("nifd", ">i2"), ("npos", ">i4"), ("rest", "V52"),
])
assert NAMESTR_DTYPE.itemsize == NAMESTR_LENGTH
NUMERIC, CHARACTER = 1, 2

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_STAMP = re.compile(rb"(\d\d)([A-Z]{3})(\d\d):(\d\d):(\d\d):(\d\d)")


def pad(text: str | bytes, width: int) -> bytes:
    """ASCII ``text`` left-justified in ``width`` bytes, blank-padded (the caller checked the length)."""
    raw = text.encode("ascii") if isinstance(text, str) else text
    return raw.ljust(width, b" ")


def format_timestamp(when: datetime) -> bytes:
    """``ddMMMyy:hh:mm:ss`` as TS-140 headers carry it (two-digit year, English month, no locale)."""
    return (f"{when.day:02d}{_MONTHS[when.month - 1]}{when.year % 100:02d}:"
            f"{when.hour:02d}:{when.minute:02d}:{when.second:02d}").encode("ascii")


def parse_timestamp(raw: bytes) -> datetime | None:
    """The inverse of :func:`format_timestamp`; two-digit years 00-59 are 20xx, 60-99 are 19xx. None if unreadable."""
    match = _STAMP.fullmatch(raw.strip())
    if not match or match.group(2).decode() not in _MONTHS:
        return None
    day, month, year, hour, minute, second = match.groups()
    yy = int(year)
    try:
        return datetime(2000 + yy if yy < 60 else 1900 + yy, _MONTHS.index(month.decode()) + 1,
                        int(day), int(hour), int(minute), int(second))
    except ValueError:
        return None


def library_records(created: datetime) -> bytes:
    """LIBRARY header, real header and modified record (records 1-3)."""
    stamp = format_timestamp(created)
    real = b"SAS     SAS     SASLIB  " + SAS_VERSION + OS_NAME + b" " * 24 + stamp
    return LIBRARY_HEADER + real + pad(stamp, RECORD)


def member_records(name: str, label: str, created: datetime, nvars: int) -> bytes:
    """MEMBER, DSCRPTR, the two member descriptor records and the NAMESTR header (records 4-8)."""
    stamp = format_timestamp(created)
    member = b"SAS     " + pad(name, 8) + b"SASDATA " + SAS_VERSION + OS_NAME + b" " * 24 + stamp
    second = stamp + b" " * 16 + pad(label, 40) + b" " * 8
    namestr_header = NAMESTR_KEY + f"000000{nvars:04d}".encode("ascii") + b"0" * 20 + b"  "
    return MEMBER_HEADER + DSCRPTR_HEADER + member + second + namestr_header


def padding(nbytes: int) -> bytes:
    """Blanks that bring ``nbytes`` up to a whole number of 80-byte records."""
    return b" " * (-nbytes % RECORD)
