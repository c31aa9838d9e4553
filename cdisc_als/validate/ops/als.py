"""ALS-specific checks: ALSFRS-R / ALSFRS items and totals in QS, FVC in RE.

Item codes, scales and QSCAT values come from specs/instruments/alsfrs.csv (``load_instrument``):
items score 0-4 (half points occur in pooled data), 5a and 5b are alternatives for one slot,
the total's range is 4 x the number of item slots (48 for ALSFRS-R, 40 for ALSFRS).
FVC is RETESTCD FVC in litres and FVCPP in % of predicted, RESTREFN the predicted litres.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
import pandas as pd

from cdisc_als.metadata.spec import load_instrument
from cdisc_als.distinct import compute_tuple_codes
from cdisc_als.validate.context import DatasetData, Package
from cdisc_als.validate.registry import RecordHits, register_op


@lru_cache(maxsize=1)
def instrument_items() -> pd.DataFrame:
    """testcd, qscat, scale, slot (5a/5b -> 5), is_total, max (the code's own), max_total, slots for every ALS code."""
    table = load_instrument("alsfrs")[["scale", "qscat", "testcd", "test", "item", "max"]].copy()
    table["max"] = table["max"].astype(float)
    table["is_total"] = table["item"] == "TOTAL"
    table["slot"] = table["item"].str.rstrip("ab")
    table["slots"] = table["scale"].map(table[~table["is_total"]].groupby("scale")["slot"].nunique())
    table["max_total"] = table["scale"].map(table[table["is_total"]].set_index("scale")["max"])
    return table


def _als_rows(ds: DatasetData, *, totals: bool | None) -> tuple[pd.Series, pd.DataFrame]:
    """Mask of QS rows holding an ALS code (items, totals or both) and the instrument table."""
    table = instrument_items()
    codes = table if totals is None else table[table["is_total"] == totals]
    wanted = set(codes["testcd"])
    return ds.map_text("--TESTCD", lambda code: code.isin(wanted)), table


def _visit_key(ds: DatasetData) -> pd.Series:
    """Subject + visit (VISITNUM, else the date of --DTC, else the study day --DY: PRO-ACT has only day offsets)
    + repetition (--REPNUM, e.g. FVC trial) as one integer key, computed once per dataset and run."""
    if ("als_visit_key",) not in ds._nulls:
        none = np.full(len(ds.frame), -1)
        visit = _text_ids(ds, "VISITNUM") if ds.has("VISITNUM") else none
        date = _text_ids(ds, "--DTC", lambda u: u.str.slice(0, 10)) if ds.has("--DTC") else none
        date = np.where(visit == -1, date, -1)
        day = _text_ids(ds, "--DY") if ds.has("--DY") else none
        day = np.where((visit == -1) & (date == -1), day, -1)
        rep = _text_ids(ds, "--REPNUM") if ds.has("--REPNUM") else none
        ds._nulls[("als_visit_key",)] = pd.Series(compute_tuple_codes([_text_ids(ds, "USUBJID"), visit, date, day, rep]),
                                                  index=ds.frame.index)
    return ds._nulls[("als_visit_key",)]


def _text_ids(ds: DatasetData, name: str, fn=None) -> np.ndarray:
    """Per row an integer equal exactly where the texts (after ``fn`` on each distinct text) are equal; -1 for ''."""
    codes, texts = ds.text_codes(name)
    texts = pd.Series(texts) if fn is None else fn(pd.Series(texts))
    ids = pd.factorize(texts)[0]
    return np.where(texts.to_numpy() == "", -1, ids)[codes]


def _score(ds: DatasetData) -> pd.Series:
    if ds.has("--STRESN"):
        return pd.to_numeric(ds.col("--STRESN"), errors="coerce")
    return ds.map_text("--ORRES", lambda text: pd.to_numeric(text, errors="coerce"))


def _applies(ds: DatasetData) -> bool:
    """QS with results and at least one ALSFRS code (other questionnaires are left alone)."""
    if ds.domain != "QS" or not ds.has("--TESTCD", "USUBJID") or not (ds.has("--STRESN") or ds.has("--ORRES")):
        return False
    return bool(set(ds.text_codes("--TESTCD")[1]) & set(instrument_items()["testcd"]))


@register_op("alsfrs_item_range")
def check_alsfrs_item_range(ds: DatasetData, pkg: Package) -> RecordHits | None:
    """Item scores outside 0..max (4, from the instrument table) or not on a half-point step."""
    if not _applies(ds):
        return None
    items, table = _als_rows(ds, totals=False)
    score = _score(ds)
    upper = ds.map_text("--TESTCD", lambda code: code.map(table.set_index("testcd")["max"]))
    bad = items & score.notna() & ((score < 0) | (score > upper) | ((score * 2) % 1 != 0))
    return RecordHits(bad, [ds.resolve("--TESTCD"), ds.resolve("--STRESN" if ds.has("--STRESN") else "--ORRES")])


@register_op("alsfrs_half_points")
def check_alsfrs_half_points(ds: DatasetData, pkg: Package) -> RecordHits | None:
    """Item scores with a half point (x.5): valid in pooled data, reported so the analysis knows."""
    if not _applies(ds):
        return None
    items, _ = _als_rows(ds, totals=False)
    score = _score(ds)
    return RecordHits(items & (score * 2 % 2 == 1), [ds.resolve("--TESTCD"), ds.resolve("--STRESN" if ds.has("--STRESN") else "--ORRES")])


@register_op("alsfrs_5a_5b_both")
def check_alsfrs_5a_5b_both(ds: DatasetData, pkg: Package) -> RecordHits | None:
    """Items 5a (without gastrostomy) and 5b (with) both scored at one visit."""
    if not _applies(ds):
        return None
    table = instrument_items()
    alt = table[table["item"].str.fullmatch("5[ab]")]
    scale_of = dict(zip(alt["testcd"], alt["scale"]))
    scored = ds.map_text("--TESTCD", lambda codes: codes.isin(set(scale_of))) & _score(ds).notna()
    scale = ds.map_text("--TESTCD", lambda codes: codes.map(scale_of).fillna(""))[scored]
    n = scale.groupby([_visit_key(ds)[scored], scale]).transform("size")
    return RecordHits((n > 1).reindex(ds.frame.index, fill_value=False), [ds.resolve("--TESTCD")])


@dataclass(frozen=True)
class _Totals:
    """What the total checks read, per row as small arrays (once per dataset and run): the ALS code's row in
    the instrument table (its last row + 1: no ALS code), the visit key and the score; the table's per-code
    columns are taken by that row only where a check needs them."""

    code: np.ndarray          # row of the instrument table per record; len(table) for other codes
    key: np.ndarray           # visit key per record (see _visit_key)
    score: np.ndarray         # numeric result per record (NaN when none)
    table: pd.DataFrame       # instrument_items() with integer columns total (1/0), scale_id and slot_id

    def per_row(self, column: str) -> np.ndarray:
        """The table's numeric ``column`` on each record; -1 (integers) or NaN where the record has no ALS code."""
        values = self.table[column].to_numpy()
        missing = -1 if values.dtype.kind in "iu" else np.nan
        return np.append(values, np.array([missing], dtype=values.dtype))[self.code]


def _totals(ds: DatasetData) -> _Totals:
    if ("als_totals",) not in ds._nulls:
        table = instrument_items()
        table = table.assign(total=table["is_total"].astype(np.int8), scale_id=pd.factorize(table["scale"])[0],
                             slot_id=pd.factorize(table["slot"])[0], slots=table["slots"].astype(float))
        codes, texts = ds.text_codes("--TESTCD")
        row_of_text = pd.Index(table["testcd"]).get_indexer(texts)      # -1: not an ALS code
        code = np.where(row_of_text < 0, len(table), row_of_text)[codes]
        ds._nulls[("als_totals",)] = _Totals(code, _visit_key(ds).to_numpy(), _score(ds).to_numpy(dtype=float),
                                             table)
    return ds._nulls[("als_totals",)]


@register_op("alsfrs_total_sum")
def check_alsfrs_total_sum(ds: DatasetData, pkg: Package, *, tolerance: float = 0.01) -> RecordHits | None:
    """A collected total that differs from the sum of its items (checked when every item slot is scored).

    Items and totals are grouped by subject-visit and scale as integers: the items' sums and the number of
    distinct slots they score come from bincounts, and each total finds its group by a sorted search.
    """
    if not _applies(ds):
        return None
    t = _totals(ds)
    total, scored = t.per_row("total"), ~np.isnan(t.score)
    items, totals = np.flatnonzero((total == 0) & scored), np.flatnonzero((total == 1) & scored)
    group = t.key.astype(np.int64) * (int(t.table["scale_id"].max()) + 1) + t.per_row("scale_id")
    item_group, item_groups = pd.factorize(group[items])
    sums = np.bincount(item_group, weights=t.score[items], minlength=len(item_groups))
    width = int(t.table["slot_id"].max()) + 1
    slot_pairs = pd.unique(item_group.astype(np.int64) * width + t.per_row("slot_id")[items])
    slots_scored = np.bincount(slot_pairs // width, minlength=len(item_groups))
    position = pd.Index(item_groups).get_indexer(group[totals])           # -1: a total without items
    bad = np.zeros(len(ds.frame), dtype=bool)
    if len(item_groups):
        complete = (position >= 0) & (slots_scored[position] == t.per_row("slots")[totals])
        bad[totals[complete & (np.abs(t.score[totals] - sums[position]) > tolerance)]] = True
    return RecordHits(pd.Series(bad, index=ds.frame.index), [ds.resolve("--TESTCD"), ds.resolve("--STRESN")
                                                              if ds.has("--STRESN") else ds.resolve("--ORRES")])


@register_op("alsfrs_total_range")
def check_alsfrs_total_range(ds: DatasetData, pkg: Package) -> RecordHits | None:
    """Totals outside 0 .. 4 x item slots (0-48 ALSFRS-R, 0-40 ALSFRS)."""
    if not _applies(ds):
        return None
    t = _totals(ds)
    score, top = t.score, t.per_row("max_total")
    bad = (t.per_row("total") == 1) & ~np.isnan(score) & ((score < 0) | (score > top))
    return RecordHits(pd.Series(bad, index=ds.frame.index),
                      [ds.resolve("--TESTCD"), ds.resolve("--STRESN") if ds.has("--STRESN") else ds.resolve("--ORRES")])


@register_op("alsfrs_scale_mixed")
def check_alsfrs_scale_mixed(ds: DatasetData, pkg: Package) -> RecordHits | None:
    """An ALSFRS-R code under QSCAT ALSFRS or an ALSFRS code under QSCAT ALSFRS-R (scales mixed)."""
    if not _applies(ds) or not ds.has("--CAT"):
        return None
    table = instrument_items()
    scale_of, categories = dict(zip(table["testcd"], table["qscat"])), set(table["qscat"])

    def mixed(pair: pd.DataFrame) -> pd.Series:
        expected, category = pair["code"].map(scale_of), pair["category"]
        return (expected.notna() & (category != expected)) | (category.isin(categories) & expected.isna())
    bad = ds.map_texts({"code": "--TESTCD", "category": "--CAT"}, mixed)
    return RecordHits(bad, [ds.resolve("--TESTCD"), ds.resolve("--CAT")])


@register_op("alsfrs_total_jump")
def check_alsfrs_total_jump(ds: DatasetData, pkg: Package, *, max_change: float = 12) -> RecordHits | None:
    """Totals that change by more than ``max_change`` points from the subject's previous visit."""
    if not _applies(ds):
        return None
    t = _totals(ds)
    rows = np.flatnonzero((t.per_row("total") == 1) & ~np.isnan(t.score))
    totals = pd.DataFrame({"scale": t.table["scale"].to_numpy()[t.code[rows]], "score": t.score[rows]},
                          index=ds.frame.index[rows])
    totals["subject"] = ds.text_at("USUBJID", rows)
    totals["order"] = ds.text_at("--DTC" if ds.has("--DTC") else "VISITNUM", rows)
    if ds.has("VISITNUM"):
        totals["visitnum"] = pd.to_numeric(ds.col("VISITNUM"), errors="coerce")
        totals = totals.sort_values(["subject", "scale", "order", "visitnum"], kind="mergesort")
    else:
        totals = totals.sort_values(["subject", "scale", "order"], kind="mergesort")
    change = totals.groupby(["subject", "scale"])["score"].diff().abs()
    return RecordHits((change > max_change).reindex(ds.frame.index, fill_value=False),
                      [ds.resolve("--TESTCD"), ds.resolve("--STRESN") if ds.has("--STRESN") else ds.resolve("--ORRES")])


def _fvc(ds: DatasetData) -> tuple[Callable[[str], pd.Series], pd.Series] | None:
    """For RE: a test on the test code (``is_code("FVC")``: rows of that code) and the numeric results."""
    if ds.domain != "RE" or not ds.has("--TESTCD", "--STRESN", "USUBJID"):
        return None
    return (lambda testcd: ds.map_text("--TESTCD", lambda code: code == testcd),
            pd.to_numeric(ds.col("--STRESN"), errors="coerce"))


@register_op("fvc_range")
def check_fvc_range(ds: DatasetData, pkg: Package, *, testcd: str, low: float, high: float) -> RecordHits | None:
    """``testcd`` standard results outside the physiological range [low, high]."""
    got = _fvc(ds)
    if got is None:
        return None
    is_code, value = got
    return RecordHits(is_code(testcd) & value.notna() & ((value < low) | (value > high)),
                      [ds.resolve("--TESTCD"), ds.resolve("--STRESN")])


@register_op("fvc_percent_consistent")
def check_fvc_percent_consistent(ds: DatasetData, pkg: Package, *, tolerance: float = 2.0) -> RecordHits | None:
    """FVCPP differs by more than ``tolerance`` points from 100 x FVC / predicted litres (RESTREFN) of the visit."""
    got = _fvc(ds)
    if got is None or not ds.has("--STREFN"):
        return None
    is_code, value = got
    key = _visit_key(ds)
    fvc = pd.DataFrame({"key": key, "litres": value, "pred": pd.to_numeric(ds.col("--STREFN"), errors="coerce")})[is_code("FVC")]
    fvc = fvc.dropna().drop_duplicates("key").set_index("key")
    percent = 100 * key.map(fvc["litres"]) / key.map(fvc["pred"]).replace(0, np.nan)
    bad = is_code("FVCPP") & value.notna() & percent.notna() & ((value - percent).abs() > tolerance)
    return RecordHits(bad, [ds.resolve("--TESTCD"), ds.resolve("--STRESN")])


@register_op("fvc_pair_missing")
def check_fvc_pair_missing(ds: DatasetData, pkg: Package, *, testcd: str = "FVCPP", partner: str = "FVC") -> RecordHits | None:
    """``testcd`` results at a visit where the subject has no ``partner`` result."""
    got = _fvc(ds)
    if got is None:
        return None
    is_code, value = got
    key = _visit_key(ds)
    have = set(key[is_code(partner) & value.notna()])
    return RecordHits(is_code(testcd) & value.notna() & ~key.isin(have), [ds.resolve("--TESTCD"), "VISITNUM"]
                      if ds.has("VISITNUM") else [ds.resolve("--TESTCD")])


@register_op("als_unit")
def check_als_unit(ds: DatasetData, pkg: Package, *, units: dict) -> RecordHits | None:
    """Standard units per test code (e.g. FVC in L, FVCPP in %); other units fail."""
    if not ds.has("--TESTCD", "--STRESU"):
        return None
    wanted = {k: str(v) for k, v in units.items()}

    def wrong(pair: pd.DataFrame) -> pd.Series:
        expected = pair["code"].map(wanted)
        return expected.notna() & (pair["unit"] != expected)
    populated = ~ds.null("--STRESC") if ds.has("--STRESC") else pd.Series(True, index=ds.frame.index)
    return RecordHits(populated & ds.map_texts({"code": "--TESTCD", "unit": "--STRESU"}, wrong),
                      [ds.resolve("--TESTCD"), ds.resolve("--STRESU")])
