"""Trial design domains: TS, TE, TA, TV from specs/trials + the layout, SE from the data.

Expected values are computed independently: CT from the specs CSVs read with pandas, dates from the
raw fixture CSVs parsed with pandas, the XPTs read back with pyreadstat.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
import yaml

from cdisc_als.conversion import convert
from cdisc_als.errors import UserError
from cdisc_als.ingest.layout import load_layout
from cdisc_als.metadata.spec import load_spec, specs_dir
from cdisc_als.metadata.trial import load_trial_design
from cdisc_als.sdtm.trial_design import build_se, build_ta

ROOT = Path(__file__).resolve().parents[2]
DESIGN = specs_dir() / "trials" / "msc-ntf.yaml"


def read(out: Path, name: str) -> pd.DataFrame:
    frame, _ = pyreadstat.read_xport(str(out / "sdtm" / f"{name}.xpt"))
    return frame


def raw_date(text: pd.Series) -> pd.Series:
    return pd.to_datetime(text, format="%d-%b-%Y", errors="coerce")


@pytest.fixture(scope="module")
def edc(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("td-edc")
    convert(ROOT / "fixtures" / "edc", out, layout="site-edc", study="MSCNTF01")
    return out


@pytest.fixture(scope="module")
def ct() -> pd.DataFrame:
    return pd.read_csv(specs_dir() / "ct" / "sdtm-ct-2025-03-28" / "terms.csv", dtype=str, keep_default_na=False)


def test_ts_parameters_and_codes_come_from_ct(edc, ct):
    ts = read(edc, "ts")
    design = yaml.safe_load(DESIGN.read_text())
    assert set(ts["TSPARMCD"]) == {p["parmcd"] for p in design["summary"]}
    parmcd = ct[ct["codelist"] == "C66738"].set_index("value")["code"]
    parm = ct[ct["codelist"] == "C67152"].set_index("code")["value"]
    assert (ts["TSPARM"] == ts["TSPARMCD"].map(parmcd).map(parm)).all()
    coded = ts[ts["TSVCDREF"] == "CDISC CT"]
    assert set(coded["TSPARMCD"]) >= {"TPHASE", "STYPE", "TBLIND", "TCNTRL", "SEXPOP", "RANDOM"}
    by_value = ct.drop_duplicates(["code", "value"]).groupby("value")["code"].apply(set)
    assert all(code in by_value[value] for value, code in zip(coded["TSVAL"], coded["TSVALCD"]))
    assert (coded["TSVCDVER"] == "2025-03-28").all()
    assert ts.loc[ts["TSPARMCD"] == "TPHASE", "TSVAL"].tolist() == ["PHASE I/II TRIAL"]
    # TSVAL is null exactly where a null flavor is given (SDTMIG v3.4 TS; P21 SD2017/SD2018)
    assert ((ts["TSVAL"] == "") == (ts["TSVALNF"] != "")).all()
    assert not ts.duplicated(["TSPARMCD", "TSSEQ"]).any()
    assert ts.groupby("TSPARMCD")["TSSEQ"].apply(lambda s: list(s) == list(range(1, len(s) + 1))).all()


def test_ts_study_dates_and_counts_are_derived_from_the_raw_data(edc):
    ts = read(edc, "ts").set_index("TSPARMCD")["TSVAL"]
    demo = pd.read_csv(ROOT / "fixtures" / "edc" / "demographics.csv", dtype=str, keep_default_na=False)
    assert ts["SSTDTC"] == raw_date(demo["CONSENT_DATE"]).min().strftime("%Y-%m-%d")
    assert ts["ACTSUB"] == str(demo["SUBJECT"].nunique())
    assert ts["NARMS"] == "3"
    assert ts["SENDTC"] == ts["DCUTDTC"] == read(edc, "dm")["RFPENDTC"].max()
    assert ts["SDTIGVER"] == "3.4"


def test_ta_te_tv_follow_the_design_and_the_layout(edc):
    ta, te, tv = read(edc, "ta"), read(edc, "te"), read(edc, "tv")
    layout = yaml.safe_load((specs_dir() / "layouts" / "site-edc.yaml").read_text())
    arm_names = {v["armcd"]: v["arm"] for v in layout["arms"].values()}
    assert (ta["ARM"] == ta["ARMCD"].map(arm_names)).all()
    assert set(ta["ETCD"]) <= set(te["ETCD"]) and te["ETCD"].is_unique
    assert ta.groupby("ARMCD")["EPOCH"].apply(list).map(tuple).unique().tolist() == \
        [("SCREENING", "RUN-IN", "TREATMENT", "FOLLOW-UP")]
    visits = pd.DataFrame(list(layout["visits"].values()))
    assert tv["VISITNUM"].tolist() == sorted(visits["visitnum"].astype(float))
    assert dict(zip(tv["VISIT"], tv["VISITDY"])) == dict(zip(visits["visit"], visits["visitdy"].astype(float)))
    assert (tv["ARMCD"] == "").all()
    # every EPOCH in the data is an epoch of TA; every planned visit in the data is in TV
    for name in ("qs", "re", "ae", "ex", "ds", "se"):
        frame = read(edc, name)
        assert set(frame["EPOCH"]) - {""} <= set(ta["EPOCH"]), name
    sv = read(edc, "sv")
    planned = sv[~sv["VISIT"].str.startswith("UNSCHEDULED")]
    assert set(zip(planned["VISITNUM"], planned["VISIT"])) <= set(zip(tv["VISITNUM"], tv["VISIT"]))


def test_se_elements_are_contiguous_and_start_at_the_raw_events(edc):
    se, dm = read(edc, "se"), read(edc, "dm").set_index("USUBJID")
    ta = read(edc, "ta")
    demo = pd.read_csv(ROOT / "fixtures" / "edc" / "demographics.csv", dtype=str, keep_default_na=False)
    trt = pd.read_csv(ROOT / "fixtures" / "edc" / "treatment.csv", dtype=str, keep_default_na=False)
    usubjid = "MSCNTF01-" + demo["SUBJECT"]
    consent = pd.Series(raw_date(demo["CONSENT_DATE"]).dt.strftime("%Y-%m-%d").values, index=usubjid)
    transplant = pd.Series(raw_date(trt["TRANSPLANT_DATE"]).dt.strftime("%Y-%m-%d").values,
                           index="MSCNTF01-" + trt["SUBJECT"])
    se = se.sort_values(["USUBJID", "SESEQ"])
    first = se.groupby("USUBJID").first()
    assert (first["SESTDTC"] == consent.reindex(first.index)).all()
    assert (first["ETCD"] == "SCRN").all()
    treat = se[se["EPOCH"] == "TREATMENT"].set_index("USUBJID")
    assert (treat["SESTDTC"] == transplant.reindex(treat.index)).all()
    nxt = se.groupby("USUBJID")["SESTDTC"].shift(-1)
    assert (se["SEENDTC"][nxt.notna()] == nxt.dropna()).all()
    last = se.groupby("USUBJID").last()
    assert (last["SEENDTC"] == dm["RFPENDTC"].reindex(last.index)).all()
    # the element of each record is the one TA gives the subject's arm at that order
    arm = se["USUBJID"].map(dm["ACTARMCD"])
    expected = pd.MultiIndex.from_arrays([arm, se["TAETORD"]]).map(ta.set_index(["ARMCD", "TAETORD"])["ETCD"])
    assert (se["ETCD"].values == np.asarray(expected)).all()
    # study days against RFSTDTC, no day 0
    ref = pd.to_datetime(se["USUBJID"].map(dm["RFSTDTC"]))
    days = (pd.to_datetime(se["SESTDTC"]) - ref).dt.days
    assert np.array_equal(se["SESTDY"].values, np.where(days >= 0, days + 1, days))


def _frames():
    """Three subjects: treated with screening, treated without a screening visit, never treated."""
    dm = pd.DataFrame({"STUDYID": "S", "USUBJID": ["S-1", "S-2", "S-3"], "ARMCD": ["IM", "IT", "IT"],
                       "ACTARMCD": ["IM", "IT", ""], "RFICDTC": ["2020-01-01", "2020-01-01", "2020-01-01"],
                       "RFPENDTC": ["2020-06-01", "2020-06-01", "2020-02-15"]})
    day = lambda iso: float((pd.Timestamp(iso) - pd.Timestamp("1960-01-01")).days)  # noqa: E731
    refs = pd.DataFrame({"TRT_DAY": [day("2020-03-01"), day("2020-03-01"), np.nan],
                         "SCREEN_DAY": [day("2020-01-10"), np.nan, day("2020-01-10")]},
                        index=pd.Index(dm["USUBJID"], name="USUBJID"))
    refs["REF_DAY"] = refs["TRT_DAY"]
    return dm, refs


def test_build_se_leaves_out_unknown_elements():
    spec = load_spec()
    design = load_trial_design("msc-ntf", spec)
    ta = build_ta(design, study_id="S", layout=load_layout("site-edc"))
    dm, refs = _frames()
    se = build_se(ta, dm=dm, refs=refs, design=design, axis="dates", anchor_day=None)
    got = se.groupby("USUBJID")["ETCD"].apply(list).to_dict()
    assert got == {"S-1": ["SCRN", "RUNIN", "TRTIM", "FU"], "S-2": ["SCRN", "TRTIT", "FU"], "S-3": ["SCRN", "RUNIN"]}
    s2 = se[se["USUBJID"] == "S-2"].set_index("ETCD")
    assert s2.at["SCRN", "SEENDTC"] == "2020-03-01" == s2.at["TRTIT", "SESTDTC"]
    assert s2.at["TRTIT", "SEENDTC"] == "2020-03-02" == s2.at["FU", "SESTDTC"]
    s3 = se[se["USUBJID"] == "S-3"].set_index("ETCD")
    assert s3.at["RUNIN", "SEENDTC"] == "2020-02-15"
    assert build_se(ta, dm=dm, refs=refs, design=design, axis="offsets", anchor_day=None).empty


def _write_design(tmp_path: Path, change) -> Path:
    doc = yaml.safe_load(DESIGN.read_text())
    change(doc)
    path = tmp_path / "design.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.mark.parametrize("change, message", [
    (lambda d: d["summary"].append({"parmcd": "NOTAPARM", "value": "x"}), "TSPARMCD not in CDISC CT"),
    (lambda d: d["summary"].append({"parmcd": "TBLIND", "value": "HALF BLIND", "codelist": "TBLIND"}),
     "not in codelist TBLIND"),
    (lambda d: d["arms"].update({"XX": ["SCRN", "NOPE"]}), "elements the design does not define"),
    (lambda d: d["summary"].append({"parmcd": "TITLE", "value": "x" * 201}), "trial design schema"),
    (lambda d: d["summary"].append({"parmcd": "ADDON"}), "trial design schema"),
])
def test_bad_design_files_are_user_errors(tmp_path, change, message):
    with pytest.raises(UserError, match=message):
        load_trial_design(str(_write_design(tmp_path, change)), load_spec())


def test_a_layout_can_name_a_design_beside_it(tmp_path):
    design = _write_design(tmp_path, lambda d: d.update(name="other"))
    layout = yaml.safe_load((specs_dir() / "layouts" / "site-edc.yaml").read_text())
    layout["trial"] = design.name
    (tmp_path / "mine.yaml").write_text(yaml.safe_dump(layout))
    loaded = load_layout(str(tmp_path / "mine.yaml"))
    assert Path(loaded.trial) == design
    assert load_trial_design(loaded.trial, load_spec()).name == "other"
