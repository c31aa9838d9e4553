"""define.xml written for the package: valid, consistent with the XPTs (read independently with pyreadstat)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from lxml import etree

from cdisc_als.define.read import read_define
from cdisc_als.define.write import write_define
from cdisc_als.metadata.spec import load_instrument, load_spec

NS = {"odm": "http://www.cdisc.org/ns/odm/v1.3", "def": "http://www.cdisc.org/ns/def/v2.1",
      "xlink": "http://www.w3.org/1999/xlink"}
KINDS = ["sdtm", "adam"]


def _xpts(folder: Path) -> dict[str, tuple[pd.DataFrame, object]]:
    return {p.stem.upper(): pyreadstat.read_xport(str(p)) for p in sorted(folder.glob("*.xpt"))}


@pytest.mark.parametrize("kind", KINDS)
def test_valid_against_the_cdisc_schema_offline(package, kind):
    """Validated with the packaged XSD copy, and with ../shared's original set when it is there."""
    from cdisc_als.define.schema import load_schema

    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    doc = etree.parse(str(package[kind] / "define.xml"), parser)
    packaged = load_schema("define")
    assert packaged.validate(doc), [str(e) for e in packaged.error_log][:5]
    shared = Path(__file__).resolve().parents[3] / "shared/standards/define-xml-2.1/cdisc-definexml-2.1.0"
    if shared.is_dir():
        original = etree.XMLSchema(etree.parse(str(shared / "define2-1-0.xsd"), parser))
        assert original.validate(doc), [str(e) for e in original.error_log][:5]


@pytest.mark.parametrize("kind", KINDS)
def test_every_dataset_variable_label_type_and_length_matches_the_files(package, kind):
    meta = read_define(package[kind] / "define.xml")
    files = _xpts(package[kind])
    assert set(meta.datasets["dataset"]) == set(files)
    assert sorted(meta.datasets["leaf"]) == sorted(f"{n.lower()}.xpt" for n in files)
    for name, (frame, info) in files.items():
        define_vars = meta.dataset_variables(name)
        assert list(define_vars["variable"]) == info.column_names, name
        assert meta.datasets.set_index("dataset").at[name, "label"] in (info.file_label, ""), name
        for row in define_vars.to_dict("records"):
            var = row["variable"]
            assert row["label"] == info.column_names_to_labels[var], (name, var)
            xpt_type = "Num" if info.readstat_variable_types[var] == "double" else "Char"
            assert row["type"] == xpt_type, (name, var)
            if row["datatype"] == "text":
                assert row["length"] == info.variable_storage_width[var], (name, var)


def test_iso_8601_datatypes_follow_the_values(package):
    """Complete dates -> date; anything truncated -> partialDate (checked against the raw XPT values)."""
    meta = read_define(package["sdtm"] / "define.xml")
    files = _xpts(package["sdtm"])
    dtc = meta.variables[meta.variables["variable"].str.endswith("DTC")]
    assert not dtc.empty
    for row in dtc.to_dict("records"):
        values = files[row["dataset"]][0][row["variable"]]
        values = values[values != ""]
        if len(values) and values.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all():
            assert row["datatype"] == "date", row["variable"]
        elif len(values) and values.str.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?").all():
            assert row["datatype"] == "partialDate", row["variable"]
        assert pd.isna(row["length"])


def test_cdisc_codelists_hold_only_used_terms_with_nci_codes(package):
    meta = read_define(package["sdtm"] / "define.xml")
    files = _xpts(package["sdtm"])
    spec = load_spec("sdtmig-3.4")
    sex = meta.terms[meta.terms["codelist"] == "CL.SEX"]
    assert set(sex["value"]) == set(files["DM"][0]["SEX"].replace("", pd.NA).dropna())
    codes = spec.terms[spec.terms["codelist"] == "C66731"].set_index("value")["code"]
    assert (sex["code"] == sex["value"].map(codes)).all()
    assert meta.codelists.set_index("codelist").at["CL.SEX", "nci_code"] == "C66731"


def test_qscat_extended_and_alsfrs_lists_non_standard(package):
    meta = read_define(package["sdtm"] / "define.xml")
    qscat = meta.terms[meta.terms["codelist"] == "CL.QSCAT"].set_index("value")
    assert qscat.at["ALSFRS-R", "extended"] == "Yes"
    lists = meta.codelists.set_index("codelist")
    assert lists.at["CL.ALSRTC", "is_non_standard"] == "Yes"
    assert lists.at["CL.ALSR01RS", "is_non_standard"] == "Yes"
    responses = meta.terms[meta.terms["codelist"] == "CL.ALSR01RS"]
    assert sorted(responses["value"]) == ["0", "1", "2", "3", "4"]
    assert (responses["decode"] != "").all()


