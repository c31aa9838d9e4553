"""The ADaM study spec resolves every label/type from the guides and stays within XPT limits."""
from __future__ import annotations

import re

import pandas as pd

from cdisc_als.metadata.spec import load_spec, read_table
from cdisc_als.metadata.study import load_study_spec


def test_every_variable_has_label_and_type_within_limits():
    v = load_study_spec("adam").variables
    assert (v["label"].str.len().between(1, 40)).all()
    assert set(v["type"]) == {"Char", "Num"}
    assert (v["variable"].str.fullmatch(r"[A-Z][A-Z0-9]{0,7}")).all()


def test_placeholder_variables_take_the_guide_label_with_digits():
    v = load_study_spec("adam").variables.set_index(["dataset", "variable"])
    ig = load_spec("adamig-1.3").variables
    trtxxp = ig.loc[ig["variable"] == "TRTxxP", "label"].iat[0]
    assert v.at[("ADSL", "TRT01P"), "label"] == trtxxp.replace("xx", "01")
    crit = ig.loc[ig["variable"] == "CRITyFL", "label"].iat[0]
    assert v.at[("ADRESP", "CRIT1FL"), "label"] == crit.replace(" y ", " 1 ")


def test_blank_spec_labels_are_filled_only_from_the_guides():
    raw = read_table("adam/variables.csv")
    resolved = load_study_spec("adam").variables
    ig = pd.concat([load_spec("adamig-1.3").variables["label"], load_spec("sdtmig-3.4").variables["label"]])
    patterns = [re.compile("^" + re.sub(r"\b(xx|zz|y|w)\b", r"\\d{1,2}", re.escape(lab)) + "$") for lab in set(ig)]
    for label in resolved.loc[(raw["label"] == "").to_numpy(), "label"]:
        assert any(p.match(label) for p in patterns), label


def test_methods_and_parameters_are_consistent():
    spec = load_study_spec("adam")
    used = set(spec.variables["method"]) - {""}
    assert used <= set(spec.methods["id"])
    assert spec.parameters["paramcd"].str.fullmatch(r"[A-Z][A-Z0-9_]{0,7}").all()
    assert not spec.parameters.duplicated(["dataset", "paramcd"]).any()
    assert set(spec.datasets["dataset"]) == set(spec.variables["dataset"])
    assert (spec.variables.loc[spec.variables["variable"].str.endswith("DT"), "format"] == "DATE9.").all()
    assert isinstance(spec.dataset_variables("ADSL"), pd.DataFrame)
