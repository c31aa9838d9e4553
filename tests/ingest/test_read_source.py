"""Reading raw site files of every kind, and refusing broken ones with one clear line."""
from __future__ import annotations

import csv
import io

import pandas as pd
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdisc_als.errors import UserError
from cdisc_als.ingest.read import ROW, read_source


def test_csv_keeps_text_and_row_numbers(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("SUBJECT,SCORE\n01-001,3\n01-002,\n", encoding="utf-8")
    frame = read_source(path)
    assert frame["SUBJECT"].tolist() == ["01-001", "01-002"]
    assert frame["SCORE"].tolist() == ["3", ""]
    assert frame[ROW].tolist() == [1, 2]


def test_bom_and_cp1252_are_decoded(tmp_path):
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufeffSUBJECT,TERM\n1,Kopfschmerz\n".encode("utf-8"))
    assert list(read_source(bom).columns[1:]) == ["SUBJECT", "TERM"]
    legacy = tmp_path / "cp.csv"
    legacy.write_bytes("SUBJECT,TERM\n1,patient\x92s fall\n".encode("latin-1"))
    assert read_source(legacy)["TERM"].iloc[0] == "patient\u2019s fall"


def test_semicolon_csv_is_flagged_for_decimal_commas(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text("SUBJECT;FVC\n1;3,52\n", encoding="utf-8")
    frame = read_source(path)
    assert frame["FVC"].iloc[0] == "3,52" and frame.attrs["decimal_comma"]


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"\x00\x01\x02garbage\x00", "binary"),
    (b"<!DOCTYPE html><html><body>404</body></html>\n", "HTML"),
    (b"A,B,A\n1,2,3\n", "duplicate column"),
    (b"A,B\n1,2,3\n", "fields"),
])
def test_broken_text_files_raise_one_line_errors(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(UserError) as err:
        read_source(path)
    line = err.value.one_line()
    assert message in line and "bad.csv" in line and "\n" not in line


def test_header_only_gives_an_empty_frame(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("SUBJECT,SCORE\n", encoding="utf-8")
    assert read_source(path).empty


def test_huge_field_names_row_and_column(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("A,B\n1,2\n3," + "x" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(UserError) as err:
        read_source(path)
    assert err.value.row == 2 and err.value.column == "B"


def test_excel_header_below_a_title_row(tmp_path):
    path = tmp_path / "sheet.xlsx"
    body = pd.DataFrame([["Site 01 export", None], ["SUBJECT", "SCORE"], ["01-001", 3], ["01-002", 2.5]])
    body.to_excel(path, header=False, index=False)
    frame = read_source(path, expected=["SUBJECT", "SCORE"])
    assert frame["SUBJECT"].tolist() == ["01-001", "01-002"]
    assert frame["SCORE"].tolist() == ["3", "2.5"]


def test_spss_sav_through_pyreadstat(tmp_path):
    path = tmp_path / "alsfrs.sav"
    pyreadstat.write_sav(pd.DataFrame({"SUBJECT": ["01-001", "01-002"], "Q1": [4.0, 3.5]}), str(path))
    frame = read_source(path)
    assert frame["Q1"].tolist() == ["4", "3.5"] and frame["SUBJECT"].tolist() == ["01-001", "01-002"]


def test_damaged_binary_is_a_user_error(tmp_path):
    path = tmp_path / "broken.sas7bdat"
    path.write_bytes(b"not really sas" * 10)
    with pytest.raises(UserError, match="cannot read as SAS7BDAT"):
        read_source(path)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.lists(st.sampled_from(["A", "B", " C ", "D", ""]), min_size=1, max_size=4, unique=True),
       body=st.text(alphabet=["x", "1", " ", "\t", ",", ";", "\n", "\n", "é", '"', "#", "'", "\\", "\x85"],
                     max_size=60),
       delimiter=st.sampled_from([",", ";", "\t"]))
def test_text_reads_as_csv_reader_splits_it(tmp_path, header, body, delimiter):
    """Whatever the parser used, the frame holds what csv.reader reads (empty lines skipped) and a file
    csv.reader reads with rows of the wrong width is refused."""
    text = delimiter.join(header) + "\n" + body
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode("utf-8"))
    sniffed = max((",", ";", "\t"), key=text.split("\n", 1)[0].count)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sniffed))
    names, data = [h.strip() for h in rows[0]], [r for r in rows[1:] if r]
    expected_ok = (all(len(r) == len(names) for r in data) and any(n != "" for n in names)
                   and len(set(names)) == len(names))
    try:
        frame = read_source(path)
    except UserError:
        assert not expected_ok
        return
    assert expected_ok
    assert list(frame.columns[1:]) == names
    assert frame.drop(columns=[ROW]).to_numpy().tolist() == data
    assert all(frame[c].dtype == object for c in names)
