"""A readable, self-contained HTML page for a define.xml (our own rendering, no XSL stylesheet).

The page is built from what :func:`cdisc_als.define.read.read_define` reads back, so
it shows exactly what the XML says (and works for anyone's Define-XML 1.0/2.0/2.1):
standards, a dataset table linking to each dataset's variables, value-level
metadata, codelists, methods and comments.  All text goes through lxml, so it is
escaped; there is no script.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from lxml import etree
from lxml.builder import E

from cdisc_als.define.read import DefineMetadata, read_define

STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#eef2f6}tr:nth-child(even) td{background:#fafafa}
nav a{margin-right:1em}.note{color:#555;font-size:.9em}
"""


def _anchor(kind: str, oid: str) -> str:
    return f"{kind}-{oid}"


def _cell(value, link: str | None = None) -> etree._Element:
    text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
    return E.td(E.a(text, href=f"#{link}")) if link and text else E.td(text)


def _table(frame: pd.DataFrame, columns: dict[str, str], links: dict[str, str] | None = None) -> etree._Element:
    """An HTML table of ``frame``'s ``columns`` (name -> heading); ``links`` maps a column to an anchor kind."""
    links = links or {}
    head = E.tr(*[E.th(h) for h in columns.values()])
    body = [E.tr(*[_cell(row[c], _anchor(links[c], row[c]) if c in links and row[c] else None)
                   for c in columns]) for row in frame.to_dict("records")]
    return E.table(E.thead(head), E.tbody(*body))


def _dataset_sections(meta: DefineMetadata) -> list[etree._Element]:
    out = []
    vlm = meta.valuelevel
    for ds in meta.datasets.to_dict("records"):
        rows = meta.dataset_variables(ds["dataset"]).copy()
        rows["valuelevel"] = rows["valuelist"].where(rows["valuelist"] == "", "value list")
        out.append(E.h2(f"{ds['dataset']}: {ds['label']}", id=_anchor("ds", ds["dataset"])))
        out.append(E.p(f"{ds['class']} · {ds['structure']} · keys: {ds['keys'].replace(';', ', ')} · ",
                       E.a(ds["leaf"], href=ds["leaf"]) if ds["leaf"] else "", **{"class": "note"}))
        out.append(_table(rows, {"order": "#", "variable": "Variable", "label": "Label", "datatype": "Type",
                                 "length": "Length", "significant_digits": "Digits", "key_sequence": "Key",
                                 "mandatory": "Mandatory", "codelist": "Codelist", "origin": "Origin",
                                 "source": "Source", "method": "Method", "valuelist": "Value level"},
                          {"codelist": "cl", "method": "mt", "valuelist": "vl"}))
        for oid, items in vlm[vlm["dataset"] == ds["dataset"]].groupby("valuelist", sort=False):
            out.append(E.h3(f"Value level: {items['variable'].iat[0]}", id=_anchor("vl", oid)))
            out.append(_table(items, {"where": "Where", "label": "Description", "datatype": "Type",
                                      "length": "Length", "codelist": "Codelist", "origin": "Origin",
                                      "method": "Method"}, {"codelist": "cl", "method": "mt"}))
    return out


def _codelist_sections(meta: DefineMetadata) -> list[etree._Element]:
    out = [E.h2("Codelists", id="codelists")]
    terms = meta.terms.groupby("codelist", sort=False)
    for cl in meta.codelists.to_dict("records"):
        title = f"{cl['codelist']}: {cl['name']}" + (f" ({cl['nci_code']})" if cl["nci_code"] else "")
        if cl["is_non_standard"] == "Yes":
            title += " · sponsor-defined"
        out.append(E.h3(title, id=_anchor("cl", cl["codelist"])))
        if cl["dictionary"]:
            out.append(E.p(f"External dictionary: {cl['dictionary']} {cl['dictionary_version']}".strip()))
            continue
        items = terms.get_group(cl["codelist"]) if cl["codelist"] in terms.groups else meta.terms.iloc[0:0]
        out.append(_table(items, {"value": "Value", "decode": "Decode", "code": "NCI code",
                                  "extended": "Extended"}))
    return out


def render_define_html(meta: DefineMetadata) -> bytes:
    """The HTML page for ``meta`` as UTF-8 bytes."""
    title = f"Define-XML {meta.define_version}: {meta.study} ({meta.standard} {meta.standard_version})"
    datasets = meta.datasets.copy()
    body = [
        E.h1(title),
        E.nav(E.a("Datasets", href="#datasets"), E.a("Codelists", href="#codelists"),
              E.a("Methods", href="#methods"), E.a("Comments", href="#comments")),
        E.h2("Standards"), _table(meta.standards, {"name": "Name", "type": "Type", "version": "Version",
                                                   "publishing_set": "Publishing set", "status": "Status"}),
        E.h2("Datasets", id="datasets"),
        _table(datasets, {"dataset": "Dataset", "label": "Description", "class": "Class",
                          "structure": "Structure", "purpose": "Purpose", "keys": "Keys", "leaf": "Location"},
               {"dataset": "ds"}),
        *_dataset_sections(meta), *_codelist_sections(meta),
        E.h2("Methods", id="methods"),
        *[E.div(E.h3(f"{m['oid']}: {m['name']} ({m['type']})", id=_anchor("mt", m["oid"])), E.p(m["description"]))
          for m in meta.methods.to_dict("records")],
        E.h2("Comments", id="comments"),
        _table(meta.comments, {"oid": "Comment", "description": "Text"}),
    ]
    if meta.schema_errors:
        body[1:1] = [E.h2("Schema errors"), E.ul(*[E.li(e) for e in meta.schema_errors])]
    page = E.html(E.head(E.meta(charset="utf-8"), E.title(title), E.style(STYLE)), E.body(*body), lang="en")
    return etree.tostring(page, method="html", encoding="utf-8", doctype="<!DOCTYPE html>", pretty_print=True)


def write_define_html(define_path: Path | str, html_path: Path | str | None = None) -> Path:
    """Read ``define_path`` safely and write its HTML rendering (default: same name, ``.html``)."""
    from cdisc_als.datasetjson.write import write_bytes_atomically

    define_path = Path(define_path)
    out = Path(html_path) if html_path else define_path.with_suffix(".html")
    write_bytes_atomically(render_define_html(read_define(define_path)), out)
    return out
