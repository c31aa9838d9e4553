"""``derive``, ``define``, ``validate`` and ``export`` on folders holding one broken dataset or define.xml.

derive/define/export must stop (exit 2) with one line naming the broken file and write nothing;
validate reports an unreadable dataset as a finding: exit 1, one line naming the file on stderr, and a
complete report.  A define.xml that is unsafe (entities) or not Define-XML stops validate and export.
"""
from __future__ import annotations

import json
import shutil

import pytest

from tests.hostile.corpus import DEFINE_DAMAGE, HTML_PAGE, XPT_DAMAGE, garbage
from tests.hostile.helpers import assert_failed_cleanly, snapshot

NEGATIVE = "negative"           # ../shared/reference/negative: real broken files


def _folder(small_sdtm, tmp_path, name: str, data: bytes):
    folder = tmp_path / "sdtm"
    shutil.copytree(small_sdtm, folder)
    (folder / name).write_bytes(data)
    return folder


def _commands(folder, tmp_path):
    """command -> (arguments, outputs that must not appear)."""
    out = tmp_path / "out"
    return {
        "derive": (["derive", folder, "--out", out / "adam"], [out]),
        "define": (["define", folder], [folder / "define.xml", folder / "define.html"]),
        "export": (["export", folder, "--format", "json", "--out", out], [out]),
    }


def _check_stops(cli, folder, tmp_path, command, broken):
    args, outputs = _commands(folder, tmp_path)[command]
    before = snapshot(folder)
    result = cli(*args)
    assert result.code == 2
    assert_failed_cleanly(result, file=broken)
    assert not [p for p in outputs if p.exists()], f"{command} wrote output although it failed"
    assert snapshot(folder) == before
    assert not [p.name for p in folder.parent.iterdir() if p.name.startswith(".")], "temporary folder left"


@pytest.mark.parametrize("command", ["derive", "define", "export"])
@pytest.mark.parametrize("damage", sorted(XPT_DAMAGE))
def test_broken_xpt_stops_the_command(command, damage, cli, small_sdtm, tmp_path):
    data = XPT_DAMAGE[damage]((small_sdtm / "qs.xpt").read_bytes())
    folder = _folder(small_sdtm, tmp_path, "qs.xpt", data)
    _check_stops(cli, folder, tmp_path, command, folder / "qs.xpt")


@pytest.mark.parametrize("damage", ["empty", "html_page", "truncated", "lies_variable_length"])
def test_validate_reports_a_broken_xpt(damage, cli, small_sdtm, tmp_path):
    data = XPT_DAMAGE[damage]((small_sdtm / "qs.xpt").read_bytes())
    folder = _folder(small_sdtm, tmp_path, "qs.xpt", data)
    result = cli("validate", folder, "--standard", "sdtmig-3.4", "--out", tmp_path / "report")
    assert result.code == 1 and "Traceback" not in result.err
    assert len(result.error_lines) == 1 and str(folder / "qs.xpt") in result.error_lines[0]
    report = json.loads((tmp_path / "report/report.json").read_text())
    assert any(d["value"] and "qs.xpt" in d["value"] for d in report["details"]) or \
        any("qs.xpt" in json.dumps(i) for i in report["issues"])
    assert sorted(p.name for p in (tmp_path / "report").iterdir()) == ["report.html", "report.json", "report.xlsx"]


def _json_damage(fmt):
    return {
        "empty": lambda data: b"",
        "html_page": lambda data: HTML_PAGE,
        "binary_garbage": lambda data: garbage(),
        "truncated": lambda data: data[:len(data) // 2],
        "records_lie": lambda data: data.replace(b'"records":', b'"records":1', 1),
    }


@pytest.fixture(scope="module")
def json_folders(small_sdtm, tmp_path_factory):
    """The small SDTM folder exported once per Dataset-JSON format (good files to damage)."""
    from cdisc_als.datasetjson.export import export_folder

    made = {}
    for fmt in ("json", "ndjson", "dsjc"):
        made[fmt] = tmp_path_factory.mktemp(fmt) / "in"
        export_folder(small_sdtm, made[fmt], fmt)
    return made


@pytest.mark.parametrize("command", ["define", "export"])
@pytest.mark.parametrize("fmt, damage", [(f, d) for f in ("json", "ndjson", "dsjc") for d in _json_damage(f)
                                         if not (f == "dsjc" and d == "records_lie")])
def test_broken_dataset_json_stops_the_command(command, fmt, damage, cli, json_folders, tmp_path):
    folder = tmp_path / "sdtm"
    shutil.copytree(json_folders[fmt], folder)
    broken = folder / f"qs.{fmt}"
    broken.write_bytes(_json_damage(fmt)[damage](broken.read_bytes()))
    args = {"define": ["define", folder],
            "export": ["export", folder, "--format", "xpt", "--out", tmp_path / "out"]}[command]
    result = cli(*args)
    assert result.code == 2
    assert_failed_cleanly(result, file=broken)
    assert not (tmp_path / "out").exists() and not (folder / "define.xml").exists()


@pytest.mark.parametrize("damage", sorted(DEFINE_DAMAGE))
def test_hostile_define_xml_stops_validate_and_export(damage, cli, small_sdtm, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-PASSWORD-42")
    folder = _folder(small_sdtm, tmp_path, "define.xml", DEFINE_DAMAGE[damage](secret))
    for args, out in ((["validate", folder, "--out", tmp_path / "report"], tmp_path / "report"),
                      (["export", folder, "--format", "ndjson", "--out", tmp_path / "nd"], tmp_path / "nd")):
        result = cli(*args)
        assert result.code == 2, result.err
        assert_failed_cleanly(result, file=folder / "define.xml")
        assert not out.exists()
        assert "SECRET-PASSWORD-42" not in result.err + result.out


def test_reference_negative_files(cli, reference_dir, small_sdtm, tmp_path):
    """Every file in ../shared/reference/negative, put in place of qs.xpt, stops derive, define and export."""
    files = sorted((reference_dir / NEGATIVE).iterdir())
    assert files, "no negative reference files"
    for number, bad in enumerate(files):
        for command in ("derive", "define", "export"):
            here = tmp_path / f"{number}-{command}"
            here.mkdir()
            folder = _folder(small_sdtm, here, "qs.xpt", bad.read_bytes())
            _check_stops(cli, folder, here, command, folder / "qs.xpt")


@pytest.mark.parametrize("epoch", ["yesterday", "1.5e9", "99999999999999999999"])
def test_a_bad_source_date_epoch_is_one_line(epoch, cli, small_sdtm, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    result = cli("export", small_sdtm, "--format", "json", "--out", tmp_path / "out")
    assert result.code == 2 and "Traceback" not in result.err
    assert len(result.error_lines) == 1 and "SOURCE_DATE_EPOCH" in result.error_lines[0]
    assert not (tmp_path / "out").exists()
