"""background.start: a stage run in a forked child gives its result or raises its error, as in line."""
from __future__ import annotations

import os

import numpy as np
import pytest

from cdisc_als.background import can_fork, start
from cdisc_als.errors import XptError

MODES = [pytest.param(True, id="forked"), pytest.param(False, id="in-line")]


@pytest.mark.parametrize("parallel", MODES)
def test_the_result_comes_back(parallel):
    data = np.arange(1_000_000)                        # the child reads the parent's memory as it is
    started = start(lambda: {"sum": int(data.sum()), "pid": os.getpid()}, parallel=parallel)
    outcome = started.result()
    assert outcome["sum"] == int(data.sum())
    assert (outcome["pid"] != os.getpid()) == (parallel and can_fork()) == started.forked


@pytest.mark.parametrize("parallel", MODES)
def test_an_error_comes_back_whole(parallel):
    def fail():
        raise XptError("a bad file", file="qs.xpt", row=7, column="QSORRES")
    started = start(fail, parallel=parallel)
    with pytest.raises(XptError) as caught:
        started.result()
    assert (caught.value.file, caught.value.row, caught.value.column) == ("qs.xpt", 7, "QSORRES")
    assert caught.value.one_line() == "qs.xpt, row 7, column QSORRES: a bad file"


def test_a_child_that_dies_is_an_error():
    if not can_fork():
        pytest.skip("forking runs on Linux only")
    with pytest.raises(RuntimeError, match="without a result"):
        start(lambda: os._exit(3)).result()


def test_changes_the_child_makes_stay_in_the_child():
    if not can_fork():
        pytest.skip("forking runs on Linux only")
    shared = {"value": 1}

    def change():
        shared["value"] = 2
        return shared["value"]
    assert start(change).result() == 2 and shared["value"] == 1


def test_a_cancelled_child_stops_and_writes_nothing(tmp_path):
    if not can_fork():
        pytest.skip("forking runs on Linux only")
    import time

    def slow():
        time.sleep(2)
        (tmp_path / "late.txt").write_text("written after the parent gave up")
    started = start(slow)
    started.cancel()
    time.sleep(2.5)
    assert not (tmp_path / "late.txt").exists()
    with pytest.raises(RuntimeError, match="cancelled"):
        started.result()
