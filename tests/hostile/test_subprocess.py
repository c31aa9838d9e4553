"""A representative subset in real subprocesses: exit codes, no traceback unless --debug, no network.

Each child gets a ``sitecustomize.py`` (on PYTHONPATH) that replaces socket connects and DNS look-ups
with a tripwire writing to a log file; the test asserts the log stays empty.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.hostile.corpus import HTML_PAGE, define_network_entity, garbage
from tests.hostile.helpers import Outcome, assert_failed_cleanly, copy_raw, snapshot

TRIPWIRE = '''
import os, socket
_log = os.environ["CDISC_ALS_NET_LOG"]

def _refuse(*args, **kwargs):
    with open(_log, "a") as f:
        f.write(repr(args[1:] or args)[:200] + "\\n")
    raise OSError("network access attempted")

socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
'''


@pytest.fixture()
def child(tmp_path):
    """Run ``python -m cdisc_als.cli.main ARGS`` with the network tripwire; fail if it tried the network."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(TRIPWIRE)
    log = tmp_path / "network.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])),
           "CDISC_ALS_NET_LOG": str(log)}

    def call(*args: object) -> Outcome:
        done = subprocess.run([sys.executable, "-m", "cdisc_als.cli.main", *map(str, args)], env=env,
                              capture_output=True, text=True, timeout=120)
        return Outcome(done.returncode, done.stdout, done.stderr)
    yield call
    assert not log.exists(), f"network access attempted: {log.read_text()}"


def test_tripwire_works(child, tmp_path):
    """The sitecustomize really is loaded by the child (otherwise the other tests prove nothing)."""
    site = tmp_path / "site"
    log = tmp_path / "network.log"
    env = {**os.environ, "PYTHONPATH": str(site), "CDISC_ALS_NET_LOG": str(log)}
    code = "import socket\ntry:\n    socket.create_connection(('192.0.2.1', 80), timeout=1)\nexcept OSError: pass"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    assert log.exists()
    log.unlink()


def test_garbage_source_one_line_exit_2_and_traceback_only_with_debug(child, tmp_path):
    raw = copy_raw("site-edc", tmp_path)
    (raw / "alsfrs.csv").write_bytes(garbage())
    result = child("convert", "--layout", "site-edc", "--study", "S1", raw, "--out", tmp_path / "out")
    assert result.code == 2
    assert_failed_cleanly(result, file=raw / "alsfrs.csv", out_dir=tmp_path / "out", out_before=None)
    debug = child("--debug", "convert", "--layout", "site-edc", "--study", "S1", raw, "--out", tmp_path / "out")
    assert debug.code != 0 and "Traceback" in debug.err and "UserError" in debug.err


def test_run_with_an_empty_form_leaves_the_earlier_output(child, tmp_path):
    raw = copy_raw("proact", tmp_path)
    (raw / "PROACT_ALSFRS.csv").write_bytes(b"")
    out = tmp_path / "out"
    (out / "sdtm").mkdir(parents=True)
    (out / "sdtm" / "dm.xpt").write_bytes(b"an earlier run's file")
    before = snapshot(out)
    result = child("run", "--layout", "proact", "--study", "S1", raw, "--out", out)
    assert result.code == 2
    assert_failed_cleanly(result, file=raw / "PROACT_ALSFRS.csv", out_dir=out, out_before=before)


def test_validate_with_a_network_entity_in_define(child, tmp_path, small_sdtm):
    define = tmp_path / "define.xml"
    define.write_bytes(define_network_entity())
    result = child("validate", small_sdtm, "--define", define, "--out", tmp_path / "report")
    assert result.code == 2
    assert_failed_cleanly(result, file=define)
    assert not (tmp_path / "report").exists()


def test_export_of_an_html_page_saved_as_xpt(child, tmp_path, small_sdtm):
    folder = tmp_path / "sdtm"
    folder.mkdir()
    (folder / "dm.xpt").write_bytes((small_sdtm / "dm.xpt").read_bytes())
    (folder / "qs.xpt").write_bytes(HTML_PAGE)
    result = child("export", folder, "--format", "dsjc", "--out", tmp_path / "out")
    assert result.code == 2
    assert_failed_cleanly(result, file=folder / "qs.xpt")
    assert not (tmp_path / "out").exists()
