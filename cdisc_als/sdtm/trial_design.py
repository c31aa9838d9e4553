"""Trial design domains (SDTMIG v3.4 §7): TS, TE, TA, TV from the study's design file, SE from the data.

The design (``specs/trials/*.yaml``, :mod:`cdisc_als.metadata.trial`) holds what the protocol says;
the layout holds the arm names and the planned visits; what only the data know (study start =
first informed consent, end of the study, number of subjects) is derived here.

SE (§5.3) gives each subject's actual elements as contiguous intervals: an element starts at the
event the design names for it (consent, the screening visit, the first transplantation, the day
after it) and ends where the subject's next element starts; the last one ends at the end of
participation (RFPENDTC).  SESTDTC is Required, so subjects without calendar dates (day offsets
without an anchor date) get no SE records.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc_als.derive.dates import compute_day_number, compute_iso_from_day_number, compute_study_day
from cdisc_als.ingest.layout import Layout
from cdisc_als.metadata.spec import Spec
from cdisc_als.metadata.trial import PARM_CODELIST, PARMCD_CODELIST, TrialDesign, codelist_code

CDISC_CT = "CDISC CT"


def build_trial_design(design: TrialDesign, *, study_id: str, layout: Layout, spec: Spec, dm: pd.DataFrame,
                       refs: pd.DataFrame, anchor_day: float | None) -> dict[str, pd.DataFrame]:
    """TS, TE, TA, TV (when the layout has planned visits) and SE (when the data have dates)."""
    ta = build_ta(design, study_id=study_id, layout=layout)
    out = {"TS": build_ts(design, study_id=study_id, spec=spec, dm=dm),
           "TE": build_te(design, study_id=study_id), "TA": ta}
    tv = build_tv(design, study_id=study_id, layout=layout)
    if len(tv):
        out["TV"] = tv
    se = build_se(ta, dm=dm, refs=refs, design=design, axis=layout.time_axis, anchor_day=anchor_day)
    if len(se):
        out["SE"] = se
    return out


def build_te(design: TrialDesign, *, study_id: str) -> pd.DataFrame:
    """TE: one record per planned element (ETCD, ELEMENT, TESTRL, TEENRL, TEDUR)."""
    e = design.elements
    return pd.DataFrame({"STUDYID": study_id, "ETCD": e["etcd"], "ELEMENT": e["element"],
                         "TESTRL": e["start_rule"], "TEENRL": e["end_rule"], "TEDUR": e["duration"]})


def build_ta(design: TrialDesign, *, study_id: str, layout: Layout) -> pd.DataFrame:
    """TA: one record per planned element per arm; ARM from the layout's arm table, EPOCH from the element."""
    arm_names = {v["armcd"]: v["arm"] for v in layout.arms.values()}
    ta = design.arms.merge(design.elements[["etcd", "element", "epoch"]], on="etcd", how="left")
    return pd.DataFrame({"STUDYID": study_id, "ARMCD": ta["armcd"], "ARM": ta["armcd"].map(arm_names).fillna(""),
                         "TAETORD": ta["taetord"].astype("float64"), "ETCD": ta["etcd"], "ELEMENT": ta["element"],
                         "TABRANCH": "", "TATRANS": "", "EPOCH": ta["epoch"]})


def build_tv(design: TrialDesign, *, study_id: str, layout: Layout) -> pd.DataFrame:
    """TV: the layout's planned visits, the same for every arm (ARMCD null, SDTMIG TV assumption 3)."""
    if not layout.visits:
        return pd.DataFrame()
    visits = pd.DataFrame(list(layout.visits.values()))
    visitdy = pd.to_numeric(visits.get("visitdy"), errors="coerce").astype("float64") \
        if "visitdy" in visits else pd.Series(np.nan, index=visits.index)
    rule = pd.Series([design.visit_start_rule.format(visitdy=int(d)) if pd.notna(d) and design.visit_start_rule
                      else f"Visit {v}" for d, v in zip(visitdy, visits["visit"])], index=visits.index)
    tv = pd.DataFrame({"STUDYID": study_id, "VISITNUM": visits["visitnum"].astype("float64"), "VISIT": visits["visit"],
                       "VISITDY": visitdy, "ARMCD": "", "TVSTRL": rule, "TVENRL": design.visit_end_rule})
    return tv.sort_values("VISITNUM", kind="stable").reset_index(drop=True)


def build_ts(design: TrialDesign, *, study_id: str, spec: Spec, dm: pd.DataFrame) -> pd.DataFrame:
    """TS: one record per parameter value; TSPARM and CT codes from SDTM CT, derived values from the data.

    A value the data cannot give (no complete consent date, say) is null with TSVALNF = UNK
    (SDTMIG v3.4 TS assumption: TSVAL is null only with a null flavor).
    """
    s = design.summary
    derived = s["derive"].map(compute_ts_derived(design, spec=spec, dm=dm)).fillna("")
    value = s["value"].where(s["derive"] == "", derived)
    null_flavor = s["null_flavor"].where(value != "", s["null_flavor"].replace("", "UNK"))
    terms = spec.terms
    parm = s["parmcd"].map(terms[terms["codelist"] == PARMCD_CODELIST].drop_duplicates("value")
                           .set_index("value")["code"])
    parm = parm.map(terms[terms["codelist"] == PARM_CODELIST].drop_duplicates("code").set_index("code")["value"])
    ct_code = _ct_codes(s, spec)
    coded = ct_code != ""
    code = ct_code.where(coded, s["code"])
    version = _ct_version(spec)
    return pd.DataFrame({
        "STUDYID": study_id, "TSSEQ": s["tsseq"].astype("float64"), "TSPARMCD": s["parmcd"],
        "TSPARM": parm.fillna(""), "TSVAL": value, "TSVALNF": null_flavor, "TSVALCD": code,
        "TSVCDREF": np.where(coded, CDISC_CT, s["dictionary"]), "TSVCDVER": np.where(coded, version, "")}
    ).sort_values(["TSPARMCD", "TSSEQ"], kind="stable").reset_index(drop=True)


