"""pandera schemas built from the model metadata, never written by hand.

For an SDTM dataset the schema says: every Required and Expected variable is
present; Required variables are never null or blank; Num variables are
numeric; values of a variable bound to a non-extensible CDISC codelist are
terms of that codelist (extensible and sponsor lists are checked by the
validator, where a value outside them is a warning, not a schema failure).
"""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from cdisc_als.distinct import compute_blank
from cdisc_als.metadata.spec import Spec, read_table


def _not_blank(series: pd.Series) -> pd.Series:
    return ~compute_blank(series)


def ig_values(variable: str) -> set[str]:
    """Values the implementation guide itself allows beside a non-extensible codelist (RACE MULTIPLE)."""
    table = read_table("ct/ig_values.csv")
    return set(table.loc[table["variable"] == variable, "value"])


def build_schema(spec: Spec, dataset: str) -> pa.DataFrameSchema:
    """A pandera schema for ``dataset`` (e.g. "QS", "SUPPDM") from the model in ``spec``."""
    columns = {}
    for row in spec.dataset_variables(dataset).itertuples(index=False):
        variable = row.variable.replace("--", dataset[:2])
        checks = []
        if row.core == "Req":
            checks.append(pa.Check(_not_blank, name="required_not_null", error=f"{variable} is required"))
        codelist = row.codelist.split(";")[0] if row.codelist else ""
        info = spec.codelist_info(codelist) if codelist else None
        if info is not None and info["extensible"] == "No":
            allowed = set(spec.codelist_values(codelist)) | ig_values(variable)
            checks.append(pa.Check(lambda s, allowed=allowed: ~_not_blank(s) | s.isin(allowed),
                                   name=f"in_codelist_{codelist}", error=f"{variable} not in {codelist}"))
        dtype = "float64" if row.type == "Num" else None
        columns[variable] = pa.Column(dtype, checks=checks, nullable=True, coerce=dtype is not None,
                                      required=row.core in ("Req", "Exp"))
    return pa.DataFrameSchema(columns, strict=False, name=dataset)


def check_dataset(frame: pd.DataFrame, spec: Spec, dataset: str) -> pd.DataFrame:
    """Failure cases of ``frame`` against its schema (empty when conformant): column, check, index, failure_case."""
    try:
        build_schema(spec, dataset).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        return cases[["column", "check", "index", "failure_case"]].reset_index(drop=True)
    return pd.DataFrame(columns=["column", "check", "index", "failure_case"])
