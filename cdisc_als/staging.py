"""Staged outputs: write into a temporary folder, move into place only when everything is written.

Every command that writes files uses :func:`staged_output`, so a failure (a bad input found half way,
a full disk, Ctrl-C) leaves the output folder as it was: absent, or holding its earlier contents.
"""
from __future__ import annotations

import os
import queue
import shutil
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from cdisc_als.errors import UserError

WRITE_THROUGH_BYTES = 64 << 20       # a file written in steps of this many bytes is kept out of the page cache


@contextmanager
def staged_output(out_dir: Path | str) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``out_dir``; on success move its entries into ``out_dir``.

    Entries replace same-named files or folders in ``out_dir``; other entries of ``out_dir`` are kept.
    On any exception the temporary folder is deleted and ``out_dir`` is not touched (not even created).
    The temporary folder is a sibling, so each move is a rename on the same file system.

    Example:
        >>> with staged_output(Path("out")) as stage:
        ...     (stage / "report.json").write_text("{}")     # out/report.json appears only now
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        yield stage
        move_into_place(stage, out_dir)
    except UserError as err:
        _point_at_target(err, stage, out_dir)
        raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _point_at_target(err: UserError, stage: Path, out_dir: Path) -> None:
    """An error about a file being written names the file it was meant to become, not the temporary one."""
    if err.file and Path(err.file).is_relative_to(stage):
        err.file = str(out_dir / Path(err.file).relative_to(stage))
        err.args = (err.one_line(),)


def move_into_place(stage: Path, out_dir: Path) -> list[Path]:
    """Move every entry of ``stage`` into ``out_dir`` (created if needed), replacing same-named entries."""
    out_dir.mkdir(parents=True, exist_ok=True)
    moved = []
    for entry in sorted(stage.iterdir()):
        target = out_dir / entry.name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif entry.is_dir() and (target.exists() or target.is_symlink()):
            target.unlink()                  # a folder cannot be renamed over a file
        os.replace(entry, target)
        moved.append(target)
    return moved


def write_through(handle, start: int) -> int:
    """Force the bytes ``handle`` holds from offset ``start`` to disk and drop them from the page cache;
    returns the offset written so far (the next call's ``start``).

    Writers of large outputs call this every :data:`WRITE_THROUGH_BYTES`.  The pipeline never reads its
    outputs back, so their pages would only fill the page cache: a 30,000-subject run writes 2.4 GB.
    Where fresh pages are expensive (a virtual machine that hands freed memory back to its host),
    buffered writes of 2 GiB ran at 0.35-0.40 GB/s against 1.3-1.5 GB/s written through
    (``docs/performance.md``).  A file written this way is also on disk before it is renamed into place.
    """
    handle.flush()
    end = handle.tell()
    os.fdatasync(handle.fileno())
    if hasattr(os, "posix_fadvise"):              # advisory; absent on macOS and Windows
        os.posix_fadvise(handle.fileno(), start, end - start, os.POSIX_FADV_DONTNEED)
    return end


class ChunkWriter:
    """Writes the chunks a producer hands it from a thread of its own, so that assembling the next chunk
    (numpy work) and writing this one (system calls, which release the GIL) overlap.

    ``put`` blocks while one chunk waits to be written, so a producer that rotates three buffers never
    refills one before its bytes are out.  With ``through`` the file is written through to disk every
    :data:`WRITE_THROUGH_BYTES` (:func:`write_through`).  The first error of the thread (a full disk) is
    raised by the next ``put`` or by ``close``; leaving the ``with`` block closes.
    """

    BUFFERS = 3                # a producer rotates this many buffers: one being written, one waiting, one filled

    def __init__(self, handle, *, through: bool) -> None:
        self.handle, self.through = handle, through
        self.queue: queue.Queue = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="chunk-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        synced = self.handle.tell()
        while (chunk := self.queue.get()) is not None:
            if self.error is not None:
                continue                                   # drain after a failure; the producer is told
            try:
                self.handle.write(chunk)
                if self.through and self.handle.tell() - synced >= WRITE_THROUGH_BYTES:
                    synced = write_through(self.handle, synced)
            except BaseException as err:  # noqa: BLE001 - handed to the producer
                self.error = err
        if self.error is None and self.through:
            try:
                write_through(self.handle, synced)
            except BaseException as err:  # noqa: BLE001 - handed to the producer
                self.error = err

    def put(self, chunk) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(chunk)

    def close(self) -> None:
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
        if self.error is not None:
            raise self.error

    def __enter__(self) -> ChunkWriter:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        try:
            self.close()
        except BaseException:
            if kind is None:
                raise                                      # the write failed: that is the error to report


__all__ = ["staged_output", "move_into_place", "write_through", "WRITE_THROUGH_BYTES", "ChunkWriter"]
