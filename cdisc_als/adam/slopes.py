"""ADSLOPE (BDS): per-subject progression slopes, one record per USUBJID x PARAMCD x APHASE.

AVAL is the ordinary least-squares slope of the analysed value against months (days / days per
month) since first treatment, computed for all groups at once from grouped centred sums
(no per-subject loop): slope = S_ty / S_tt with S_tt = sum((t - mean t)^2) and
S_ty = sum((t - mean t)(y - mean y)). Phases (specs/adam/phases.csv): PRE-TREATMENT = records with
ADY <= 1; POST-TREATMENT = the baseline record and records after treatment up to the post window
(setting); OVERALL (no treatment date or day) = all records, time since the first assessment.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc_als.adam.bds import derive_var_aseq, derive_vars_adsl, derive_vars_param
from cdisc_als.adam.timing import compute_analysis_days, compute_months
from cdisc_als.config import Settings
from cdisc_als.metadata.study import StudySpec

PRE, POST, OVERALL = "PRE-TREATMENT", "POST-TREATMENT", "OVERALL"
KEYS = ["USUBJID", "PARAMCD", "APHASE"]
NO_DATA = "no assessments in phase"
TOO_FEW = "fewer than two distinct time points"


def select_slope_records(bds: dict[str, pd.DataFrame], spec: StudySpec) -> pd.DataFrame:
    """Analysed records feeding each ADSLOPE parameter (source DATASET.PARAMCD in parameters.csv).

    Returns USUBJID, PARAMCD (the slope parameter), AVAL, ADY, ADT, ABLFL. Records with ANL01FL
    (ADRE) count only when ANL01FL = 'Y'.
    """
    parts = []
    for paramcd, source in spec.dataset_parameters("ADSLOPE")[["paramcd", "source"]].itertuples(index=False):
        dataset, source_cd = source.split(".")
        frame = bds.get(dataset)
        if frame is None or frame.empty:
            continue
        rows = frame[(frame["PARAMCD"] == source_cd) & frame["AVAL"].notna()]
        if "ANL01FL" in rows:
            rows = rows[rows["ANL01FL"] == "Y"]
        parts.append(rows[["USUBJID", "AVAL", "ADY", "ADT", "ABLFL"]].assign(PARAMCD=paramcd))
    cols = ["USUBJID", "AVAL", "ADY", "ADT", "ABLFL", "PARAMCD"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)


def derive_var_aphase(records: pd.DataFrame, adsl: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Assign each record to its slope phase(s) and its time axis ``T`` in months.

    A baseline record belongs to both PRE-TREATMENT and POST-TREATMENT, so records may repeat.
    """
    treated_ids = adsl.loc[adsl["TRTSDT"].notna() | adsl["TRTSDY"].notna(), "USUBJID"]
    days = compute_analysis_days(records["ADY"].astype(float), records["ADT"].astype(float))
    data = records.assign(_D=days.to_numpy())
    data = data[data["_D"].notna()]
    treated = data["USUBJID"].isin(treated_ids)
    pre = data[treated & (data["_D"] <= 0)].assign(APHASE=PRE)
    post_mask = treated & ((data["ABLFL"] == "Y") | ((data["_D"] > 0) & (data["_D"] <= settings.post_window_days)))
    post = data[post_mask].assign(APHASE=POST)
    overall = data[~treated].assign(APHASE=OVERALL)
    overall["_D"] = overall["_D"] - overall.groupby(["USUBJID", "PARAMCD"])["_D"].transform("min")
    out = pd.concat([pre, post, overall], ignore_index=True)
    out["T"] = compute_months(out["_D"], settings.days_per_month)
    return out


