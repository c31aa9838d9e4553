"""The metadata source: loads, answers, and regenerates byte for byte."""
from __future__ import annotations

import filecmp

from cdisc_als.metadata import build_specs
from cdisc_als.metadata.spec import load_instrument, load_spec, specs_dir


def test_sdtm_model_has_domains_in_ig_order():
    spec = load_spec("sdtmig-3.4")
    qs = spec.dataset_variables("QS")
    assert qs["variable"].iloc[:4].tolist() == ["STUDYID", "DOMAIN", "USUBJID", "QSSEQ"]
    assert qs.set_index("variable").loc["QSCAT", "codelist"] == "C100129"
    assert spec.model_name("SUPPDM") == "SUPPQUAL"
    assert spec.model_name("QSSL") == "QS"


def test_sponsor_alsfrs_terms_are_marked_and_extend_qscat():
    spec = load_spec()
    assert {"ALSFRS-R", "ALSFRS"} <= set(spec.codelist_values("C100129"))
    ext = spec.terms[(spec.terms.codelist == "C100129") & (spec.terms.value == "ALSFRS-R")]
    assert ext["extended"].tolist() == ["Yes"]
    sponsor = spec.codelists[spec.codelists.source == "SPONSOR"]
    assert "ALSRTC" in set(sponsor["codelist"])
    items = load_instrument()
    revised = items[items.scale == "ALSFRS-R"]
    assert len(revised) == 14 and revised["testcd"].str.len().max() <= 8
    assert revised["test"].str.len().max() <= 40
    # the original ALSFRS never shares a code with the revised scale
    assert not set(revised["testcd"]) & set(items[items.scale == "ALSFRS"]["testcd"])


def test_regenerating_specs_gives_identical_files(standards_dir, tmp_path):
    written = build_specs.build(standards_dir.parent, tmp_path)
    assert written
    for path in written:
        committed = specs_dir() / path.relative_to(tmp_path)
        assert filecmp.cmp(path, committed, shallow=False), committed
