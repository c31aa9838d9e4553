"""ADQSALS (BDS): ALSFRS-R items, total and four domain subscores per subject and visit.

Rule for totals and subscores (also in specs/adam/methods.csv, MT.ALSRAVAL): a collected total
(QS ALSRTOT with QSDRVFL not 'Y') is used as is; otherwise ALSRTOT is the sum of a complete item
set of the assessment, i.e. exactly one score for each of the 12 items, item 5 being 5a or 5b.
Subscores follow the same rule over their items. Original ALSFRS rows and rows without a numeric
result are excluded and reported; converter-derived totals are recomputed, not copied.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cdisc_als.adam.bds import (EXCLUSION_COLUMNS, blank_to_none, compute_exclusions, derive_var_ablfl,
                                constant_text, derive_var_aseq, derive_vars_adsl, derive_vars_base_chg,
                                encode_record_text,
                                merge_table, missing_like, require_columns, to_num)
from cdisc_als.adam.timing import compute_sas_date, derive_vars_ady
from cdisc_als.distinct import (as_text, compute_first_rows, compute_row_codes, compute_sort_order, reorder_rows)
from cdisc_als.metadata.spec import load_instrument
from cdisc_als.metadata.study import StudySpec

QS_REQUIRED = ("USUBJID", "QSSEQ", "QSTESTCD", "QSSTRESN", "VISITNUM", "QSDTC", "QSDY")
SCALE = "ALSFRS-R"
ASSESSMENT = ["USUBJID", "AVISITN", "AVISIT", "ADT", "_DY"]


def compute_item_slots(instrument: pd.DataFrame) -> pd.DataFrame:
    """Item table of the scale: PARAMCD, SLOT (5a and 5b share slot '5'), SUBSCORE; the total excluded."""
    items = instrument[(instrument["scale"] == SCALE) & (instrument["item"] != "TOTAL")]
    return pd.DataFrame({"PARAMCD": items["testcd"].to_numpy(),
                         "SLOT": items["item"].str.rstrip("ab").to_numpy(),
                         "SUBSCORE": items["subscore"].to_numpy()})


def filter_alsfrs_r(qs: pd.DataFrame, instrument: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split QS into ALSFRS-R records to analyse and excluded rows (with reasons)."""
    require_columns(qs, QS_REQUIRED, dataset="QS")
    codes = set(instrument.loc[instrument["scale"] == SCALE, "testcd"])
    original = set(instrument.loc[instrument["scale"] != SCALE, "testcd"])
    testcd = as_text(qs["QSTESTCD"])
    value = to_num(qs["QSSTRESN"])
    derived = as_text(qs["QSDRVFL"]).eq("Y") if "QSDRVFL" in qs else pd.Series(False, index=qs.index)
    is_total = testcd.eq(instrument.loc[(instrument["scale"] == SCALE) & (instrument["item"] == "TOTAL"),
                                         "testcd"].iat[0])
    excluded = pd.concat([
        compute_exclusions(qs, testcd.isin(original), "original ALSFRS (not ALSFRS-R)"),
        compute_exclusions(qs, testcd.isin(codes) & value.isna(), "no numeric result"),
        compute_exclusions(qs, testcd.isin(codes) & value.notna() & is_total & derived,
                           "converter-derived total: recomputed from items"),
    ], ignore_index=True)
    keep = testcd.isin(codes) & value.notna() & ~(is_total & derived)
    used = ["USUBJID", "QSTESTCD", "QSDTC", "QSDY", "VISITNUM", "QSSEQ", *(["VISIT"] if "VISIT" in qs else [])]
    rows = qs.loc[keep, used].reset_index(drop=True)              # only the columns read: not a copy of QS
    records = pd.DataFrame({
        "USUBJID": as_text(rows["USUBJID"]), "PARAMCD": as_text(rows["QSTESTCD"]),
        "AVAL": value[keep].to_numpy(), "ADT": compute_sas_date(rows["QSDTC"]),
        "_DY": to_num(rows["QSDY"]), "AVISIT": blank_to_none(rows.get("VISIT", pd.Series("", index=rows.index))),
        "AVISITN": to_num(rows["VISITNUM"]), "SRCDOM": constant_text("QS", len(rows)),
        "SRCVAR": constant_text("QSSTRESN", len(rows)), "SRCSEQ": to_num(rows["QSSEQ"])})
    return records, excluded


