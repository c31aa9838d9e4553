"""define.xml rules on in-memory metadata, and the standard read from the reference define.xml files."""
from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from cdisc_als.validate.define import define_standard, load_define, standard_from_names
from casebook import build_datasets


def define_from_case(spec: dict) -> SimpleNamespace:
    """A define stand-in: datasets, and variables (all columns of the case's datasets when all_columns)."""
    rows = []
    if spec.get("all_columns"):
        for name, ds in build_datasets({}).items():
            if name in spec["datasets"]:
                rows += [{"dataset": name, "variable": c, "type": v.type, "label": ""}
                         for c, v in zip(ds.frame.columns, ds.variables)]
    for name, items in spec.get("variables", {}).items():
        for var, (kind, label) in items.items():
            rows = [r for r in rows if not (r["dataset"] == name and r["variable"] == var)]
            rows.append({"dataset": name, "variable": var, "type": kind, "label": label})
    labels = spec.get("dataset_labels", {})
    return SimpleNamespace(datasets=pd.DataFrame({"dataset": spec["datasets"],
                                                  "label": [labels.get(d, "") for d in spec["datasets"]]}),
                           variables=pd.DataFrame(rows, columns=["dataset", "variable", "type", "label"]))


@pytest.mark.parametrize("name, version, expected", [
    ("SDTM-IG", "3.1.2", "sdtmig-3.1.2"), ("SDTMIG", "3.2", "sdtmig-3.2"), ("STDTMIG", "3.3", "sdtmig-3.3"),
    ("ADaMIG", "1.1", "adamig-1.1"), ("CDISC/NCI", "2020-12-18", None), ("SDTMIG", "", None)])
def test_standard_from_names(name, version, expected):
    assert standard_from_names(name, version) == expected


@pytest.mark.parametrize("folder, expected", [("cdiscpilot01/sdtm", "sdtmig-3.1.2"), ("cdiscpilot01-tdf", "sdtmig-3.2"),
                                              ("sdtm-msg", "sdtmig-3.3"), ("adam-msg", "adamig-1.1")])
def test_reference_define_standard(reference_dir, folder, expected):
    assert define_standard(load_define(reference_dir / folder / "define.xml")) == expected
