"""QS: the ALSFRS-R (and original ALSFRS) questionnaire, one record per item per visit (SDTMIG v3.4 §6.3.9).

ALSFRS-R has no CDISC controlled terminology; QSTESTCD/QSTEST come from the
sponsor-defined instrument table ``specs/instruments/alsfrs.csv`` and the scale
name goes in QSCAT.  Rules applied:

* QSORRES keeps the response as collected; QSSTRESC/QSSTRESN hold the score
  (half points, as PRO-ACT has, are kept, never rounded).
* An item outside 0-4, a total outside 0-48 (ALSFRS-R) or 0-40 (ALSFRS), or a
  response that is not a number is rejected with its reason.
* Items 5a and 5b are alternatives: a visit with both scored has both rejected.
* A collected total is a record; where a visit has no collected total but every
  item of the scale, the total is derived (QSDRVFL = "Y", QSORRES empty).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc_als.derive.ids import derive_var_seq
from cdisc_als.derive.timing import derive_var_lobxfl
from cdisc_als.distinct import compute_row_codes, map_distinct, strip_text
from cdisc_als.errors import RejectReason
from cdisc_als.ingest.layout import DECIMAL_COMMA, FILE, ROW, compute_number, keep_rows, reject
from cdisc_als.metadata.spec import load_instrument
from cdisc_als.sdtm.common import StudyContext, attach_usubjid
from cdisc_als.sdtm.findings import compute_result_text, derive_findings_timing, drop_inputs



def build_qs(questionnaire: pd.DataFrame, ctx: StudyContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Canonical questionnaire records -> QS records (with trace columns) and rejects."""
    items = load_instrument("alsfrs").set_index("testcd")
    out, rejects = attach_usubjid(questionnaire, ctx)
    all_rejects = [rejects]
    out["QSTESTCD"] = out["TESTCD"]
    out["QSTEST"] = map_distinct(out["QSTESTCD"], lambda c: c.map(items["test"])).fillna("")
    out["QSCAT"] = map_distinct(out["QSTESTCD"], lambda c: c.map(items["qscat"])).fillna(out.get("QSCAT", ""))
    out["QSORRES"] = strip_text(out["ORRES"])
    score, _ = compute_number(out["QSORRES"], out.get(DECIMAL_COMMA, False))
    upper = map_distinct(out["QSTESTCD"], lambda c: c.map(items["max"].astype(float)))
    checks = [
        (score.isna(), RejectReason.BAD_NUMBER, "score is not a number"),
        (score.notna() & ((score < 0) | (score > upper)), RejectReason.OUT_OF_RANGE,
         "score outside the scale's range (items 0-4, total 0-48 ALSFRS-R / 0-40 ALSFRS)"),
    ]
    bad = pd.Series(False, index=out.index)
    for mask, reason, detail in checks:
        mask = mask & ~bad
        all_rejects.append(reject(out, mask, column="", values=out["QSORRES"], reason=reason, level="cell",
                                  detail=detail))
        bad |= mask
    out = keep_rows(out, ~bad)
    out["QSSTRESN"] = keep_rows(score, ~bad)
    out, conflict = _reject_both_5a_5b(out)
    all_rejects.append(conflict)
    out, visit_rejects = derive_findings_timing(out, ctx, domain="QS")
    all_rejects.append(visit_rejects)
    out = drop_inputs(out, ["TESTCD", "ORRES"])
    derived = derive_param_total(out, items)
    out = pd.concat([out, derived], ignore_index=True) if len(derived) else out.reset_index(drop=True)
    out["QSSTRESC"] = compute_result_text(out["QSSTRESN"])
    out["QSDRVFL"] = out["QSDRVFL"].fillna("") if "QSDRVFL" in out else ""
    out["_order"] = map_distinct(out["QSTESTCD"], lambda c: c.map(items["order"]))
    out = derive_var_lobxfl(out, domain="QS", by=["QSTESTCD"], day="_day_QSDTC", value="QSSTRESN", refs=ctx.refs)
    out = derive_var_seq(out, domain="QS", order=["_day_QSDTC", "VISITNUM", "QSCAT", "_order"])
    return out, pd.concat([r for r in all_rejects if r is not None], ignore_index=True)


def _reject_both_5a_5b(out: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Item 5 is scored on 5a (no gastrostomy) or 5b (gastrostomy), never both on one form."""
    five = map_distinct(out["QSTESTCD"], lambda code: code.str.fullmatch(r"ALS[RF]05[AB]")).to_numpy(dtype=bool)
    form = compute_row_codes(out.loc[five, [FILE, ROW]])
    both = np.zeros(len(out), dtype=bool)
    both[five] = np.bincount(form)[form] > 1 if len(form) else False
    both = pd.Series(both, index=out.index)
    rejects = reject(out, both, column="", values=out["QSORRES"], reason=RejectReason.CONFLICT, level="cell",
                     detail="items 5a and 5b both scored on one form; only one applies")
    return keep_rows(out, ~both), rejects


def derive_param_total(qs: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Derived total records (QSDRVFL = "Y") for forms with every item and no collected total.

    Complete means items 1-4, 5a or 5b, 6-9 and the scale's respiratory items (R1-R3 for ALSFRS-R,
    10 for ALSFRS): 12 items for ALSFRS-R, 10 for ALSFRS.
    """
    meta = items.reset_index()
    totals = meta.loc[meta["item"] == "TOTAL"].set_index("qscat")["testcd"]
    needed = meta[meta["item"] != "TOTAL"].groupby("qscat")["item"].apply(
        lambda s: len(set(s.str.rstrip("ab"))))
    form = [FILE, ROW]
    item = map_distinct(qs["QSTESTCD"], lambda code: code.map(items["item"]).astype(str).str.rstrip("ab"))
    is_total = map_distinct(item, lambda i: i == "TOTAL").to_numpy(dtype=bool)
    form_code = compute_row_codes(qs[form])
    has_total = np.bincount(form_code[is_total], minlength=len(qs) and form_code.max() + 1)[form_code] > 0
    in_body = ~has_total & ~is_total
    if not in_body.any():
        return qs.head(0)
    body = qs[in_body].assign(_item=item[in_body])
    grouped = body.groupby(form, sort=False)
    summary = grouped.agg(n=("_item", "nunique"), total=("QSSTRESN", "sum"), QSCAT=("QSCAT", "first"))
    summary = summary[summary["n"] == summary["QSCAT"].map(needed)]
    if summary.empty:
        return qs.head(0)
    first = grouped.head(1).set_index(form).loc[summary.index].reset_index()
    derived = first.copy()
    derived["QSTESTCD"] = derived["QSCAT"].map(totals)
    derived["QSTEST"] = derived["QSTESTCD"].map(items["test"])
    derived["QSORRES"] = ""
    derived["QSSTRESN"] = summary["total"].values
    derived["QSDRVFL"] = "Y"
    derived["_col"] = ""
    return derived