def test_value_level_covers_every_test_code_and_paramcd(package):
    sdtm = read_define(package["sdtm"] / "define.xml")
    qs = _xpts(package["sdtm"])["QS"][0]
    orres = sdtm.valuelevel[(sdtm.valuelevel["dataset"] == "QS") & (sdtm.valuelevel["variable"] == "QSORRES")]
    assert set(orres["where"]) == {f"QSTESTCD EQ {t}" for t in qs["QSTESTCD"].unique()}
    items = load_instrument("alsfrs").set_index("testcd")["responses"]
    item01 = orres[orres["where"] == "QSTESTCD EQ ALSR01"].iloc[0]
    assert item01["codelist"] == f"CL.{items['ALSR01']}"
    re_units = sdtm.valuelevel[(sdtm.valuelevel["dataset"] == "RE") & (sdtm.valuelevel["variable"] == "RESTRESU")]
    assert len(re_units) == _xpts(package["sdtm"])["RE"][0]["RETESTCD"].nunique()
    adam = read_define(package["adam"] / "define.xml")
    for name, (frame, _) in _xpts(package["adam"]).items():
        aval = adam.valuelevel[(adam.valuelevel["dataset"] == name) & (adam.valuelevel["variable"] == "AVAL")]
        if "PARAMCD" in frame and "AVAL" in frame:
            assert set(aval["where"]) == {f"PARAMCD EQ {p}" for p in frame["PARAMCD"].unique()}, name


@pytest.mark.parametrize("kind", KINDS)
def test_references_resolve_and_methods_are_described(package, kind):
    doc = etree.parse(str(package[kind] / "define.xml"))
    oids = set(doc.xpath("//@OID"))
    for attr in ("ItemOID", "MethodOID", "CodeListOID", "ValueListOID", "WhereClauseOID", "def:CommentOID",
                 "def:StandardOID", "def:ItemOID"):
        refs = set(doc.xpath(f"//@{attr}", namespaces=NS))
        assert refs <= oids, (attr, sorted(refs - oids)[:5])
    methods = doc.xpath("//odm:MethodDef", namespaces=NS)
    assert methods and all(m.findtext("odm:Description/odm:TranslatedText", namespaces=NS) for m in methods)
    used = set(doc.xpath("//@MethodOID"))
    assert used == {m.get("OID") for m in methods}


def test_adam_origins_and_methods(package):
    meta = read_define(package["adam"] / "define.xml")
    adsl = meta.dataset_variables("ADSL").set_index("variable")
    assert adsl.at["AGE", "origin"] == "Predecessor"
    assert adsl.at["TRTSDT", "display_format"] == "DATE9."
    names = set(meta.methods["name"].str.lower())
    assert any("slope" in n for n in names) and any("responder" in n for n in names)
    assert any("fvc" in n for n in names)
    keys = meta.datasets.set_index("dataset")["keys"]
    assert keys["ADSL"].split(";")[:2] == ["STUDYID", "USUBJID"]


def test_rerun_writes_identical_bytes(package):
    first = (package["sdtm"] / "define.xml").read_bytes()
    rerun = write_define(package["sdtm"], kind="sdtm")
    assert rerun.path.read_bytes() == first
    assert rerun.html.read_bytes() == (package["sdtm"] / "define.html").read_bytes()


def test_leaves_are_relative_to_the_define(package, tmp_path):
    report = write_define(package["sdtm"], tmp_path / "elsewhere" / "define.xml", kind="sdtm", html=False)
    doc = etree.parse(str(report.path))
    hrefs = doc.xpath("//def:leaf/@xlink:href", namespaces=NS)
    assert hrefs and all((report.path.parent / h).resolve().is_file() for h in hrefs)


@pytest.mark.parametrize("kind", KINDS)
def test_html_lists_every_dataset_and_variable(package, kind):
    page = (package[kind] / "define.html").read_text(encoding="utf-8")
    meta = read_define(package[kind] / "define.xml")
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    for name in meta.datasets["dataset"]:
        assert f'id="ds-{name}"' in page
    assert all(f"<td>{v}</td>" in page for v in meta.variables["variable"].unique())


def test_define_command(package, tmp_path):
    from click.testing import CliRunner

    from cdisc_als.cli.main import cli

    result = CliRunner().invoke(cli, ["define", str(package["adam"]), "--out", str(tmp_path / "d.xml")])
    assert result.exit_code == 0, result.output
    assert "valid against the Define-XML 2.1 schema" in result.output
    assert (tmp_path / "d.html").is_file()