def derive_param_sum(dataset: pd.DataFrame, *, by_vars: Sequence[str], components: pd.DataFrame) -> pd.DataFrame:
    """New records (one per ``by_vars`` group and TARGET) whose AVAL is the sum of a complete item set.

    ``components`` has PARAMCD (item), SLOT and TARGET (the PARAMCD to create). A set is complete when
    every SLOT of the target has exactly one record: a missing slot or two records for one slot
    (e.g. both 5a and 5b) gives no record. SRCDOM/SRCVAR/SRCSEQ are null on the new records, which
    come in the order of ``by_vars`` then TARGET (missing keys last), as a sorted group-by gives them.

    Groups are integer codes: per target, one ``np.bincount`` counts the records of every group x slot
    and another sums AVAL, so the item table is never joined to the records and nothing is hashed per
    record (at pool scale, millions of item records, the join and group-by were most of this step).
    """
    group = compute_row_codes(dataset[list(by_vars)])
    ngroups = int(group.max()) + 1 if len(group) else 0
    first = compute_first_rows(group)                                    # first record of each group
    item_code, items = pd.factorize(dataset["PARAMCD"])
    values = dataset["AVAL"].to_numpy(dtype=float)
    values = np.where(np.isnan(values), 0.0, values)                     # a sum skips missing values
    rows, names, sums = [], [], []
    for target, members in components.groupby("TARGET", sort=True):
        slot_code, slots = pd.factorize(members["SLOT"])
        member = pd.Index(members["PARAMCD"]).get_indexer(items)          # -1: the item is not in this target
        slot_of_item = np.append(np.where(member >= 0, slot_code[member], -1), -1)
        slot = slot_of_item[item_code]                                   # item_code -1 (missing) -> -1
        used = slot >= 0
        counts = np.bincount(group[used] * len(slots) + slot[used], minlength=ngroups * len(slots))
        done = np.flatnonzero((counts.reshape(ngroups, len(slots)) == 1).all(axis=1))
        total = np.bincount(group[used], weights=values[used], minlength=ngroups)
        rows.append(first[done])
        names.append((target, len(done)))
        sums.append(total[done])
    if not rows:
        rows, names, sums = [np.empty(0, np.intp)], [], [np.empty(0)]
    out = dataset[list(by_vars)].iloc[np.concatenate(rows)].reset_index(drop=True)
    if isinstance(dataset["PARAMCD"].dtype, pd.CategoricalDtype):     # the targets' codes, no text per record
        categories = dataset["PARAMCD"].cat.categories
        codes = np.repeat([categories.get_loc(t) for t, _ in names], [n for _, n in names]).astype(np.int32)
        out["PARAMCD"] = pd.Categorical.from_codes(codes, dtype=dataset["PARAMCD"].dtype)
    else:
        out["PARAMCD"] = np.repeat(np.asarray([t for t, _ in names], dtype=object), [n for _, n in names])
    out["AVAL"] = np.concatenate(sums)
    out = reorder_rows(out, compute_sort_order(out[[*by_vars, "PARAMCD"]]))
    return out.assign(**{c: missing_like(dataset[c], len(out)) if c in dataset else None
                         for c in ("SRCDOM", "SRCVAR")}, SRCSEQ=float("nan"))


def derive_param_total_subscores(records: pd.DataFrame, spec: StudySpec, instrument: pd.DataFrame) -> pd.DataFrame:
    """Append ALSRTOT (where no collected total exists) and the subscores to item/collected-total records."""
    slots = compute_item_slots(instrument)
    total_cd = instrument.loc[(instrument["scale"] == SCALE) & (instrument["item"] == "TOTAL"), "testcd"].iat[0]
    subs = spec.dataset_parameters("ADQSALS")
    subs = subs[subs["subscore"] != ""]
    components = pd.concat([
        slots.assign(TARGET=total_cd),
        slots.merge(subs[["subscore", "paramcd"]], left_on="SUBSCORE", right_on="subscore")
             .rename(columns={"paramcd": "TARGET"}),
    ], ignore_index=True)[["PARAMCD", "SLOT", "TARGET"]]
    items = records[records["PARAMCD"] != total_cd]
    sums = derive_param_sum(items, by_vars=ASSESSMENT, components=components)
    collected = records.loc[records["PARAMCD"] == total_cd, ASSESSMENT].drop_duplicates()
    is_total = sums["PARAMCD"] == total_cd
    clash = sums[is_total].reset_index().merge(collected, on=ASSESSMENT)["index"]
    return pd.concat([records, sums.drop(index=clash)], ignore_index=True)


def derive_vars_param_alsfrs(dataset: pd.DataFrame, spec: StudySpec, instrument: pd.DataFrame) -> pd.DataFrame:
    """PARAM/PARAMN: items and total from the instrument table (test, order), subscores from parameters.csv."""
    scale = instrument[instrument["scale"] == SCALE]
    subs = spec.dataset_parameters("ADQSALS")
    table = pd.concat([
        pd.DataFrame({"PARAMCD": scale["testcd"], "PARAM": scale["test"], "PARAMN": scale["order"].astype(float)}),
        pd.DataFrame({"PARAMCD": subs["paramcd"], "PARAM": subs["param"], "PARAMN": subs["paramn"]}),
    ], ignore_index=True)
    return merge_table(dataset, table, "PARAMCD")


def derive_adqsals(qs: pd.DataFrame | None, adsl: pd.DataFrame, spec: StudySpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ADQSALS from SDTM QS and ADSL; returns (dataset, excluded QS rows with reasons)."""
    if qs is None or qs.empty:
        empty = pd.DataFrame(columns=spec.dataset_variables("ADQSALS")["variable"])
        return empty, pd.DataFrame(columns=EXCLUSION_COLUMNS)
    instrument = load_instrument("alsfrs")
    records, excluded = filter_alsfrs_r(qs, instrument)
    records = encode_record_text(records, adsl, [*instrument.loc[instrument["scale"] == SCALE, "testcd"],
                                                 *spec.dataset_parameters("ADQSALS")["paramcd"]])
    records = derive_param_total_subscores(records, spec, instrument)
    records = derive_vars_param_alsfrs(records, spec, instrument)
    records = derive_vars_ady(records, adsl, dy_var="_DY")
    records = derive_var_ablfl(records)
    records = derive_vars_base_chg(records)
    records["DTYPE"] = None
    records = derive_vars_adsl(records, adsl)
    records = derive_var_aseq(records, order=["PARAMN", "ADY", "AVISITN", "SRCSEQ"])
    return records, excluded


__all__ = ["derive_adqsals", "derive_param_sum", "derive_param_total_subscores", "filter_alsfrs_r",
           "compute_item_slots"]
