"""Benchmark: cdisc_als.xport.write_xpt / read_xpt against pyreadstat (and pandas.read_sas), same run.

Builds a seeded QS-like frame the way the conversion builds one (constants by scalar
assignment, codes and texts by mapping, dates and results formatted per row; pandas' default
``str`` dtype), writes it with both writers, checks the files are equal apart from the header
timestamps (bytes 144-175 and 464-495), and prints the times (best of ``--repeat``, in this process), the ratio
and the peak memory of each writer (one extra run in a forked child, so its peak RSS is its own).

    .venv/bin/python benchmarks/xpt_write.py [--rows 1000000] [--repeat 3] [--qs PATH]
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

from cdisc_als.xport import read_xpt, write_xpt

PILOT_QS = Path(__file__).resolve().parents[2] / "shared/reference/cdiscpilot01/sdtm/qs.xpt"


def qs_like_frame(nrows: int, seed: int = 20240601) -> pd.DataFrame:
    """A QS-shaped frame: 15 text columns of realistic widths and 5 numeric columns."""
    rng = np.random.default_rng(seed)
    subjects = pd.Series([f"MSCNTF01-{i:02d}-{j:03d}" for i in range(1, 11) for j in range(1, 1 + max(nrows // 6500, 1))])
    items = pd.DataFrame({"QSTESTCD": [f"ALSR{i:02d}" for i in range(1, 14)],
                          "QSTEST": [f"ALSFRS-R Item {i} Functional Rating Question" for i in range(1, 14)]})
    answers = pd.Series(["Normal", "Slight impairment", "Moderate impairment", "Severe impairment", "Unable"])
    visits = pd.Series([f"MONTH {m}" for m in range(0, 25)])
    subject = rng.integers(0, len(subjects), nrows)
    item = rng.integers(0, len(items), nrows)
    score = rng.integers(0, 5, nrows)
    day = rng.integers(-28, 730, nrows)
    not_done = rng.random(nrows) < 0.02
    frame = pd.DataFrame({"USUBJID": subjects.to_numpy()[subject]})
    frame["STUDYID"] = "MSCNTF01"
    frame["DOMAIN"] = "QS"
    frame["QSSEQ"] = np.arange(1, nrows + 1)
    frame["QSTESTCD"] = items["QSTESTCD"].to_numpy()[item]
    frame["QSTEST"] = items["QSTEST"].to_numpy()[item]
    frame["QSCAT"] = "ALSFRS-R"
    frame["QSORRES"] = answers.to_numpy()[score]
    frame["QSSTRESC"] = pd.Series(score).astype(str).where(~not_done)
    frame["QSSTRESN"] = np.where(not_done, np.nan, score)
    frame["QSSTAT"] = pd.Series(np.where(not_done, "NOT DONE", "")).replace("", None)
    frame["QSREASND"] = pd.Series(np.where(not_done, "SUBJECT TOO TIRED TO COMPLETE", "")).replace("", None)
    frame["QSBLFL"] = pd.Series(np.where(day < 1, "Y", ""))
    frame["VISITNUM"] = np.clip(day // 30, 0, 24).astype(float)
    frame["VISIT"] = visits.to_numpy()[np.clip(day // 30, 0, 24)]
    frame["EPOCH"] = np.where(day < 1, "SCREENING", "TREATMENT")
    frame["QSDTC"] = (pd.Timestamp("2021-03-01") + pd.to_timedelta(day, unit="D")).strftime("%Y-%m-%d")
    frame["QSDY"] = np.where(day >= 0, day + 1, day).astype(float)
    frame["QSEVAL"] = "STUDY SUBJECT"
    frame["QSEVLINT"] = np.where(rng.random(nrows) < 0.5, np.nan, -14.0)
    return frame


def _rss_kib(field: str) -> int:
    """VmRSS/VmHWM in KiB from /proc; where there is no /proc, the getrusage peak."""
    status = Path("/proc/self/status")
    for line in status.read_text().splitlines() if status.exists() else ():
        if line.startswith(field + ":") in Path("/proc/self/status").read_text().splitlines():
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _timed_child(job, setup, queue) -> None:
    if setup:
        setup()
    if Path("/proc/self/clear_refs").exists():
        Path("/proc/self/clear_refs").write_text("5")        # reset the peak-RSS mark to now
    start_rss = _rss_kib("VmRSS")
    began = time.perf_counter()
    job()
    seconds = time.perf_counter() - began
    queue.put((seconds, (_rss_kib("VmHWM") - start_rss) / 1024))


def run_in_child(job, setup=None) -> tuple[float, float]:
    """(seconds, MiB of peak RSS above the RSS at start) of ``job()`` in a forked child, after ``setup()``."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_timed_child, args=(job, setup, queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def same_apart_from_timestamps(a: bytes, b: bytes) -> bool:
    return len(a) == len(b) and a[:144] == b[:144] and a[176:464] == b[176:464] and a[496:] == b[496:]


def best(job, repeat: int, setup=None) -> tuple[float, float]:
    """Fastest of ``repeat`` in-process timings, and the peak RSS of one more run in a forked child.

    Timing stays in this process: a forked child pays copy-on-write faults on the parent's frame
    that a real run does not.
    """
    times = []
    for _ in range(repeat):
        if setup:
            setup()
        began = time.perf_counter()
        job()
        times.append(time.perf_counter() - began)
    return min(times), run_in_child(job, setup)[1]


def bench_write(rows: int, repeat: int, folder: Path) -> None:
    frame = qs_like_frame(rows)
    ours, theirs = folder / "ours.xpt", folder / "theirs.xpt"

    def clear() -> None:                      # not timed: neither writer pays for removing an old file
        ours.unlink(missing_ok=True)
        theirs.unlink(missing_ok=True)

    ours_s, ours_mib = best(lambda: write_xpt(frame, ours, name="QS"), repeat, clear)
    theirs_s, theirs_mib = best(lambda: pyreadstat.write_xport(frame, str(theirs), file_format_version=5,
                                                               table_name="QS"), max(1, repeat - 1), clear)
    write_xpt(frame, ours, name="QS")
    equal = same_apart_from_timestamps(ours.read_bytes(), theirs.read_bytes())
    size = ours.stat().st_size / 2**20
    print(f"write {rows:,} rows x {frame.shape[1]} columns ({size:.0f} MiB): write_xpt {ours_s:.3f} s "
          f"(peak +{ours_mib:.0f} MiB), pyreadstat.write_xport {theirs_s:.3f} s (peak +{theirs_mib:.0f} MiB), "
          f"ratio {theirs_s / ours_s:.1f}x; files equal apart from timestamps: {equal}")


def bench_read(path: Path, repeat: int) -> None:
    if not path.is_file():
        print(f"read: {path} not found, skipped")
        return
    jobs = {"read_xpt": lambda: read_xpt(path),
            "pyreadstat.read_xport": lambda: pyreadstat.read_xport(str(path)),
            "pandas.read_sas": lambda: pd.read_sas(path, format="xport", encoding="utf-8")}
    times = {name: best(job, repeat) for name, job in jobs.items()}
    base = times["read_xpt"][0]
    print(f"read {path.name} ({path.stat().st_size / 2**20:.0f} MiB): " + ", ".join(
        f"{name} {s:.3f} s (peak +{mib:.0f} MiB, {s / base:.1f}x)" for name, (s, mib) in times.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--qs", type=Path, default=PILOT_QS, help="an XPT file to time the readers on")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as folder:
        bench_write(args.rows, args.repeat, Path(folder))
    bench_read(args.qs, args.repeat)


if __name__ == "__main__":
    main()
