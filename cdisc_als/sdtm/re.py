"""RE: spirometry (FVC in litres, FVC % predicted), one record per test per effort per visit (SDTMIG v3.4 §6.3.7.7).

RETESTCD/RETEST come from CDISC CT (C111106/C111107, paired by C-code).
Each effort is its own record, numbered by REREPNUM.  Original units are kept
in REORRES/REORRESU; the layout's unit table converts to the standard unit
(mL -> L).  The predicted value goes in REORREF/RESTREFN (as the IG's
spirometry example does); REMETHOD (SPIROMETRY) is a constant of the layout.
"""
from __future__ import annotations

import pandas as pd

from cdisc_als.derive.ids import derive_var_seq
from cdisc_als.derive.timing import derive_var_lobxfl
from cdisc_als.distinct import map_distinct, strip_text, where_text
from cdisc_als.errors import RejectReason
from cdisc_als.ingest.layout import DECIMAL_COMMA, compute_number, keep_rows, reject
from cdisc_als.sdtm.common import StudyContext, attach_usubjid
from cdisc_als.sdtm.findings import compute_result_text, derive_findings_timing, drop_inputs



def compute_test_names(spec, testcd: pd.Series) -> pd.Series:
    """RETEST for each RETESTCD: the RETEST term that shares the RETESTCD term's C-code."""
    terms = spec.terms
    bound = spec.dataset_variables("RE").set_index("variable")["codelist"]
    codes = terms[terms["codelist"] == bound["RETESTCD"]].set_index("value")["code"]
    names = terms[terms["codelist"] == bound["RETEST"]].set_index("code")["value"]
    return map_distinct(testcd, lambda t: t.map(codes).map(names)).fillna("")


def build_re(respiratory: pd.DataFrame, ctx: StudyContext, units: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Canonical respiratory records -> RE records (with trace columns) and rejects."""
    out, rejects = attach_usubjid(respiratory, ctx)
    all_rejects = [rejects]
    out["RETESTCD"] = out["TESTCD"]
    out["RETEST"] = compute_test_names(ctx.spec, out["RETESTCD"])
    out["REORRES"] = strip_text(out["ORRES"])
    comma = out.get(DECIMAL_COMMA, False)
    value, not_number = compute_number(out["REORRES"], comma)
    unit_in = strip_text(out["ORRESU"]) if "ORRESU" in out else pd.Series("", index=out.index)
    table = {str(k).upper(): v for k, v in units.items()}
    std_unit = map_distinct(unit_in, lambda u: u.str.upper().map({k: v[0] for k, v in table.items()}))
    factor = map_distinct(unit_in, lambda u: u.str.upper().map({k: float(v[1]) for k, v in table.items()})
                          ).astype("float64")
    checks = [
        (not_number, RejectReason.BAD_NUMBER, "result is not a number"),
        (std_unit.isna(), RejectReason.BAD_CODE, f"unit not in the layout's unit table {sorted(units)}"),
        (value < 0, RejectReason.OUT_OF_RANGE, "negative result"),
    ]
    bad = pd.Series(False, index=out.index)
    for mask, reason, detail in checks:
        mask = mask.fillna(False) & ~bad
        values = unit_in if reason is RejectReason.BAD_CODE else out["REORRES"]
        all_rejects.append(reject(out, mask, column="", values=values, reason=reason, level="cell", detail=detail))
        bad |= mask
    out, value, factor, std_unit, unit_in = (keep_rows(x, ~bad) for x in (out, value, factor, std_unit, unit_in))
    # the unit's CT spelling (e.g. PRO-ACT 'Liters' -> 'L') when the collected unit is just another name for it
    out["REORRESU"] = where_text(factor != 1, unit_in, std_unit)
    out["RESTRESN"] = value * factor
    out["RESTRESU"] = std_unit
    out["RESTRESC"] = compute_result_text(out["RESTRESN"])
    if "ORREF" in out:
        reference, _ = compute_number(strip_text(out["ORREF"]), out.get(DECIMAL_COMMA, False))
        out["RESTREFN"] = reference
        out["RESTREFC"] = compute_result_text(reference)
        out["REORREF"] = compute_result_text(reference / factor)
    out["REPOS"] = out.get("POS", "")
    out["REREPNUM"] = out["REPNUM"].astype("float64") if "REPNUM" in out else float("nan")
    out, visit_rejects = derive_findings_timing(out, ctx, domain="RE")
    all_rejects.append(visit_rejects)
    out = drop_inputs(out, ["TESTCD", "ORRES", "ORRESU", "ORREF", "POS", "REPNUM"])
    out = derive_var_lobxfl(out, domain="RE", by=["RETESTCD"], day="_day_REDTC", value="RESTRESN",
                            refs=ctx.refs, order=["REREPNUM"])
    out = derive_var_seq(out, domain="RE", order=["_day_REDTC", "VISITNUM", "RETESTCD", "REREPNUM"])
    return out, pd.concat([r for r in all_rejects if r is not None], ignore_index=True)
