"""Shared fixtures of the validation tests."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from cdisc_als.pipeline import run

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def pool_package(tmp_path_factory) -> Path:
    """A generated 30-subject PRO-ACT pool through convert, derive and define (no validation)."""
    spec = importlib.util.spec_from_file_location("bench_pool", REPO / "benchmarks" / "pool.py")
    pool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pool)
    root = tmp_path_factory.mktemp("pool")
    pool.write_pool(root / "raw", 30, seed=5)
    run(root / "raw", root / "out", layout="proact", study="POOL", validate=False)
    return root / "out"
