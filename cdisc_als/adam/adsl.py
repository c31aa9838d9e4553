"""ADSL: one record per subject (ADaMIG 1.3 ADSL), built in two steps.

``derive_adsl`` makes everything that comes from SDTM (DM, EX, MH/SUPPMH); ``derive_vars_adsl_efficacy``
adds what needs the BDS datasets (FASFL and the baseline ALSFRS-R total / FVC % predicted).
"""
from __future__ import annotations

import pandas as pd

from cdisc_als.adam.bds import blank_to_none, require_columns, to_num
from cdisc_als.adam.timing import compute_months, compute_sas_date
from cdisc_als.config import Settings
from cdisc_als.errors import UserError
from cdisc_als.metadata.study import StudySpec

DM_REQUIRED = ("STUDYID", "USUBJID", "SUBJID", "SITEID", "AGE", "AGEU", "SEX", "RACE", "ARMCD", "ARM")
# ADSL baseline variable -> (BDS dataset, PARAMCD) whose BASE it carries; the same pairs define FASFL.
BASELINE_SOURCES = {"BLALSRT": ("ADQSALS", "ALSRTOT"), "BLFVCPP": ("ADRE", "FVCPP")}


def derive_vars_predecessors(dm: pd.DataFrame, spec: StudySpec) -> pd.DataFrame:
    """Copy every ADSL variable whose spec origin is Predecessor from DM (optional DM columns -> blank)."""
    rows = spec.dataset_variables("ADSL")
    rows = rows[(rows["origin"] == "Predecessor") & rows["source"].str.startswith("DM.")]
    out = pd.DataFrame(index=dm.index)
    for var, source in zip(rows["variable"], rows["source"]):
        col = source.split(".", 1)[1]
        out[var] = dm[col] if col in dm.columns else ""
    return out.reset_index(drop=True)


def compute_treatment_code(treatment: pd.Series) -> pd.Series:
    """TRTxxPN/TRTxxAN: rank of the treatment text among the distinct non-blank values (alphabetical)."""
    text = blank_to_none(treatment)
    codes = {v: float(i + 1) for i, v in enumerate(sorted(text.dropna().unique()))}
    return text.map(codes).astype("float64")


def derive_vars_trt(adsl: pd.DataFrame, ex: pd.DataFrame | None) -> pd.DataFrame:
    """TRT01P/A (+N), TRTSDT = first complete EXSTDTC date, TRTSDY = first EXSTDY; SAFFL, ITTFL."""
    out = adsl.copy()
    out["TRT01P"] = out["ARM"]
    actual = blank_to_none(out["ACTARM"]) if "ACTARM" in out else pd.Series(None, index=out.index)
    out["TRT01A"] = actual.where(actual.notna(), out["ARM"])
    out["TRT01PN"] = compute_treatment_code(out["TRT01P"])
    out["TRT01AN"] = compute_treatment_code(out["TRT01A"])
    first = pd.DataFrame({"USUBJID": pd.Series(dtype=object), "TRTSDT": pd.Series(dtype=float),
                          "TRTSDY": pd.Series(dtype=float)})
    if ex is not None and len(ex):
        require_columns(ex, ("USUBJID",), dataset="EX")
        start = pd.DataFrame({
            "USUBJID": ex["USUBJID"],
            "TRTSDT": compute_sas_date(ex["EXSTDTC"]) if "EXSTDTC" in ex else float("nan"),
            "TRTSDY": to_num(ex["EXSTDY"]) if "EXSTDY" in ex else float("nan"),
        })
        first = start.groupby("USUBJID", as_index=False)[["TRTSDT", "TRTSDY"]].min()
    out = out.drop(columns=["TRTSDT", "TRTSDY"], errors="ignore").merge(first, on="USUBJID", how="left")
    out["SAFFL"] = (out["TRTSDT"].notna() | out["TRTSDY"].notna()).map({True: "Y", False: "N"})
    out["ITTFL"] = blank_to_none(out["ARMCD"]).notna().map({True: "Y", False: "N"})
    return out


