"""Parse an XML file someone else wrote without giving it any power over the machine.

The parser never touches the network, never loads a DTD, never expands entities
and refuses huge trees.  Before lxml sees the bytes, the prolog is checked so
that a document declaring entities (the "billion laughs" expansion, external
entities such as ``file:///etc/passwd``) or pointing at an external DTD is
refused with a one-line :class:`DefineError`, not silently half-read.
"""
from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from cdisc_als.errors import DefineError

MAX_BYTES = 100 * 1024 * 1024
_DOCTYPE = re.compile(r"<!DOCTYPE\b(?P<body>[^\[>]*)(?P<subset>\[.*?\])?\s*>", re.S)
_ENTITY = re.compile(r"<!ENTITY\b", re.S)


def safe_parser() -> etree.XMLParser:
    """An lxml parser that cannot reach outside the document it is given."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_blank_text=False)


def _prolog_text(data: bytes) -> str:
    """The part of the document before the root element, decoded well enough to look for declarations."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data[:200_000].decode("utf-16", errors="replace")
    else:
        text = data[:200_000].decode("latin-1")
    root = re.search(r"<(?![?!])", text)
    return text if root is None else text[:root.start()]


def check_prolog(data: bytes, path: object) -> None:
    """Refuse what a define.xml never needs: entity declarations and external DTDs.

    Raises:
        DefineError: the bytes are not XML, or the DOCTYPE declares entities or names an external DTD.
    """
    head = data.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")
    if not head.startswith(b"<"):
        raise DefineError("not an XML document (it does not start with '<')", file=path)
    prolog = _prolog_text(data)
    if _ENTITY.search(prolog):
        raise DefineError("refused: the document declares XML entities (entity expansion is not allowed)",
                          file=path)
    doctype = _DOCTYPE.search(prolog)
    if doctype and re.search(r"\b(SYSTEM|PUBLIC)\b", doctype.group("body")):
        raise DefineError("refused: the document refers to an external DTD", file=path)


def parse_xml_safely(path: Path | str, *, max_bytes: int = MAX_BYTES) -> etree._ElementTree:
    """Parse ``path`` with the safe parser after size and prolog checks.

    Raises:
        DefineError: missing file, file over ``max_bytes``, not XML, hostile DOCTYPE, or not well-formed.
    """
    path = Path(path)
    if not path.is_file():
        raise DefineError("file not found", file=path)
    size = path.stat().st_size
    if size > max_bytes:
        raise DefineError(f"refused: file is {size:,} bytes, over the {max_bytes:,}-byte limit", file=path)
    data = path.read_bytes()
    check_prolog(data, path)
    try:
        tree = etree.fromstring(data, safe_parser()).getroottree()
    except etree.XMLSyntaxError as err:
        line = err.lineno if err.lineno else None
        raise DefineError(f"not well-formed XML: {err.msg}", file=path, row=line) from None
    dtd = tree.docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise DefineError("refused: the document declares XML entities", file=path)
    return tree
