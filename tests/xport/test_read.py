"""read_xpt: every reference XPT equals pyreadstat; hostile files raise one-line XptErrors."""
from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from cdisc_als.errors import XptError
from cdisc_als.xport import read_xpt, read_xpt_metadata, write_xpt
from cdisc_als.xport.layout import RECORD

REFERENCE_FOLDERS = ["cdiscpilot01/sdtm", "cdiscpilot01/adam", "cdiscpilot01-tdf", "sdtm-msg", "adam-msg"]


def reference_files(reference_dir):
    return sorted(p for folder in REFERENCE_FOLDERS for p in (reference_dir / folder).glob("*.xpt"))


def pyreadstat_read(path):
    """pyreadstat's own reading, with its own decoding; cp1252 where UTF-8 fails (the pilot's ts.xpt)."""
    try:
        return pyreadstat.read_xport(str(path), disable_datetime_conversion=True)
    except UnicodeDecodeError:
        return pyreadstat.read_xport(str(path), disable_datetime_conversion=True, encoding="cp1252")


@pytest.mark.reference
def test_every_reference_file_equals_pyreadstat(reference_dir):
    files = reference_files(reference_dir)
    assert len(files) >= 70
    for path in files:
        ours = read_xpt(path)
        theirs, meta = pyreadstat_read(path)
        assert list(ours.frame.columns) == meta.column_names, path
        assert len(ours.frame) == len(theirs), path
        for var in ours.variables:
            got, expected = ours.frame[var.name], theirs[var.name]
            if var.type == "Num":
                np.testing.assert_array_equal(got.to_numpy(np.float64), expected.to_numpy(np.float64),
                                              err_msg=f"{path} {var.name}")
            else:
                assert (got.to_numpy(object) == expected.fillna("").to_numpy(object)).all(), (path, var.name)
            assert var.label == (meta.column_names_to_labels[var.name] or ""), (path, var.name)
            assert var.length == meta.variable_storage_width[var.name], (path, var.name)
            assert var.type == {"string": "Char", "double": "Num"}[meta.readstat_variable_types[var.name]]
            assert var.format.rstrip(".") == (meta.original_variable_types[var.name] or ""), (path, var.name)
        assert ours.label == (meta.file_label or ""), path
        assert ours.name == path.stem.upper() or ours.name == meta.table_name, path


@pytest.mark.reference
def test_every_reference_file_read_as_categories_holds_the_str_values(reference_dir):
    from tests.xport.test_as_read import assert_same_values_as_categories
    for path in reference_files(reference_dir):
        coded, plain = read_xpt(path, text="category"), read_xpt(path)
        assert_same_values_as_categories(coded, plain)
        assert coded.encoding_issues == plain.encoding_issues, path


@pytest.mark.reference
def test_invalid_utf8_is_read_as_cp1252_and_reported(reference_dir):
    ts = read_xpt(reference_dir / "cdiscpilot01/sdtm/ts.xpt")
    assert ts.encoding_issues
    for issue in ts.encoding_issues:
        assert b"\x92" in issue.raw and "\u2019" in issue.value
        assert ts.frame[issue.variable][issue.row] == issue.value


@pytest.mark.reference
def test_metadata_and_column_subset(reference_dir):
    path = reference_dir / "cdiscpilot01/sdtm/dm.xpt"
    meta = read_xpt_metadata(path)
    assert (meta.name, meta.nrows, meta.sas_version, meta.os_name) == ("DM", 306, "9.3", "X64_7HOM")
    assert meta.created is not None and meta.created.year == 2012
    subset = read_xpt(path, columns=["AGE", "USUBJID"])
    assert list(subset.frame.columns) == ["AGE", "USUBJID"]
    pd.testing.assert_series_equal(subset.frame["AGE"], read_xpt(path).frame["AGE"])
    with pytest.raises(XptError, match="no variable NOPE"):
        read_xpt(path, columns=["NOPE"])


@pytest.mark.reference
def test_html_saved_as_xpt(reference_dir):
    with pytest.raises(XptError, match="not a SAS transport"):
        read_xpt(reference_dir / "negative/html_saved_as.xpt")


@pytest.fixture()
def good_file(tmp_path):
    path = tmp_path / "good.xpt"
    frame = pd.DataFrame({"USUBJID": [f"S-{i:03d}" for i in range(30)], "AVAL": np.arange(30.0)})
    write_xpt(frame, path, name="GOOD")
    return path


def damaged(path, data: bytes):
    bad = path.with_name("bad.xpt")
    bad.write_bytes(data)
    return bad