def derive_vars_disease(adsl: pd.DataFrame, sdtm: dict[str, pd.DataFrame], spec: StudySpec,
                        settings: Settings) -> pd.DataFrame:
    """ONSETDT, DIAGDT, ONSETREG from the MH/SUPPMH records named in specs/adam/disease.csv; DISDURM."""
    out = adsl.copy()
    for var, domain, sel_var, sel_value, value_var, kind in spec.disease[
            ["variable", "domain", "select_var", "select_value", "value_var", "kind"]].itertuples(index=False):
        source = sdtm.get(domain)
        value = pd.Series(dtype=object)
        if source is not None and {sel_var, value_var, "USUBJID"} <= set(source.columns):
            rows = source[source[sel_var].astype(str).str.upper() == sel_value.upper()]
            value = blank_to_none(rows.drop_duplicates("USUBJID").set_index("USUBJID")[value_var])
        mapped = out["USUBJID"].map(value)
        out[var] = compute_sas_date(mapped) if kind == "date" else mapped.astype(object)
    out["DISDURM"] = compute_months(out["TRTSDT"] - out["ONSETDT"], settings.days_per_month)
    return out


def derive_adsl(sdtm: dict[str, pd.DataFrame], spec: StudySpec, settings: Settings) -> pd.DataFrame:
    """ADSL from DM (+ EX, MH, SUPPMH): identifiers, demography, treatment, dates, population flags."""
    dm = sdtm.get("DM")
    if dm is None:
        raise UserError("the SDTM folder has no DM dataset (dm.xpt)", file="dm.xpt")
    require_columns(dm, DM_REQUIRED, dataset="DM")
    adsl = derive_vars_predecessors(dm, spec)
    adsl["AGE"] = to_num(adsl["AGE"])
    adsl = derive_vars_trt(adsl, sdtm.get("EX"))
    adsl["RFICDT"] = compute_sas_date(dm["RFICDTC"].reset_index(drop=True)) if "RFICDTC" in dm else float("nan")
    adsl["DTHDT"] = compute_sas_date(dm["DTHDTC"].reset_index(drop=True)) if "DTHDTC" in dm else float("nan")
    adsl = derive_vars_disease(adsl, sdtm, spec, settings)
    return adsl.sort_values("USUBJID", kind="stable").reset_index(drop=True)


def derive_vars_adsl_efficacy(adsl: pd.DataFrame, bds: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """BLALSRT/BLFVCPP (BASE of ALSRTOT / FVCPP) and FASFL.

    FASFL = 'Y' when SAFFL = 'Y' and, for ALSRTOT or FVCPP, the subject has a baseline and at least
    one post-baseline analysed value (CHG populated); else 'N'.
    """
    out = adsl.copy()
    fas = pd.Series(False, index=out.index)
    for var, (dataset, paramcd) in BASELINE_SOURCES.items():
        frame = bds.get(dataset)
        base = pd.Series(dtype=float)
        has_post = pd.Series(dtype=bool)
        if frame is not None and len(frame):
            rows = frame[frame["PARAMCD"] == paramcd]
            if "ANL01FL" in rows:
                rows = rows[rows["ANL01FL"] == "Y"]
            base = rows[rows["ABLFL"] == "Y"].drop_duplicates("USUBJID").set_index("USUBJID")["BASE"]
            has_post = rows.assign(_p=rows["CHG"].notna()).groupby("USUBJID")["_p"].any()
        out[var] = out["USUBJID"].map(base).astype("float64")
        fas |= out[var].notna() & out["USUBJID"].map(has_post).eq(True)
    out["FASFL"] = ((out["SAFFL"] == "Y") & fas).map({True: "Y", False: "N"})
    return out


__all__ = ["derive_adsl", "derive_vars_adsl_efficacy", "derive_vars_trt", "derive_vars_disease",
           "compute_treatment_code", "BASELINE_SOURCES"]