def compute_ts_derived(design: TrialDesign, *, spec: Spec, dm: pd.DataFrame) -> dict[str, str]:
    """The values of the ``derive:`` parameters ('' when the data do not give one)."""
    def complete(column: str) -> pd.Series:
        dates = dm[column].astype(str).str.slice(0, 10) if column in dm else pd.Series(dtype=object)
        return dates[compute_day_number(dates).notna()]

    consent, last = complete("RFICDTC"), complete("RFPENDTC")
    return {"first_consent": consent.min() if len(consent) else "",
            "last_date": last.max() if len(last) else "",
            "subjects": str(dm["USUBJID"].nunique()),
            "arms": str(design.arms["armcd"].nunique()),
            "sdtmig_version": spec.standard.split("-")[-1]}


def _ct_codes(summary: pd.DataFrame, spec: Spec) -> pd.Series:
    """TSVALCD of values taken from a CDISC codelist: the term's C-code."""
    codes = pd.Series("", index=summary.index, dtype=object)
    for short, rows in summary.loc[summary["codelist"] != ""].groupby("codelist"):
        terms = spec.terms[spec.terms["codelist"] == codelist_code(spec, short)].drop_duplicates("value")
        codes.loc[rows.index] = rows["value"].map(terms.set_index("value")["code"]).fillna("").values
    return codes


def _ct_version(spec: Spec) -> str:
    """The SDTM CT publication date in specs/ (``sdtm-ct-2025-03-28`` -> ``2025-03-28``)."""
    info = spec.codelist_info(PARMCD_CODELIST)
    return str(info["version"]).removeprefix("sdtm-ct-") if info is not None else ""


STARTS = ("consent", "screening", "treatment", "after_treatment")


def build_se(ta: pd.DataFrame, *, dm: pd.DataFrame, refs: pd.DataFrame, design: TrialDesign, axis: str,
             anchor_day: float | None) -> pd.DataFrame:
    """SE: each subject's elements of the arm actually given (planned arm for untreated subjects).

    Day numbers are on the layout's time axis; an element whose starting event is unknown, or falls
    before the previous element's start or after the end of participation, is left out.
    """
    if axis == "offsets" and anchor_day is None:
        return pd.DataFrame()
    shift = anchor_day if axis == "offsets" else 0.0
    subj = dm.set_index("USUBJID")
    arm = subj["ACTARMCD"].where(subj["ACTARMCD"].isin(ta["ARMCD"]), subj["ARMCD"])
    trt = refs["TRT_DAY"].reindex(subj.index)
    start_of = pd.DataFrame({
        "consent": compute_day_number(subj["RFICDTC"]) - shift if "RFICDTC" in subj else np.nan,
        "screening": refs["SCREEN_DAY"].reindex(subj.index), "treatment": trt, "after_treatment": trt + 1},
        index=subj.index)
    last = compute_day_number(subj["RFPENDTC"]) - shift
    plan = pd.DataFrame({"USUBJID": subj.index, "ARMCD": arm.values}).merge(ta, on="ARMCD", how="inner")
    plan = plan.merge(design.elements[["etcd", "starts_at"]], left_on="ETCD", right_on="etcd", how="left")
    lookup = start_of.stack().rename("start")
    plan["start"] = pd.MultiIndex.from_arrays([plan["USUBJID"], plan["starts_at"]]).map(lookup).astype("float64")
    plan["last"] = plan["USUBJID"].map(last)
    plan = plan.sort_values(["USUBJID", "TAETORD"], kind="stable")
    reached = plan.groupby("USUBJID")["start"].cummax().groupby(plan["USUBJID"]).ffill()
    before = reached.groupby(plan["USUBJID"]).shift()
    keep = plan["start"].notna() & ~(plan["start"] < before) & ~(plan["start"] > plan["last"])
    se = plan[keep].copy()
    nxt = se.groupby("USUBJID")["start"].shift(-1)
    se["end"] = nxt.fillna(np.fmax(se["last"], se["start"]))
    ref = se["USUBJID"].map(refs["REF_DAY"]).astype("float64")
    se = se.assign(SESTDTC=compute_iso_from_day_number(se["start"] + shift),
                   SEENDTC=compute_iso_from_day_number(se["end"] + shift),
                   SESTDY=compute_study_day(se["start"], ref), SEENDY=compute_study_day(se["end"], ref),
                   SESEQ=se.groupby("USUBJID").cumcount().astype("float64") + 1)
    return se[["STUDYID", "USUBJID", "SESEQ", "ETCD", "ELEMENT", "TAETORD", "EPOCH", "SESTDTC", "SEENDTC",
               "SESTDY", "SEENDY"]].reset_index(drop=True)


__all__ = ["build_se", "build_ta", "build_te", "build_ts", "build_tv", "build_trial_design", "compute_ts_derived"]
