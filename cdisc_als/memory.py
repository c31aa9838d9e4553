"""Process-wide memory settings for the batch commands (``cdisc-als ...``, ``make demo``, the benchmarks).

A pipeline run allocates and frees thousands of large arrays: one column of a 30,000-subject
pool is 4.7 million rows, 37 MB.  glibc hands every freed block above its mmap threshold (at most
32 MB) straight back to the kernel, so the next array of that size is mapped and faulted in again,
page by page.  On a virtual machine that returns freed guest memory to its host (virtio free page
reporting, as on the 2-core machines the benchmarks run on) each of those pages then costs a host
fault as well: touching 2 GiB of fresh memory took 4.4 s there, reusing it 0.3 s.

:func:`retain_freed_memory` makes glibc serve large blocks from its heap and never shrink it, so a
freed column's pages are reused by the next one.  The peak (the high-water mark) is what it was; only
memory freed after the peak stays with the process until it exits, which a command does soon after.
On a 30,000-subject pool this cut page faults from 1.4 million to 0.5 million and system time from
17 s to 13 s (``docs/performance.md``).  A library caller keeps the allocator it has: only the command
entry points call this.
"""
from __future__ import annotations

import ctypes
import sys

# mallopt(3) parameters, from glibc's <malloc.h>
M_TRIM_THRESHOLD = -1
M_MMAP_MAX = -4


def _libc_function(name: str):
    """The C library's function ``name`` (None off Linux or where the C library lacks it)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):
        return None


def retain_freed_memory() -> bool:
    """Ask glibc to keep freed memory for reuse (no mmap for large blocks, no trimming of the heap).

    Returns whether the allocator took the settings; ``False`` (nothing changed) off Linux or on a C
    library without ``mallopt``.
    """
    mallopt = _libc_function("mallopt")
    if mallopt is None:
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    # man mallopt: M_MMAP_MAX 0 disables mmap for large requests; M_TRIM_THRESHOLD -1 disables trimming
    return mallopt(M_MMAP_MAX, 0) == 1 and mallopt(M_TRIM_THRESHOLD, -1) == 1


def release_freed_memory() -> bool:
    """Hand the memory glibc holds free back to the system now (``malloc_trim``); a forked child calls it
    first, so that it does not share the pages only its parent would reuse.  Returns whether it could be
    asked."""
    trim = _libc_function("malloc_trim")
    if trim is None:
        return False
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    trim(0)
    return True


__all__ = ["retain_freed_memory", "release_freed_memory"]
