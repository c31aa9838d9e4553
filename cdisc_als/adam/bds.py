"""Derivations shared by every BDS dataset (ADaMIG 1.3 BDS variables): flags, baseline, change, ASEQ.

Each function takes a frame and returns a new frame with the variable(s) it names added; nothing
is modified in place. ADQSALS, ADRE, ADSLOPE and ADRESP all use these, so each rule exists once.

The record-level frames (millions of rows at pool scale) hold their text as categoricals over sorted
categories (:func:`cdisc_als.distinct.encode_text`); the functions here keep it that way: a small table
joined to them is encoded over the same categories first (:func:`merge_table`), and a flag is a
categorical of ``'Y'``.  They take plain text columns just as well.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cdisc_als.distinct import (compute_blank, compute_rank_order, compute_ranks, compute_run_positions,
                                compute_sort_order, compute_tuple_codes, compute_value_codes, encode_text,
                                reorder_rows, share_categories)
from cdisc_als.errors import UserError

EXCLUSION_COLUMNS = ["domain", "USUBJID", "seq", "testcd", "reason"]
ADSL_BDS_VARS = {"STUDYID": "STUDYID", "SUBJID": "SUBJID", "SITEID": "SITEID", "TRTP": "TRT01P",
                 "TRTA": "TRT01A", "FASFL": "FASFL"}


def require_columns(frame: pd.DataFrame, columns: Sequence[str], *, dataset: str) -> None:
    """Raise a one-line :class:`UserError` naming the first column of ``columns`` missing in ``frame``."""
    for col in columns:
        if col not in frame.columns:
            raise UserError(f"required variable missing from {dataset.upper()}", file=f"{dataset.lower()}.xpt",
                            column=col)


def merge_table(dataset: pd.DataFrame, table: pd.DataFrame, on: str | list[str]) -> pd.DataFrame:
    """``dataset.merge(table, on=on, how="left")`` for a small ``table``: where a key of ``dataset`` is a
    categorical, the table's key is encoded over its categories first (a table row whose key ``dataset``
    cannot hold would match nothing and is left out) and the table's text columns become categoricals, so
    the join and the columns it adds work on codes, not on one Python object per record."""
    keys = [on] if isinstance(on, str) else list(on)
    table = table.copy()
    for key in keys:
        if isinstance(dataset[key].dtype, pd.CategoricalDtype):
            categories = dataset[key].cat.categories
            table = table[categories.get_indexer(table[key].astype(object)) >= 0]
            table[key] = encode_text(table[key], categories)
    if any(isinstance(dataset[key].dtype, pd.CategoricalDtype) for key in keys):
        for column in table.columns.difference(keys):
            if table[column].dtype == object or table[column].dtype == "str":
                table[column] = encode_text(table[column])
    return dataset.merge(table, on=keys, how="left")


def encode_record_text(records: pd.DataFrame, adsl: pd.DataFrame, paramcds: Sequence[str]) -> pd.DataFrame:
    """A BDS frame's text as categoricals: USUBJID over its own and ADSL's subjects, PARAMCD over its own codes
    and ``paramcds`` (those the derivation will add), AVISIT, SRCDOM and SRCVAR over their own values."""
    subjects, _ = share_categories(records["USUBJID"], adsl["USUBJID"])
    codes = pd.Index(pd.unique(np.r_[records["PARAMCD"].astype(object).unique(), list(paramcds)]), dtype=object)
    out = records.assign(USUBJID=subjects, PARAMCD=encode_text(records["PARAMCD"], codes.dropna().sort_values()))
    return out.assign(**{c: encode_text(out[c]) for c in ("AVISIT", "SRCDOM", "SRCVAR") if c in out})


def constant_text(value: str, size: int) -> pd.Categorical:
    """``size`` records holding the text ``value``, as a categorical (one byte per record, not one object)."""
    return pd.Categorical.from_codes(np.zeros(size, dtype=np.int8), categories=pd.Index([value], dtype=object))


def missing_like(column: pd.Series, size: int):
    """``size`` missing values of ``column``'s kind: NaN for numbers, a missing code of its categorical,
    else None."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return pd.Categorical.from_codes(np.full(size, -1, dtype=np.int8), dtype=column.dtype)
    if column.dtype.kind == "f":
        return np.full(size, np.nan)
    return np.full(size, None, dtype=object)


