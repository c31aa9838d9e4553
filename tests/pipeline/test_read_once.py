"""``run`` reads each written folder once and hands the same datasets to derive, define and validation.

The in-memory entry points must give exactly what the folder-reading ones give, and no stage may change
the datasets the next stage sees."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cdisc_als.adam.build import derive, derive_from_frames, read_sdtm, sdtm_from_folder
from cdisc_als.config import Settings
from cdisc_als.conversion import convert
from cdisc_als.define.write import datasets_from_folder, load_folder, write_define, write_define_from
from cdisc_als.errors import UserError
from cdisc_als.validate.loader import folder_read_from, read_folder, validate_dir
from cdisc_als.xport import read_xpt_folder
from tests.hostile.helpers import snapshot

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture(scope="module")
def sdtm(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("read-once")
    convert(FIXTURES / "edc", out, layout="site-edc", study="MSCNTF01")
    return out / "sdtm"


def as_read(folder) -> dict:
    """A deep record of every dataset: the frame object, a deep copy of it, its columns and dtypes."""
    return {d.name: (d.frame, d.frame.copy(deep=True), list(d.frame.columns), list(d.frame.dtypes))
            for d in folder.datasets}


def assert_unchanged(folder, before: dict) -> None:
    assert [d.name for d in folder.datasets] == list(before)
    for d in folder.datasets:
        frame, copy, columns, dtypes = before[d.name]
        assert d.frame is frame
        assert list(d.frame.columns) == columns and list(d.frame.dtypes) == dtypes
        pd.testing.assert_frame_equal(d.frame, copy, check_exact=True)


def test_stages_on_one_read_match_the_folder_readers_and_leave_it_unchanged(sdtm, tmp_path):
    folder = read_xpt_folder(sdtm)
    before = as_read(folder)
    assert {d.metadata.path.name for d in folder.datasets} == {p.name for p in sdtm.glob("*.xpt")}

    mem = derive_from_frames(sdtm_from_folder(folder), tmp_path / "mem" / "adam", settings=Settings(),
                             tables_dir=tmp_path / "mem" / "tables")
    disk = derive(sdtm, tmp_path / "disk" / "adam", settings=Settings(), tables_dir=tmp_path / "disk" / "tables")
    assert mem.rows == disk.rows
    assert snapshot(tmp_path / "mem") == snapshot(tmp_path / "disk")
    assert_unchanged(folder, before)

    write_define(sdtm, kind="sdtm")
    write_define_from(datasets_from_folder(folder), sdtm / "define_mem.xml", kind="sdtm")
    assert (sdtm / "define_mem.xml").read_bytes() == (sdtm / "define.xml").read_bytes()
    (sdtm / "define_mem.xml").unlink()
    (sdtm / "define_mem.html").unlink()
    assert_unchanged(folder, before)

    from_memory = validate_dir(sdtm, standard="sdtmig-3.4", read=folder_read_from(folder))
    from_disk = validate_dir(sdtm, standard="sdtmig-3.4")
    pd.testing.assert_frame_equal(from_memory.findings, from_disk.findings)
    assert len(from_disk.findings)
    assert_unchanged(folder, before)


def test_the_in_memory_entry_points_give_what_the_folder_readers_give(sdtm):
    folder = read_xpt_folder(sdtm)
    frames, read = sdtm_from_folder(folder), read_sdtm(sdtm)
    assert list(frames) == list(read)
    for name in read:
        pd.testing.assert_frame_equal(frames[name], read[name], check_exact=True)
    define_sets, loaded = datasets_from_folder(folder), load_folder(sdtm)
    assert [(d.name, d.label, d.variables, d.metadata.path) for d in define_sets] == [
        (d.name, d.label, d.variables, d.metadata.path) for d in loaded]
    memory, disk = folder_read_from(folder), read_folder(sdtm)
    assert list(memory.datasets) == list(disk.datasets) and memory.unreadable == disk.unreadable
    for name, data in disk.datasets.items():
        mine = memory.datasets[name]
        assert (mine.name, mine.label, mine.variables, mine.path) == (data.name, data.label, data.variables, data.path)
        pd.testing.assert_frame_equal(mine.frame, data.frame, check_exact=True)


def test_a_consumer_changing_its_copy_leaves_the_datasets_as_read(sdtm):
    folder = read_xpt_folder(sdtm)
    before = as_read(folder)
    for d in folder.shared():
        frame = d.frame
        first = frame.columns[0]
        frame.loc[frame.index[:1], first] = np.nan if frame[first].dtype == np.float64 else "CHANGED"
        frame[first] = frame[first]
        frame["EXTRA"] = 1.0
        frame.columns = [c.lower() for c in frame.columns]
        del frame[frame.columns[1]]
    for data in folder_read_from(folder).datasets.values():
        data.frame.pop(data.frame.columns[0])
        data.frame.columns = [c.lower() for c in data.frame.columns]
    assert_unchanged(folder, before)


def test_an_unreadable_file_is_what_each_consumer_makes_of_it(sdtm, tmp_path):
    broken = tmp_path / "sdtm"
    broken.mkdir()
    for name in ("dm.xpt", "qs.xpt"):
        (broken / name).write_bytes((sdtm / name).read_bytes())
    (broken / "ex.xpt").write_text("<html>not a transport file</html>")
    folder = read_xpt_folder(broken)
    assert [p.name for p, _ in folder.failures] == ["ex.xpt"]
    assert folder_read_from(folder).unreadable == read_folder(broken).unreadable      # a finding
    for by_folder, by_files in ((sdtm_from_folder, read_sdtm), (datasets_from_folder, load_folder)):
        with pytest.raises(UserError) as from_files:
            by_files(broken)
        with pytest.raises(UserError) as from_memory:                                  # an error, the same one
            by_folder(folder)
        assert str(from_memory.value) == str(from_files.value)
    (broken / "dm.xpt").unlink()
    with pytest.raises(UserError, match="no dm.xpt"):
        sdtm_from_folder(read_xpt_folder(broken))


def test_dropping_the_text_codes_keeps_the_datasets(sdtm):
    folder = read_xpt_folder(sdtm)
    before = as_read(folder)
    assert all(d.text_codes for d in folder.datasets if len(d.frame))
    lean = folder.without_text_codes()
    assert all(not d.text_codes for d in lean.datasets) and lean.failures == folder.failures
    assert_unchanged(lean, before)