@pytest.mark.parametrize("damage, words", [
    (lambda d: b"", "empty"),
    (lambda d: bytes(np.random.default_rng(1).integers(0, 256, 2000, dtype=np.uint8)), "not a SAS transport"),
    (lambda d: d[:500], "truncated"),
    (lambda d: d[:1000], "truncated"),
    (lambda d: d[:len(d) - 7], "truncated"),
    (lambda d: d[:len(d) - RECORD * 3], "incomplete"),
    (lambda d: d[:614] + b"0003" + d[618:], "variable count"),                   # 3 variables claimed, 2 given
    (lambda d: d[:614] + b"00x2" + d[618:], "not a number"),
    (lambda d: d[:614] + b"0000" + d[618:], "no variables"),
    (lambda d: d[:644] + b"\x00\x50" + d[646:], "do not add up"),               # USUBJID length 80
    (lambda d: d[:640] + b"\x00\x07" + d[642:], "unknown type"),
    (lambda d: d[:320] + b"X" * 80 + d[400:], "header record 5"),
    (lambda d: d[:20] + b"LIBV8   " + d[28:], "version 8"),
])
def test_hostile_files_raise_one_line_errors(good_file, damage, words):
    bad = damaged(good_file, damage(good_file.read_bytes()))
    with pytest.raises(XptError) as raised:
        read_xpt(bad)
    message = str(raised.value)
    assert words in message and str(bad) in message and "\n" not in message


def test_missing_file_is_an_xpt_error(tmp_path):
    with pytest.raises(XptError, match="cannot read"):
        read_xpt(tmp_path / "absent.xpt")


def test_padding_is_not_a_row_but_real_blank_rows_are_kept(tmp_path):
    path = tmp_path / "c.xpt"
    write_xpt(pd.DataFrame({"C": ["a", "", "", "b"]}), path, name="C")        # 4 one-byte rows + 76 blanks
    assert read_xpt(path).frame["C"].tolist() == ["a", "", "", "b"]
    assert pyreadstat.read_xport(str(path))[0]["C"].tolist() == ["a", "", "", "b"]
    five = pd.DataFrame({"C": ["x" * 30] + [""] * 5})                # 180 bytes: rows 0-5 start before byte 160
    write_xpt(five, path, name="C")
    assert read_xpt(path).frame["C"].tolist() == five["C"].tolist()
    three = pd.DataFrame({"C": ["x" * 30] + [""] * 3})               # 120 bytes + 40 blanks: rows 3-4 ambiguous
    assert write_xpt(three, path, name="C").warnings
    assert read_xpt(path).frame["C"].tolist() == ["x" * 30, "", ""]        # the blank row in the padding is lost
    assert pyreadstat.read_xport(str(path))[0]["C"].tolist() == ["x" * 30]  # pyreadstat drops every blank tail row


@pytest.mark.reference
@pytest.mark.parametrize("chunk", [80, 160, 400])
def test_reading_in_small_pieces_gives_the_same_dataset(reference_dir, tmp_path, monkeypatch, chunk):
    """The reader takes the file a piece at a time; pieces of a record or of part of a row give the
    same frames, row counts and encoding issues as reading in one piece."""
    from cdisc_als.xport import read as reader

    files = [reference_dir / "cdiscpilot01/sdtm/ts.xpt", reference_dir / "cdiscpilot01/sdtm/dm.xpt"]
    two = tmp_path / "two_members.xpt"                # a second member right after the first's observations
    two.write_bytes(files[1].read_bytes() + files[1].read_bytes()[3 * RECORD:])
    whole = {path: read_xpt(path) for path in [*files, two]}
    monkeypatch.setattr(reader._Source, "CHUNK", chunk)
    for path, expected in whole.items():
        got = read_xpt(path)
        pd.testing.assert_frame_equal(got.frame, expected.frame, check_exact=True)
        assert got.metadata == expected.metadata and got.encoding_issues == expected.encoding_issues
    assert whole[two].metadata.nrows == whole[files[1]].metadata.nrows == 306


def test_a_file_that_shrinks_while_read_is_an_xpt_error(good_file, monkeypatch):
    from cdisc_als.xport import read as reader

    real = reader._Source.read_words

    def shrink_then_read(source, *args):
        os.truncate(source.path, source.size - 3 * RECORD)        # after the headers were checked
        return real(source, *args)

    monkeypatch.setattr(reader._Source, "read_words", shrink_then_read)
    with pytest.raises(XptError, match="changed while it was read"):
        read_xpt(good_file)
