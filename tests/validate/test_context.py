"""The coded column helpers of DatasetData against the same operation done row by row with plain pandas."""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc_als.distinct import compute_tuple_codes as row_codes
from cdisc_als.distinct import fold_codes
from cdisc_als.validate.context import DatasetData
from cdisc_als.validate.ops.structure import data_bytes

FRAME = pd.DataFrame({
    "USUBJID": [" S1", "S1", "S2", None, "S2 ", "", "S1", "S3"],
    "VISIT": ["A", "A", "B", "A", "B", "A", "B", "é  "],
    "N": [1.0, 1.0, -0.0, 0.0, np.nan, 2.5, 1.0, 1e-13],
})


def _row_text(value) -> str:
    """What SDTM text a cell is, written independently: '' for missing, stripped, numbers at 12 digits."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return "%.12g" % value if isinstance(value, float) else str(value).strip()


def test_text_codes_give_the_text_of_every_row_and_equal_codes_for_equal_texts():
    ds = DatasetData("XX", FRAME.copy())
    for name in FRAME.columns:
        expected = [_row_text(v) for v in FRAME[name]]
        codes, texts = ds.text_codes(name)
        assert list(texts[codes]) == expected == ds.text(name).tolist()
        assert len(set(texts)) == len(texts)                     # ' S1' and 'S1' share one code
        assert ds.null(name).tolist() == [t == "" for t in expected]
    assert ds.text("N").tolist()[2:4] == ["-0", "0"]            # -0.0 and 0.0 are written differently


def test_map_text_and_map_texts_equal_the_row_by_row_result():
    ds = DatasetData("XX", FRAME.copy())
    subject = [_row_text(v) for v in FRAME["USUBJID"]]
    visit = [_row_text(v) for v in FRAME["VISIT"]]
    assert ds.map_text("USUBJID", lambda t: t.str.len()).tolist() == [len(s) for s in subject]
    both = ds.map_texts({"s": "USUBJID", "v": "VISIT"}, lambda f: f["s"] + "/" + f["v"])
    assert both.tolist() == [f"{s}/{v}" for s, v in zip(subject, visit)]
    frame = ds.map_text("VISIT", lambda t: pd.DataFrame({"upper": t.str.upper(), "n": t.str.len()}))
    assert frame["upper"].tolist() == [v.upper() for v in visit] and list(frame.index) == list(FRAME.index)


def test_key_codes_group_rows_like_pandas_groupby():
    ds = DatasetData("XX", FRAME.copy())
    keys = pd.DataFrame({"s": [_row_text(v) for v in FRAME["USUBJID"]], "v": [_row_text(v) for v in FRAME["VISIT"]]})
    expected = keys.groupby(["s", "v"], sort=False).ngroup().to_numpy()
    assert (ds.key_codes(["USUBJID", "VISIT"]) == expected).all()


def test_fold_codes_order_rows_as_their_tuples():
    rng = np.random.default_rng(3)
    columns = [rng.integers(-1, 5, 200), rng.integers(0, 3, 200), rng.integers(0, 2 ** 40, 200)]
    key = fold_codes(columns)
    tuples = list(zip(*columns))
    assert sorted(range(200), key=lambda i: (key[i], i)) == sorted(range(200), key=lambda i: (tuples[i], i))
    assert len(set(row_codes(columns))) == len(set(tuples))


def test_fold_codes_renumbers_before_overflow():
    big = np.array([2 ** 40, 0, 2 ** 40 - 1, 5], dtype=np.int64)
    key = fold_codes([big, big, big])
    assert list(np.argsort(key, kind="stable")) == [1, 3, 2, 0]


def test_data_bytes_is_the_longest_utf8_value():
    ds = DatasetData("XX", FRAME.copy())
    longest = max(len(str(v).rstrip().encode("utf-8")) for v in FRAME["VISIT"])
    assert data_bytes(ds, "VISIT") == longest == 2                  # 'é' is two bytes, trailing blanks ignored
    assert data_bytes(ds, "USUBJID") == 3                            # missing counts 0, leading blank counts
