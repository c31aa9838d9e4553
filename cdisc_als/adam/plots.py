"""Plots of the slope analysis (matplotlib Agg, PNG without software/time metadata: reruns are identical).

* ``spaghetti_<PARAMCD>.png``: the analysed values over months since treatment, one panel per cohort
  (TRT01P; subjects without treatment: months since their first assessment), with each subject's
  fitted pre- and post-treatment lines from ADSLOPE.  A cohort of more than ``MAX_DRAWN`` subjects
  (a pooled database) is drawn from an evenly spaced sample of its sorted USUBJIDs, and the panel
  title says so: thousands of overlaid lines show nothing a few hundred do not.
* ``slopes_before_after.png``: each subject's pre- vs post-treatment slope, one panel per slope parameter.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402

from cdisc_als.adam.slopes import OVERALL, POST, PRE, derive_var_aphase, select_slope_records  # noqa: E402
from cdisc_als.adam.timing import compute_months, compute_offset  # noqa: E402
from cdisc_als.config import Settings  # noqa: E402
from cdisc_als.metadata.study import load_study_spec  # noqa: E402

PNG_METADATA = {"Software": None}
UNTREATED = "No treatment"
SPAGHETTI = ("ALSRSLP", "FVCPPSLP")   # slope parameters whose source values are drawn
MAX_DRAWN = 300                        # subjects drawn per spaghetti panel


def save_figure(fig: plt.Figure, path: Path) -> Path:
    fig.savefig(path, dpi=100, metadata=PNG_METADATA)
    plt.close(fig)
    return path


def compute_fitted_lines(adslope: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Start and end (month, value) of each fitted slope: T from SLPSTDY..SLPENDY (OVERALL: 0..SLPSPANM)."""
    rows = adslope[adslope["AVAL"].notna()].copy()
    start = compute_months(compute_offset(rows["SLPSTDY"]), settings.days_per_month)
    end = compute_months(compute_offset(rows["SLPENDY"]), settings.days_per_month)
    overall = rows["APHASE"] == OVERALL
    rows["T0"] = start.where(~overall, 0.0)
    rows["T1"] = end.where(~overall, rows["SLPSPANM"])
    rows["Y0"] = rows["SLPINT"] + rows["AVAL"] * rows["T0"]
    rows["Y1"] = rows["SLPINT"] + rows["AVAL"] * rows["T1"]
    return rows


def compute_polylines(frame: pd.DataFrame, *, by: str, x: str, y: str) -> list[np.ndarray]:
    """One ``(n, 2)`` array of (x, y) vertices per run of equal ``by`` values, in the frame's row order."""
    xy = frame[[x, y]].to_numpy(float)
    key = frame[by].to_numpy()
    starts = np.flatnonzero(key[1:] != key[:-1]) + 1
    return np.split(xy, starts) if len(xy) else []


def add_lines(ax: plt.Axes, lines: list[np.ndarray], *, color: str, linewidth: float) -> None:
    """Draw many polylines as one collection, styled (caps, joins) as ``ax.plot`` draws a single line."""
    if lines:
        ax.add_collection(LineCollection(lines, colors=color, linewidths=linewidth, capstyle="projecting",
                                         joinstyle="round"))


def select_drawn_subjects(cohort: pd.Series, limit: int = MAX_DRAWN) -> pd.Series:
    """The subjects a spaghetti plot draws: all of a cohort up to ``limit``, else ``limit`` of its sorted
    USUBJIDs at evenly spaced positions (first and last included), so the sample is reproducible.

    ``cohort`` maps USUBJID (index) to cohort name; the result is the same mapping, restricted.

    >>> c = pd.Series("A", index=[f"S{i:02d}" for i in range(10)])
    >>> select_drawn_subjects(c, limit=4).index.tolist()
    ['S00', 'S03', 'S06', 'S09']
    """
    parts = []
    for _, members in cohort.groupby(cohort, sort=True):
        members = members.sort_index()
        if len(members) > limit:
            members = members.iloc[np.unique(np.linspace(0, len(members) - 1, limit).round().astype(int))]
        parts.append(members)
    return pd.concat(parts) if parts else cohort


