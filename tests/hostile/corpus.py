"""The hostile-input corpus, generated on the fly: every file here is made by a function from a good file.

Text cases take a good raw CSV (read as text) and write a damaged copy in its place; XPT cases take
a good XPT's bytes and damage its headers; define.xml cases are complete small documents.  Nothing
is stored in git, and each generator is deterministic (seeded).
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

RECORD = 80
HTML_PAGE = (b"<!DOCTYPE html>\n<html><head><title>Session expired</title></head>\n"
             b"<body><h1>Please log in again</h1><p>Your EDC session has expired.</p></body></html>\n")


def read_text_table(path: Path, encoding: str = "utf-8") -> pd.DataFrame:
    """A raw CSV as text exactly as written ('' for blank)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)


def write_csv(frame: pd.DataFrame, path: Path, *, encoding: str = "utf-8", delimiter: str = ",",
              header: list[str] | None = None) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header or list(frame.columns))
    writer.writerows(frame.astype(str).values.tolist())
    path.write_bytes(buffer.getvalue().encode(encoding))


def garbage(size: int = 4000, *, seed: int = 7, nul: bool = True) -> bytes:
    """Random bytes; without NUL bytes when ``nul`` is false (so a text sniff cannot spot it by NULs)."""
    data = np.random.default_rng(seed).integers(1 if not nul else 0, 256, size, dtype=np.uint8).tobytes()
    return data


# ---- XPT damage (offsets from SAS TS-140: 8 header records, then 140-byte namestrs) ----

NVARS_AT = 7 * RECORD + 54           # the variable count in the NAMESTR header record
NAMESTR_AT = 8 * RECORD              # first namestr
NLNG_AT = 4                          # namestr: ntype(2) nhfun(2) nlng(2)


def xpt_header_only(data: bytes) -> bytes:
    """The library and member headers only: no namestrs, no observations."""
    return data[:8 * RECORD]


def xpt_truncated(data: bytes) -> bytes:
    return data[:len(data) // 2 + 3]


def xpt_lies_about_variable_count(data: bytes) -> bytes:
    count = int(data[NVARS_AT:NVARS_AT + 4])
    return data[:NVARS_AT] + f"{count + 3:04d}".encode() + data[NVARS_AT + 4:]


def xpt_lies_about_a_length(data: bytes) -> bytes:
    """The first variable's namestr claims 3x its real length (positions no longer add up)."""
    at = NAMESTR_AT + NLNG_AT
    length = int.from_bytes(data[at:at + 2], "big")
    return data[:at] + (length * 3).to_bytes(2, "big") + data[at + 2:]


# v5 stores no record count: the count is whatever whole rows the data holds, so the lies that can be
# caught are a variable count, lengths that do not tile the observation, and bytes that are not whole rows.
XPT_DAMAGE = {
    "empty": lambda data: b"",
    "header_only": xpt_header_only,
    "binary_garbage": lambda data: garbage(),
    "html_page": lambda data: HTML_PAGE,
    "truncated": xpt_truncated,
    "lies_variable_count": xpt_lies_about_variable_count,
    "lies_variable_length": xpt_lies_about_a_length,
    "trailing_garbage": lambda data: data + garbage(RECORD * 3, nul=False),
}


# ---- define.xml documents ----

ODM_NS = "http://www.cdisc.org/ns/odm/v1.3"
DEF_NS = "http://www.cdisc.org/ns/def/v2.1"


def _define_body(extra: str = "") -> str:
    return (f'<ODM xmlns="{ODM_NS}" xmlns:def="{DEF_NS}" ODMVersion="1.3.2" FileType="Snapshot" FileOID="X" '
            f'CreationDateTime="2020-01-01T00:00:00"><Study OID="S"><GlobalVariables><StudyName>S{extra}</StudyName>'
            f'<StudyDescription>S</StudyDescription><ProtocolName>S</ProtocolName></GlobalVariables>'
            f'<MetaDataVersion OID="M" Name="M" def:DefineVersion="2.1.0"/></Study></ODM>')


def define_external_entity(secret: Path) -> bytes:
    return (f'<?xml version="1.0"?>\n<!DOCTYPE ODM [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
            + _define_body("&xxe;")).encode()


def define_network_entity() -> bytes:
    return ('<?xml version="1.0"?>\n<!DOCTYPE ODM [<!ENTITY net SYSTEM "http://198.51.100.7/define.dtd">]>\n'
            + _define_body("&net;")).encode()


def define_billion_laughs() -> bytes:
    levels = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">'
                                         for i in range(1, 10)]
    return ('<?xml version="1.0"?>\n<!DOCTYPE ODM [' + "".join(levels) + "]>\n" + _define_body("&lol9;")).encode()


def define_wrong_namespace() -> bytes:
    return ('<?xml version="1.0"?>\n' + _define_body().replace(ODM_NS, "http://www.cdisc.org/ns/odm/v9.9")).encode()


DEFINE_DAMAGE = {
    "external_entity": define_external_entity,
    "network_entity": lambda secret: define_network_entity(),
    "billion_laughs": lambda secret: define_billion_laughs(),
    "wrong_namespace": lambda secret: define_wrong_namespace(),
    "not_xml": lambda secret: b"STUDYID,DOMAIN\nX,DM\n",
    "empty": lambda secret: b"",
    "html_page": lambda secret: HTML_PAGE,
    "binary_garbage": lambda secret: garbage(),
}
