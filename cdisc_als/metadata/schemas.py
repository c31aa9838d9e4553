"""pandera schemas built from the model metadata, never written by hand.

For an SDTM dataset the schema says: every Required and Expected variable is
present; Required variables are never null or blank; Num variables are
numeric; values of a variable bound to a non-extensible CDISC codelist are
terms of that codelist (extensible and sponsor lists are checked by the
validator, where a value outside them is a warning, not a schema failure).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa

from cdisc_als.distinct import compute_blank, compute_first_rows, compute_value_codes
from cdisc_als.metadata.spec import Spec, read_table


def _not_blank(series: pd.Series) -> pd.Series:
    return ~compute_blank(series)


def ig_values(variable: str) -> set[str]:
    """Values the implementation guide itself allows beside a non-extensible codelist (RACE MULTIPLE)."""
    return _ig_values().get(variable, set())


def _ig_values() -> dict[str, set[str]]:
    table = read_table("ct/ig_values.csv")
    return {variable: set(group) for variable, group in table.groupby("variable")["value"]}


def build_schema(spec: Spec, dataset: str) -> pa.DataFrameSchema:
    """A pandera schema for ``dataset`` (e.g. "QS", "SUPPDM") from the model in ``spec``."""
    model = spec.dataset_variables(dataset)
    bound = {row.variable: row.codelist.split(";")[0] if row.codelist else "" for row in model.itertuples(index=False)}
    extensible = spec.codelists.drop_duplicates("codelist").set_index("codelist")["extensible"]
    closed = {c for c in bound.values() if c in extensible.index and extensible[c] == "No"}
    terms = spec.terms.loc[spec.terms["codelist"].isin(closed)].groupby("codelist")["value"]   # one pass over the CT
    allowed_terms = {codelist: set(values) for codelist, values in terms}
    ig = _ig_values() if closed else {}
    columns = {}
    for row in model.itertuples(index=False):
        variable = row.variable.replace("--", dataset[:2])
        checks = []
        if row.core == "Req":
            checks.append(pa.Check(_not_blank, name="required_not_null", error=f"{variable} is required"))
        codelist = bound[row.variable]
        if codelist in closed:
            allowed = allowed_terms.get(codelist, set()) | ig.get(variable, set())
            checks.append(pa.Check(lambda s, allowed=allowed: ~_not_blank(s) | s.isin(allowed),
                                   name=f"in_codelist_{codelist}", error=f"{variable} not in {codelist}"))
        dtype = "float64" if row.type == "Num" else None
        columns[variable] = pa.Column(dtype, checks=checks, nullable=True, coerce=dtype is not None,
                                      required=row.core in ("Req", "Exp"))
    return pa.DataFrameSchema(columns, strict=False, name=dataset)


def check_dataset(frame: pd.DataFrame, spec: Spec, dataset: str) -> pd.DataFrame:
    """Failure cases of ``frame`` against its schema (empty when conformant): column, check, index, failure_case.

    Every check of the schema is a check per value, so the schema validates a frame holding each
    column's distinct values once, and a value that fails is reported for every row holding it
    (grouped by column and check).
    """
    schema = build_schema(spec, dataset)
    names = [c for c in frame.columns if c in schema.columns]
    # a column without checks whose values are already of the schema's type cannot fail: one row stands for it
    checked = [c for c in names if schema.columns[c].checks or
               (schema.columns[c].dtype is not None and frame[c].dtype != np.float64)]
    codes = {c: compute_value_codes(frame[c]) for c in checked}
    first = {c: compute_first_rows(codes[c]) if c in codes else np.zeros(min(len(frame), 1), dtype=np.intp)
             for c in names}
    size = max((len(f) for f in first.values()), default=0)
    # shorter columns are padded with their first value, whose result is read at its own position
    distinct = pd.DataFrame({c: frame[c].iloc[np.r_[first[c], np.repeat(first[c][:1], size - len(first[c]))]]
                             .reset_index(drop=True) for c in names}, index=pd.RangeIndex(size), copy=False)
    try:
        schema.validate(distinct, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases[["column", "check", "index", "failure_case"]]
    else:
        return pd.DataFrame(columns=["column", "check", "index", "failure_case"])
    whole = cases["index"].isna()                 # about the frame (a column missing), not about values
    pieces = [cases[whole]]
    for (column, check), group in cases[~whole].groupby(["column", "check"], sort=False):
        failing = group["index"].astype(np.int64).to_numpy()
        mine = failing < len(first[column])
        case = pd.Series(group["failure_case"].to_numpy()[mine], index=failing[mine])
        rows = np.flatnonzero(np.isin(codes[column], failing[mine]))
        pieces.append(pd.DataFrame({"column": column, "check": check, "index": frame.index[rows],
                                    "failure_case": case.loc[codes[column][rows]].to_numpy()}))
    return pd.concat(pieces, ignore_index=True)
