"""Shared fixtures: the ../shared folder, skipped with a reason where it is absent."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REFERENCE = SHARED / "reference"
STANDARDS = SHARED / "standards"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """../shared/reference; tests using it skip where the folder is absent (a user's fresh clone)."""
    if not REFERENCE.is_dir():
        pytest.skip(f"{REFERENCE} not found: reference CDISC packages are only beside CI and dev clones")
    return REFERENCE


@pytest.fixture(scope="session")
def standards_dir() -> Path:
    if not STANDARDS.is_dir():
        pytest.skip(f"{STANDARDS} not found: shared standards are only beside CI and dev clones")
    return STANDARDS
