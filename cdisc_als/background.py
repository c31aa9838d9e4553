"""Run one stage in a forked child process while the parent goes on with the next (the second core).

``run`` validates (and defines) the SDTM it has just written while it derives ADaM, and checks the ADaM
while it draws the plots: the two share nothing but the datasets already in memory, which a forked
child sees without a copy.  The child sends its result (or its exception) back through a pipe and exits;
:meth:`Background.result` waits for it and returns the result or raises the exception, as calling the
stage in line would.

Where ``os.fork`` does not exist (Windows) or is unsafe to rely on (macOS), or when ``parallel`` is off,
the stage simply runs in line when it is started.  Right after the fork the child hands the memory the
parent had freed (and keeps for reuse, :func:`cdisc_als.memory.retain_freed_memory`) back to the system
(:func:`cdisc_als.memory.release_freed_memory`): those pages are then the parent's alone, so the parent
reuses them without copying, and the child shares only the live data.
"""
from __future__ import annotations

import os
import pickle
import signal
import sys
from contextlib import contextmanager
from typing import Any, Callable, Iterable

from cdisc_als.memory import release_freed_memory


def can_fork() -> bool:
    """Whether stages can run in a forked child here (Linux)."""
    return hasattr(os, "fork") and sys.platform.startswith("linux")


class Background:
    """One stage started by :func:`start`; :meth:`result` gives what it returned or raises what it raised."""

    def __init__(self, pid: int | None, pipe: int | None, outcome: tuple[str, Any] | None = None) -> None:
        self._pid, self._pipe, self._outcome = pid, pipe, outcome

    @property
    def forked(self) -> bool:
        return self._pid is not None

    def result(self) -> Any:
        if self._outcome is None:
            self._outcome = self._collect()
        kind, value = self._outcome
        if kind == "error":
            raise value
        return value

    def cancel(self) -> None:
        """Stop the child if its result was never asked for (the parent failed first), so it writes nothing more."""
        if self._outcome is None and self._pid is not None:
            try:
                os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            os.close(self._pipe)
            self._outcome = ("error", RuntimeError("cancelled"))

    def _collect(self) -> tuple[str, Any]:
        with os.fdopen(self._pipe, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(self._pid, 0)
        if not data:
            code = os.waitstatus_to_exitcode(status)
            return "error", RuntimeError(f"a background stage ended without a result (exit status {code})")
        return pickle.loads(data)


@contextmanager
def cancelled_on_failure(started: Iterable[Background]):
    """A failure in the parent stops the stages started in the background that are still running (``started``
    is read when the failure happens, so a live view such as ``dict.values()`` covers stages started later),
    so none writes into a staging folder about to be removed."""
    try:
        yield
    except BaseException:
        for stage in list(started):
            stage.cancel()
        raise


def start(action: Callable[[], Any], *, parallel: bool = True) -> Background:
    """Start ``action`` in a forked child (when ``parallel`` and :func:`can_fork`), else run it now."""
    if not (parallel and can_fork()):
        try:
            return Background(None, None, ("ok", action()))
        except Exception as err:  # noqa: BLE001 - handed to result(), as the forked path does
            return Background(None, None, ("error", err))
    sys.stdout.flush()
    sys.stderr.flush()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:                                    # the child: run, report, leave without cleanup handlers
        release_freed_memory()
        os.close(read)
        try:
            outcome = ("ok", action())
        except BaseException as err:  # noqa: BLE001 - every outcome goes back to the parent
            outcome = ("error", err)
        try:
            data = pickle.dumps(outcome)
        except Exception as err:  # noqa: BLE001 - an exception that cannot be pickled is described instead
            data = pickle.dumps(("error", RuntimeError(f"{type(outcome[1]).__name__}: {outcome[1]} ({err})")))
        with os.fdopen(write, "wb") as pipe:
            pipe.write(data)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    os.close(write)
    return Background(pid, read)


__all__ = ["Background", "start", "can_fork", "cancelled_on_failure"]
