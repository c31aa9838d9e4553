"""Benchmark: ``cdisc-als run`` end to end on a generated PRO-ACT pool of N subjects (issue 7, "Scale").

    .venv/bin/python benchmarks/pool.py [--sizes 1000,10000,30000] [--seed N] [--keep DIR] [--no-compare]

For each size a pool is generated (seeded numpy, vectorised: 12 visits per subject with ALSFRS-R,
FVC with three efforts, demographics, adverse events, treatment and death; the files and columns of
specs/layouts/proact.yaml) and the whole pipeline (convert, derive, define, validate) runs in a fresh
subprocess set up as the ``cdisc-als`` command sets up its process, which prints its
:class:`cdisc_als.pipeline.RunReport` as JSON.  Printed per size: each stage's start, wall time, peak
RSS and process (the pipeline checks SDTM in a forked process while it derives ADaM), the
subprocess's wall and CPU time (forked processes included), the peak memory of the process tree (the
largest sum of the processes' PSS, sampled every 50 ms) and the load average.  Then the ratios, all
measured in this run:

* end to end 30k / 10k (the two largest sizes; linear is 3.0, the target is <= 3.3);
* XPT writing: ``write_xpt`` vs ``pyreadstat.write_xport(..., file_format_version=5)`` on the SDTM
  QS and RE frames of the largest run, both writers timed in one process;
* total vs the I/O floor: reading the pool's CSVs with pandas plus writing the run's output bytes
  (the faster of through the page cache and written through to disk).

Targets on a 2-core machine: 30,000 subjects end to end under 15 s and peak memory under 4 GiB.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
MEDDRA = ROOT / "fixtures" / "msc_ntf" / "meddra_terms.csv"
VISITS = 12
VISIT_GAP = 30                       # days between planned visits
ITEMS = ["Q1_Speech", "Q2_Salivation", "Q3_Swallowing", "Q4_Handwriting", "Q5_Cutting",
         "Q6_Dressing_and_Hygiene", "Q7_Turning_in_Bed", "Q8_Walking", "Q9_Climbing_Stairs",
         "R_1_Dyspnea", "R_2_Orthopnea", "R_3_Respiratory_Insufficiency"]
ALSFRS_COLUMNS = ["subject_id", "Q1_Speech", "Q2_Salivation", "Q3_Swallowing", "Q4_Handwriting",
                  "Q5a_Cutting_without_Gastrostomy", "Q5b_Cutting_with_Gastrostomy", "Q6_Dressing_and_Hygiene",
                  "Q7_Turning_in_Bed", "Q8_Walking", "Q9_Climbing_Stairs", "Q10_Respiratory", "ALSFRS_Delta",
                  "ALSFRS_Total", "ALSFRS_R_Total", "R_1_Dyspnea", "R_2_Orthopnea",
                  "R_3_Respiratory_Insufficiency", "Mode_of_Administration", "ALSFRS_Responded_By"]
RACE_COLUMNS = ["Race_Americ_Indian_Alaska_Native", "Race_Asian", "Race_Black_African_American",
                "Race_Hawaiian_Pacific_Islander", "Race_Unknown", "Race_Caucasian", "Race_Other"]
RACE_WEIGHTS = [0.005, 0.03, 0.04, 0.005, 0.01, 0.9, 0.01]


def pick(rng: np.random.Generator, choices: list[str], size: int, p: list[float] | None = None) -> np.ndarray:
    return np.asarray(choices, dtype=object)[rng.choice(len(choices), size=size, p=p)]


def generate_subjects(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """One row per subject: id, arm, age, sex, race, ethnicity, baseline severity and decline rates."""
    return pd.DataFrame({
        "subject_id": np.arange(100001, 100001 + n),
        "arm": pick(rng, ["Active", "Placebo"], n),
        "age": rng.integers(25, 81, n),
        "birth_extra": rng.integers(0, 365, n),
        "sex": pick(rng, ["Male", "Female"], n, [0.62, 0.38]),
        "race": rng.choice(len(RACE_COLUMNS), size=n, p=RACE_WEIGHTS),
        "ethnicity": pick(rng, ["Not Hispanic or Latino", "Hispanic or Latino", "Unknown"], n, [0.9, 0.07, 0.03]),
        "slope": rng.gamma(2.0, 0.45, n) / 30.4375 / len(ITEMS),  # ALSFRS-R total points lost per day, per item
        "fvc_slope": rng.gamma(2.0, 1.3, n) / 30.4375,       # % predicted lost per day
        "pred_l": rng.uniform(3.2, 5.2, n).round(2),
        "fvc_pct0": rng.uniform(70, 110, n),
        "gastro_day": np.where(rng.random(n) < 0.3, rng.integers(60, 330, n), 10_000),
        "died": rng.random(n) < 0.1,
    })


def generate_visits(subjects: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """VISITS rows per subject: day 0, then every VISIT_GAP days with +-5 days of jitter."""
    n = len(subjects)
    planned = np.tile(np.arange(VISITS) * VISIT_GAP, n)
    jitter = rng.integers(-5, 6, n * VISITS) * (planned > 0)
    return pd.DataFrame({"row": np.repeat(np.arange(n), VISITS), "day": planned + jitter})


def generate_alsfrs(subjects: pd.DataFrame, visits: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """PROACT_ALSFRS.csv: ALSFRS-R rows, each item declining at the subject's rate with noise, 0..4."""
    sub = subjects.iloc[visits["row"]].reset_index(drop=True)
    day = visits["day"].to_numpy()
    start = rng.uniform(2.6, 4.0, (len(subjects), len(ITEMS)))[visits["row"]]
    scores = start - (sub["slope"].to_numpy() * day)[:, None] + rng.normal(0, 0.35, start.shape)
    scores = np.clip(np.rint(scores), 0, 4).astype(np.int64)
    out = pd.DataFrame({"subject_id": sub["subject_id"].astype(str)})
    text = pd.DataFrame(scores.astype(str), columns=ITEMS)
    gastro = (day >= sub["gastro_day"].to_numpy())
    for column in ALSFRS_COLUMNS[1:]:
        out[column] = text[column] if column in text else ""
    out["Q5a_Cutting_without_Gastrostomy"] = np.where(gastro, "", text["Q5_Cutting"])
    out["Q5b_Cutting_with_Gastrostomy"] = np.where(gastro, text["Q5_Cutting"], "")
    out["ALSFRS_Delta"] = day.astype(str)
    out["ALSFRS_R_Total"] = scores.sum(axis=1).astype(str)
    out["Mode_of_Administration"] = "In Person"
    out["ALSFRS_Responded_By"] = "Patient"
    return out


