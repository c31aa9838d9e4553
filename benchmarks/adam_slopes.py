"""Slopes for many subject x phase groups: grouped centred sums (cdisc_als) vs groupby-apply numpy.polyfit.

    .venv/bin/python benchmarks/adam_slopes.py [--groups 60000]

Prints both times and their ratio, measured in the same run, and the largest difference of the slopes.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from cdisc_als.adam.slopes import compute_slopes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--groups", type=int, default=60000)
    n_groups = parser.parse_args().groups
    rng = np.random.default_rng(1)
    per = 6
    points = pd.DataFrame({
        "G": np.repeat(np.arange(n_groups), per),
        "T": np.tile(np.arange(per, dtype=float), n_groups) + rng.uniform(0, 0.5, n_groups * per),
        "AVAL": rng.uniform(0, 48, n_groups * per),
        "ADY": np.tile(np.arange(per, dtype=float) * 30, n_groups),
    })
    t0 = time.perf_counter()
    ours = compute_slopes(points, by_vars=["G"]).set_index("G")["AVAL"].sort_index()
    t1 = time.perf_counter()
    base = points.groupby("G")[["T", "AVAL"]].apply(lambda g: np.polyfit(g["T"], g["AVAL"], 1)[0])
    t2 = time.perf_counter()
    print(f"groups={n_groups} rows={len(points)}")
    print(f"grouped sums      {t1 - t0:8.3f} s")
    print(f"groupby + polyfit {t2 - t1:8.3f} s  (baseline)")
    print(f"speed-up          {(t2 - t1) / (t1 - t0):8.1f} x")
    print(f"max |difference|  {np.max(np.abs(ours.to_numpy() - base.sort_index().to_numpy())):.2e}")


if __name__ == "__main__":
    main()
