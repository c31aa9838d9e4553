"""ADRE (BDS): FVC (L) and FVC % predicted per visit and effort, the best effort flagged.

Every RE effort becomes one record traceable to RE (SRCSEQ = RESEQ). ANL01FL = 'Y' marks the
analysed value of a visit: the largest RESTRESN of the subject, parameter and visit (ties: the
lowest RESEQ). Baseline, change and slopes use only ANL01FL = 'Y' records.
"""
from __future__ import annotations

import pandas as pd

from cdisc_als.adam.bds import (EXCLUSION_COLUMNS, blank_to_none, compute_exclusions, constant_text, derive_var_ablfl,
                                derive_var_aseq, derive_var_extreme_flag, derive_vars_adsl, derive_vars_base_chg,
                                derive_vars_param, encode_record_text, require_columns, to_num)
from cdisc_als.adam.timing import compute_sas_date, derive_vars_ady
from cdisc_als.distinct import as_text
from cdisc_als.metadata.study import StudySpec

RE_REQUIRED = ("USUBJID", "RESEQ", "RETESTCD", "RESTRESN", "VISITNUM", "REDTC", "REDY")


def compute_re_exclusions(re: pd.DataFrame | None, spec: StudySpec) -> pd.DataFrame:
    """RE records of an ADRE parameter that ADRE leaves out (no numeric RESTRESN), with the reason."""
    if re is None or re.empty:
        return pd.DataFrame(columns=EXCLUSION_COLUMNS)
    require_columns(re, RE_REQUIRED, dataset="RE")
    wanted = re["RETESTCD"].isin(spec.dataset_parameters("ADRE")["paramcd"])
    return compute_exclusions(re, wanted & to_num(re["RESTRESN"]).isna(), "no numeric result", domain="RE")


def derive_adre(re: pd.DataFrame | None, adsl: pd.DataFrame, spec: StudySpec) -> pd.DataFrame:
    """ADRE from SDTM RE (RETESTCD values named in specs/adam/parameters.csv for ADRE) and ADSL."""
    params = spec.dataset_parameters("ADRE")
    if re is None or re.empty:
        return pd.DataFrame(columns=spec.dataset_variables("ADRE")["variable"])
    require_columns(re, RE_REQUIRED, dataset="RE")
    value = to_num(re["RESTRESN"])
    keep = re["RETESTCD"].isin(params["paramcd"]) & value.notna()
    used = ["USUBJID", "RETESTCD", "REDTC", "REDY", "VISITNUM", "RESEQ",
            *[c for c in ("VISIT", "REREPNUM") if c in re]]
    rows = re.loc[keep, used].reset_index(drop=True)              # only the columns read: not a copy of RE
    records = pd.DataFrame({
        "USUBJID": as_text(rows["USUBJID"]), "PARAMCD": as_text(rows["RETESTCD"]),
        "AVAL": value[keep].to_numpy(), "ADT": compute_sas_date(rows["REDTC"]),
        "_DY": to_num(rows["REDY"]), "AVISIT": blank_to_none(rows.get("VISIT", pd.Series("", index=rows.index))),
        "AVISITN": to_num(rows["VISITNUM"]),
        "REREPNUM": to_num(rows["REREPNUM"]) if "REREPNUM" in rows else float("nan"),
        "SRCDOM": constant_text("RE", len(rows)), "SRCVAR": constant_text("RESTRESN", len(rows)),
        "SRCSEQ": to_num(rows["RESEQ"])})
    records = encode_record_text(records, adsl, params["paramcd"])
    records = derive_vars_param(records, params)
    records = derive_vars_ady(records, adsl, dy_var="_DY")
    records = derive_var_extreme_flag(records, by_vars=["USUBJID", "PARAMCD", "AVISITN", "ADT", "_DY"],
                                      order=["AVAL", "SRCSEQ"], ascending=[True, False], new_var="ANL01FL")
    records = derive_var_ablfl(records, filter=records["ANL01FL"] == "Y")
    records = derive_vars_base_chg(records)
    records = derive_vars_adsl(records, adsl)
    return derive_var_aseq(records, order=["PARAMN", "ADY", "AVISITN", "SRCSEQ"])


__all__ = ["derive_adre", "compute_re_exclusions"]
