"""``detail_limit``: the rows beyond the limit are never built, yet the reports are the same bytes.

The limited run is checked against the unlimited one, whose findings are every row: its summary is
``summarise_issues`` over all rows, and its first N rows per dataset x rule are ``cap_details`` of the
full, sorted findings.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cdisc_als.validate import validate_dir
from cdisc_als.validate.findings import cap_details, summarise_issues
from cdisc_als.validate.reports import DETAIL_CAP, write_reports


def _report_bytes(result, folder: Path) -> dict[str, bytes]:
    return {kind: path.read_bytes() for kind, path in write_reports(result, folder).items()}


@pytest.mark.parametrize("kind", ["sdtm", "adam"])
def test_pool_reports_identical_with_and_without_the_limit(pool_package, kind, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    full = validate_dir(pool_package / kind)
    limited = validate_dir(pool_package / kind, detail_limit=DETAIL_CAP)
    if kind == "sdtm":      # QS has 156 records per subject, each without a date: CA0221 fires beyond the cap
        assert (full.findings.groupby(["dataset", "rule_id"]).size() > DETAIL_CAP).any()
        assert len(limited.findings) < len(full.findings)
    assert _report_bytes(full, tmp_path / "full") == _report_bytes(limited, tmp_path / "limited")


@pytest.mark.reference
@pytest.mark.parametrize("folder", ["cdiscpilot01/sdtm", "cdiscpilot01-tdf"])
def test_reference_reports_identical_with_and_without_the_limit(reference_dir, folder, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    full = validate_dir(reference_dir / folder)
    limited = validate_dir(reference_dir / folder, detail_limit=DETAIL_CAP)
    assert _report_bytes(full, tmp_path / "full") == _report_bytes(limited, tmp_path / "limited")


def _check_limited_against_full(folder: Path, limit: int) -> None:
    full = validate_dir(folder)
    limited = validate_dir(folder, detail_limit=limit)
    assert (full.findings.groupby(["dataset", "rule_id"]).size() > limit).any(), "nothing to cut"
    pd.testing.assert_frame_equal(limited.findings, cap_details(full.findings, limit)[0])
    pd.testing.assert_frame_equal(limited.issues, summarise_issues(full.findings))
    pd.testing.assert_frame_equal(limited.rules, full.rules)
    pd.testing.assert_frame_equal(limited.datasets, full.datasets)
    counts = full.findings["severity"].value_counts()
    assert limited.severity_counts == {s: int(counts.get(s, 0)) for s in ("Error", "Warning", "Notice")}
    assert limited.error_count == int((full.findings["severity"] == "Error").sum())


def test_small_limit_keeps_the_first_rows_in_sorted_order(pool_package):
    """A limit of 7 cuts groups of every kind (per subject in DM, per record in QS/RE) at the right rows."""
    _check_limited_against_full(pool_package / "sdtm", 7)


@pytest.mark.reference
def test_small_limit_on_the_pilot(reference_dir):
    """The pilot has table hits (terminology, ISO 8601) and record hits with real sequence numbers."""
    _check_limited_against_full(reference_dir / "cdiscpilot01/sdtm", 3)


def test_report_refuses_a_cap_above_the_limit(pool_package, tmp_path):
    limited = validate_dir(pool_package / "sdtm", detail_limit=5)
    with pytest.raises(ValueError, match="detail rows"):
        write_reports(limited, tmp_path, cap=10)
