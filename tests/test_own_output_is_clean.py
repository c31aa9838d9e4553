"""On clean data written by cdisc_als itself the validator finds no Error, in SDTM or in ADaM.

The synthetic MSC-NTF trial is generated afresh *without* the documented defects (the fixture
generator's own renderers, skipping its defect injection, and without the screen failure who has
measurements but no demographics), then converted, derived, described in
define.xml and validated by ``cdisc_als.pipeline.run``, in both source layouts; PRO-ACT also with an
anchor date (calendar dates) since that path builds SE and puts dates everywhere.
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest

from cdisc_als.pipeline import run
from cdisc_als.xport import read_xpt

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RUNS = {"edc": ("site-edc", None), "proact": ("proact", None), "proact-anchored": ("proact", "2011-06-01")}


@pytest.fixture(scope="module")
def clean_sources(tmp_path_factory) -> Path:
    spec = importlib.util.spec_from_file_location("msc_ntf_generate_clean", FIXTURES / "generate.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    latent = generator.build_trial()
    root = tmp_path_factory.mktemp("clean")
    for layout, files in generator.LAYOUTS.items():
        (root / layout).mkdir()
        frames = generator.render_layout(files, latent)
        # the latent trial has a screen failure measured at screening but never in demographics: leave it out
        enrolled = set(next(f["_subject"] for n, f in frames.items() if "DEMOGRAPHICS" in n.upper()))
        for name, frame in frames.items():
            if "_subject" in frame and (frame["_subject"] != "").all():
                frame = frame[frame["_subject"].isin(enrolled)]
            frame = frame.drop(columns=[c for c in frame.columns if c.startswith("_")])
            generator.write_csv(frame, root / layout / name)
    return root


@pytest.fixture(scope="module", params=sorted(RUNS))
def clean_run(request, clean_sources, tmp_path_factory) -> tuple[str, Path]:
    layout, anchor = RUNS[request.param]
    folder = "edc" if layout == "site-edc" else "proact"
    out = tmp_path_factory.mktemp(request.param)
    run(clean_sources / folder, out, layout=layout, study="MSCNTF01", anchor_date=anchor)
    return request.param, out


@pytest.mark.parametrize("kind", ["sdtm", "adam"])
def test_no_error_findings(clean_run, kind):
    name, out = clean_run
    report = json.loads((out / "validation" / kind / "report.json").read_text(encoding="utf-8"))
    errors = [f"{i['dataset']} {i['rule']} ({i['p21']}): {i['message']} x{i['count']}"
              for i in report["issues"] if i["severity"] == "Error"]
    assert report["summary"]["errors"] == 0, f"{name} {kind}: " + "; ".join(errors)
    assert not errors


def test_nothing_rejected_and_trial_design_written(clean_run):
    """Clean sources lose no row, and the trial design datasets are in the package."""
    name, out = clean_run
    rejects = pd.read_csv(out / "rejects.csv", dtype=str, keep_default_na=False)
    assert rejects.empty, rejects.head().to_string()
    written = {p.stem.upper() for p in (out / "sdtm").glob("*.xpt")}
    assert {"TS", "TA", "TE", "DM"} <= written
    dated = name != "proact"
    assert ("SE" in written) == dated              # SESTDTC is Required: no SE without calendar dates
    assert ("TV" in written) == (name == "edc")    # only the EDC layout has planned visits
    dm = read_xpt(out / "sdtm" / "dm.xpt").frame
    ta = read_xpt(out / "sdtm" / "ta.xpt").frame
    assert set(dm["ARMCD"]) <= set(ta["ARMCD"])
