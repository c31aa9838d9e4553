"""Reports (JSON keys, XLSX sheets, HTML), determinism, exit codes and the catalog schema."""
from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner
from openpyxl import load_workbook

from cdisc_als.errors import UserError
from cdisc_als.metadata.spec import specs_dir
from cdisc_als.validate.catalog import load_catalog, read_rule_file, rule_schema
from cdisc_als.validate.engine import validate_package
from cdisc_als.validate.registry import OPS
from cdisc_als.validate.reports import write_reports
from cdisc_als.xport import write_xpt
from casebook import build_datasets


def _result(case: dict):
    return validate_package(build_datasets(case), standard="sdtmig-3.2")


def test_reports_have_the_issue_keys_and_sheets(tmp_path):
    result = _result({"cell": {"AE": [[0, "AEENDTC", "2020-01-15"]]}})
    paths = write_reports(result, tmp_path, cap=1)
    payload = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert {"issues", "details", "rules"} <= set(payload)
    issue = next(i for i in payload["issues"] if i["rule"] == "CA0203")
    assert set(issue) == {"dataset", "rule", "p21", "cdisc", "severity", "message", "variables", "count", "records"}
    assert issue["p21"] == "SD0013" and issue["count"] == issue["records"] == 1 and issue["severity"] == "Error"
    assert {r["status"] for r in payload["rules"]} <= {"passed", "issues", "skipped", "error"}
    assert len(payload["rules"]) == len(load_catalog())
    assert load_workbook(paths["xlsx"]).sheetnames == ["Dataset Summary", "Issue Summary", "Issue Details", "Rules"]
    assert "CA0203" in paths["html"].read_text(encoding="utf-8")


def test_details_are_capped_and_the_cap_reported(tmp_path):
    result = _result({"set": {"RE": {"RETPT": ["PRE"] * 4}}})     # CA0024 on RE + 4 records of nothing else
    result = _result({"cell": {"QS": [[i, "QSDY", 0] for i in range(14)]}})
    payload = json.loads(write_reports(result, tmp_path, cap=3)["json"].read_text(encoding="utf-8"))
    rows = [d for d in payload["details"] if d["rule"] == "CA0207"]
    assert len(rows) == 3 and payload["details_cap"] == 3 and payload["details_capped"]["QS/CA0207"] == 14


def test_reports_are_byte_identical_on_rerun(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    case = {"cell": {"AE": [[0, "AESTDTC", "2020-13-01"]]}}
    first = write_reports(_result(case), tmp_path / "a")
    second = write_reports(_result(case), tmp_path / "b")
    for kind in ("json", "html", "xlsx"):
        assert first[kind].read_bytes() == second[kind].read_bytes(), kind


def _write_folder(folder, case):
    folder.mkdir()
    for name, ds in build_datasets(case).items():
        write_xpt(ds.frame, folder / f"{name.lower()}.xpt", name=name, label=ds.label)


def test_cli_exit_codes(tmp_path):
    from cdisc_als.cli.validate import command

    _write_folder(tmp_path / "clean", {})
    _write_folder(tmp_path / "bad", {"cell": {"DM": [[0, "SEX", "MALE"]]}})
    runner = CliRunner()
    ok = runner.invoke(command, [str(tmp_path / "clean"), "--standard", "sdtmig-3.2", "--out", str(tmp_path / "r1")])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(command, [str(tmp_path / "bad"), "--standard", "sdtmig-3.2", "--out", str(tmp_path / "r2")])
    assert bad.exit_code == 1, bad.output
    assert (tmp_path / "r2" / "report.xlsx").is_file()
    missing = runner.invoke(command, [str(tmp_path / "nope"), "--out", str(tmp_path / "r3")])
    assert isinstance(missing.exception, UserError)


def test_catalog_files_match_the_schema_and_name_registered_ops():
    schema = rule_schema()
    files = sorted((specs_dir() / "rules").glob("*.yaml"))
    assert files
    for path in files:
        read_rule_file(path, schema)
    assert {r.op for r in load_catalog()} <= set(OPS)


def test_schema_violation_is_a_user_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump([{"id": "XX1", "name": "x.y", "severity": "Fatal", "message": "hello",
                                    "scope": {"kind": "sdtm"}, "check": {"op": "condition"}}]))
    with pytest.raises(UserError, match="rule.schema.json"):
        read_rule_file(bad)


def test_an_op_that_crashes_gives_error_status_and_the_run_goes_on():
    from cdisc_als.validate.catalog import Rule
    from cdisc_als.validate.registry import register_op

    if "test_boom" not in OPS:
        @register_op("test_boom")
        def boom(ds, pkg):
            raise RuntimeError("boom")
    rules = (Rule(id="CA9998", name="t.boom", severity="Error", message="never", op="test_boom"),
             next(r for r in load_catalog() if r.id == "CA0301"))
    result = validate_package(build_datasets({"cell": {"DM": [[0, "SEX", "MALE"]]}}), standard="sdtmig-3.2", rules=rules)
    status = result.rules.set_index("rule")["status"]
    assert status["CA9998"] == "error" and status["CA0301"] == "issues"
    assert "boom" in result.rules.set_index("rule").loc["CA9998", "reason"]


def test_rules_doc_is_generated_from_the_catalog():
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, str(repo / "scripts" / "rules_doc.py"), "--check"])
    assert done.returncode == 0, "docs/rules.md is stale: run scripts/rules_doc.py"
