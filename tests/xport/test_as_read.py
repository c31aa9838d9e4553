"""write_xpt(as_read=True): the dataset the writer hands back is the one read_xpt reads from the file."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdisc_als.xport import read_xpt, write_xpt
from cdisc_als.xport.ibm import IBM_LIMIT, ibm_round_trip, ibm_to_ieee, ieee_to_ibm

from .test_roundtrip import ascii_text, edge_frame, ibm_floats


def assert_same_dataset(handed, read) -> None:
    """Frame (values, dtypes, bits of every float), metadata and the reader's text codes are equal."""
    pd.testing.assert_frame_equal(handed.frame, read.frame, check_exact=True)
    for name in read.frame.columns:
        if read.frame[name].dtype == np.float64:
            assert (handed.frame[name].to_numpy().view(np.int64) == read.frame[name].to_numpy().view(np.int64)).all()
    assert handed.metadata == read.metadata
    assert handed.encoding_issues == read.encoding_issues == ()
    assert handed.text_codes.keys() == read.text_codes.keys()
    for name, codes in read.text_codes.items():
        mine = handed.text_codes[name]
        assert mine.codes.dtype == codes.codes.dtype
        np.testing.assert_array_equal(mine.codes, codes.codes)
        assert mine.texts.tolist() == codes.texts.tolist()
        assert mine.describes(handed.frame[name])


# text that collides once stored: trailing blanks, "", None and blank-only values all come back as one value
colliding_text = st.sampled_from(["a", "a ", "a  ", "", " ", None, " a", "b"]) | ascii_text


@st.composite
def frames(draw):
    nrows = draw(st.integers(0, 15))
    data = {}
    for name in draw(st.lists(st.sampled_from(list("ABCDEF")), min_size=1, max_size=4, unique=True)):
        if draw(st.booleans()):
            data[name] = pd.Series(draw(st.lists(colliding_text, min_size=nrows, max_size=nrows)), dtype=object)
        else:
            data[name] = pd.Series(draw(st.lists(ibm_floats | st.sampled_from([-0.0, 1e-300, -5e-324]),
                                                 min_size=nrows, max_size=nrows)), dtype=np.float64)
    return pd.DataFrame(data)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=frames())
def test_generated_frames_as_read_equal_read_xpt(frame, tmp_path):
    path = tmp_path / "gen.xpt"
    handed = write_xpt(frame, path, name="GEN", label="Generated", as_read=True).dataset
    assert_same_dataset(handed, read_xpt(path))


def assert_same_values_as_categories(coded, plain) -> None:
    """A text="category" dataset: the same values as the str one, over sorted distinct categories."""
    assert coded.metadata == plain.metadata and coded.text_codes == {}
    for name in plain.frame.columns:
        column = coded.frame[name]
        if plain.frame[name].dtype == np.float64:
            assert column.dtype == np.float64
            continue
        if len(column):
            assert isinstance(column.dtype, pd.CategoricalDtype)
            assert list(column.cat.categories) == sorted(set(column.cat.categories))
            assert column.notna().all()                     # blank text is the category "", not missing
        assert column.astype(object).tolist() == plain.frame[name].astype(object).tolist()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=frames())
def test_category_text_as_read_equals_read_xpt_and_the_str_values(frame, tmp_path):
    path = tmp_path / "gen.xpt"
    handed = write_xpt(frame, path, name="GEN", as_read=True, text="category").dataset
    read = read_xpt(path, text="category")
    pd.testing.assert_frame_equal(handed.frame, read.frame, check_exact=True)
    assert handed.metadata == read.metadata and read.text_codes == {}
    assert_same_values_as_categories(read, read_xpt(path))


def test_edge_values_and_a_trailing_blank_row_as_read(tmp_path):
    handed = write_xpt(edge_frame(), tmp_path / "edge.xpt", name="EDGE", as_read=True).dataset
    assert_same_dataset(handed, read_xpt(tmp_path / "edge.xpt"))
    # an all-text dataset whose last row is blank: the reader takes that row for record padding
    text_only = pd.DataFrame({"C": ["a", "b", ""]})
    report = write_xpt(text_only, tmp_path / "c.xpt", name="C", as_read=True)
    assert report.warnings and len(report.dataset.frame) == 2
    assert_same_dataset(report.dataset, read_xpt(tmp_path / "c.xpt"))


def test_without_as_read_no_dataset(tmp_path):
    assert write_xpt(edge_frame(), tmp_path / "edge.xpt", name="EDGE").dataset is None


@given(st.lists(st.floats(allow_nan=True, allow_infinity=False).filter(lambda x: abs(x) < IBM_LIMIT), max_size=50))
def test_ibm_round_trip_equals_converting_both_ways(values):
    values = np.asarray(values, dtype=np.float64)
    expected = ibm_to_ieee(ieee_to_ibm(values))
    np.testing.assert_array_equal(ibm_round_trip(values).view(np.int64), expected.view(np.int64))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=frames(), sort=st.booleans())
def test_categorical_text_writes_the_bytes_of_plain_text(frame, sort, tmp_path):
    from cdisc_als.distinct import encode_text
    text = [c for c in frame.columns if frame[c].dtype == object]
    # categories no row holds (one of them not ASCII, one longer than any value) change nothing
    coded = frame.assign(**{c: (encode_text(frame[c]) if sort else frame[c].astype("category"))
                            .cat.add_categories(["\u00e9t\u00e9", "x" * 60]) for c in text})
    plain = write_xpt(frame, tmp_path / "plain.xpt", name="GEN", as_read=True)
    cat = write_xpt(coded, tmp_path / "cat.xpt", name="GEN", as_read=True)
    assert (tmp_path / "plain.xpt").read_bytes() == (tmp_path / "cat.xpt").read_bytes()
    assert_same_dataset(plain.dataset, read_xpt(tmp_path / "plain.xpt"))
    assert_same_dataset(cat.dataset, read_xpt(tmp_path / "cat.xpt"))
    as_categories = write_xpt(coded, tmp_path / "cat2.xpt", name="GEN", as_read=True, text="category").dataset
    pd.testing.assert_frame_equal(as_categories.frame, read_xpt(tmp_path / "cat2.xpt", text="category").frame,
                                  check_exact=True)


def test_the_dataset_as_read_does_not_change_with_the_frame_written(tmp_path):
    frame = pd.DataFrame({"N": [1.5, 2.0, np.nan], "T": ["a", "b", "c"]})
    handed = write_xpt(frame, tmp_path / "x.xpt", name="X", as_read=True).dataset
    frame.loc[0, "N"] = 999.0                      # the writer shares an unchanged float column, copy-on-write
    frame["N"] *= 2
    assert handed.frame["N"].tolist()[:2] == [1.5, 2.0]
    assert_same_dataset(handed, read_xpt(tmp_path / "x.xpt"))
