"""Validate the CDISC pilot SDTM folder (19 XPTs, 34 MB qs.xpt) and print wall time and peak RSS.

Baseline in the same run: reading every XPT once with the project reader (the floor any
validator pays), so the printed ratio says how much the rules and reports add on top.
Target (issue 5): whole run < 5 s, peak RSS < 1.5 GiB on a 2-core machine.
"""
from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
PILOT = REPO.parent / "shared" / "reference" / "cdiscpilot01" / "sdtm"


def main() -> int:
    if not PILOT.is_dir():
        print(f"skipped: {PILOT} not found")
        return 0
    from cdisc_als.validate import validate_dir
    from cdisc_als.validate.reports import write_reports
    from cdisc_als.xport import read_xpt

    start = time.perf_counter()
    for path in sorted(PILOT.glob("*.xpt")):
        read_xpt(path)
    read_only = time.perf_counter() - start
    start, cpu_start = time.perf_counter(), time.process_time()
    result = validate_dir(PILOT)
    checked = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as out:
        write_reports(result, out)
    total = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"datasets {len(result.datasets)}, findings {len(result.findings)}, rules {len(result.rules)}")
    print(f"read only (baseline)  {read_only:6.2f} s")
    print(f"validate              {checked:6.2f} s")
    print(f"validate + reports    {total:6.2f} s  ({total / read_only:.1f}x the read)   target < 5 s")
    print(f"  CPU time of that    {cpu:6.2f} s  (wall > CPU means other processes shared the 2 cores)")
    print(f"peak RSS              {peak:6.0f} MiB   target < 1536 MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
