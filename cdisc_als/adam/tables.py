"""The slope analysis table (``tables/slopes.csv`` and ``slopes.md``).

Per treatment group (TRT01P) and per pool of arms (specs/adam/pools.csv, e.g. IT + IT+IM), per slope
parameter: n subjects with both a pre- and a post-treatment slope, mean (SD) of each, mean difference
(post - pre), paired t-test and Wilcoxon signed-rank p-values, responders n/N (%) of the matching
ADRESP parameter; and one ANYRESP line per group.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from cdisc_als.adam.slopes import POST, PRE
from cdisc_als.config import Settings
from cdisc_als.metadata.study import StudySpec, load_study_spec

COLUMNS = ["group", "paramcd", "param", "n", "pre_mean", "pre_sd", "post_mean", "post_sd", "diff_mean",
           "ttest_p", "wilcoxon_p", "resp_n", "resp_N", "resp_pct"]


def compute_groups(adsl: pd.DataFrame, spec: StudySpec) -> list[tuple[str, pd.Index]]:
    """(label, USUBJIDs) per non-blank TRT01P in alphabetical order, then per pool with a matching arm."""
    trt = adsl["TRT01P"].fillna("").astype(str)
    groups = [(t, pd.Index(adsl.loc[trt == t, "USUBJID"])) for t in sorted(set(trt) - {""})]
    for label, armcds in spec.pools[["group", "armcds"]].itertuples(index=False):
        members = adsl.loc[adsl["ARMCD"].isin(armcds.split(";")), "USUBJID"]
        if len(members):
            groups.append((label, pd.Index(members)))
    return groups


def compute_paired_tests(pre: np.ndarray, post: np.ndarray) -> tuple[float, float]:
    """Paired t-test and Wilcoxon signed-rank p-values of post vs pre (NaN when not computable)."""
    t_p = w_p = float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if len(pre) >= 2:
            t_p = float(stats.ttest_rel(post, pre).pvalue)
        if len(pre) >= 1 and np.any(post - pre != 0):
            w_p = float(stats.wilcoxon(post, pre).pvalue)
    return t_p, w_p


def compute_responder_counts(adresp: pd.DataFrame, paramcd: str, ids: pd.Index) -> dict[str, float]:
    rows = adresp[(adresp["PARAMCD"] == paramcd) & adresp["USUBJID"].isin(ids) & adresp["AVALC"].isin(["Y", "N"])]
    n, total = int((rows["AVALC"] == "Y").sum()), len(rows)
    return {"resp_n": n, "resp_N": total, "resp_pct": 100.0 * n / total if total else float("nan")}


def compute_slope_summary(datasets: dict[str, pd.DataFrame], spec: StudySpec | None = None) -> pd.DataFrame:
    """The table as a frame with :data:`COLUMNS` (one row per group x slope parameter, plus ANYRESP)."""
    spec = spec or load_study_spec("adam")
    adslope, adresp = datasets["ADSLOPE"], datasets["ADRESP"]
    resp = spec.dataset_parameters("ADRESP")
    resp_of = {src.split(".", 1)[1]: cd for cd, src in resp[["paramcd", "source"]].itertuples(index=False)
               if src.startswith("ADSLOPE.")}
    combined = resp.loc[resp["source"].str.startswith("ADRESP."), ["paramcd", "param"]]
    wide = adslope.pivot_table(index=["USUBJID", "PARAMCD"], columns="APHASE", values="AVAL", aggfunc="first")
    wide = wide.reindex(columns=[PRE, POST]).dropna().reset_index()
    rows = []
    for label, ids in compute_groups(datasets["ADSL"], spec):
        for paramcd, param in spec.dataset_parameters("ADSLOPE")[["paramcd", "param"]].itertuples(index=False):
            pair = wide[(wide["PARAMCD"] == paramcd) & wide["USUBJID"].isin(ids)]
            pre, post = pair[PRE].to_numpy(float), pair[POST].to_numpy(float)
            t_p, w_p = compute_paired_tests(pre, post)
            sd = (lambda x: float(np.std(x, ddof=1)) if len(x) > 1 else float("nan"))
            row = {"group": label, "paramcd": paramcd, "param": param, "n": len(pair),
                   "pre_mean": pre.mean() if len(pre) else np.nan, "pre_sd": sd(pre),
                   "post_mean": post.mean() if len(post) else np.nan, "post_sd": sd(post),
                   "diff_mean": (post - pre).mean() if len(pre) else np.nan, "ttest_p": t_p, "wilcoxon_p": w_p}
            if paramcd in resp_of:
                row.update(compute_responder_counts(adresp, resp_of[paramcd], ids))
            rows.append(row)
        for paramcd, param in combined.itertuples(index=False):
            rows.append({"group": label, "paramcd": paramcd, "param": param,
                         **compute_responder_counts(adresp, paramcd, ids)})
    return pd.DataFrame(rows, columns=COLUMNS)


def format_markdown(table: pd.DataFrame, settings: Settings) -> str:
    """A readable Markdown page of the table (numbers rounded for reading; the CSV keeps full precision)."""
    def num(x: float, d: int = 2) -> str:
        return "" if pd.isna(x) else f"{x:.{d}f}"

    lines = ["# Progression slopes before and after treatment", "",
             f"Slopes per month (month = {settings.days_per_month} days); post-treatment window "
             f"{settings.post_window_days} days; responder: relative improvement >= "
             f"{settings.responder_threshold:.0%} with a declining pre-treatment slope.", "",
             "| Group | Parameter | n | Pre mean (SD) | Post mean (SD) | Mean diff | Paired t p | Wilcoxon p | Responders n/N (%) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in table.itertuples(index=False):
        resp = "" if pd.isna(r.resp_N) else f"{int(r.resp_n)}/{int(r.resp_N)} ({num(r.resp_pct, 0)}%)"
        pre = "" if pd.isna(r.n) else f"{num(r.pre_mean)} ({num(r.pre_sd)})"
        post = "" if pd.isna(r.n) else f"{num(r.post_mean)} ({num(r.post_sd)})"
        n = "" if pd.isna(r.n) else str(int(r.n))
        lines.append(f"| {r.group} | {r.param} | {n} | {pre} | {post} | {num(r.diff_mean)} | "
                     f"{num(r.ttest_p, 4)} | {num(r.wilcoxon_p, 4)} | {resp} |")
    return "\n".join(lines) + "\n"


def write_slope_table(datasets: dict[str, pd.DataFrame], out_dir: Path, settings: Settings) -> list[Path]:
    """Write ``slopes.csv`` and ``slopes.md`` into ``out_dir``."""
    table = compute_slope_summary(datasets)
    csv, md = Path(out_dir) / "slopes.csv", Path(out_dir) / "slopes.md"
    table.to_csv(csv, index=False, lineterminator="\n", float_format="%.10g")
    md.write_text(format_markdown(table, settings), encoding="utf-8")
    return [csv, md]


__all__ = ["compute_slope_summary", "compute_groups", "compute_paired_tests", "write_slope_table", "COLUMNS"]
