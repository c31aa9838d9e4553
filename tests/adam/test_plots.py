"""Spaghetti plots of pooled databases draw a reproducible, evenly spread sample of each cohort."""
from __future__ import annotations

import pandas as pd

from cdisc_als.adam.plots import MAX_DRAWN, select_drawn_subjects


def test_small_cohorts_are_drawn_whole_and_large_ones_sampled_evenly():
    ids = [f"P-{i:05d}" for i in range(1000)]
    cohort = pd.Series(["Active"] * 1000 + ["Placebo"] * 5, index=ids[::-1] + [f"Q-{i}" for i in range(5)])
    drawn = select_drawn_subjects(cohort)
    assert (drawn == "Placebo").sum() == 5
    active = drawn.index[drawn == "Active"]
    assert len(active) == MAX_DRAWN and active.is_unique
    assert set(active) <= set(ids) and active[0] == ids[0] and active[-1] == ids[-1]
    gaps = pd.Series([int(s[2:]) for s in active]).diff().dropna()
    assert gaps.min() >= 3 and gaps.max() <= 4        # 999 / 299 = 3.34: evenly spaced, no clumps
    assert drawn.equals(select_drawn_subjects(cohort.sample(frac=1, random_state=1)))   # input order is irrelevant
