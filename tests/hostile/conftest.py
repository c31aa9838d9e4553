"""Fixtures of the hostile-input suite: the in-process CLI, a network tripwire, clean baselines.

Most cases call ``cdisc_als.cli.main.main`` in this process (fast); ``test_subprocess.py`` repeats a
representative subset in real subprocesses.  Every test here runs with ``socket`` connects and DNS
look-ups replaced by a tripwire, and fails if anything tried to reach the network.
"""
from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from tests.hostile.helpers import call_cli, copy_raw


@pytest.fixture()
def cli():
    return call_cli


@pytest.fixture(autouse=True)
def network_tripwire(monkeypatch):
    """Any connect or DNS look-up is recorded and refused; the test fails if one was tried."""
    tried: list[str] = []

    def refuse(*args, **kwargs):
        tried.append(repr(args[1:] or args)[:200])
        raise OSError("network access attempted during a hostile-input test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield tried
    assert not tried, f"network access was attempted: {tried}"


@pytest.fixture(scope="session")
def clean_outputs(tmp_path_factory):
    """``convert`` of the untouched fixtures, once per layout (study S1): the baseline damaged copies must match."""
    from cdisc_als.conversion import convert

    made: dict[str, Path] = {}

    def get(layout: str) -> Path:
        if layout not in made:
            base = tmp_path_factory.mktemp(f"clean-{layout}")
            convert(copy_raw(layout, base), base / "out", layout=layout, study="S1")
            made[layout] = base / "out"
        return made[layout]
    return get


@pytest.fixture(scope="session")
def small_sdtm(clean_outputs, tmp_path_factory):
    """A small SDTM folder (DM, QS) from the clean site-EDC conversion, for the dataset-reading commands."""
    folder = tmp_path_factory.mktemp("small") / "sdtm"
    folder.mkdir()
    for name in ("dm", "qs"):
        shutil.copy(clean_outputs("site-edc") / "sdtm" / f"{name}.xpt", folder)
    return folder
