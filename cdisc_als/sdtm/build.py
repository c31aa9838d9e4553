"""The SDTM pipeline: canonical source frames in, model-shaped domains out (no file I/O here).

Order matters only where a domain needs another's result: exposure gives the
first treatment day, which every study day and EPOCH needs; the findings give
the screening day and the visits SV lists; every domain gives the dates from
which DM's end-of-participation dates come.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cdisc_als.derive.supp import derive_supp
from cdisc_als.derive.timing import compute_day
from cdisc_als.distinct import compute_duplicated
from cdisc_als.ingest.layout import Layout, new_rejects
from cdisc_als.metadata.spec import Spec
from cdisc_als.metadata.trial import TrialDesign, load_trial_design
from cdisc_als.sdtm.ae import build_ae
from cdisc_als.sdtm.common import StudyContext, attach_usubjid, finalize_domain, split_trace
from cdisc_als.sdtm.dm import (build_dm, compute_last_dtc, compute_subject_refs, deduplicate_subjects)
from cdisc_als.sdtm.ds import build_ds
from cdisc_als.sdtm.ex import build_ex, compute_first_treatment
from cdisc_als.sdtm.mh import build_mh
from cdisc_als.sdtm.qs import build_qs
from cdisc_als.sdtm.re import build_re
from cdisc_als.sdtm.sv import build_sv
from cdisc_als.sdtm.trial_design import build_trial_design


@dataclass
class SdtmResult:
    domains: dict[str, pd.DataFrame]     # name (e.g. "DM", "SUPPDM") -> model-shaped frame
    rejects: pd.DataFrame
    used: pd.DataFrame                   # raw rows that reached an output: _file, _row


def _one(sources: dict[str, list[pd.DataFrame]], target: str) -> pd.DataFrame | None:
    """All canonical frames of a target, or None when the sources gave it no record at all."""
    frames = [f for f in sources.get(target) or [] if len(f)]
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)        # as concatenating it alone would give, without a copy
    return pd.concat(frames, ignore_index=True) if frames else None


def build_sdtm(sources: dict[str, list[pd.DataFrame]], *, layout: Layout, study_id: str, spec: Spec,
               anchor_day: float | None = None, coding: pd.DataFrame | None = None,
               coding_cfg: dict | None = None, units: dict | None = None,
               trial: TrialDesign | None = None) -> SdtmResult:
    """Build every domain the sources allow.  ``sources`` maps a layout target to its canonical frames.

    With a trial design (``trial``, else the one the layout names) the trial design domains
    (TS, TE, TA, TV) and SE are built too.
    """
    rejects: list[pd.DataFrame] = []
    subjects = _one(sources, "subjects")
    if subjects is None:
        subjects = pd.DataFrame({"SUBJID": pd.Series(dtype=object), "_file": [], "_row": []})
    subjects, dup = deduplicate_subjects(subjects)
    rejects.append(dup)
    exposure = _one(sources, "exposure")
    first = compute_first_treatment(exposure, axis=layout.time_axis) if exposure is not None else \
        pd.DataFrame(columns=["TRT_DAY", "TRT_END_DAY", "TRT_DTC", "TRT_END_DTC"])
    if layout.time_axis == "offsets" and anchor_day is not None:
        first["TRT_DTC"] = _iso(first["TRT_DAY"] + anchor_day)
        first["TRT_END_DTC"] = _iso(first["TRT_END_DAY"] + anchor_day)
    refs = compute_subject_refs(subjects, first, study_id=study_id, axis=layout.time_axis)
    ctx = StudyContext(study_id, layout, spec, refs, anchor_day)

    built: dict[str, pd.DataFrame] = {}
    if (q := _one(sources, "questionnaire")) is not None:
        built["QS"], r = build_qs(q, ctx)
        rejects.append(r)
    if (r_ := _one(sources, "respiratory")) is not None:
        built["RE"], r = build_re(r_, ctx, units or {})
        rejects.append(r)
    _fill_screening_day(refs, [built.get("QS"), built.get("RE")])
    if exposure is not None:
        built["EX"], r = build_ex(exposure, ctx)
        rejects.append(r)
    if (ae := _one(sources, "adverse_events")) is not None:
        built["AE"], r = build_ae(ae, ctx, coding, coding_cfg)
        rejects.append(r)
    if (mh := _one(sources, "history")) is not None:
        built["MH"], r = build_mh(mh, ctx)
        rejects.append(r)

    disposition, death, death_form = _disposition_and_death(sources, ctx)
    if death_form is not None:
        # every row of a death form informs DM.DTHFL ('No' rows included); unknown subjects are rejected
        death_form, r = attach_usubjid(death_form, ctx)
        rejects.append(r)
    dtc_pairs = [(built.get(d, pd.DataFrame()), c) for d, c in
                 (("QS", "QSDTC"), ("RE", "REDTC"), ("EX", "EXSTDTC"), ("AE", "AESTDTC"), ("AE", "AEENDTC"))]
    actual = _actual_cohort(exposure, refs)
    dm_pre = build_dm(subjects, refs, layout=layout, study_id=study_id, anchor_day=anchor_day,
                      actual_cohort=actual, end_dtc=pd.Series(dtype=object), last_dtc=pd.Series(dtype=object),
                      death=death)
    built["DS"], r = build_ds(disposition, dm_pre, ctx)
    rejects.append(r)
    end = built["DS"].loc[built["DS"]["DSCAT"] == "DISPOSITION EVENT"].groupby("USUBJID")["DSSTDTC"].last()
    last = compute_last_dtc(*dtc_pairs, (built["DS"], "DSSTDTC"))
    built["DM"] = build_dm(subjects, refs, layout=layout, study_id=study_id, anchor_day=anchor_day,
                           actual_cohort=actual, end_dtc=end.where(end != "").combine_first(last),
                           last_dtc=last, death=death)
    sv = build_sv([(built[d], d) for d in ("QS", "RE") if d in built], refs)
    if len(sv):
        built["SV"] = sv
    trial = trial or (load_trial_design(layout.trial, spec) if layout.trial else None)
    if trial is not None:
        built.update(build_trial_design(trial, study_id=study_id, layout=layout, spec=spec, dm=built["DM"],
                                        refs=refs, anchor_day=anchor_day))

    domains, used = {}, []
    for name in ("DM", "AE", "DS", "EX", "MH", "QS", "RE", "SV", "SE", "TA", "TE", "TS", "TV"):
        if name not in built:
            continue
        shaped = finalize_domain(built[name], domain=name, spec=spec)
        data, trace = split_trace(shaped)
        used.append(trace)
        domains[name] = data
        supp = derive_supp(built[name], domain=name, idvar=None if name == "DM" else f"{name}SEQ")
        if len(supp):
            domains[f"SUPP{name}"] = finalize_domain(supp, domain=f"SUPP{name}", spec=spec)
    if len(death):
        used.append(death[["_form", "_file", "_row"]])
    if death_form is not None:
        used.append(death_form[["_form", "_file", "_row"]])
    all_rejects = new_rejects(pd.concat([r for r in rejects if r is not None and len(r)], ignore_index=True)) \
        if any(r is not None and len(r) for r in rejects) else new_rejects()
    used = pd.concat(used, ignore_index=True)
    return SdtmResult(domains, all_rejects, used[~compute_duplicated(used)])


def _iso(day: pd.Series) -> pd.Series:
    from cdisc_als.derive.dates import compute_iso_from_day_number
    return compute_iso_from_day_number(day)


def _fill_screening_day(refs: pd.DataFrame, findings: list[pd.DataFrame | None]) -> None:
    days = [f.loc[f["_planned_epoch"] == "SCREENING", ["USUBJID", [c for c in f.columns if c.startswith("_day_")][0]]]
            .set_axis(["USUBJID", "day"], axis=1)
            for f in findings if f is not None and "_planned_epoch" in f]
    if days:
        screen = pd.concat(days).groupby("USUBJID")["day"].max()
        refs["SCREEN_DAY"] = refs.index.map(screen).astype("float64")


def _actual_cohort(exposure: pd.DataFrame | None, refs: pd.DataFrame) -> pd.Series:
    if exposure is None or "ACTCOHORT" not in exposure:
        return pd.Series(dtype=object)
    by_subj = exposure.assign(SUBJID=exposure["SUBJID"].astype(str).str.strip()).groupby("SUBJID")["ACTCOHORT"].first()
    usubjid = pd.Series(refs.index, index=refs["SUBJID"].values)
    return pd.Series(by_subj.values, index=by_subj.index.map(usubjid)).dropna()


def _disposition_and_death(sources, ctx: StudyContext):
    """The disposition form, plus death dates from it or from a separate death form (PRO-ACT)."""
    disposition = _one(sources, "disposition")
    deaths = []
    if disposition is not None and "DTHDTC" in disposition:
        d = disposition[disposition["DTHDTC"].astype(str).str.strip() != ""]
        deaths.append(d[["SUBJID", "DTHDTC", "_form", "_file", "_row"]])
    death_form = _one(sources, "death")
    if death_form is not None:
        died = death_form[death_form["DIED"] == "Y"].copy()
        day, iso = compute_day(died, "DTHDTC", axis=ctx.axis, anchor_day=ctx.anchor_day)
        died["DTHDTC"] = iso
        deaths.append(died[["SUBJID", "DTHDTC", "_form", "_file", "_row"]])
        if ctx.axis == "offsets":
            death_events = died.assign(DSDECOD="DEATH", DSTERM="DEATH", DSSTDTC=day)
            disposition = death_events if disposition is None else pd.concat([disposition, death_events])
    death = pd.concat(deaths, ignore_index=True) if deaths else pd.DataFrame(columns=["SUBJID", "DTHDTC", "_form", "_file", "_row"])
    usubjid = pd.Series(ctx.refs.index, index=ctx.refs["SUBJID"].values)
    death["USUBJID"] = death["SUBJID"].astype(str).str.strip().map(usubjid)
    return disposition, death.dropna(subset=["USUBJID"]), death_form


__all__ = ["SdtmResult", "build_sdtm"]