def plot_spaghetti(datasets: dict[str, pd.DataFrame], paramcd: str, out_dir: Path, settings: Settings) -> Path:
    spec = load_study_spec("adam")
    adsl = datasets["ADSL"]
    cohort = adsl.set_index("USUBJID")["TRT01P"].replace("", UNTREATED).fillna(UNTREATED)
    sizes = cohort.value_counts()
    drawn = select_drawn_subjects(cohort)
    subset = {name: frame[frame["USUBJID"].isin(drawn.index)] if len(drawn) < len(cohort) else frame
              for name, frame in datasets.items()}
    points = derive_var_aphase(select_slope_records(subset, spec), adsl, settings)
    points = points[points["PARAMCD"] == paramcd].drop_duplicates(["USUBJID", "T", "AVAL"])
    lines = compute_fitted_lines(subset["ADSLOPE"], settings)
    lines = lines[lines["PARAMCD"] == paramcd]
    cohort = drawn
    cohorts = sorted(set(cohort))
    fig, axes = plt.subplots(1, max(len(cohorts), 1), figsize=(4.5 * max(len(cohorts), 1), 4), sharey=True,
                             squeeze=False)
    title = spec.dataset_parameters("ADSLOPE").set_index("paramcd").at[paramcd, "param"]
    for ax, name in zip(axes[0], cohorts):
        ids = cohort.index[cohort == name]
        mine = points[points["USUBJID"].isin(ids)].sort_values("T").sort_values("USUBJID", kind="stable")
        add_lines(ax, compute_polylines(mine, by="USUBJID", x="T", y="AVAL"), color="0.6", linewidth=0.8)
        ax.plot(mine["T"], mine["AVAL"], color="0.6", linestyle="none", marker="o", markersize=2)
        for phase, colour in ((PRE, "tab:blue"), (POST, "tab:red"), (OVERALL, "tab:green")):
            seg = lines[lines["USUBJID"].isin(ids) & (lines["APHASE"] == phase)]
            ends = np.stack([seg[["T0", "Y0"]].to_numpy(float), seg[["T1", "Y1"]].to_numpy(float)], axis=1)
            add_lines(ax, list(ends), color=colour, linewidth=1.2)
        ax.axvline(0, color="black", linewidth=0.6, linestyle=":")
        shown = f"n={len(ids)}" if len(ids) == sizes[name] else f"n={sizes[name]:,}, {len(ids)} drawn"
        ax.set_title(f"{name} ({shown})")
        ax.set_xlabel("Months since treatment" if name != UNTREATED else "Months since first assessment")
    axes[0][0].set_ylabel(title.split(" Slope")[0])
    fig.suptitle(f"{title}: values and fitted pre (blue) / post (red) lines")
    fig.tight_layout()
    return save_figure(fig, Path(out_dir) / f"spaghetti_{paramcd}.png")


def plot_before_after(datasets: dict[str, pd.DataFrame], out_dir: Path) -> Path:
    spec = load_study_spec("adam")
    params = spec.dataset_parameters("ADSLOPE")
    slopes = datasets["ADSLOPE"]
    fig, axes = plt.subplots(1, len(params), figsize=(4 * len(params), 4), squeeze=False)
    for ax, (paramcd, param) in zip(axes[0], params[["paramcd", "param"]].itertuples(index=False)):
        wide = slopes[slopes["PARAMCD"] == paramcd].pivot_table(index=["USUBJID", "TRTP"], columns="APHASE",
                                                                values="AVAL", aggfunc="first")
        wide = wide.reindex(columns=[PRE, POST]).dropna().reset_index()
        colours = {t: f"C{i}" for i, t in enumerate(sorted(wide["TRTP"].unique()))}
        for t, c in colours.items():
            pairs = wide.loc[wide["TRTP"] == t, [PRE, POST]].to_numpy(float)
            x = np.broadcast_to([0.0, 1.0], pairs.shape)
            add_lines(ax, list(np.stack([x, pairs], axis=2)), color=c, linewidth=0.9)   # (0, before) -> (1, after)
            ax.plot(np.tile([0.0, 1.0], len(pairs)), pairs.ravel(), color=c, linestyle="none", marker="o")
            ax.plot([], [], color=c, label=t)
        ax.axhline(0, color="black", linewidth=0.5)
        ax.set_xticks([0, 1], ["Before", "After"])
        ax.set_xlim(-0.3, 1.3)
        ax.set_title(param, fontsize=9)
        if colours:
            ax.legend(fontsize=7)
    fig.tight_layout()
    return save_figure(fig, Path(out_dir) / "slopes_before_after.png")


def write_plots(datasets: dict[str, pd.DataFrame], out_dir: Path, settings: Settings) -> list[Path]:
    """Write the spaghetti plots and the before/after slope plot into ``out_dir``."""
    paths = [plot_spaghetti(datasets, cd, out_dir, settings) for cd in SPAGHETTI]
    return paths + [plot_before_after(datasets, out_dir)]


__all__ = ["write_plots", "plot_spaghetti", "plot_before_after", "compute_fitted_lines", "select_drawn_subjects"]
