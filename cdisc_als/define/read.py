"""Read anyone's define.xml (Define-XML 1.0, 2.0 or 2.1) into the toolkit's metadata tables.

The tables are shaped like the ``specs/`` tables of :mod:`cdisc_als.metadata.spec`
(``datasets``, ``variables`` with label/type Char|Num/order/codelist, ``codelists``,
``terms``) plus what only a define has (value-level metadata, methods, comments,
standards), so the validator can compare data against the define.

Version differences handled (Define-XML 1.0 / 2.0 / 2.1 specifications):
labels are ``def:Label`` attributes in 1.0 and ``Description/TranslatedText`` later;
origin is an ``Origin`` attribute in 1.0 and a ``def:Origin`` element later; the
dataset class is an attribute up to 2.0 and a ``def:Class`` element in 2.1; keys
are ``def:DomainKeys`` in 1.0 and ``ItemRef/@KeySequence`` later; the standard is
named on ``MetaDataVersion`` up to 2.0 and in ``def:Standards`` in 2.1.

Parsing is safe by construction (:mod:`cdisc_als.define.safexml`).  Schema
errors of a 2.1 document are returned in ``schema_errors``, never raised.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from lxml import etree

from cdisc_als.define.safexml import MAX_BYTES, parse_xml_safely
from cdisc_als.errors import DefineError

ODM_NAMESPACES = ("http://www.cdisc.org/ns/odm/v1.2", "http://www.cdisc.org/ns/odm/v1.3")
DEF_PREFIX = "http://www.cdisc.org/ns/def/v"
XLINK = "http://www.w3.org/1999/xlink"
NUMERIC_TYPES = {"integer", "float", "double", "decimal"}


@dataclass(frozen=True)
class DefineMetadata:
    """Everything read from one define.xml; every table uses '' for an absent text value."""

    path: str
    define_version: str
    study: str
    study_oid: str
    metadata_version_oid: str
    standard: str
    standard_version: str
    standards: pd.DataFrame = field(repr=False)
    datasets: pd.DataFrame = field(repr=False)
    variables: pd.DataFrame = field(repr=False)
    codelists: pd.DataFrame = field(repr=False)
    terms: pd.DataFrame = field(repr=False)
    valuelevel: pd.DataFrame = field(repr=False)
    methods: pd.DataFrame = field(repr=False)
    comments: pd.DataFrame = field(repr=False)
    schema_errors: tuple[str, ...] = ()
    schema_checked: bool = False

    def dataset_variables(self, dataset: str) -> pd.DataFrame:
        """Variables of one dataset in define order."""
        rows = self.variables[self.variables["dataset"] == dataset.upper()]
        return rows.sort_values("order").reset_index(drop=True)


class _Doc:
    """Namespace-aware accessors over one parsed define."""

    def __init__(self, tree: etree._ElementTree, path: Path) -> None:
        root = tree.getroot()
        odm = etree.QName(root).namespace
        if etree.QName(root).localname != "ODM" or odm not in ODM_NAMESPACES:
            raise DefineError(f"not a Define-XML document: root element is {root.tag!r}, expected ODM in "
                              f"the CDISC ODM namespace", file=path)
        defs = [ns for ns in root.nsmap.values() if ns and ns.startswith(DEF_PREFIX)]
        if not defs:
            raise DefineError("not a Define-XML document: no Define-XML (def) namespace is declared", file=path)
        self.root, self.odm, self.def_ns = root, odm, defs[0]
        self.version = self.def_ns.rsplit("/v", 1)[1]

    def o(self, name: str) -> str:
        return f"{{{self.odm}}}{name}"

    def d(self, name: str) -> str:
        return f"{{{self.def_ns}}}{name}"

    def text(self, el: etree._Element | None) -> str:
        """First translated description of ``el`` (or ``def:Label`` in 1.0)."""
        if el is None:
            return ""
        tt = el.find(f"{self.o('Description')}/{self.o('TranslatedText')}")
        if tt is not None:
            return (tt.text or "").strip()
        return (el.get(self.d("Label")) or "").strip()


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    for col in frame.columns:
        if col in ("length", "order", "key_sequence", "significant_digits"):
            frame[col] = pd.to_numeric(frame[col].replace("", None), errors="coerce").astype("Int64")
        else:
            frame[col] = frame[col].fillna("").astype(str)
    return frame


def _origin(doc: _Doc, item: etree._Element) -> tuple[str, str]:
    origin = item.find(doc.d("Origin"))
    if origin is not None:
        return origin.get("Type", ""), origin.get("Source", "")
    return (item.get("Origin") or "").strip(), ""


def _itemdefs(doc: _Doc, mdv: etree._Element) -> dict[str, dict]:
    out = {}
    for item in mdv.iter(doc.o("ItemDef")):
        clref = item.find(doc.o("CodeListRef"))
        vlref = item.find(doc.d("ValueListRef"))
        origin, source = _origin(doc, item)
        out[item.get("OID")] = {
            "variable": item.get("Name", ""), "label": doc.text(item), "datatype": item.get("DataType", ""),
            "length": item.get("Length", ""), "significant_digits": item.get("SignificantDigits", ""),
            "display_format": item.get(doc.d("DisplayFormat"), ""),
            "codelist": "" if clref is None else clref.get("CodeListOID", ""),
            "origin": origin, "source": source,
            "valuelist": "" if vlref is None else vlref.get("ValueListOID", ""),
            "comment": item.get(doc.d("CommentOID"), "") or item.get(doc.d("ComputationMethodOID"), ""),
        }
    return out


def _item_type(datatype: str) -> str:
    return "Num" if datatype in NUMERIC_TYPES else "Char"


def _read_groups(doc: _Doc, mdv: etree._Element, items: dict[str, dict]) -> tuple[list[dict], list[dict]]:
    datasets, variables = [], []
    for group in mdv.iter(doc.o("ItemGroupDef")):
        name = group.get("Name", "").upper()
        cls = group.find(doc.d("Class"))
        leaf = group.find(doc.d("leaf"))
        refs = group.findall(doc.o("ItemRef"))
        keyed = sorted((int(r.get("KeySequence")), r) for r in refs if r.get("KeySequence"))
        keys = [items.get(r.get("ItemOID"), {}).get("variable", "") for _, r in keyed]
        if not keys and group.get(doc.d("DomainKeys")):
            keys = [k.strip() for k in group.get(doc.d("DomainKeys")).split(",") if k.strip()]
        datasets.append({
            "dataset": name, "label": doc.text(group),
            "class": cls.get("Name", "") if cls is not None else group.get(doc.d("Class"), ""),
            "structure": group.get(doc.d("Structure"), ""), "keys": ";".join(keys),
            "leaf": "" if leaf is None else leaf.get(f"{{{XLINK}}}href", ""),
            "purpose": group.get("Purpose", ""), "oid": group.get("OID", ""),
            "repeating": group.get("Repeating", ""), "comment": group.get(doc.d("CommentOID"), ""),
        })
        for pos, ref in enumerate(refs, start=1):
            item = items.get(ref.get("ItemOID"))
            if item is None:
                raise DefineError(f"dataset {name}: ItemRef {ref.get('ItemOID')!r} has no ItemDef",
                                  file=doc.root.base)
            variables.append({
                "dataset": name, **item, "type": _item_type(item["datatype"]),
                "mandatory": ref.get("Mandatory", ""), "order": ref.get("OrderNumber") or pos,
                "key_sequence": ref.get("KeySequence", ""), "role": ref.get("Role", ""),
                "method": ref.get("MethodOID", ""), "item_oid": ref.get("ItemOID", ""),
            })
    return datasets, variables


def _where_text(doc: _Doc, mdv: etree._Element, items: dict[str, dict]) -> dict[str, str]:
    out = {}
    for wc in mdv.iter(doc.d("WhereClauseDef")):
        parts = []
        for rc in wc.findall(doc.o("RangeCheck")):
            var = items.get(rc.get(doc.d("ItemOID")), {}).get("variable", rc.get(doc.d("ItemOID"), ""))
            values = [cv.text or "" for cv in rc.findall(doc.o("CheckValue"))]
            parts.append(f"{var} {rc.get('Comparator', '')} {', '.join(values)}".strip())
        out[wc.get("OID")] = " AND ".join(parts)
    return out


def _read_valuelevel(doc: _Doc, mdv: etree._Element, items: dict[str, dict],
                     variables: list[dict]) -> list[dict]:
    owner = {}
    for var in variables:
        if var["valuelist"]:
            owner.setdefault(var["valuelist"], (var["dataset"], var["variable"]))
    where = _where_text(doc, mdv, items)
    rows = []
    for vl in mdv.iter(doc.d("ValueListDef")):
        dataset, variable = owner.get(vl.get("OID"), ("", ""))
        for pos, ref in enumerate(vl.findall(doc.o("ItemRef")), start=1):
            item = items.get(ref.get("ItemOID"), {})
            wref = ref.find(doc.d("WhereClauseRef"))
            rows.append({
                "valuelist": vl.get("OID", ""), "dataset": dataset, "variable": variable,
                "where": "" if wref is None else where.get(wref.get("WhereClauseOID"), ""),
                "item_oid": ref.get("ItemOID", ""), "name": item.get("variable", ""),
                "label": item.get("label", ""), "datatype": item.get("datatype", ""),
                "length": item.get("length", ""), "codelist": item.get("codelist", ""),
                "origin": item.get("origin", ""), "method": ref.get("MethodOID", ""),
                "mandatory": ref.get("Mandatory", ""), "order": ref.get("OrderNumber") or pos,
            })
    return rows


def _read_codelists(doc: _Doc, mdv: etree._Element) -> tuple[list[dict], list[dict]]:
    lists, terms = [], []
    nci = "nci:ExtCodeID"
    for cl in mdv.iter(doc.o("CodeList")):
        oid = cl.get("OID", "")
        alias = [a.get("Name", "") for a in cl.findall(doc.o("Alias")) if a.get("Context") == nci]
        ext = cl.find(doc.o("ExternalCodeList"))
        lists.append({
            "codelist": oid, "name": cl.get("Name", ""), "datatype": cl.get("DataType", ""),
            "nci_code": alias[0] if alias else "", "is_non_standard": cl.get(doc.d("IsNonStandard"), ""),
            "standard": cl.get(doc.d("StandardOID"), ""),
            "dictionary": "" if ext is None else ext.get("Dictionary", ""),
            "dictionary_version": "" if ext is None else ext.get("Version", ""),
        })
        for pos, term in enumerate(cl.iterchildren(doc.o("CodeListItem"), doc.o("EnumeratedItem")), start=1):
            code = [a.get("Name", "") for a in term.findall(doc.o("Alias")) if a.get("Context") == nci]
            decode = term.find(f"{doc.o('Decode')}/{doc.o('TranslatedText')}")
            terms.append({
                "codelist": oid, "value": term.get("CodedValue", ""), "code": code[0] if code else "",
                "decode": "" if decode is None else (decode.text or ""),
                "extended": term.get(doc.d("ExtendedValue"), "") or "No",
                "order": term.get("OrderNumber") or term.get("Rank") or term.get(doc.d("Rank")) or pos,
            })
    return lists, terms


def _read_methods(doc: _Doc, mdv: etree._Element) -> tuple[list[dict], list[dict]]:
    methods = []
    for m in mdv.iter(doc.o("MethodDef")):
        expr = m.find(doc.o("FormalExpression"))
        methods.append({"oid": m.get("OID", ""), "name": m.get("Name", ""), "type": m.get("Type", ""),
                        "description": doc.text(m), "expression": "" if expr is None else (expr.text or "")})
    for m in mdv.iter(doc.d("ComputationMethod")):  # Define-XML 1.0
        methods.append({"oid": m.get("OID", ""), "name": m.get("OID", ""), "type": "Computation",
                        "description": (m.text or "").strip(), "expression": ""})
    comments = [{"oid": c.get("OID", ""), "description": doc.text(c)} for c in mdv.iter(doc.d("CommentDef"))]
    return methods, comments


def _read_standards(doc: _Doc, mdv: etree._Element) -> list[dict]:
    rows = [{"oid": s.get("OID", ""), "name": s.get("Name", ""), "type": s.get("Type", ""),
             "version": s.get("Version", ""), "status": s.get("Status", ""),
             "publishing_set": s.get("PublishingSet", "")} for s in mdv.iter(doc.d("Standard"))]
    if not rows and mdv.get(doc.d("StandardName")):
        rows.append({"oid": "", "name": mdv.get(doc.d("StandardName")), "type": "IG",
                     "version": mdv.get(doc.d("StandardVersion"), ""), "status": "", "publishing_set": ""})
    return rows


def read_define(path: Path | str, *, max_bytes: int = MAX_BYTES, check_schema: bool = True) -> DefineMetadata:
    """Read a Define-XML 1.0/2.0/2.1 file safely into :class:`DefineMetadata`.

    Raises:
        DefineError: the file is missing, too large, not XML, hostile (entities, external DTD),
            or not a Define-XML document (wrong root or namespace).
    """
    path = Path(path)
    tree = parse_xml_safely(path, max_bytes=max_bytes)
    doc = _Doc(tree, path)
    study = doc.root.find(doc.o("Study"))
    mdv = None if study is None else study.find(doc.o("MetaDataVersion"))
    if mdv is None:
        raise DefineError("not a Define-XML document: no Study/MetaDataVersion element", file=path)
    items = _itemdefs(doc, mdv)
    datasets, variables = _read_groups(doc, mdv, items)
    lists, terms = _read_codelists(doc, mdv)
    methods, comments = _read_methods(doc, mdv)
    standards = _read_standards(doc, mdv)
    ig = next((s for s in standards if s["type"] == "IG"), {"name": "", "version": ""})
    errors: list[str] = []
    checked = check_schema and doc.version == "2.1"
    if checked:
        from cdisc_als.define.schema import schema_errors
        errors = schema_errors(tree)
    gv = study.find(doc.o("GlobalVariables"))
    return DefineMetadata(
        path=str(path), define_version=mdv.get(doc.d("DefineVersion"), doc.version),
        study="" if gv is None else (gv.findtext(doc.o("StudyName")) or "").strip(),
        study_oid=study.get("OID", ""), metadata_version_oid=mdv.get("OID", ""),
        standard=ig["name"], standard_version=ig["version"],
        standards=_frame(standards, ["oid", "name", "type", "version", "status", "publishing_set"]),
        datasets=_frame(datasets, ["dataset", "label", "class", "structure", "keys", "leaf", "purpose", "oid",
                                   "repeating", "comment"]),
        variables=_frame(variables, ["dataset", "variable", "label", "type", "datatype", "length",
                                     "significant_digits", "display_format", "codelist", "origin", "source",
                                     "method", "mandatory", "order", "key_sequence", "role", "item_oid",
                                     "valuelist", "comment"]),
        codelists=_frame(lists, ["codelist", "name", "datatype", "nci_code", "is_non_standard", "standard",
                                 "dictionary", "dictionary_version"]),
        terms=_frame(terms, ["codelist", "value", "code", "decode", "extended", "order"]),
        valuelevel=_frame(_read_valuelevel(doc, mdv, items, variables),
                          ["valuelist", "dataset", "variable", "where", "item_oid", "name", "label", "datatype",
                           "length", "codelist", "origin", "method", "mandatory", "order"]),
        methods=_frame(methods, ["oid", "name", "type", "description", "expression"]),
        comments=_frame(comments, ["oid", "description"]),
        schema_errors=tuple(errors), schema_checked=checked,
    )
