"""Reading Define-XML 1.0/2.0/2.1 (CDISC's own files) and refusing hostile documents."""
from __future__ import annotations

import gzip

import pytest
from lxml import etree

from cdisc_als.define.read import read_define
from cdisc_als.errors import DefineError

REFERENCE_DEFINES = {
    "cdiscpilot01/sdtm/define.xml": "1.0.0",
    "cdiscpilot01/adam/define.xml": "1.0.0",
    "cdiscpilot01-tdf/define.xml": "2.0.0",
    "sdtm-msg/define.xml": "2.1.0",
    "adam-msg/define.xml": "2.1.0",
}


def _count(path, local: str) -> int:
    doc = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    return int(doc.xpath(f"count(//*[local-name()='{local}'])"))


@pytest.mark.parametrize("relative", sorted(REFERENCE_DEFINES))
def test_reads_cdisc_defines_of_every_version(reference_dir, relative):
    path = reference_dir / relative
    meta = read_define(path)
    assert meta.define_version == REFERENCE_DEFINES[relative]
    assert len(meta.datasets) == _count(path, "ItemGroupDef")
    refs_in_groups = etree.parse(str(path)).xpath("count(//*[local-name()='ItemGroupDef']/*[local-name()='ItemRef'])")
    assert len(meta.variables) == int(refs_in_groups)
    assert len(meta.codelists) == _count(path, "CodeList")
    assert meta.study and meta.standard_version
    assert (meta.variables["label"] != "").mean() > 0.95
    assert set(meta.variables["type"]) <= {"Char", "Num"}
    leaves = meta.datasets["leaf"]
    assert leaves[leaves != ""].str.endswith(".xpt").all() and (leaves != "").mean() > 0.9


def test_pilot_define_1_0_keys_and_origins(reference_dir):
    meta = read_define(reference_dir / "cdiscpilot01/sdtm/define.xml")
    ta = meta.datasets.set_index("dataset").loc["TA"]
    assert ta["keys"] == "STUDYID;ARMCD;TAETORD" and ta["leaf"] == "ta.xpt"
    assert meta.dataset_variables("DM").set_index("variable").at["AGE", "datatype"] == "integer"


def test_sdtm_msg_schema_error_is_reported_not_fatal(reference_dir):
    meta = read_define(reference_dir / "sdtm-msg/define.xml")
    assert meta.schema_checked
    assert len(meta.schema_errors) == 1
    assert meta.schema_errors[0].startswith("line 63:") and "STDTMIG" in meta.schema_errors[0]
    assert len(meta.datasets) > 20


def test_adam_msg_with_arm_is_valid(reference_dir):
    meta = read_define(reference_dir / "adam-msg/define.xml")
    assert meta.schema_checked and meta.schema_errors == ()
    aval = meta.valuelevel[meta.valuelevel["valuelist"] == "VL.ADADAS.AVAL"]
    assert aval["where"].str.startswith("PARAMCD EQ ").all() and len(aval) > 5


ODM_HEAD = ('<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" xmlns:def="http://www.cdisc.org/ns/def/v2.1">'
            '<Study OID="S"><MetaDataVersion OID="M" def:DefineVersion="2.1.0">{}</MetaDataVersion></Study></ODM>')
LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE ODM [\n<!ENTITY a "ha">\n'
          + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(9))
          + ']>\n' + ODM_HEAD.format("&j;"))
EXTERNAL = ('<?xml version="1.0"?>\n<!DOCTYPE ODM [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
            + ODM_HEAD.format("&secret;"))
EXTERNAL_DTD = '<?xml version="1.0"?>\n<!DOCTYPE ODM SYSTEM "http://example.org/evil.dtd">\n' + ODM_HEAD.format("")


@pytest.mark.parametrize("text, words", [
    (LAUGHS, "entit"),
    (EXTERNAL, "entit"),
    (EXTERNAL_DTD, "external DTD"),
    ("this is not xml", "not an XML document"),
    ("<ODM><Study>", "not well-formed"),
    ('<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>', "not a Define-XML document"),
    ('<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3"><Study/></ODM>', "no Define-XML (def) namespace"),
])
def test_hostile_or_wrong_documents_are_refused(tmp_path, text, words):
    path = tmp_path / "define.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DefineError) as err:
        read_define(path)
    assert words in str(err.value)
    assert "\n" not in str(err.value) and "root:" not in str(err.value)


def test_huge_and_binary_files_are_refused(tmp_path, reference_dir):
    big = tmp_path / "big.xml"
    big.write_bytes((reference_dir / "sdtm-msg/define.xml").read_bytes())
    with pytest.raises(DefineError, match="limit"):
        read_define(big, max_bytes=100_000)
    packed = tmp_path / "packed.xml"
    packed.write_bytes(gzip.compress(b"<ODM/>"))
    with pytest.raises(DefineError, match="not an XML document"):
        read_define(packed)
    with pytest.raises(DefineError, match="not well-formed|not a Define-XML"):
        read_define(reference_dir / "negative/html_saved_as.xpt")
    with pytest.raises(DefineError, match="not found"):
        read_define(tmp_path / "missing.xml")


def test_cli_turns_a_hostile_define_into_one_line(tmp_path):
    """The validator and others call read_define; a DefineError is a UserError: one line, exit 2."""
    import subprocess
    import sys

    path = tmp_path / "define.xml"
    path.write_text(EXTERNAL, encoding="utf-8")
    code = ("import sys; from cdisc_als.errors import UserError; from cdisc_als.define.read import read_define\n"
            f"try:\n    read_define({str(path)!r})\nexcept UserError as e:\n    print(e.one_line()); sys.exit(2)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and out.stdout.count("\n") == 1 and "root:" not in out.stdout
