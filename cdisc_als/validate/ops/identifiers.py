"""Identifiers and relations between datasets: duplicates, one-to-one pairs, references that must resolve."""
from __future__ import annotations

import numpy as np
import pandas as pd

from cdisc_als.distinct import compute_first_rows, compute_tuple_codes
from cdisc_als.validate.context import DatasetData, Package
from cdisc_als.validate.ops.common import in_reference
from cdisc_als.validate.ops.conditions import compute_clause
from cdisc_als.validate.registry import RecordHits, TableHits, register_op


def _present(ds: DatasetData, names) -> list[str]:
    return [n for n in names if ds.has(n)]


@register_op("duplicates", level="record")
def check_duplicates(ds: DatasetData, pkg: Package, *, keys: list, optional_keys: list = (),
                     report: list | None = None, skip_null: list = (), where: list = ()) -> RecordHits | None:
    """Records that repeat the key of an earlier record (the first of each group is not reported).

    ``keys`` must all be present; ``optional_keys`` join the key where present; rows with a null
    in any ``skip_null`` variable and rows failing a ``where`` clause are not compared.
    """
    if not ds.has(*keys) or not all(ds.has(c["var"]) for c in where):
        return None
    names = list(keys) + _present(ds, optional_keys)
    keep = pd.Series(True, index=ds.frame.index)
    for name in skip_null:
        if ds.has(name):
            keep &= ~ds.null(name)
    for clause in where:
        keep &= compute_clause(ds, clause)
    rows = np.flatnonzero(keep.to_numpy())
    repeated = np.zeros(len(ds.frame), dtype=bool)
    repeated[rows] = pd.Series(ds.key_codes(names)[rows]).duplicated(keep="first").to_numpy()
    return RecordHits(pd.Series(repeated, index=ds.frame.index), [ds.resolve(n) for n in (report or keys) if ds.has(n)])


@register_op("inconsistent_within", level="record")
def check_inconsistent_within(ds: DatasetData, pkg: Package, *, key: str, value: str,
                              by: list = ()) -> TableHits | None:
    """``value`` must be the same for every record with the same ``key`` (within ``by``).

    One hit per distinct key/value pair in a group that holds more than one value.
    """
    if not ds.has(key, value):
        return None
    rows = np.flatnonzero((~ds.null(key) & ~ds.null(value)).to_numpy())
    group = ds.key_codes(_present(ds, by) + [key])[rows]
    pair = compute_tuple_codes([group, ds.text_codes(value)[0][rows]])
    first = compute_first_rows(pair)                                      # first record of each group/value pair
    values_in_group = np.bincount(group[first])
    bad = rows[np.sort(first[values_in_group[group[first]] > 1])]
    key_text, value_text = ds.text_at(key, bad), ds.text_at(value, bad)
    out = pd.DataFrame({"row": ds.frame.index[bad], "variable": f"{ds.resolve(key)}, {ds.resolve(value)}",
                        "value": pd.Series(key_text + ", " + value_text, dtype=object)})
    return TableHits(out)


def _reference_frame(pkg: Package, domain: str, names: list[str]) -> pd.DataFrame | None:
    """Key columns from every dataset of ``domain`` stacked (None when no dataset has them)."""
    parts = [d.distinct_texts(names) for d in pkg.by_domain(domain) if d.has(*names)]
    if not parts:
        return None
    for part in parts:
        part.columns = names
    return pd.concat(parts, ignore_index=True)


@register_op("in_reference", level="record")
def check_in_reference(ds: DatasetData, pkg: Package, *, domain: str, keys: list, ref_keys: list | None = None,
                       unless: list = (), skip_self: bool = True) -> RecordHits | None:
    """Records whose ``keys`` do not occur in ``domain`` (as ``ref_keys``); rows with null keys are not checked.

    ``unless`` is a list of condition clauses; a row meeting any of them is exempt.
    """
    if (skip_self and ds.domain == domain.upper()) or not ds.has(*keys):
        return None
    ref = _reference_frame(pkg, domain, list(ref_keys or keys))
    if ref is None:
        return None
    mask = ~ds.map_texts(keys, lambda mine: in_reference(mine.set_axis(list(ref.columns), axis=1), ref))
    for name in keys:
        mask &= ~ds.null(name)
    for clause in unless:
        if ds.has(clause["var"]) or clause["is"] == "null":
            mask &= ~compute_clause(ds, clause)
    return RecordHits(mask, [ds.resolve(k) for k in keys])


@register_op("subject_without_records", level="record")
def check_subject_without_records(ds: DatasetData, pkg: Package, *, domain: str, unless: list = ()) -> RecordHits | None:
    """DM subjects with no record in ``domain`` (exempt: rows meeting any ``unless`` clause)."""
    targets = pkg.by_domain(domain)
    if not targets or not ds.has("USUBJID"):
        return None
    seen = set().union(*(set(t.text_codes("USUBJID")[1]) for t in targets if t.has("USUBJID")))
    mask = ~ds.map_text("USUBJID", lambda ids: ids.isin(seen))
    for clause in unless:
        if ds.has(clause["var"]):
            mask &= ~compute_clause(ds, clause)
    return RecordHits(mask, ["USUBJID"])


@register_op("study_value_matches_dm", level="record")
def check_study_value_matches_dm(ds: DatasetData, pkg: Package) -> RecordHits | None:
    """STUDYID values not found in DM."""
    if pkg.dm is None or ds is pkg.dm or not ds.has("STUDYID") or not pkg.dm.has("STUDYID"):
        return None
    studies = set(pkg.dm.text_codes("STUDYID")[1])
    return RecordHits(~ds.map_text("STUDYID", lambda ids: ids.isin(studies)) & ~ds.null("STUDYID"), ["STUDYID"])
