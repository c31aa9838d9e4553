"""Round trips: write_xpt -> pyreadstat, pandas.read_sas and read_xpt give the frame back."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdisc_als.xport import read_xpt, write_xpt
from cdisc_als.xport.ibm import IBM_LIMIT, IBM_MIN

from .helpers import assert_frames_match


def edge_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "TEXT": pd.Series(["a", "", None, "  lead", "trail  ", "x" * 200], dtype=object),
        "EMPTY": pd.Series([None] * 6, dtype=object),
        "NUM": [np.nan, -0.0, 1e75, -1e-75, 5e-324, 123456789.125],
        "INT": np.array([0, -1, 2**40, 7, 8, 9], dtype=np.int64),
        "NINT": pd.array([1, None, 3, 4, None, 6], dtype="Int64"),
        "FLAG": [True, False, True, True, False, True],
    })


def expected_after_round_trip(frame: pd.DataFrame) -> pd.DataFrame:
    """What TS-140 can carry back: values under 16**-65 (e.g. 5e-324) are stored as 0."""
    out = frame.copy()
    out["NUM"] = out["NUM"].where(~(out["NUM"].abs() < IBM_MIN), 0.0)
    return out


@pytest.mark.parametrize("reader", ["read_xpt", "pyreadstat", "pandas"])
@pytest.mark.parametrize("rows", [slice(None), slice(0, 1), slice(0, 0)])
def test_edge_values_round_trip(reader, rows, tmp_path):
    frame = edge_frame().iloc[rows].reset_index(drop=True)
    labels = {c: f"Label of {c}" for c in frame.columns}
    path = tmp_path / "edge.xpt"
    write_xpt(frame, path, name="EDGE", label="Edge cases", labels=labels)
    if reader == "read_xpt":
        got = read_xpt(path)
        read, got_labels, got_label = got.frame, {v.name: v.label for v in got.variables}, got.label
    elif reader == "pyreadstat":
        read, meta = pyreadstat.read_xport(str(path))
        got_labels, got_label = meta.column_names_to_labels, meta.file_label
    else:
        if not len(frame):
            pytest.skip("pandas.read_sas raises StopIteration on a file with no observations")
        read = pd.read_sas(path, format="xport", encoding="ascii")
        got_labels, got_label = labels, "Edge cases"          # pandas does not return labels
        numeric = read.select_dtypes("number").columns
        read[numeric] = read[numeric].mask(read[numeric] == 2.0 ** -260, 0.0)   # pandas decodes IBM 0 as 16**-65
    assert_frames_match(read, expected_after_round_trip(frame))
    assert got_labels == labels and got_label == "Edge cases"


ascii_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=30)
ibm_floats = st.floats(allow_nan=True, allow_infinity=False).filter(
    lambda x: x != x or x == 0 or IBM_MIN <= abs(x) < IBM_LIMIT)


@st.composite
def frames(draw):
    nrows = draw(st.integers(0, 12))
    columns = draw(st.lists(st.sampled_from(["A", "B", "C", "D", "E", "F"]), min_size=1, max_size=4, unique=True))
    data = {}
    for name in columns:
        if draw(st.booleans()):
            data[name] = pd.Series(draw(st.lists(st.none() | ascii_text, min_size=nrows, max_size=nrows)),
                                   dtype=object)
        else:
            data[name] = pd.Series(draw(st.lists(ibm_floats, min_size=nrows, max_size=nrows)), dtype=np.float64)
    data["SEQ"] = np.arange(nrows, dtype=np.float64)      # a numeric column: no row can be all blank
    return pd.DataFrame(data)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=frames())
def test_generated_frames_round_trip_through_both_readers(frame, tmp_path):
    path = tmp_path / "gen.xpt"
    write_xpt(frame, path, name="GEN")
    assert_frames_match(read_xpt(path).frame, frame)
    theirs, _ = pyreadstat.read_xport(str(path))
    assert_frames_match(theirs, frame)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=frames())
def test_generated_frames_equal_pyreadstat_bytes(frame, tmp_path):
    from .helpers import pyreadstat_bytes, without_timestamps
    write_xpt(frame, tmp_path / "ours.xpt", name="GEN")
    theirs = pyreadstat_bytes(frame.astype({c: object for c in frame.columns if frame[c].dtype == object}),
                              tmp_path / "theirs.xpt", name="GEN")
    if not (frame.select_dtypes("number").abs() >= 2.0 ** 249).any().any():   # pyreadstat overflows these
        assert without_timestamps((tmp_path / "ours.xpt").read_bytes()) == without_timestamps(theirs)
