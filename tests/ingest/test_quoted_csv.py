"""Quoted CSVs read by pandas' C reader (after a count of fields on the bytes) give exactly what csv.reader gives."""
from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdisc_als.errors import UserError
from cdisc_als.ingest import read as reading

# fields built from the characters that matter to a delimited reader
FIELD = st.text(alphabet=["a", "b", " ", ",", ";", '"', "\n", "\u00e9"], max_size=6)


def _quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


@st.composite
def quoted_texts(draw):
    """Mostly well-formed quoted CSVs (some fields quoted, some rows short or long, blank lines), and some
    with stray quotes, which either reader must treat alike."""
    delimiter = draw(st.sampled_from([",", ";"]))
    width = draw(st.integers(1, 4))
    clean = draw(st.booleans())                      # every row as wide as the header, no odd lines
    lines = [delimiter.join(f"h{i}" for i in range(width))]
    for _ in range(draw(st.integers(0, 8))):
        if not clean and draw(st.booleans()):
            lines.append(draw(st.sampled_from(["", " ", '"', 'a"b', '"a"b', '""'])))     # odd lines
            continue
        short, long = (False, False) if clean else (draw(st.booleans()), draw(st.booleans()))
        cells = draw(st.lists(FIELD, min_size=width - short, max_size=width + long))
        lines.append(delimiter.join(_quote(c) if draw(st.booleans()) or any(x in c for x in ',;"\n') else c
                                    for c in cells))
    return "\n".join(lines) + draw(st.sampled_from(["", "\n", "\n\n"]))


def _read(tmp_path, text: str, name: str):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    try:
        return reading._read_text(path)
    except UserError as err:
        return err.one_line().replace(name, "FILE")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=quoted_texts())
def test_quoted_text_reads_as_csv_reader_reads_it(text, tmp_path, monkeypatch):
    fast = _read(tmp_path, text, "fast.csv")
    with monkeypatch.context() as patch:
        patch.setattr(reading, "_parse_quoted", lambda *args: None)     # csv.reader only
        slow = _read(tmp_path, text, "slow.csv")
    if isinstance(slow, str) or isinstance(fast, str):
        assert fast == slow
    else:
        pd.testing.assert_frame_equal(fast, slow)


def test_the_fast_path_takes_plain_quoted_text():
    text = 'ID,TERM,SOC\n1,"Pain, back","Musculoskeletal, connective"\n2,"a ""b""\nc",x\n\n3,,""\n'
    frame, longest = reading._parse_quoted(text, ",")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert frame.columns.tolist() == rows[0]
    assert frame.to_numpy().tolist() == [r for r in rows[1:] if r]
    assert longest == len('"Musculoskeletal, connective"')


@pytest.mark.parametrize("text", ['A,B\n1,"x"y\n', 'A,B\n1,x"y"\n', 'A,B\n1,"open\n', 'A,B\n1\n', 'A,B\n1,2,3\n',
                                  'A,B\r\n1,"x"\r\n'])
def test_other_text_is_left_to_csv_reader(text):
    assert reading._parse_quoted(text, ",") is None
