"""Shared helpers for the XPT tests: independent readers and the pyreadstat reference writer."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

#: Header bytes that hold the creation/modification timestamps (FACTS §11).
TIMESTAMPS = (slice(144, 176), slice(464, 496))


def without_timestamps(data: bytes) -> bytes:
    blanked = bytearray(data)
    for part in TIMESTAMPS:
        blanked[part] = b"\0" * (part.stop - part.start)
    return bytes(blanked)


def pyreadstat_bytes(frame: pd.DataFrame, path: Path, *, name: str, label: str = "",
                     labels: dict | None = None, formats: dict | None = None) -> bytes:
    """The file pyreadstat writes for the same frame (v5), as bytes."""
    labels = labels or {}
    pyreadstat.write_xport(frame, str(path), file_format_version=5, table_name=name, file_label=label or None,
                           column_labels=[labels.get(c, "") for c in frame.columns],
                           variable_format=formats or None)
    return path.read_bytes()


def text_as_read(series: pd.Series) -> np.ndarray:
    """What a v5 reader returns for a text column: missing -> '', trailing blanks dropped."""
    return series.astype(object).where(series.notna(), "").map(lambda v: v.rstrip(" ")).to_numpy(dtype=object)


def assert_frames_match(read: pd.DataFrame, written: pd.DataFrame) -> None:
    """Numbers equal (NaN where missing, -0.0 read as 0.0), text equal as a v5 reader returns it."""
    assert list(read.columns) == list(written.columns)
    assert len(read) == len(written)
    for column in written.columns:
        got = read[column]
        if pd.api.types.is_numeric_dtype(written[column]) or pd.api.types.is_bool_dtype(written[column]):
            expected = written[column].to_numpy(dtype=np.float64, na_value=np.nan)
            np.testing.assert_array_equal(got.to_numpy(dtype=np.float64), expected + 0.0, err_msg=column)
        else:
            assert list(got.astype(object).fillna("")) == list(text_as_read(written[column])), column
