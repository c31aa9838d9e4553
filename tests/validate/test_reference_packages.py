"""The validator on real CDISC packages in ../shared/reference (skipped where that folder is absent)."""
from __future__ import annotations

import shutil

import pytest

from cdisc_als.validate import validate_dir

pytestmark = pytest.mark.reference


@pytest.fixture(scope="module")
def pilot(reference_dir):
    return validate_dir(reference_dir / "cdiscpilot01/sdtm")


def test_pilot_completes_without_op_errors(pilot):
    assert set(pilot.rules["status"]) <= {"passed", "issues", "skipped"}


@pytest.mark.parametrize("folder", ["cdiscpilot01/adam", "cdiscpilot01-tdf", "sdtm-msg", "adam-msg"])
def test_run_completes_without_op_errors(reference_dir, folder):
    result = validate_dir(reference_dir / folder)
    errored = result.rules[result.rules["status"] == "error"]
    assert errored.empty, errored[["rule", "reason"]].to_dict("records")
    assert set(result.rules["status"]) <= {"passed", "issues", "skipped"}


def test_pilot_ts_encoding_issue_reported(reference_dir, pilot):
    import pyreadstat

    result = pilot
    found = result.findings[(result.findings["rule_id"] == "CA0016") & (result.findings["dataset"] == "TS")]
    raw, _ = pyreadstat.read_xport(str(reference_dir / "cdiscpilot01/sdtm/ts.xpt"), encoding="cp1252")
    bad_rows = raw.index[raw["TSVAL"].str.contains("\u2019", regex=False)]   # cp1252 byte 0x92
    assert len(found) == len(bad_rows) > 0
    assert set(found["variable"]) == {"TSVAL"}


def test_pilot_model_rules_skipped_with_reason(pilot):
    result = pilot
    assert result.standard == "sdtmig-3.1.2"
    rule = result.rules.set_index("rule").loc["CA0006"]
    assert rule["status"] == "skipped" and "sdtmig-3.1.2" in rule["reason"]


def test_pilot_length_rule_matches_pyreadstat(reference_dir, pilot):
    """SD1082: declared length > longest value, computed independently with pyreadstat."""
    import pyreadstat

    path = reference_dir / "cdiscpilot01/sdtm/dm.xpt"
    frame, meta = pyreadstat.read_xport(str(path), encoding="cp1252")
    expected = sorted(c for c in frame.columns if meta.readstat_variable_types[c] == "string"
                      and meta.variable_storage_width[c] > max(frame[c].str.rstrip().str.encode("utf-8").str.len().max(), 1))
    result = pilot
    got = result.findings[(result.findings["rule_id"] == "CA0008") & (result.findings["dataset"] == "DM")]
    assert sorted(got["variable"]) == expected


def test_not_an_xpt_is_a_finding_and_the_rest_is_validated(reference_dir, tmp_path):
    shutil.copy(reference_dir / "negative/html_saved_as.xpt", tmp_path / "bad.xpt")
    shutil.copy(reference_dir / "cdiscpilot01/sdtm/dm.xpt", tmp_path / "dm.xpt")
    result = validate_dir(tmp_path, standard="sdtmig-3.1.2")
    unreadable = result.findings[result.findings["rule_id"] == "CA0015"]
    assert list(unreadable["dataset"]) == ["BAD"]
    assert "cannot read" in unreadable["value"].iat[0]
    assert "DM" in set(result.datasets["dataset"])
    assert (result.findings["dataset"] == "DM").any()


@pytest.fixture(scope="module")
def rework(reference_dir):
    return validate_dir(reference_dir / "cdiscpilot01-tdf")


def _issues(result):
    from cdisc_als.validate.findings import summarise_issues

    return summarise_issues(result.findings).set_index(["dataset", "rule"])


def test_pilot_ct2002_counts_distinct_values(reference_dir, pilot):
    """CT2002 is counted per distinct value (as P21 does); the values are found independently with pyreadstat."""
    import pyreadstat

    from cdisc_als.metadata.spec import load_spec

    frame, _ = pyreadstat.read_xport(str(reference_dir / "cdiscpilot01/sdtm/cm.xpt"), encoding="cp1252")
    spec = load_spec("sdtmig-3.4")
    expected = set()
    for variable, codelist in (("CMDOSFRQ", "C71113"), ("CMDOSU", "C71620")):
        values = frame[variable].str.strip()
        expected |= {(variable, v) for v in values[values != ""] if v not in set(spec.codelist_values(codelist))}
    issue = _issues(pilot).loc[("CM", "CA0302")]
    assert issue["count"] == len(expected) > 0
    assert issue["records"] == sum(int((frame[v].str.strip() == val).sum()) for v, val in expected)


def test_pilot_version_bound_ct_not_checked(pilot):
    """SDTMIG 3.1.2 binds no codelist to QSCAT or EPOCH: no CT2002 on them (P21 checks the IG's bindings)."""
    found = pilot.findings[pilot.findings["rule_id"] == "CA0302"]
    assert not set(found["variable"]) & {"QSCAT", "EPOCH"}


def test_rework_has_no_findings_p21_would_not_make(rework):
    """The PHUSE rework, nearly clean for P21: no CT2002 from terms of older CT, no SD0021/SD0022 on datasets
    without relative timing variables, none of our own ALS plausibility notices."""
    rules = set(rework.findings["rule_id"])
    assert not rules & {"CA0302", "CA0222", "CA0223", "CA0415", "CA0425", "CA0426", "CA0012"}
    earlier = rework.findings[rework.findings["rule_id"] == "CA0310"]
    assert set(earlier["severity"]) == {"Notice"} and "sec" in " ".join(earlier["value"])