def derive_var_extreme_flag(dataset: pd.DataFrame, *, by_vars: Sequence[str], order: Sequence[str],
                            new_var: str, mode: str = "last", ascending: Sequence[bool] | None = None,
                            filter: pd.Series | None = None) -> pd.DataFrame:
    """Flag ('Y', else null: a categorical of 'Y') the first or last record of each ``by_vars`` group after
    sorting by ``order``.

    Only records where ``filter`` is True compete (admiral ``derive_var_extreme_flag``).

    >>> d = pd.DataFrame({"USUBJID": ["1", "1", "1"], "ADY": [-5, 1, 9]})
    >>> derive_var_extreme_flag(d, by_vars=["USUBJID"], order=["ADY"], new_var="ABLFL",
    ...                         filter=d["ADY"] <= 1)["ABLFL"].tolist()
    [nan, 'Y', nan]
    """
    keep = np.ones(len(dataset), dtype=bool) if filter is None else filter.fillna(False).to_numpy(dtype=bool)
    competing = np.flatnonzero(keep)
    ranked = dataset.iloc[competing]
    # sorted on integer ranks: the groups, then ``order`` (missing last, descending where asked), ties in row
    # order, as a stable sort on ``order`` followed by keeping each group's first or last record gives it
    group = compute_tuple_codes([compute_ranks(ranked[c]) for c in by_vars]) if len(competing) else competing
    keys = [group]
    for column, up in zip(order, ascending if ascending is not None else [True] * len(order)):
        rank = compute_ranks(ranked[column])
        if not up:
            missing = ranked[column].isna().to_numpy()
            top = rank[~missing].max() if (~missing).any() else 0
            rank = np.where(missing, top + 1, top - rank)
        keys.append(rank)
    position = compute_rank_order(keys, len(competing))
    sorted_group = group[position]
    edge = np.r_[sorted_group[1:] != sorted_group[:-1], True] if mode == "last" else \
        np.r_[True, sorted_group[1:] != sorted_group[:-1]]
    flag = np.full(len(dataset), -1, dtype=np.int8)
    flag[competing[position[edge[:len(position)]]]] = 0
    return dataset.assign(**{new_var: pd.Series(pd.Categorical.from_codes(flag, categories=["Y"]),
                                                index=dataset.index)})


def derive_var_ablfl(dataset: pd.DataFrame, *, by_vars: Sequence[str] = ("USUBJID", "PARAMCD"),
                     filter: pd.Series | None = None) -> pd.DataFrame:
    """ABLFL = 'Y' on the last record with AVAL on or before first treatment (ADY <= 1) per ``by_vars``.

    Ties on one day go to the highest SRCSEQ. Subjects without treatment get no baseline (their ADY
    is the SDTM study day): the helper column ``_TREATED`` must be True.
    """
    eligible = (dataset["ADY"] <= 1) & dataset["AVAL"].notna() & dataset["_TREATED"]
    if filter is not None:
        eligible &= filter
    return derive_var_extreme_flag(dataset, by_vars=by_vars, order=["ADY", "SRCSEQ"], new_var="ABLFL",
                                   filter=eligible)


