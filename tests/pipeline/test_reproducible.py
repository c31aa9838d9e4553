"""Byte-reproducible outputs: ``run`` (both layouts) and ``export`` (every format) twice give identical files;
``SOURCE_DATE_EPOCH`` is the only clock, and it moves exactly the timestamps inside the outputs."""
from __future__ import annotations

import json
import zlib
from datetime import datetime, timezone
from pathlib import Path

import pytest
from lxml import etree

from cdisc_als.xport import read_xpt_metadata
from tests.hostile.helpers import call_cli, snapshot

EPOCH = 1_700_000_000                  # 2023-11-14T22:13:20 UTC
STAMP = datetime.fromtimestamp(EPOCH, tz=timezone.utc).replace(tzinfo=None)
DEFAULT = datetime(2000, 1, 1)         # config.build_timestamp without SOURCE_DATE_EPOCH
KINDS = (".xpt", ".xml", ".html", ".json", ".xlsx", ".csv", ".md", ".png", ".log")


def assert_same_bytes(first: Path, second: Path) -> dict[str, bytes]:
    a, b = snapshot(first), snapshot(second)
    assert sorted(a) == sorted(b), "the two runs wrote different files"
    differ = [name for name in a if a[name] != b[name]]
    assert not differ, f"not byte-identical on rerun: {differ}"
    return a


@pytest.mark.parametrize("layout", ["site-edc", "proact"])
def test_run_twice_gives_identical_bytes(layout, runs):
    files = assert_same_bytes(runs(layout, "a"), runs(layout, "b"))
    kinds = {Path(name).suffix for name in files}
    assert set(KINDS) <= kinds, f"expected every kind of output, got {sorted(kinds)}"


def test_source_date_epoch_moves_only_the_stamps(runs):
    plain, stamped = runs("site-edc", "a"), runs("site-edc", "epoch", EPOCH)
    for out, when in ((plain, DEFAULT), (stamped, STAMP)):
        for xpt in sorted(out.rglob("*.xpt")):
            meta = read_xpt_metadata(xpt)
            assert meta.created == when and meta.modified == when, xpt
        for define in sorted(out.rglob("define.xml")):
            root = etree.parse(str(define)).getroot()
            assert root.get("CreationDateTime") == when.strftime("%Y-%m-%dT%H:%M:%S")
        for report in sorted(out.rglob("report.json")):
            assert json.loads(report.read_text())["generated"] == when.isoformat()
    a, b = snapshot(plain), snapshot(stamped)
    unchanged = {name for name in a if a[name] == b.get(name)}
    # data tables, plots, rejects and logs carry no clock: they must not move with it
    assert {n for n in a if Path(n).suffix in (".csv", ".md", ".png", ".log")} <= unchanged


@pytest.fixture(scope="module")
def sources(runs):
    return runs("site-edc", "a")


@pytest.mark.parametrize("fmt", ["json", "ndjson", "dsjc", "xpt"])
def test_export_twice_gives_identical_bytes(fmt, sources, tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    source = sources / "sdtm"
    if fmt == "xpt":                     # Dataset-JSON -> XPT: the other direction of the converter
        assert call_cli("export", source, "--format", "json", "--out", tmp_path / "json").code == 0
        source = tmp_path / "json"
    for copy in ("one", "two"):
        done = call_cli("export", source, "--format", fmt, "--out", tmp_path / copy)
        assert done.code == 0, done.err
    files = assert_same_bytes(tmp_path / "one", tmp_path / "two")
    assert len(files) == len(list((sources / "sdtm").glob("*.xpt")))


def _created(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".dsjc":
        data = zlib.decompressobj(wbits=47).decompress(data)
    first = data.decode() if path.suffix == ".json" else data.decode().splitlines()[0]   # dsjc holds NDJSON
    return json.loads(first)["datasetJSONCreationDateTime"]


@pytest.mark.parametrize("fmt", ["json", "ndjson", "dsjc"])
def test_export_stamp_follows_source_date_epoch(fmt, sources, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    assert call_cli("export", sources / "adam", "--format", fmt, "--out", tmp_path / "out").code == 0
    stamps = {_created(p) for p in (tmp_path / "out").iterdir()}
    assert stamps == {STAMP.strftime("%Y-%m-%dT%H:%M:%S")}


@pytest.mark.parametrize("layout", ["site-edc", "proact"])
def test_checks_in_a_forked_process_write_what_one_process_writes(layout, runs, tmp_path):
    from cdisc_als.background import can_fork
    from cdisc_als.pipeline import run
    from tests.pipeline.conftest import STUDY, prepare_input

    if not can_fork():
        pytest.skip("stages run in a forked process on Linux only")
    raw = prepare_input(layout, tmp_path)
    report = run(raw, tmp_path / "out", layout=layout, study=STUDY, parallel=False)
    assert {s["process"] for s in report.stages} == {"main"}
    assert_same_bytes(runs(layout, "a"), tmp_path / "out")        # runs(): the CLI, checks forked
