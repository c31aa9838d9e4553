"""SDTM -> ADaM reconciliation: every ALSFRS(-R) and FVC record of QS/RE is used by ADaM or excluded with a reason.

A QS/RE record is *used* when a BDS record points at it (SRCDOM + SRCSEQ = --SEQ of the same subject,
ADaMIG 1.3 traceability variables) and *excluded* when ``excluded.csv`` lists it with a reason.
Each record must be exactly one of the two; ``unaccounted`` (neither) and ``both`` count the failures.
The table is written by ``derive`` as ``tables/reconciliation_adam.csv``.
"""
from __future__ import annotations

import pandas as pd

from cdisc_als.adam.bds import to_num
from cdisc_als.metadata.spec import load_instrument
from cdisc_als.metadata.study import StudySpec

COLUMNS = ["domain", "testcd", "sdtm_records", "used", "excluded", "unaccounted", "both"]
# (domain, the BDS datasets that point into it)
SOURCES = (("QS", ("ADQSALS",)), ("RE", ("ADRE",)))


def compute_scope(sdtm: dict[str, pd.DataFrame], spec: StudySpec) -> dict[str, pd.DataFrame]:
    """The SDTM records ADaM must account for: QS rows of the ALSFRS instruments, RE rows of ADRE parameters."""
    codes = {"QS": set(load_instrument("alsfrs")["testcd"]), "RE": set(spec.dataset_parameters("ADRE")["paramcd"])}
    scope = {}
    for domain, _ in SOURCES:
        frame = sdtm.get(domain)
        if frame is None or frame.empty:
            continue
        rows = frame[frame[f"{domain}TESTCD"].isin(codes[domain])]
        scope[domain] = pd.DataFrame({"USUBJID": rows["USUBJID"].astype(str).to_numpy(),
                                      "seq": to_num(rows[f"{domain}SEQ"]).to_numpy(),
                                      "testcd": rows[f"{domain}TESTCD"].astype(str).to_numpy()})
    return scope


def compute_adam_reconciliation(sdtm: dict[str, pd.DataFrame], datasets: dict[str, pd.DataFrame],
                                excluded: pd.DataFrame, spec: StudySpec) -> pd.DataFrame:
    """One row per SDTM domain and test code: records, used by ADaM, excluded with a reason, neither, both."""
    rows = []
    for domain, records in compute_scope(sdtm, spec).items():
        targets = [datasets[name] for name in dict(SOURCES)[domain] if name in datasets]
        pointers = pd.concat([t.loc[t["SRCDOM"] == domain, ["USUBJID", "SRCSEQ"]] for t in targets])
        used = pd.MultiIndex.from_frame(pointers.dropna().astype({"SRCSEQ": "float64"}))
        gone = excluded[excluded["domain"] == domain]
        dropped = pd.MultiIndex.from_frame(gone[["USUBJID", "seq"]].astype({"seq": "float64"}))
        key = pd.MultiIndex.from_frame(records[["USUBJID", "seq"]])
        is_used, is_excluded = key.isin(used), key.isin(dropped)
        flags = records.assign(sdtm_records=1, used=is_used, excluded=is_excluded,
                               unaccounted=~is_used & ~is_excluded, both=is_used & is_excluded)
        table = flags.groupby("testcd", sort=True)[COLUMNS[2:]].sum()
        rows.append(table.reset_index().assign(domain=domain))
    if not rows:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(rows, ignore_index=True)[COLUMNS].astype({c: "int64" for c in COLUMNS[2:]})


__all__ = ["compute_adam_reconciliation", "compute_scope", "COLUMNS"]
