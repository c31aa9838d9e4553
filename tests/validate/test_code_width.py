"""Value codes are kept in the narrowest integer type that holds them; findings do not depend on it."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cdisc_als.validate import validate_dir
from cdisc_als.validate.context import DatasetData, narrow_codes


@pytest.mark.parametrize("size, dtype", [(1, np.int8), (127, np.int8), (128, np.int16), (32767, np.int16),
                                         (32768, np.int32)])
def test_narrow_codes_keep_every_code_in_the_narrowest_type(size, dtype):
    codes = np.r_[np.arange(size), size - 1, 0].astype(np.intp)
    narrow = narrow_codes(codes, size)
    assert narrow.dtype == dtype
    np.testing.assert_array_equal(narrow.astype(np.intp), codes)


def test_column_codes_are_narrow_and_give_the_column_back():
    frame = pd.DataFrame({"A": [f"v{i % 200}" for i in range(1000)], "B": ["x", None] * 500})
    ds = DatasetData("XX", frame)
    for name, dtype in (("A", np.int16), ("B", np.int8)):
        codes, uniques = ds.codes(name)
        assert codes.dtype == dtype
        back = pd.Series(np.asarray(uniques, dtype=object)[codes]).fillna("<missing>").tolist()
        assert back == frame[name].fillna("<missing>").tolist()


def _validate_wide(folder, monkeypatch):
    """Validation with every code as int64 (what the narrow codes stand for)."""
    with monkeypatch.context() as patch:
        patch.setattr("cdisc_als.validate.context.narrow_codes", lambda codes, size: codes.astype(np.int64))
        return validate_dir(folder)


def _assert_same_result(narrow, wide):
    for part in ("findings", "issues", "rules", "datasets"):
        pd.testing.assert_frame_equal(getattr(narrow, part), getattr(wide, part))


@pytest.mark.parametrize("kind", ["sdtm", "adam"])
def test_pool_findings_do_not_depend_on_the_code_width(pool_package, kind, monkeypatch):
    narrow = validate_dir(pool_package / kind)
    assert kind == "adam" or len(narrow.findings)          # the pool's ADaM has no findings
    _assert_same_result(narrow, _validate_wide(pool_package / kind, monkeypatch))


@pytest.mark.reference
def test_pilot_findings_do_not_depend_on_the_code_width(reference_dir, monkeypatch):
    """The pilot holds columns of more than 127 distinct values (int16 codes): subjects, dates, sequences."""
    narrow = validate_dir(reference_dir / "cdiscpilot01/sdtm")
    _assert_same_result(narrow, _validate_wide(reference_dir / "cdiscpilot01/sdtm", monkeypatch))
