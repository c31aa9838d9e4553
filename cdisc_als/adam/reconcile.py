"""SDTM -> ADaM reconciliation: every ALSFRS(-R) and FVC record of QS/RE is used by ADaM or excluded with a reason.

A QS/RE record is *used* when a BDS record points at it (SRCDOM + SRCSEQ = --SEQ of the same subject,
ADaMIG 1.3 traceability variables) and *excluded* when ``excluded.csv`` lists it with a reason.
Each record must be exactly one of the two; ``unaccounted`` (neither) and ``both`` count the failures.
The table is written by ``derive`` as ``tables/reconciliation_adam.csv``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc_als.adam.bds import to_num
from cdisc_als.distinct import as_text, compute_joint_codes
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
        columns = ["USUBJID", f"{domain}SEQ", f"{domain}TESTCD"]
        rows = frame.loc[frame[f"{domain}TESTCD"].isin(codes[domain]), columns].reset_index(drop=True)
        scope[domain] = pd.DataFrame({"USUBJID": as_text(rows["USUBJID"]), "seq": to_num(rows[f"{domain}SEQ"]),
                                      "testcd": as_text(rows[f"{domain}TESTCD"])})
    return scope


def compute_key_membership(subjects: pd.Series, seqs: pd.Series,
                           *others: tuple[pd.Series, pd.Series]) -> list[np.ndarray]:
    """For each ``(subjects, seqs)`` pair of ``others``: is each (USUBJID, seq) key of the records in it?

    The keys of all sets are coded together as integers (subject code x seq code), so membership is an
    integer lookup, not a tuple index over millions of text keys.  Sequence numbers compare as numbers.
    """
    pairs = [(subjects, seqs), *others]
    subject_codes = compute_joint_codes([s for s, _ in pairs])
    seq_codes = compute_joint_codes([to_num(q) for _, q in pairs])
    width = max((int(c.max()) for c in seq_codes if len(c)), default=0) + 2
    records, *sets = [s.astype(np.int64) * width + (q + 1) for s, q in zip(subject_codes, seq_codes)]
    return [pd.Series(records).isin(keys).to_numpy() for keys in sets]


def compute_adam_reconciliation(sdtm: dict[str, pd.DataFrame], datasets: dict[str, pd.DataFrame],
                                excluded: pd.DataFrame, spec: StudySpec) -> pd.DataFrame:
    """One row per SDTM domain and test code: records, used by ADaM, excluded with a reason, neither, both."""
    rows = []
    for domain, records in compute_scope(sdtm, spec).items():
        targets = [datasets[name] for name in dict(SOURCES)[domain] if name in datasets]
        pointers = pd.concat([t.loc[t["SRCDOM"] == domain, ["USUBJID", "SRCSEQ"]] for t in targets]).dropna()
        gone = excluded[excluded["domain"] == domain]
        is_used, is_excluded = compute_key_membership(
            records["USUBJID"], records["seq"],
            (pointers["USUBJID"], pointers["SRCSEQ"]), (gone["USUBJID"], gone["seq"]))
        flags = records.assign(sdtm_records=1, used=is_used, excluded=is_excluded,
                               unaccounted=~is_used & ~is_excluded, both=is_used & is_excluded)
        table = flags.groupby("testcd", sort=True)[COLUMNS[2:]].sum()
        rows.append(table.reset_index().assign(domain=domain))
    if not rows:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(rows, ignore_index=True)[COLUMNS].astype({c: "int64" for c in COLUMNS[2:]})


__all__ = ["compute_adam_reconciliation", "compute_scope", "COLUMNS"]