def compute_slopes(points: pd.DataFrame, *, by_vars: list[str]) -> pd.DataFrame:
    """OLS slope of AVAL on T per ``by_vars`` group from grouped centred sums (vectorised).

    Returns by_vars, AVAL (slope; NaN with < 2 distinct T), SLPINT, SLPN, SLPSPANM, SLPSTDY, SLPENDY,
    NTIMES.

    >>> p = pd.DataFrame({"G": ["a"] * 3, "T": [0.0, 1.0, 2.0], "AVAL": [40.0, 39.0, 38.0], "ADY": [1, 31, 62]})
    >>> compute_slopes(p, by_vars=["G"])["AVAL"].tolist()
    [-1.0]
    """
    groups = points.groupby(by_vars, sort=False)
    centred = points.assign(_dt=points["T"] - groups["T"].transform("mean"),
                            _dy=points["AVAL"] - groups["AVAL"].transform("mean"))
    centred["_tt"] = centred["_dt"] ** 2
    centred["_ty"] = centred["_dt"] * centred["_dy"]
    agg = centred.groupby(by_vars, sort=False).agg(
        SLPN=("T", "size"), NTIMES=("T", "nunique"), _stt=("_tt", "sum"), _sty=("_ty", "sum"),
        _tm=("T", "mean"), _ym=("AVAL", "mean"), _tmin=("T", "min"), _tmax=("T", "max"),
        SLPSTDY=("ADY", "min"), SLPENDY=("ADY", "max")).reset_index()
    ok = agg["NTIMES"] >= 2
    agg["AVAL"] = (agg["_sty"] / agg["_stt"].where(ok)).astype("float64")
    agg["SLPINT"] = agg["_ym"] - agg["AVAL"] * agg["_tm"]
    agg["SLPSPANM"] = agg["_tmax"] - agg["_tmin"]
    agg["SLPN"] = agg["SLPN"].astype("float64")
    return agg.drop(columns=["_stt", "_sty", "_tm", "_ym", "_tmin", "_tmax"])


def compute_slope_frame(adsl: pd.DataFrame, spec: StudySpec) -> pd.DataFrame:
    """Every record ADSLOPE must hold: each subject x slope parameter x its phases (treated: PRE and
    POST; others: OVERALL)."""
    treated = adsl["TRTSDT"].notna() | adsl["TRTSDY"].notna()
    phases = pd.concat([
        pd.DataFrame({"USUBJID": adsl.loc[treated, "USUBJID"]}).merge(pd.DataFrame({"APHASE": [PRE, POST]}), how="cross"),
        pd.DataFrame({"USUBJID": adsl.loc[~treated, "USUBJID"], "APHASE": OVERALL}),
    ], ignore_index=True)
    params = pd.DataFrame({"PARAMCD": spec.dataset_parameters("ADSLOPE")["paramcd"]})
    return phases.merge(params, how="cross")


def derive_adslope(bds: dict[str, pd.DataFrame], adsl: pd.DataFrame, spec: StudySpec,
                   settings: Settings) -> pd.DataFrame:
    """ADSLOPE from ADQSALS/ADRE (named in parameters.csv) and ADSL."""
    points = derive_var_aphase(select_slope_records(bds, spec), adsl, settings)
    slopes = compute_slopes(points, by_vars=KEYS) if len(points) else pd.DataFrame(columns=KEYS)
    out = compute_slope_frame(adsl, spec).merge(slopes, on=KEYS, how="left")
    out["SLPN"] = out["SLPN"].fillna(0.0) if "SLPN" in out else 0.0
    for col in ("AVAL", "SLPINT", "SLPSPANM", "SLPSTDY", "SLPENDY", "NTIMES"):
        out[col] = out[col].astype("float64") if col in out else np.nan
    out["SLPREAS"] = np.where(out["SLPN"] == 0, NO_DATA, np.where(out["AVAL"].isna(), TOO_FEW, ""))
    out["SLPREAS"] = out["SLPREAS"].replace("", None)
    phases = spec.phases.assign(APHASEN=spec.phases["aphasen"].astype(float)).rename(columns={"aphase": "APHASE"})
    out = out.merge(phases[["APHASE", "APHASEN"]], on="APHASE", how="left")
    out = derive_vars_param(out, spec.dataset_parameters("ADSLOPE"))
    out = derive_vars_adsl(out.drop(columns=["NTIMES"]), adsl)
    return derive_var_aseq(out, order=["PARAMN", "APHASEN"])


__all__ = ["derive_adslope", "compute_slopes", "derive_var_aphase", "select_slope_records", "PRE", "POST", "OVERALL"]
