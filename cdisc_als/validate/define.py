"""define.xml for validation: the standard version it declares, read with :mod:`cdisc_als.define`.

Define-XML 1.0/2.0 name the standard on MetaDataVersion, 2.1 in ``def:Standards`` (Type="IG");
the reader normalises both to ``standard``/``standard_version``.
"""
from __future__ import annotations

from pathlib import Path

from cdisc_als.define.read import DefineMetadata, read_define


def standard_from_names(name: str, version: str) -> str | None:
    """``("SDTM-IG", "3.1.2")`` -> ``"sdtmig-3.1.2"``; ``("ADaMIG", "1.1")`` -> ``"adamig-1.1"``.

    A misspelt IG name such as ``STDTMIG`` (in the CDISC SDTM-MSG define) still counts as SDTMIG.
    """
    upper = name.upper().replace(" ", "").replace("-", "")
    if not version:
        return None
    if "ADAM" in upper:
        return f"adamig-{version}"
    if "SDTM" in upper or "TMIG" in upper:
        return f"sdtmig-{version}"
    return None


def load_define(path: str | Path) -> DefineMetadata:
    """Read a define.xml without the (slow) schema check; DefineError if it cannot be read."""
    return read_define(path, check_schema=False)


def define_standard(define: DefineMetadata) -> str | None:
    """The standard a define.xml declares, as a ``--standard`` value (None when it says nothing usable)."""
    return standard_from_names(define.standard, define.standard_version)
