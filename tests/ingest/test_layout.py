"""A new site layout is a YAML file, no Python; broken layouts are refused with one line."""
from __future__ import annotations

import textwrap

import pytest

from cdisc_als.conversion import convert
from cdisc_als.errors import UserError
from cdisc_als.ingest.layout import load_layout

NEW_SITE = textwrap.dedent("""
    name: site-b
    dates: [DD/MM/YYYY]
    time_axis: dates
    arms: {A: {armcd: A, arm: Arm A}}
    visits:
      V1: {visitnum: 1, visit: VISIT 1, visitdy: 1}
      V2: {visitnum: 2, visit: VISIT 2, visitdy: 30}
    sources:
      patients:
        file: patients
        target: subjects
        columns:
          SUBJID: {from: PatientNo, required: true}
          SITEID: {from: Centre}
          COHORT: {from: Arm}
          SEX: {from: Gender, recode: {m: M, w: F}}
      dosing:
        file: dosing
        target: exposure
        columns:
          SUBJID: {from: PatientNo, required: true}
          STDTC: {from: Day, date: true, required: true}
          ACTCOHORT: {from: Arm}
        constants: {EXTRT: DRUG}
      lung:
        file: lung
        target: respiratory
        columns:
          SUBJID: {from: PatientNo, required: true}
          VISIT_LABEL: {from: Visit, required: true}
          DTC: {from: Day, date: true}
        melt:
          into: ORRES
          items:
            - {from: FVC_ml, set: {TESTCD: FVC, ORRESU: mL}}
        units: {mL: [L, 0.001]}
""")


def test_a_new_layout_file_converts_a_new_site(tmp_path):
    layout = tmp_path / "site-b.yaml"
    layout.write_text(NEW_SITE)
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "patients.csv").write_text("PatientNo;Centre;Arm;Gender\nP1;B;A;w\nP2;B;A;m\n")
    (raw / "dosing.csv").write_text("PatientNo;Day;Arm\nP1;01/02/2020;A\nP2;03/02/2020;A\n")
    (raw / "lung.csv").write_text("PatientNo;Visit;Day;FVC_ml\nP1;V1;01/02/2020;3400,5\nP1;V2;02/03/2020;3300\n"
                                  "P2;V9;03/02/2020;2900\nP2;V1;31/02/2020;2950\n")
    result = convert(raw, tmp_path / "out", layout=str(layout), study="B")
    re_ = result.datasets["RE"]
    assert re_["RESTRESN"].round(6).tolist() == [3.4005, 3.3, 2.95]
    assert re_["REDY"].tolist()[:2] == [1.0, 31.0]
    assert re_["REDTC"].tolist() == ["2020-02-01", "2020-03-02", ""]
    assert result.datasets["DM"]["SEX"].tolist() == ["F", "M"]
    reasons = set(result.rejects["reason"])
    assert {"UNKNOWN_VISIT", "BAD_DATE"} <= reasons


@pytest.mark.parametrize("broken, message", [
    ("name: x\n", "sources"),
    ("name: x\nsources: {a: {file: f, target: nowhere}}\n", "target"),
    ("name: x\nsources: {a: {file: f, target: subjects, columns: {SUBJID: {from: A, recode: 3}}}}\n", "recode"),
    ("name: [unclosed\n", "YAML"),
])
def test_broken_layouts_are_refused(tmp_path, broken, message):
    path = tmp_path / "bad.yaml"
    path.write_text(broken)
    with pytest.raises(UserError) as err:
        load_layout(str(path))
    assert message in err.value.one_line() and "bad.yaml" in err.value.one_line()


def test_missing_required_column_names_file_and_column(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "demographics.csv").write_text("SUBJECT,SITE\n01-001,01\n")
    with pytest.raises(UserError) as err:
        convert(raw, tmp_path / "out", layout="site-edc", study="S")
    line = err.value.one_line()
    assert "demographics.csv" in line and "COHORT" in line
    assert not (tmp_path / "out").exists()
