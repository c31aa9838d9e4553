"""Build packages for the data-driven rule cases in tests/validate/cases/*.yaml.

A case starts from a named base package (``_base.yaml``) or none, then applies edits:

    - id: ae-serious-without-criteria
      rules: [CA0421]            # every listed rule must fail (expect: fail) or pass (expect: pass)
      expect: fail
      base: clean                 # optional; 'clean' = _base.yaml
      standard: sdtmig-3.4        # default sdtmig-3.2 (model rules skip there)
      set: {AE: {AESHOSP: [N, N]}}          # replace whole columns
      cell: {AE: [[1, AESDTH, N]]}          # [row, column, value]
      drop: {AE: [AESDTH]}                  # remove columns
      add: {XX: {COL: [...]}}               # add datasets
      remove: [TS]                          # remove datasets
      meta: {AE: {AETERM: {length: 200, label: "..."}}}
      unreadable: [[BAD, "cannot read bad.xpt"]]
      encoding: {TS: [[TSVAL, 0, "Sponsor’s"]]}
"""
from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from cdisc_als.validate.context import DatasetData, VariableMeta
from cdisc_als.xport import EncodingIssue

CASES = Path(__file__).parent / "cases"


class TextDateLoader(yaml.SafeLoader):
    """SafeLoader that keeps ISO dates as text (SDTM --DTC values are strings)."""


TextDateLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _load(path: Path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=TextDateLoader)


@lru_cache(maxsize=1)
def base_package() -> dict:
    return _load(CASES / "_base.yaml")


def load_cases() -> list[dict]:
    cases = []
    for path in sorted(CASES.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        for case in _load(path):
            cases.append({**case, "file": path.name})
    return cases


def _frame(columns: dict) -> pd.DataFrame:
    data = {}
    for name, values in columns.items():
        numeric = all(v is None or isinstance(v, (int, float)) and not isinstance(v, bool) for v in values) \
            and any(v is not None for v in values)
        if numeric:
            data[name] = pd.Series([float("nan") if v is None else float(v) for v in values], dtype="float64")
        else:
            data[name] = pd.Series(["" if v is None else str(v) for v in values], dtype=object)
    return pd.DataFrame(data)


def build_datasets(case: dict) -> dict[str, DatasetData]:
    """The datasets of one case as DatasetData (labels/lengths from ``meta`` where given)."""
    tables = copy.deepcopy(base_package()) if case.get("base", "clean") == "clean" else {}
    for name in case.get("remove", ()):
        tables.pop(name, None)
    tables.update(copy.deepcopy(case.get("add", {})))
    for name, cols in case.get("set", {}).items():
        tables[name].update(cols)
    for name, cells in case.get("cell", {}).items():
        for row, column, value in cells:
            tables[name][column][row] = value
    for name, cols in case.get("drop", {}).items():
        for col in cols:
            tables[name].pop(col)
    out = {}
    for name, columns in tables.items():
        frame = _frame(columns)
        meta = case.get("meta", {}).get(name, {})
        variables = [VariableMeta(c, meta.get(c, {}).get("label", ""),
                                  "Num" if pd.api.types.is_numeric_dtype(frame[c]) else "Char",
                                  meta.get(c, {}).get("length")) for c in frame.columns]
        issues = [EncodingIssue(var, row, text.encode("cp1252"), text)
                  for var, row, text in case.get("encoding", {}).get(name, ())]
        label = case.get("labels", {}).get(name, f"{name} dataset")
        out[name] = DatasetData(name, frame, label=label, variables=variables, encoding_issues=issues)
    return out
