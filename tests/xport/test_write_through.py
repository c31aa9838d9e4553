"""Large XPT files are written through to disk (fdatasync + dropped from the page cache), bytes unchanged."""
from __future__ import annotations

import os

import numpy as np
import pandas as pd

from cdisc_als import staging
from cdisc_als.xport import read_xpt, write_xpt
from cdisc_als.xport import write as xport_write


def frame(rows: int) -> pd.DataFrame:
    return pd.DataFrame({"USUBJID": [f"S-{i % 97:03d}" for i in range(rows)], "AVAL": np.arange(rows) / 4})


def test_written_through_in_steps_with_the_same_bytes(tmp_path, monkeypatch):
    data = frame(5000)                                          # 5000 x 13 bytes: 65,000 bytes of observations
    write_xpt(data, tmp_path / "buffered.xpt", name="X")
    synced, dropped = [], []
    monkeypatch.setattr(xport_write, "WRITE_THROUGH_BYTES", 10_000)        # which files are written through
    monkeypatch.setattr(staging, "WRITE_THROUGH_BYTES", 10_000)            # ... and in which steps
    monkeypatch.setattr(xport_write, "CHUNK_BYTES", 1_000)          # observations assembled 76 rows at a time
    monkeypatch.setattr(xport_write, "BUFFER_BYTES", 3_000)         # and written 228 rows at a time
    monkeypatch.setattr(os, "fdatasync", lambda fd: synced.append(fd))
    real_fadvise = os.posix_fadvise
    monkeypatch.setattr(os, "posix_fadvise", lambda fd, start, length, advice: (
        dropped.append((start, length, advice)), real_fadvise(fd, start, length, advice)))
    write_xpt(data, tmp_path / "through.xpt", name="X")
    assert (tmp_path / "through.xpt").read_bytes() == (tmp_path / "buffered.xpt").read_bytes()
    assert len(synced) >= 6 and len(synced) == len(dropped)
    # consecutive ranges from the first observation to the last, every one dropped
    assert all(advice == os.POSIX_FADV_DONTNEED for _, _, advice in dropped)
    assert all(a[0] + a[1] == b[0] for a, b in zip(dropped, dropped[1:]))
    assert dropped[-1][0] + dropped[-1][1] >= 65_000
    pd.testing.assert_frame_equal(read_xpt(tmp_path / "through.xpt").frame, read_xpt(tmp_path / "buffered.xpt").frame)


def test_small_files_are_not_synced(tmp_path, monkeypatch):
    synced = []
    monkeypatch.setattr(os, "fdatasync", lambda fd: synced.append(fd))
    write_xpt(frame(100), tmp_path / "small.xpt", name="X")
    assert synced == [] and staging.WRITE_THROUGH_BYTES > 1 << 20


def test_a_failing_write_is_raised_and_leaves_no_file(tmp_path, monkeypatch):
    import pytest

    from cdisc_als.staging import ChunkWriter
    monkeypatch.setattr(xport_write, "CHUNK_BYTES", 1_000)
    monkeypatch.setattr(xport_write, "BUFFER_BYTES", 3_000)

    class Full(OSError):
        pass

    def no_space(self, chunk):
        raise Full(28, "No space left on device")
    real_run = ChunkWriter._run

    def run_with_full_disk(self):
        self.handle = type("H", (), {"write": no_space, "tell": lambda h: 0})()
        real_run(self)
    monkeypatch.setattr(ChunkWriter, "_run", run_with_full_disk)
    with pytest.raises(Full):
        write_xpt(frame(5000), tmp_path / "full.xpt", name="X")
    assert list(tmp_path.iterdir()) == []
