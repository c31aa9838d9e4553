"""retain_freed_memory: a freed large block is reused by the next allocation instead of being faulted in again."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = """
import resource, sys
import numpy as np
from cdisc_als.memory import retain_freed_memory
took = retain_freed_memory() if sys.argv[1] == "retain" else None
block = np.ones(64 << 20, dtype=np.uint8); del block           # 64 MiB, above glibc's largest mmap threshold
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
block = np.ones(64 << 20, dtype=np.uint8)
print(took, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def faults_of_second_block(mode: str) -> tuple[str, int]:
    env = {**os.environ, "NUMPY_MADVISE_HUGEPAGE": "0"}      # 4 KiB pages, so faults count pages
    done = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, env=env, check=True)
    took, faults = done.stdout.split()
    return took, int(faults)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's (Linux)")
def test_a_freed_block_is_reused_without_faulting_its_pages_again():
    took, retained = faults_of_second_block("retain")
    _, default = faults_of_second_block("default")
    assert took == "True"
    pages = (64 << 20) // 4096
    assert default >= pages // 2          # glibc's default: unmapped on free, every page faulted in again
    assert retained < pages // 10         # kept: the same pages serve the second block
