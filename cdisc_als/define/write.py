"""Write define.xml (Define-XML 2.1) and its HTML rendering for a folder of datasets cdisc_als wrote.

The datasets are read back from disk (XPT or Dataset-JSON), the tables are built by
:func:`cdisc_als.define.model.build_define_model` and serialised here with lxml in
the element order the Define-XML 2.1 schema requires (FACTS §7.2):
def:Standards, def:ValueListDef, def:WhereClauseDef, ItemGroupDef, ItemDef, CodeList,
MethodDef, def:CommentDef.  The result is checked against the XSDs before it is
written (to a temporary name, then renamed); ``CreationDateTime`` is the build
timestamp, so a rerun writes identical bytes.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
from lxml import etree

from cdisc_als.config import build_timestamp
from cdisc_als.define.model import DefineModel, build_define_model
from cdisc_als.errors import UserError
from cdisc_als.staging import staged_output
from cdisc_als.xport.model import XptFolder

ODM = "http://www.cdisc.org/ns/odm/v1.3"
DEF = "http://www.cdisc.org/ns/def/v2.1"
XLINK = "http://www.w3.org/1999/xlink"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NSMAP = {None: ODM, "def": DEF, "xlink": XLINK}
DEFINE_VERSION = "2.1.0"
SINGLE_RECORD = ("one record per subject",)


@dataclass(frozen=True)
class DefineReport:
    """What :func:`write_define` wrote and what it noticed."""

    path: Path
    html: Path | None
    kind: str
    datasets: int
    variables: int
    warnings: tuple[str, ...]
    schema_errors: tuple[str, ...]


def _o(tag: str) -> str:
    return f"{{{ODM}}}{tag}"


def _d(tag: str) -> str:
    return f"{{{DEF}}}{tag}"


def _sub(parent: etree._Element, tag: str, attrs: dict | None = None, text: str | None = None) -> etree._Element:
    """A child element; attributes whose value is '' or missing are left out."""
    clean = {k: str(v) for k, v in (attrs or {}).items() if v is not None and not pd.isna(v) and str(v) != ""}
    el = etree.SubElement(parent, tag, clean)
    if text is not None:
        el.text = text
    return el


def _description(parent: etree._Element, text: str, tag: str = "Description") -> None:
    if text:
        holder = _sub(parent, _o(tag))
        _sub(holder, _o("TranslatedText"), {XML_LANG: "en"}, text)


def _int(value) -> str:
    return "" if value is None or pd.isna(value) else str(int(value))


def _item_def(parent: etree._Element, row: dict, name: str) -> None:
    item = _sub(parent, _o("ItemDef"), {
        "OID": row["item_oid"], "Name": name, "SASFieldName": name, "DataType": row["datatype"],
        "Length": _int(row.get("length")), "SignificantDigits": _int(row.get("significant_digits")),
        _d("DisplayFormat"): row.get("display_format", ""), _d("CommentOID"): row.get("comment", "")})
    _description(item, row["label"])
    if row.get("codelist"):
        _sub(item, _o("CodeListRef"), {"CodeListOID": row["codelist"]})
    origin = _sub(item, _d("Origin"), {"Type": row["origin"], "Source": row.get("source", "")})
    _description(origin, row.get("origin_text", ""))
    if row.get("valuelist"):
        _sub(item, _d("ValueListRef"), {"ValueListOID": row["valuelist"]})


def _standards(mdv: etree._Element, model: DefineModel) -> dict[str, str]:
    holder = _sub(mdv, _d("Standards"))
    for row in model.standards.to_dict("records"):
        _sub(holder, _d("Standard"), {"OID": row["oid"], "Name": row["name"], "Type": row["type"],
                                       "PublishingSet": row["publishing_set"], "Version": row["version"],
                                       "Status": "Final"})
    return {"IG": model.standards.loc[model.standards["type"] == "IG", "oid"].iat[0]}


def _value_lists(mdv: etree._Element, vlm: pd.DataFrame) -> None:
    for oid, rows in vlm.groupby("valuelist", sort=False):
        holder = _sub(mdv, _d("ValueListDef"), {"OID": oid})
        for row in rows.to_dict("records"):
            ref = _sub(holder, _o("ItemRef"), {"ItemOID": row["item_oid"], "OrderNumber": row["order"],
                                               "Mandatory": row["mandatory"], "MethodOID": row["method"]})
            _sub(ref, _d("WhereClauseRef"), {"WhereClauseOID": row["where_oid"]})
    for row in vlm.drop_duplicates("where_oid").to_dict("records"):
        clause = _sub(mdv, _d("WhereClauseDef"), {"OID": row["where_oid"]})
        check = _sub(clause, _o("RangeCheck"), {"Comparator": "EQ", "SoftHard": "Soft",
                                                 _d("ItemOID"): row["by_oid"]})
        _sub(check, _o("CheckValue"), text=row["value"])


def _repeating(group: dict) -> str:
    single = group["structure"].strip().rstrip(".").lower() in SINGLE_RECORD
    return "No" if single or group["class"] in ("TRIAL DESIGN", "STUDY REFERENCE") else "Yes"


def _item_groups(mdv: etree._Element, model: DefineModel, ig_oid: str, define_dir: Path) -> None:
    tabulation = model.kind == "sdtm"
    for group in model.datasets.to_dict("records"):
        name = group["dataset"]
        file = Path(group["file"]) if group.get("file") else Path(f"{name.lower()}.xpt")
        href = Path(os.path.relpath(file.resolve(), define_dir.resolve())).as_posix() if group.get("file") \
            else file.name
        domain = group["model"] if tabulation and len(group["model"]) == 2 else ""
        el = _sub(mdv, _o("ItemGroupDef"), {
            "OID": f"IG.{name}", "Name": name, "SASDatasetName": name, "Domain": domain,
            "Repeating": _repeating(group),
            "IsReferenceData": "Yes" if group["class"] == "TRIAL DESIGN" else "No",
            "Purpose": "Tabulation" if tabulation else "Analysis", _d("Structure"): group["structure"],
            _d("StandardOID"): ig_oid, _d("ArchiveLocationID"): f"LF.{name}"})
        _description(el, group["label"])
        rows = model.variables[model.variables["dataset"] == name].sort_values("order")
        for row in rows.to_dict("records"):
            _sub(el, _o("ItemRef"), {
                "ItemOID": row["item_oid"], "Mandatory": row["mandatory"], "OrderNumber": row["order"],
                "KeySequence": _int(row["key_sequence"]), "MethodOID": row["method"],
                "Role": row["role"] if tabulation else ""})
        _sub(el, _d("Class"), {"Name": group["class"]})
        leaf = _sub(el, _d("leaf"), {"ID": f"LF.{name}", f"{{{XLINK}}}href": href})
        _sub(leaf, _d("title"), text=file.name)


def _codelists(mdv: etree._Element, model: DefineModel) -> None:
    terms = model.terms.groupby("codelist", sort=False)
    for row in model.codelists.to_dict("records"):
        el = _sub(mdv, _o("CodeList"), {
            "OID": row["oid"], "Name": row["name"], "DataType": row["datatype"],
            _d("StandardOID"): row["standard"], _d("IsNonStandard"): row["non_standard"],
            _d("CommentOID"): row["comment"]})
        if row["dictionary"]:
            _sub(el, _o("ExternalCodeList"), {"Dictionary": row["dictionary"], "Version": row["version"],
                                              "href": row["href"]})
            continue
        items = terms.get_group(row["oid"]) if row["oid"] in terms.groups else model.terms.iloc[0:0]
        decoded = row["non_standard"] == "Yes" and (items["decode"] != "").any()
        for term in items.to_dict("records"):
            tag = "CodeListItem" if decoded else "EnumeratedItem"
            item = _sub(el, _o(tag), {"CodedValue": term["value"], "OrderNumber": term["order"],
                                       _d("ExtendedValue"): term["extended"] if term["extended"] == "Yes" else ""})
            if decoded:
                _description(item, term["decode"] or term["value"], tag="Decode")
            if term["code"]:
                _sub(item, _o("Alias"), {"Context": "nci:ExtCodeID", "Name": term["code"]})
        if row["nci_code"]:
            _sub(el, _o("Alias"), {"Context": "nci:ExtCodeID", "Name": row["nci_code"]})


def render_define(model: DefineModel, *, define_dir: Path, created: datetime | None = None) -> bytes:
    """The define.xml bytes for ``model``; dataset leaves are relative to ``define_dir``."""
    stamp = (created or build_timestamp()).strftime("%Y-%m-%dT%H:%M:%S")
    package = "cdisc_als"
    root = etree.Element(_o("ODM"), {
        "ODMVersion": "1.3.2", "FileType": "Snapshot", "FileOID": f"{model.study_id}.{model.kind}.define",
        "CreationDateTime": stamp, "Originator": package, "SourceSystem": package,
        "SourceSystemVersion": _package_version(), _d("Context"): "Submission"}, nsmap=NSMAP)
    study = _sub(root, _o("Study"), {"OID": model.study_id})
    glob = _sub(study, _o("GlobalVariables"))
    _sub(glob, _o("StudyName"), text=model.study_id)
    _sub(glob, _o("StudyDescription"), text=f"{model.study_id} {model.kind.upper()} data definitions")
    _sub(glob, _o("ProtocolName"), text=model.study_id)
    ig = model.standards.loc[model.standards["type"] == "IG"].iloc[0]
    mdv = _sub(study, _o("MetaDataVersion"), {
        "OID": f"MDV.{model.study_id}.{ig['name']}.{ig['version']}",
        "Name": f"{model.study_id} {ig['name']} {ig['version']}", _d("DefineVersion"): DEFINE_VERSION})
    oids = _standards(mdv, model)
    vlm = model.valuelevel
    _value_lists(mdv, vlm)
    _item_groups(mdv, model, oids["IG"], define_dir)
    variables = model.variables.copy()
    variables["valuelist"] = variables["item_oid"].map(
        dict(zip("IT." + vlm["dataset"] + "." + vlm["variable"], vlm["valuelist"]))).fillna("")
    for row in variables.drop_duplicates("item_oid").to_dict("records"):
        _item_def(mdv, row, row["variable"])
    for row in vlm.to_dict("records"):
        _item_def(mdv, row, row["variable"])
    _codelists(mdv, model)
    for row in model.methods.to_dict("records"):
        method = _sub(mdv, _o("MethodDef"), {"OID": row["oid"], "Name": row["name"], "Type": row["type"]})
        _description(method, row["description"])
    for row in model.comments.to_dict("records"):
        _description(_sub(mdv, _d("CommentDef"), {"OID": row["oid"]}), row["description"])
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _package_version() -> str:
    try:
        from importlib.metadata import version
        return version("cdisc-als")
    except Exception:  # noqa: BLE001 - not installed: a source checkout
        return "dev"


def infer_kind(names: list[str]) -> str:
    """``adam`` when every dataset is an ADaM one (AD*), ``sdtm`` when none is.

    Raises:
        UserError: the folder mixes the two.
    """
    adam = [n.upper().startswith("AD") for n in names]
    if all(adam):
        return "adam"
    if not any(adam):
        return "sdtm"
    raise UserError("the folder mixes SDTM and ADaM datasets; give --kind or split it")


def load_folder(dataset_dir: Path) -> list:
    """Every dataset file of ``dataset_dir`` read back (one format per dataset: XPT preferred)."""
    from cdisc_als.datasetjson.read import dataset_files, read_dataset

    chosen = _one_file_per_dataset(dataset_files(dataset_dir))
    if not chosen:
        raise UserError("no datasets (.xpt, .json, .ndjson, .dsjc) in the folder", file=dataset_dir)
    return [read_dataset(p) for p in chosen]


def datasets_from_folder(read: XptFolder) -> list:
    """What :func:`load_folder` gives for a folder of XPTs already read once
    (:func:`cdisc_als.xport.read_xpt_folder`): the same datasets, each frame a shallow copy; an
    unreadable file raises its error as reading it would have."""
    chosen = set(_one_file_per_dataset([d.metadata.path for d in read.datasets] + [p for p, _ in read.failures]))
    if not chosen:
        raise UserError("no datasets (.xpt, .json, .ndjson, .dsjc) in the folder", file=read.folder)
    read.raise_failure([p.stem.upper() for p, _ in read.failures if p in chosen])
    return [d for d in read.shared() if d.metadata.path in chosen]


def _one_file_per_dataset(paths: list[Path]) -> list[Path]:
    """The first file of each name (case-insensitive stem), in file-name order."""
    chosen: dict[str, Path] = {}
    for path in sorted(paths):
        chosen.setdefault(path.stem.lower(), path)
    return list(chosen.values())


def write_define(dataset_dir: Path | str, out_path: Path | str | None = None, *, kind: str | None = None,
                 study_id: str | None = None, created: datetime | None = None,
                 html: bool = True) -> DefineReport:
    """Write ``out_path`` (default ``dataset_dir/define.xml``) describing the datasets in ``dataset_dir``.

    Raises:
        UserError: the folder holds no datasets or mixes SDTM and ADaM without ``kind``.
    """
    dataset_dir = Path(dataset_dir)
    out = Path(out_path) if out_path else dataset_dir / "define.xml"
    return write_define_from(load_folder(dataset_dir), out, kind=kind, study_id=study_id, created=created, html=html)


def write_define_from(datasets: list, out_path: Path | str, *, kind: str | None = None, study_id: str | None = None,
                      created: datetime | None = None, html: bool = True) -> DefineReport:
    """Write ``out_path`` (and its HTML) describing ``datasets``: ``XptDataset``-like objects as read back
    from their files (:func:`load_folder`, :func:`datasets_from_folder`); the frames are only read.

    Raises:
        UserError: ``datasets`` mix SDTM and ADaM without ``kind``.
    """
    from cdisc_als.datasetjson.write import write_bytes_atomically
    from cdisc_als.define.schema import schema_errors

    out = Path(out_path)
    kind = kind or infer_kind([d.name for d in datasets])
    model = build_define_model(datasets, kind, study_id=study_id)
    data = render_define(model, define_dir=out.parent, created=created)
    from cdisc_als.define.safexml import safe_parser
    errors = schema_errors(etree.ElementTree(etree.fromstring(data, safe_parser())))
    html_path = out.with_suffix(".html") if html else None
    with staged_output(out.absolute().parent) as stage:       # define.xml and its HTML appear together or not at all
        write_bytes_atomically(data, stage / out.name)
        if html_path:
            from cdisc_als.define.html import write_define_html
            write_define_html(stage / out.name, stage / html_path.name)
    return DefineReport(out, html_path, kind, len(model.datasets), len(model.variables), model.warnings,
                        tuple(errors))