def generate_fvc(subjects: pd.DataFrame, visits: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """PROACT_FVC.csv: one row per visit with three efforts (litres and % of the subject's predicted normal)."""
    sub = subjects.iloc[visits["row"]].reset_index(drop=True)
    pct = (sub["fvc_pct0"] - sub["fvc_slope"] * visits["day"]).to_numpy()[:, None] + rng.normal(0, 3, (len(sub), 3))
    pct = np.clip(pct, 8, 140).round(1)
    litres = (pct / 100 * sub["pred_l"].to_numpy()[:, None]).round(2)
    out = pd.DataFrame({"subject_id": sub["subject_id"].astype(str), "Forced_Vital_Capacity_Delta": visits["day"]})
    for k in range(3):
        out[f"Subject_Liters_Trial_{k + 1}"] = litres[:, k]
        out[f"pct_of_Normal_Trial_{k + 1}"] = pct[:, k]
    out["Forced_Vital_Capacity_Units"] = "Liters"
    out["Subject_Normal"] = sub["pred_l"]
    return out


def generate_demographics(subjects: pd.DataFrame) -> pd.DataFrame:
    """PROACT_DEMOGRAPHICS.csv: age, birth as a negative day offset, one race checkbox, ethnicity, sex."""
    out = pd.DataFrame({"subject_id": subjects["subject_id"].astype(str), "Demographics_Delta": 0,
                        "Age": subjects["age"],
                        "Date_of_Birth": -(np.floor(subjects["age"] * 365.25) + subjects["birth_extra"]).astype(int),
                        "Ethnicity": subjects["ethnicity"]})
    for k, column in enumerate(RACE_COLUMNS):
        out[column] = np.where(subjects["race"] == k, "1", "")
    out["Race_Other_Specify"] = ""
    out["Sex"] = subjects["sex"]
    return out


def generate_adverse_events(subjects: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """PROACT_ADVERSEEVENTS.csv: a Poisson(3) number of MedDRA-coded events per subject within a year."""
    terms = pd.read_csv(MEDDRA, dtype=str, keep_default_na=False)
    count = rng.poisson(3, len(subjects))
    row = np.repeat(np.arange(len(subjects)), count)
    term = terms.iloc[rng.integers(0, len(terms), len(row))].reset_index(drop=True)
    start = rng.integers(0, 330, len(row))
    return pd.DataFrame({
        "subject_id": subjects["subject_id"].to_numpy()[row].astype(str), "Lowest_Level_Term": term["pt"],
        "Preferred_Term": term["pt"], "High_Level_Term": term["hlt"], "High_Level_Group_Term": term["hlgt"],
        "System_Organ_Class": term["soc"], "SOC_Abbreviation": term["soc_abbrev"], "SOC_Code": term["soc_code"],
        "Severity": pick(rng, ["Mild", "Moderate", "Severe"], len(row), [0.7, 0.25, 0.05]),
        "Outcome": pick(rng, ["Recovered/Resolved", "Recovering/Resolving", "Not recovered/Not resolved"],
                        len(row), [0.8, 0.1, 0.1]),
        "Start_Date_Delta": start, "End_Date_Delta": start + rng.integers(1, 30, len(row))})


def generate_pool(n: int, seed: int = 7) -> dict[str, pd.DataFrame]:
    """The pool's files (name -> frame) for ``n`` subjects, from one seeded generator."""
    rng = np.random.default_rng(seed)
    subjects = generate_subjects(n, rng)
    visits = generate_visits(subjects, rng)
    last_visit = visits.groupby("row")["day"].max().to_numpy()
    death_day = np.where(subjects["died"], last_visit + rng.integers(5, 90, n), -1)
    return {
        "PROACT_DEMOGRAPHICS.csv": generate_demographics(subjects),
        "PROACT_ALSFRS.csv": generate_alsfrs(subjects, visits, rng),
        "PROACT_FVC.csv": generate_fvc(subjects, visits, rng),
        "PROACT_ADVERSEEVENTS.csv": generate_adverse_events(subjects, rng),
        "PROACT_TREATMENT.csv": pd.DataFrame({"subject_id": subjects["subject_id"].astype(str),
                                              "Study_Arm": subjects["arm"], "Treatment_Group_Delta": 0}),
        "PROACT_DEATHDATA.csv": pd.DataFrame({
            "subject_id": subjects["subject_id"].astype(str),
            "Subject_Died": np.where(subjects["died"], "Yes", "No"),
            "Death_Days": pd.Series(death_day).astype(str).where(subjects["died"], "")}),
    }


def write_pool(folder: Path, n: int, seed: int = 7) -> dict[str, int]:
    """Write the pool into ``folder``; returns rows per file."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = {}
    for name, frame in generate_pool(n, seed).items():
        frame.to_csv(folder / name, index=False, lineterminator="\n")
        rows[name] = len(frame)
    return rows


# ---- measurements, each in a fresh interpreter ---------------------------------------------------------------

def child_run(input_dir: Path, out_dir: Path) -> dict:
    """Run the pipeline here (the child), set up as the ``cdisc-als`` command sets up its process, and return
    the RunReport as plain data."""
    from cdisc_als.memory import retain_freed_memory
    from cdisc_als.pipeline import run
    retain_freed_memory()
    began = time.perf_counter()
    report = run(input_dir, out_dir, layout="proact", study="POOL",
                 echo=lambda m: print(f"    {m}", file=sys.stderr, flush=True))
    recon = report.summary["reconciliation"]
    return {"seconds": time.perf_counter() - began, "stages": report.stages,
            "reconciliation": recon.to_dict(orient="records"), "adam_rows": report.summary["adam_rows"]}


def child_floor(input_dir: Path, out_dir: Path) -> dict:
    """The I/O floor: read every CSV with pandas, and write as many bytes as the run's outputs hold, both
    through the page cache and written through to disk as the pipeline writes large files
    (:func:`cdisc_als.staging.write_through`); the floor takes the faster of the two."""
    from cdisc_als.staging import WRITE_THROUGH_BYTES, write_through

    began = time.perf_counter()
    for path in sorted(input_dir.glob("*.csv")):
        pd.read_csv(path, dtype=str, keep_default_na=False)
    read_s = time.perf_counter() - began
    payload = [(p.relative_to(out_dir), p.read_bytes()) for p in sorted(out_dir.rglob("*")) if p.is_file()]
    seconds = {}
    for way in ("buffered", "written through"):
        scratch = Path(tempfile.mkdtemp(dir=out_dir.parent))
        began = time.perf_counter()
        for rel, data in payload:
            (scratch / rel).parent.mkdir(parents=True, exist_ok=True)
            with open(scratch / rel, "wb") as handle:
                handle.write(data)
                if way == "written through" and len(data) >= WRITE_THROUGH_BYTES:
                    write_through(handle, 0)
        seconds[way] = time.perf_counter() - began
        shutil.rmtree(scratch)
        time.sleep(3)                     # let the freed pages settle before the next way is timed
    return {"read_s": read_s, "write_s": min(seconds.values()), "write_buffered_s": seconds["buffered"],
            "write_through_s": seconds["written through"], "bytes": sum(len(d) for _, d in payload)}


def child_xpt(out_dir: Path) -> dict:
    """write_xpt vs pyreadstat.write_xport (v5) on the run's SDTM QS and RE frames, same process."""
    import pyreadstat

    from cdisc_als.xport import read_xpt, write_xpt
    result = {}
    scratch = Path(tempfile.mkdtemp(dir=out_dir.parent))
    for name in ("qs", "re"):
        data = read_xpt(out_dir / "sdtm" / f"{name}.xpt")
        labels = {v.name: v.label for v in data.variables}
        began = time.perf_counter()
        write_xpt(data.frame, scratch / "ours.xpt", name=data.name, label=data.label, labels=labels)
        ours = time.perf_counter() - began
        began = time.perf_counter()
        pyreadstat.write_xport(data.frame, str(scratch / "theirs.xpt"), file_format_version=5,
                               table_name=data.name, file_label=data.label,
                               column_labels=[labels[c] for c in data.frame.columns])
        theirs = time.perf_counter() - began
        result[name.upper()] = {"rows": len(data.frame), "write_xpt_s": ours, "pyreadstat_s": theirs}
    shutil.rmtree(scratch)
    return result


def in_child(mode: str, *paths: Path) -> tuple[dict, float, float, float]:
    """Run ``mode`` of this script in a fresh interpreter; (its JSON result, wall seconds, CPU seconds, peak
    memory of its process tree in MiB).

    CPU time (user + system of the child and of the processes it forks) is reported beside wall time: the
    machine's 2 cores are shared, and under load the wall time of a CPU-bound run grows while its CPU time
    does not.  The pipeline forks a process to check each folder while it goes on, and a forked process
    shares its parent's pages, so the sum of the processes' RSS would count those twice: the peak memory is
    the largest sum of their proportional set sizes (PSS, each shared page split between its sharers),
    sampled every 50 ms from /proc (Linux; elsewhere 0).
    """
    cpu_before = _children_cpu()
    began = time.perf_counter()
    child = subprocess.Popen([sys.executable, __file__, "--child", mode, *map(str, paths)],
                             stdout=subprocess.PIPE, text=True, cwd=ROOT)
    peak = [0.0]
    sampler = threading.Thread(target=_sample_tree_pss, args=(child, peak), daemon=True)
    sampler.start()
    out, _ = child.communicate()
    sampler.join()
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, child.args)
    return json.loads(out), time.perf_counter() - began, _children_cpu() - cpu_before, peak[0]


def _sample_tree_pss(child: subprocess.Popen, peak: list[float]) -> None:
    """Largest sum over ``child`` and its descendants of PSS (MiB), sampled until ``child`` exits."""
    while child.poll() is None:
        total = 0
        for pid in _tree(child.pid):
            try:
                with open(f"/proc/{pid}/smaps_rollup") as rollup:
                    total += next(int(line.split()[1]) for line in rollup if line.startswith("Pss:"))
            except (OSError, StopIteration, ValueError):
                continue                       # gone between listing and reading
        peak[0] = max(peak[0], total / 1024)
        time.sleep(0.05)


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (from /proc/<pid>/task/*/children)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo.extend(int(c) for c in task.read_text().split())
            except OSError:
                pass
    return found


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def bench_size(n: int, seed: int, work: Path) -> dict:
    """Generate a pool of ``n`` subjects, run the pipeline on it in a child and print the stage table."""
    input_dir, out_dir = work / f"pool{n}", work / f"out{n}"
    print(f"\n== {n:,} subjects: generating ...", file=sys.stderr, flush=True)
    began = time.perf_counter()
    rows = write_pool(input_dir, n, seed)
    print(f"   generated in {time.perf_counter() - began:.1f} s: "
          + ", ".join(f"{k.removeprefix('PROACT_').removesuffix('.csv')} {v:,}" for k, v in rows.items()),
          file=sys.stderr, flush=True)
    before = load()
    report, wall, cpu, peak = in_child("run", input_dir, out_dir)
    print(f"\n{n:,} subjects ({before} before, {load()} after)")
    print(f"  {'stage':<16} {'started':>8} {'seconds':>8} {'peak RSS MiB':>13}  process")
    for s in report["stages"]:
        print(f"  {s['stage']:<16} {s['started']:8.2f} {s['seconds']:8.2f} {s['peak_rss_mib']:13.0f}  {s['process']}")
    print(f"  {'pipeline':<16} {'':>8} {report['seconds']:8.2f}")
    print(f"  {'process (wall)':<16} {'':>8} {wall:8.2f}")
    print(f"  {'process (CPU)':<16} {'':>8} {cpu:8.2f}   (the run and the processes it forked)")
    print(f"  peak memory of the process tree (sum of PSS): {peak:,.0f} MiB")
    for r in report["reconciliation"]:
        ok = "ok" if r["rows_read"] == r["rows_mapped"] + r["rows_rejected"] else "MISMATCH"
        print(f"  {r['file']:<26} read {r['rows_read']:>9,} mapped {r['rows_mapped']:>9,} "
              f"rejected {r['rows_rejected']:>5,} {ok}")
    return {"n": n, "wall": wall, "cpu": cpu, "pipeline": report["seconds"], "peak": peak, "stages": report["stages"],
            "input": input_dir, "out": out_dir}


def compare(largest: dict) -> None:
    """The XPT-writer and I/O-floor ratios on the largest run."""
    xpt, _, _, _ = in_child("xpt", largest["out"])
    print(f"\nXPT writing on the {largest['n']:,}-subject SDTM frames ({load()}):")
    for name, r in xpt.items():
        print(f"  {name}: {r['rows']:,} rows, write_xpt {r['write_xpt_s']:.2f} s, pyreadstat.write_xport "
              f"{r['pyreadstat_s']:.2f} s, ratio pyreadstat / write_xpt {r['pyreadstat_s'] / r['write_xpt_s']:.2f}")
    floor, _, _, _ = in_child("floor", largest["input"], largest["out"])
    total = floor["read_s"] + floor["write_s"]
    print(f"I/O floor ({load()}): read CSVs {floor['read_s']:.2f} s + write {floor['bytes'] / 2**20:,.0f} MiB "
          f"{floor['write_s']:.2f} s (buffered {floor['write_buffered_s']:.2f} s, written through "
          f"{floor['write_through_s']:.2f} s) = {total:.2f} s; pipeline / floor {largest['pipeline'] / total:.1f}, "
          f"process wall / floor {largest['wall'] / total:.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,30000", help="comma-separated subject counts")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, default=None, help="keep pools and outputs in this folder")
    parser.add_argument("--no-compare", action="store_true", help="skip the XPT-writer and I/O-floor ratios")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, *paths = args.child
        jobs = {"run": child_run, "floor": child_floor, "xpt": child_xpt}
        print(json.dumps(jobs[mode](*map(Path, paths)), default=str))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    work = args.keep or Path(tempfile.mkdtemp(prefix="cdisc-als-pool-", dir=os.environ.get("BENCH_TMP")))
    try:
        results = [bench_size(n, args.seed, work) for n in sizes]
        if len(results) >= 2:
            a, b = sorted(results, key=lambda r: r["n"])[-2:]
            print(f"\nend to end {b['n']:,} / {a['n']:,}: pipeline {b['pipeline'] / a['pipeline']:.2f}, "
                  f"process wall {b['wall'] / a['wall']:.2f}, process CPU {b['cpu'] / a['cpu']:.2f} "
                  f"(linear {b['n'] / a['n']:.2f}; target <= 3.3 for 30k/10k)")
        if not args.no_compare:
            compare(max(results, key=lambda r: r["n"]))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
