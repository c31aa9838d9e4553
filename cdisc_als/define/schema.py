"""Check a Define-XML 2.1 document against the CDISC XSDs shipped in ``specs/schema/define-xml-2.1``.

The XSD set is local (copied from the Define-XML 2.1 release, see its SOURCES.md),
so validation works offline.  Documents that carry Analysis Results Metadata
(the ``arm`` namespace) are checked against the ARM 1.0 schema, which extends
Define-XML 2.1.
"""
from __future__ import annotations

from functools import lru_cache

from lxml import etree

from cdisc_als.define.safexml import safe_parser
from cdisc_als.metadata.spec import specs_dir

DEF21_NS = "http://www.cdisc.org/ns/def/v2.1"
ARM_NS = "http://www.cdisc.org/ns/arm/v1.0"
SCHEMAS = {
    "define": "define-xml-2.1/cdisc-definexml-2.1.0/define2-1-0.xsd",
    "arm": "define-xml-2.1/cdisc-arm-1.0-definexml-2.1/arm1-0-0.xsd",
}


@lru_cache(maxsize=None)
def load_schema(name: str = "define") -> etree.XMLSchema:
    """The compiled XSD (``define`` or ``arm``), read from local files only."""
    path = specs_dir() / "schema" / SCHEMAS[name]
    return etree.XMLSchema(etree.parse(str(path), safe_parser()))


def uses_arm(tree: etree._ElementTree) -> bool:
    """True when the document contains Analysis Results Metadata elements."""
    return next(tree.getroot().iter(f"{{{ARM_NS}}}*"), None) is not None


def schema_errors(tree: etree._ElementTree) -> list[str]:
    """Schema violations of a Define-XML 2.1 document as ``line N: message`` strings (empty when valid)."""
    schema = load_schema("arm" if uses_arm(tree) else "define")
    if schema.validate(tree):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
