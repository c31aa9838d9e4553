"""Dataset-JSON 1.1 against CDISC's own examples (SDTM-MSG, ADaM-MSG, i18n), read independently.

XPT files are read with pyreadstat and CDISC's JSON with the json module, so expected
values never come from the code under test.
"""
from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from cdisc_als.datasetjson.columns import build_meta
from cdisc_als.datasetjson.read import read_dataset, read_dataset_json
from cdisc_als.datasetjson.schema import schema_errors
from cdisc_als.datasetjson.write import write_dataset_json
from cdisc_als.define.read import read_define
from cdisc_als.errors import UserError, XptError

PACKAGES = ("sdtm-msg", "adam-msg")
SAME_META = ("itemGroupOID", "records", "name", "label", "studyOID", "metaDataVersionOID", "metaDataRef")


def _examples() -> list[tuple[str, str]]:
    root = Path(__file__).resolve().parents[3] / "shared" / "reference"
    return [(pkg, p.stem) for pkg in PACKAGES for p in sorted((root / pkg).glob("*.json"))] or [("none", "none")]


def _reference_xpt(path: Path) -> pd.DataFrame:
    frame, _ = pyreadstat.read_xport(str(path), disable_datetime_conversion=True)
    return frame


def _assert_same_data(frame: pd.DataFrame, expected: pd.DataFrame, where: str) -> None:
    assert list(frame.columns) == list(expected.columns), where
    assert len(frame) == len(expected), where
    for col in expected.columns:
        if expected[col].dtype.kind == "f":
            assert np.allclose(frame[col].to_numpy(float), expected[col].to_numpy(float), rtol=1e-13,
                               atol=0, equal_nan=True), (where, col)
        else:
            assert list(frame[col].astype(str)) == list(expected[col]), (where, col)


@pytest.fixture(scope="module")
def defines(reference_dir):
    return {pkg: read_define(reference_dir / pkg / "define.xml", check_schema=False) for pkg in PACKAGES}


@pytest.mark.parametrize("package, name", _examples())
def test_xpt_to_json_matches_cdisc_json(reference_dir, defines, tmp_path, package, name):
    """Reading CDISC's .xpt (+ its define.xml) and writing Dataset-JSON gives CDISC's .json, timestamps aside."""
    source = reference_dir / package / f"{name}.xpt"
    dataset = read_dataset(source)
    meta = build_meta(dataset.name, dataset.label, dataset.variables, dataset.frame, define=defines[package],
                      metadata_ref="define.xml")
    out = write_dataset_json(dataset.frame, meta, tmp_path / f"{name}.json")
    mine = json.loads(out.read_text(encoding="utf-8"))
    theirs = json.loads((reference_dir / package / f"{name}.json").read_text(encoding="utf-8"))
    assert {k: mine.get(k) for k in SAME_META} == {k: theirs.get(k) for k in SAME_META}
    assert mine["columns"] == theirs["columns"]
    # compare as JSON text: 71 and 71.0 must not pass as equal
    assert json.dumps(mine["rows"]) == json.dumps(theirs["rows"])
    assert schema_errors(mine) == []


@pytest.mark.parametrize("package, name", _examples())
def test_cdisc_json_files_read_as_the_xpt_data(reference_dir, package, name):
    expected = _reference_xpt(reference_dir / package / f"{name}.xpt")
    for ext in ("json", "ndjson", "dsjc"):
        path = reference_dir / package / f"{name}.{ext}"
        if path.exists():
            frame, meta = read_dataset_json(path)
            _assert_same_data(frame, expected, str(path))
            assert meta["records"] == len(expected)


@pytest.mark.parametrize("package, name", [e for e in _examples() if e[1] in ("dm", "ae", "vs", "adsl")])
def test_cdisc_json_to_xpt_gives_the_same_data(reference_dir, tmp_path, package, name):
    from cdisc_als.datasetjson.export import export_dataset

    for ext in ("json", "ndjson", "dsjc"):
        path = reference_dir / package / f"{name}.{ext}"
        if not path.exists():
            continue
        done = export_dataset(path, tmp_path, "xpt")
        frame, info = pyreadstat.read_xport(str(done.target), disable_datetime_conversion=True)
        _assert_same_data(frame, _reference_xpt(reference_dir / package / f"{name}.xpt"), str(path))
        assert info.table_name == name.upper()


