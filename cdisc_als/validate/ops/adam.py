"""ADaM checks (ADaMIG 1.3 §3): BASE from the ABLFL record, CHG = AVAL - BASE, ADY from ADT and TRTSDT."""
from __future__ import annotations

import pandas as pd

from cdisc_als.validate.context import DatasetData, Package
from cdisc_als.validate.registry import RecordHits, register_op


def _num(ds: DatasetData, name: str) -> pd.Series:
    return pd.to_numeric(ds.col(name), errors="coerce")


@register_op("base_from_baseline_record")
def check_base_from_baseline_record(ds: DatasetData, pkg: Package) -> RecordHits | None:
    """BASE differs from AVAL of the subject's ABLFL='Y' record for the parameter (and BASETYPE)."""
    if not ds.has("USUBJID", "PARAMCD", "AVAL", "BASE", "ABLFL"):
        return None
    by = ["USUBJID", "PARAMCD"] + (["BASETYPE"] if ds.has("BASETYPE") else [])
    key = pd.Series(ds.key_codes(by), index=ds.frame.index)
    baseline = ds.map_text("ABLFL", lambda flag: flag == "Y")
    ref = pd.Series(_num(ds, "AVAL")[baseline].to_numpy(), index=key[baseline].to_numpy())
    ref = ref[~ref.index.duplicated()]          # the first baseline record of each subject/parameter
    expected = key.map(ref)
    base = _num(ds, "BASE")
    return RecordHits(base.notna() & expected.notna() & ((base - expected).abs() > 1e-9), ["PARAMCD", "BASE", "AVAL"])


@register_op("chg_equals_aval_minus_base")
def check_chg_equals_aval_minus_base(ds: DatasetData, pkg: Package, *, tolerance: float = 1e-6) -> RecordHits | None:
    """CHG populated and different from AVAL - BASE (or populated where either is missing)."""
    if not ds.has("AVAL", "BASE", "CHG"):
        return None
    aval, base, chg = _num(ds, "AVAL"), _num(ds, "BASE"), _num(ds, "CHG")
    expected = aval - base
    wrong = chg.notna() & (expected.isna() | ((chg - expected).abs() > tolerance))
    return RecordHits(wrong, ["AVAL", "BASE", "CHG"])


@register_op("ady_from_adt")
def check_ady_from_adt(ds: DatasetData, pkg: Package) -> RecordHits | None:
    """ADY differs from ADT - TRTSDT + 1 on/after TRTSDT (ADT - TRTSDT before it); TRTSDT from ADSL if absent."""
    if not ds.has("ADT", "ADY", "USUBJID"):
        return None
    if ds.has("TRTSDT"):
        start = _num(ds, "TRTSDT")
    else:
        adsl = pkg.get("ADSL")
        if adsl is None or not adsl.has("TRTSDT", "USUBJID"):
            return None
        first = pd.Series(_num(adsl, "TRTSDT").to_numpy(), index=adsl.text("USUBJID")).groupby(level=0).first()
        start = ds.map_text("USUBJID", lambda subject: subject.map(first))
    diff = _num(ds, "ADT") - start
    expected = diff.where(diff < 0, diff + 1)
    ady = _num(ds, "ADY")
    return RecordHits(ady.notna() & expected.notna() & (ady != expected), ["ADT", "ADY"])
