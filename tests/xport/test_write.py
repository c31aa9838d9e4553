"""write_xpt: byte identity with pyreadstat, strict v5 limits, determinism, atomic writes."""
from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from cdisc_als.errors import XptError
from cdisc_als.xport import read_xpt, to_sas_date, to_sas_datetime, write_xpt

from .helpers import pyreadstat_bytes, without_timestamps

LABELS = {"STUDYID": "Study Identifier", "USUBJID": "Unique Subject Identifier", "QSSEQ": "Sequence Number",
          "QSORRES": "Finding in Original Units", "QSSTRESN": "Numeric Finding in Standard Units",
          "QSDY": "Study Day of Finding"}


def qs_frame(nrows: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({
        "USUBJID": [f"01-{i % 3:03d}" for i in range(nrows)],
        "QSSEQ": np.arange(1, nrows + 1),
        "QSORRES": pd.Series(rng.choice(["Normal", "Slight", "", None, "Moderate impairment"], nrows),
                             dtype=object),
        "QSSTRESN": np.where(rng.random(nrows) < 0.3, np.nan, rng.integers(0, 5, nrows)),
        "QSDY": pd.array(rng.integers(-5, 400, nrows), dtype="Int64"),
    })
    frame["STUDYID"] = "MSCNTF01"
    return frame


FRAMES = {
    "qs": lambda: qs_frame(),
    "one row": lambda: qs_frame(1),
    "zero rows": lambda: qs_frame(0),
    "long rows": lambda: pd.DataFrame({"A": ["x" * 200, "y"], "B": [9e74, -1e-75]}),
    "all missing text": lambda: pd.DataFrame({"EMPTY": pd.Series([None, None], dtype=object), "N": [1.0, 2.0]}),
    "bool and float": lambda: pd.DataFrame({"FL": [True, False, True], "X": [0.1, -0.0, 123456.789]}),
    "string dtype": lambda: pd.DataFrame({"C": pd.Series(["a", None, "ccc"], dtype="str")}),
}


@pytest.mark.parametrize("kind", FRAMES)
def test_bytes_equal_pyreadstat_apart_from_timestamps(kind, tmp_path):
    frame = FRAMES[kind]()
    labels = {c: LABELS.get(c, c.title()) for c in frame.columns}
    ours = tmp_path / "ours.xpt"
    write_xpt(frame, ours, name="qs", label="Questionnaires", labels=labels)
    theirs = pyreadstat_bytes(frame.astype({c: float for c in frame.columns if frame[c].dtype == "Int64"}),
                              tmp_path / "theirs.xpt", name="QS", label="Questionnaires", labels=labels)
    assert without_timestamps(ours.read_bytes()) == without_timestamps(theirs)


def test_formats_match_pyreadstat_namestrs(tmp_path):
    frame = pd.DataFrame({"TRTSDT": [21915.0], "ARM": ["Placebo"], "AVAL": [1.25]})
    formats = {"TRTSDT": "DATE9.", "ARM": "$CHAR20.", "AVAL": "8.2"}
    write_xpt(frame, tmp_path / "ours.xpt", name="ADSL", formats=formats)
    theirs = pyreadstat_bytes(frame, tmp_path / "theirs.xpt", name="ADSL", formats=formats)
    assert without_timestamps((tmp_path / "ours.xpt").read_bytes()) == without_timestamps(theirs)
    assert [v.format for v in read_xpt(tmp_path / "ours.xpt").variables] == ["DATE9.", "$CHAR20.", "8.2"]


def test_header_fields_and_lengths(tmp_path):
    report = write_xpt(qs_frame(), tmp_path / "qs.xpt", name="qs", label="Questionnaires", labels=LABELS,
                       lengths={"QSORRES": 40}, created=datetime(2024, 3, 5, 14, 7, 9))
    data = (tmp_path / "qs.xpt").read_bytes()
    assert data[80:160].startswith(b"SAS     SAS     SASLIB  6.06    bsd4.2  ")
    assert data[144:160] == b"05MAR24:14:07:09" == data[160:176] == data[464:480]
    assert data[408:416] == b"QS      " and data[512:552].rstrip() == b"Questionnaires"
    widths = {v.name: v.length for v in report.variables}
    assert widths == {"USUBJID": 6, "QSSEQ": 8, "QSORRES": 40, "QSSTRESN": 8, "QSDY": 8, "STUDYID": 8}
    assert report.row_length == sum(widths.values()) and report.size == len(data) and len(data) % 80 == 0


def test_rerun_is_identical_and_source_date_epoch_sets_the_stamp(tmp_path, monkeypatch):
    frame = qs_frame()
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    write_xpt(frame, tmp_path / "a.xpt", name="QS")
    write_xpt(frame, tmp_path / "b.xpt", name="QS")
    assert (tmp_path / "a.xpt").read_bytes() == (tmp_path / "b.xpt").read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")          # 2023-11-14T22:13:20Z
    write_xpt(frame, tmp_path / "c.xpt", name="QS")
    stamped = (tmp_path / "c.xpt").read_bytes()
    assert stamped[144:160] == b"14NOV23:22:13:20"
    assert without_timestamps(stamped) == without_timestamps((tmp_path / "a.xpt").read_bytes())


@pytest.mark.parametrize("change, words", [
    (lambda f: f.rename(columns={"QSSEQ": "qsseq"}), ["variable name", "qsseq"]),
    (lambda f: f.rename(columns={"QSSEQ": "QSSEQUENCE"}), ["variable name", "QSSEQUENCE"]),
    (lambda f: f.assign(QSORRES=["ok"] * 4 + ["x" * 201] * 3), ["QSORRES", "3 row(s)", "200 bytes", "row 4"]),
    (lambda f: f.assign(QSORRES=["ok", "caf\u00e9"] + ["ok"] * 5), ["QSORRES", "1 row(s)", "non-ASCII", "row 1"]),
    (lambda f: f.assign(QSSTRESN=[1.0, np.inf] + [0.0] * 5), ["QSSTRESN", "row 1", "IBM"]),
    (lambda f: f.assign(QSSTRESN=[1.0, 2.0, -8e75] + [0.0] * 4), ["QSSTRESN", "row 2"]),
    (lambda f: f.assign(QSORRES=pd.Series(["a", 5, "b", None, 7, "c", "d"], dtype=object)),
     ["QSORRES", "not text", "2 row(s)", "row 1"]),
    (lambda f: f.assign(QSDTC=pd.to_datetime(["2020-01-01"] * 7)), ["QSDTC", "to_sas_date"]),
])
def test_violations_raise_naming_dataset_variable_and_row(change, words, tmp_path):
    with pytest.raises(XptError) as raised:
        write_xpt(change(qs_frame()), tmp_path / "qs.xpt", name="QS")
    message = str(raised.value)
    assert "dataset QS" in message and str(tmp_path / "qs.xpt") in message
    for word in words:
        assert word in message
    assert "\n" not in message and not list(tmp_path.iterdir())        # nothing written, no temp file left


@pytest.mark.parametrize("kwargs, words", [
    ({"name": "QUESTIONS1"}, ["dataset name"]),
    ({"name": "1QS"}, ["dataset name"]),
    ({"name": "QS", "label": "x" * 41}, ["label is 41 characters"]),
    ({"name": "QS", "labels": {"QSSEQ": "Sequence \u2116"}}, ["QSSEQ", "non-ASCII"]),
    ({"name": "QS", "labels": {"NOPE": "x"}}, ["not in the frame", "NOPE"]),
    ({"name": "QS", "lengths": {"USUBJID": 3}}, ["USUBJID", "length 3"]),
    ({"name": "QS", "lengths": {"USUBJID": 201}}, ["USUBJID", "length 201"]),
    ({"name": "QS", "lengths": {"QSSEQ": 4}}, ["QSSEQ", "8-byte"]),
    ({"name": "QS", "formats": {"QSSEQ": "$CHAR8."}}, ["QSSEQ", "numeric"]),
    ({"name": "QS", "formats": {"USUBJID": "DATE9."}}, ["USUBJID", "must start with $"]),
    ({"name": "QS", "formats": {"QSDY": "NOTAFORMAT9"}}, ["QSDY", "not a SAS format"]),
])
def test_metadata_violations(kwargs, words, tmp_path):
    with pytest.raises(XptError) as raised:
        write_xpt(qs_frame(), tmp_path / "qs.xpt", **kwargs)
    for word in words:
        assert word in str(raised.value)


def test_transliterate_reports_every_change(tmp_path):
    frame = pd.DataFrame({"AETERM": ["Caf\u00e9 \u201cfever\u201d", "ok", "Caf\u00e9 \u201cfever\u201d", None,
                                     "na\u00efve \u2013 Stra\u00dfe"]})
    report = write_xpt(frame, tmp_path / "ae.xpt", name="AE", labels={"AETERM": "Reported Term \u00e9"},
                       transliterate=True)
    got = read_xpt(tmp_path / "ae.xpt")
    assert got.frame["AETERM"].tolist() == ['Cafe "fever"', "ok", 'Cafe "fever"', "", "naive - Strasse"]
    assert got.variables[0].label == "Reported Term e"
    changes = report.transliterations
    assert changes["row"].tolist()[:1] == [pd.NA] or changes["row"].isna().sum() == 1
    values = changes.dropna(subset=["row"])
    assert values["row"].tolist() == [0, 2, 4]
    assert values["new"].tolist() == ['Cafe "fever"', 'Cafe "fever"', "naive - Strasse"]
    assert values["old"].tolist() == [frame["AETERM"][0], frame["AETERM"][2], frame["AETERM"][4]]


def test_no_partial_file_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "qs.xpt"
    target.write_bytes(b"previous")
    from cdisc_als.xport import write as write_module

    def broken(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(write_module, "_write_observations", broken)
    with pytest.raises(OSError):
        write_xpt(qs_frame(), target, name="QS")
    assert target.read_bytes() == b"previous" and [p.name for p in tmp_path.iterdir()] == ["qs.xpt"]


def test_all_blank_last_row_is_warned(tmp_path):
    report = write_xpt(pd.DataFrame({"C": ["a", ""]}), tmp_path / "x.xpt", name="X")
    assert report.warnings and "last row" in report.warnings[0]
    assert write_xpt(pd.DataFrame({"C": ["a", ""], "N": [1, 2]}), tmp_path / "y.xpt", name="Y").warnings == ()


def test_sas_date_helpers():
    dates = pd.Series(pd.to_datetime(["1960-01-01 00:00", "2024-02-29 13:30", None]))
    days = to_sas_date(dates)
    assert days[:2].tolist() == [0.0, float((pd.Timestamp("2024-02-29") - pd.Timestamp("1960-01-01")).days)]
    assert np.isnan(days[2])
    seconds = to_sas_datetime(dates)
    assert seconds[1] == days[1] * 86400 + 13.5 * 3600