@pytest.mark.parametrize("fmt", ["json", "ndjson", "dsjc"])
def test_written_files_validate_and_read_back(reference_dir, defines, tmp_path, fmt):
    dataset = read_dataset(reference_dir / "adam-msg" / "adsl.xpt")
    meta = build_meta(dataset.name, dataset.label, dataset.variables, dataset.frame, define=defines["adam-msg"])
    path = write_dataset_json(dataset.frame, meta, tmp_path / f"adsl.{fmt}")
    raw = path.read_bytes()
    if fmt == "dsjc":
        assert raw[:1] == b"\x78"  # a zlib stream, as the DSJC specification says
        raw = zlib.decompress(raw)
    text = raw.decode("utf-8")
    if fmt == "json":
        assert schema_errors(json.loads(text), "json") == []
    else:
        lines = text.splitlines()
        assert schema_errors(json.loads(lines[0]), "ndjson") == []
        assert len(lines) == 1 + len(dataset.frame)
    frame, back = read_dataset_json(path)
    _assert_same_data(frame, _reference_xpt(reference_dir / "adam-msg" / "adsl.xpt"), fmt)
    assert back["columns"] == meta["columns"]


def test_gzip_and_zlib_framings_both_read(reference_dir, tmp_path):
    text = gzip.decompress((reference_dir / "sdtm-msg" / "dm.dsjc").read_bytes())
    (tmp_path / "z.dsjc").write_bytes(zlib.compress(text))
    (tmp_path / "g.dsjc").write_bytes(gzip.compress(text))
    zframe, _ = read_dataset_json(tmp_path / "z.dsjc")
    gframe, _ = read_dataset_json(tmp_path / "g.dsjc")
    pd.testing.assert_frame_equal(zframe, gframe)


def test_japanese_text_survives_json_and_is_refused_by_xpt(reference_dir, tmp_path):
    source = reference_dir / "datasetjson" / "i18n" / "ae.json"
    original = json.loads(source.read_text(encoding="utf-8"))
    frame, meta = read_dataset_json(source)
    for fmt in ("json", "ndjson", "dsjc"):
        back, _ = read_dataset_json(write_dataset_json(frame, meta, tmp_path / f"ae.{fmt}"))
        pd.testing.assert_frame_equal(back, frame)
    again = json.loads((tmp_path / "ae.json").read_text(encoding="utf-8"))
    assert again["rows"] == original["rows"]
    assert "アプリケーションサイトの紅斑" in (tmp_path / "ae.json").read_text(encoding="utf-8")
    from cdisc_als.datasetjson.export import export_dataset

    with pytest.raises(XptError):
        export_dataset(source, tmp_path / "xpt", "xpt")
    assert not (tmp_path / "xpt" / "ae.xpt").exists()


@pytest.mark.parametrize("text, words", [
    ("{not json", "not valid JSON"),
    ('{"datasetJSONVersion": "1.1.0", "name": "DM"}', "missing columns"),
    ('{"datasetJSONVersion": "1.1.0", "name": "DM", "records": 2, "columns": '
     '[{"itemOID": "IT.DM.A", "name": "A", "label": "A", "dataType": "string"}], "rows": [["x"]]}',
     "metadata says 2 records"),
    ('{"datasetJSONVersion": "1.1.0", "name": "DM", "columns": '
     '[{"itemOID": "IT.DM.A", "name": "A", "label": "A", "dataType": "integer"}], "rows": [["x"], [1, 2]]}',
     "record 2 does not have 1 values"),
    ('{"datasetJSONVersion": "1.1.0", "name": "DM", "columns": '
     '[{"itemOID": "IT.DM.A", "name": "A", "label": "A", "dataType": "integer"}], "rows": [["x"]]}',
     "is not a number"),
])
def test_bad_files_raise_one_line_user_errors(tmp_path, text, words):
    path = tmp_path / "dm.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as err:
        read_dataset_json(path)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_export_command_converts_a_folder(reference_dir, tmp_path):
    from click.testing import CliRunner

    from cdisc_als.cli.main import cli

    runner = CliRunner()
    result = runner.invoke(cli, ["export", "--format", "ndjson", "--from", "xpt", str(reference_dir / "sdtm-msg"),
                                 "--out", str(tmp_path / "nd")])
    assert result.exit_code == 0, result.output
    xpts = sorted(p.stem for p in (reference_dir / "sdtm-msg").glob("*.xpt"))
    assert sorted(p.stem for p in (tmp_path / "nd").glob("*.ndjson")) == xpts
    first = json.loads((tmp_path / "nd" / "dm.ndjson").read_text(encoding="utf-8").splitlines()[0])
    assert first["metaDataRef"].endswith("define.xml") and first["itemGroupOID"] == "IG.DM"
    result = runner.invoke(cli, ["export", "--format", "xpt", str(tmp_path / "nd"), "--out", str(tmp_path / "x")])
    assert result.exit_code == 0, result.output
    frame, _ = pyreadstat.read_xport(str(tmp_path / "x" / "dm.xpt"), disable_datetime_conversion=True)
    _assert_same_data(frame, _reference_xpt(reference_dir / "sdtm-msg" / "dm.xpt"), "dm")
