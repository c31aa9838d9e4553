"""ADRESP (BDS): slope responders, one record per USUBJID x PARAMCD.

Relative improvement = (post slope - pre slope) / |pre slope|. A subject is evaluable for a measure
when both slopes exist and the pre-treatment slope is negative; a responder (AVALC 'Y', AVAL 1)
when evaluable and the improvement is at least the threshold (setting, default 0.25), else 'N'/0.
ANYRESP combines the per-measure flags: 'Y' when any is 'Y', 'N' when at least one is evaluable and
none is 'Y', else missing.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc_als.adam.bds import derive_var_aseq, derive_vars_adsl, derive_vars_param
from cdisc_als.adam.slopes import POST, PRE
from cdisc_als.config import Settings
from cdisc_als.metadata.study import StudySpec

NO_SLOPE = "pre- or post-treatment slope missing"
NO_TREATMENT = "no treatment date (no pre/post phases)"
NO_DECLINE = "no decline before treatment"
NONE_EVALUABLE = "no measure evaluable"


def compute_relative_improvement(pre: pd.Series, post: pd.Series) -> pd.Series:
    """(post - pre) / |pre|; missing where a slope is missing or pre is 0.

    >>> compute_relative_improvement(pd.Series([-2.0, 0.0]), pd.Series([-1.0, 1.0])).tolist()
    [0.5, nan]
    """
    return (post - pre) / pre.abs().where(pre != 0)


def compute_responder(pre: pd.Series, post: pd.Series, threshold: float,
                      treated: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """AVALC ('Y'/'N'/None) and the reason a subject is not evaluable (None when evaluable)."""
    improvement = compute_relative_improvement(pre, post)
    have = pre.notna() & post.notna()
    evaluable = have & (pre < 0)
    treated = pd.Series(True, index=pre.index) if treated is None else treated
    avalc = pd.Series(np.where(improvement >= threshold, "Y", "N"), index=pre.index).where(evaluable, None)
    reason = np.where(~treated, NO_TREATMENT, np.where(~have, NO_SLOPE, NO_DECLINE))
    reason = pd.Series(reason, index=pre.index).where(~evaluable, None)
    return avalc, reason


def derive_param_measure_responders(adslope: pd.DataFrame, spec: StudySpec, settings: Settings) -> pd.DataFrame:
    """One record per subject for every ADRESP parameter whose source is an ADSLOPE parameter."""
    params = spec.dataset_parameters("ADRESP")
    params = params[params["source"].str.startswith("ADSLOPE.")]
    subjects = adslope[["USUBJID"]].drop_duplicates()
    crit = f"Relative slope improvement >= {settings.responder_threshold:g} and pre-treatment slope < 0"
    parts = []
    for paramcd, source in params[["paramcd", "source"]].itertuples(index=False):
        rows = adslope[adslope["PARAMCD"] == source.split(".", 1)[1]]
        treated = subjects["USUBJID"].isin(rows.loc[rows["APHASE"].isin([PRE, POST]), "USUBJID"])
        wide = rows.pivot_table(index="USUBJID", columns="APHASE", values="AVAL", aggfunc="first", dropna=False)
        wide = subjects.merge(wide.reindex(columns=[PRE, POST]).reset_index(), on="USUBJID", how="left")
        pre, post = wide[PRE].astype(float), wide[POST].astype(float)
        avalc, reason = compute_responder(pre, post, settings.responder_threshold, treated.to_numpy())
        parts.append(pd.DataFrame({"USUBJID": wide["USUBJID"], "PARAMCD": paramcd, "PRESLP": pre,
                                   "POSTSLP": post, "SLPIMP": compute_relative_improvement(pre, post),
                                   "AVALC": avalc, "CRIT1": crit, "EVALREAS": reason}))
    cols = ["USUBJID", "PARAMCD", "PRESLP", "POSTSLP", "SLPIMP", "AVALC", "CRIT1", "EVALREAS"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)


def derive_param_any_responder(measures: pd.DataFrame, spec: StudySpec) -> pd.DataFrame:
    """Parameters whose source lists ADRESP parameters (ANYRESP): 'Y' if any 'Y', 'N' if any evaluable."""
    params = spec.dataset_parameters("ADRESP")
    params = params[params["source"].str.startswith("ADRESP.")]
    parts = []
    for paramcd, source in params[["paramcd", "source"]].itertuples(index=False):
        parts_cd = [s.split(".", 1)[1] for s in source.split(";")]
        rows = measures[measures["PARAMCD"].isin(parts_cd)]
        flags = rows.assign(_y=rows["AVALC"] == "Y", _e=rows["AVALC"].notna()).groupby("USUBJID")[["_y", "_e"]].any()
        avalc = pd.Series(np.where(flags["_y"], "Y", "N"), index=flags.index).where(flags["_e"], None)
        parts.append(pd.DataFrame({
            "USUBJID": flags.index, "PARAMCD": paramcd, "AVALC": avalc.to_numpy(),
            "CRIT1": " or ".join(f"{cd} = Y" for cd in parts_cd),
            "EVALREAS": np.where(flags["_e"], None, NONE_EVALUABLE)}))
    return pd.concat(parts, ignore_index=True) if parts else measures.iloc[0:0]


def derive_adresp(adslope: pd.DataFrame, adsl: pd.DataFrame, spec: StudySpec, settings: Settings) -> pd.DataFrame:
    """ADRESP from ADSLOPE and ADSL."""
    measures = derive_param_measure_responders(adslope, spec, settings)
    out = pd.concat([measures, derive_param_any_responder(measures, spec)], ignore_index=True)
    out["AVAL"] = out["AVALC"].map({"Y": 1.0, "N": 0.0}).astype("float64")
    out["CRIT1FL"] = out["AVALC"]
    for col in ("PRESLP", "POSTSLP", "SLPIMP"):
        out[col] = out[col].astype("float64")
    out = derive_vars_param(out, spec.dataset_parameters("ADRESP"))
    out = derive_vars_adsl(out, adsl)
    return derive_var_aseq(out, order=["PARAMN"])


__all__ = ["derive_adresp", "compute_relative_improvement", "compute_responder"]