def derive_vars_base_chg(dataset: pd.DataFrame, *, by_vars: Sequence[str] = ("USUBJID", "PARAMCD")) -> pd.DataFrame:
    """BASE = AVAL of the ABLFL record per ``by_vars``; CHG = AVAL - BASE and PCHG = 100 * CHG / BASE
    on post-baseline records (ADY > 1). ADaMIG 1.3 BDS BASE/CHG/PCHG.
    """
    base = dataset.loc[dataset["ABLFL"] == "Y", list(by_vars) + ["AVAL"]].rename(columns={"AVAL": "BASE"})
    out = dataset.drop(columns=["BASE"], errors="ignore").merge(base, on=list(by_vars), how="left")
    post = out["ADY"] > 1
    out["CHG"] = (out["AVAL"] - out["BASE"]).where(post)
    out["PCHG"] = (100 * out["CHG"] / out["BASE"]).where(out["BASE"] != 0)
    return out


def derive_var_aseq(dataset: pd.DataFrame, *, order: Sequence[str]) -> pd.DataFrame:
    """ASEQ = 1, 2, ... within USUBJID after sorting by USUBJID and ``order``."""
    out = reorder_rows(dataset, compute_sort_order(dataset[["USUBJID", *order]]))    # a stable sort, on ranks
    # sorted: a subject's rows are contiguous
    out["ASEQ"] = compute_run_positions(compute_value_codes(out["USUBJID"])).astype("float64")
    return out


def derive_vars_adsl(dataset: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """Copy the subject-level variables a BDS dataset carries (STUDYID, SUBJID, SITEID, TRTP, TRTA, FASFL)."""
    cols = {k: v for k, v in ADSL_BDS_VARS.items() if v in adsl.columns}
    add = adsl[["USUBJID", *dict.fromkeys(cols.values())]]
    add = pd.DataFrame({"USUBJID": add["USUBJID"], **{k: add[v] for k, v in cols.items()}})
    return merge_table(dataset.drop(columns=list(cols), errors="ignore"), add, "USUBJID")


def derive_vars_param(dataset: pd.DataFrame, parameters: pd.DataFrame) -> pd.DataFrame:
    """Add PARAM and PARAMN from a parameter table (paramcd, param, paramn) by PARAMCD."""
    table = parameters.rename(columns={"paramcd": "PARAMCD", "param": "PARAM", "paramn": "PARAMN"})
    table = table[["PARAMCD", "PARAM", "PARAMN"]].astype({"PARAMN": "float64"})
    return merge_table(dataset.drop(columns=["PARAM", "PARAMN"], errors="ignore"), table, "PARAMCD")


def compute_exclusions(rows: pd.DataFrame, mask: pd.Series, reason: str, *, domain: str = "QS") -> pd.DataFrame:
    """Report SDTM ``rows`` under ``mask`` as left out of ADaM with ``reason`` (domain, USUBJID, seq, testcd, reason)."""
    hit = rows[mask]
    return pd.DataFrame({"domain": domain, "USUBJID": hit["USUBJID"].to_numpy(),
                         "seq": to_num(hit[f"{domain}SEQ"]).to_numpy(), "testcd": hit[f"{domain}TESTCD"].to_numpy(),
                         "reason": reason}, columns=EXCLUSION_COLUMNS)


def blank_to_none(series: pd.Series) -> pd.Series:
    """Text with '' or whitespace -> None (read_xpt gives '' for missing text); a categorical stays one, its
    blank categories made missing."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = series.cat.categories
        return series.cat.remove_categories(categories[compute_blank(pd.Series(categories, dtype=object)).to_numpy()])
    text = series.astype(object)
    return text.where(~compute_blank(text), None)


def to_num(series: pd.Series) -> pd.Series:
    """Numeric float64 with NaN for blanks and non-numbers."""
    return pd.to_numeric(series.replace("", np.nan) if series.dtype == object else series,
                         errors="coerce").astype("float64")


__all__ = ["EXCLUSION_COLUMNS", "compute_exclusions", "require_columns", "derive_var_extreme_flag", "derive_var_ablfl", "derive_vars_base_chg",
           "derive_var_aseq", "derive_vars_adsl", "derive_vars_param", "blank_to_none", "to_num",
           "merge_table", "encode_record_text", "missing_like", "constant_text"]
