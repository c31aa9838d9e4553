"""Written ADaM XPTs read back with pandas.read_sas and pyreadstat; reruns give identical bytes."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from cdisc_als.adam.build import derive_adam, write_adam
from cdisc_als.adam.plots import write_plots
from cdisc_als.adam.tables import write_slope_table
from cdisc_als.config import Settings
from cdisc_als.metadata.study import load_study_spec
from tests.adam.factory import item_rows, make_sdtm


def small_trial():
    subjects = []
    for i, (armcd, arm) in enumerate([("IT", "MSC-NTF IT"), ("ITIM", "MSC-NTF IT+IM"), ("IM", "MSC-NTF IM")] * 2):
        qs, re = [], []
        for v, day in enumerate([-90, -45, 1, 60, 120, 180], start=1):
            qs += item_rows(day, v, [max(0, 4 - (v + i) // 3)] * 12)
            re += [(day, v, "FVC", 3.5 - 0.1 * v + 0.01 * e, e) for e in (1, 2)]
            re += [(day, v, "FVCPP", 90 - 2 * v + e, e) for e in (1, 2)]
        subjects.append({"usubjid": f"S-{i:02d}", "armcd": armcd, "arm": arm, "trt_day": 1, "qs": qs, "re": re})
    subjects.append({"usubjid": "S-99", "armcd": "", "arm": "", "trt_day": None, "qs": item_rows(5, 1, [3] * 12)})
    return make_sdtm(subjects)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    data = derive_adam(small_trial())
    out = tmp_path_factory.mktemp("adam")
    paths = {name: report.path for name, report in write_adam(data, out, Settings()).items()}
    return data, paths


def test_xpts_read_back_with_pandas_and_pyreadstat(written):
    data, paths = written
    spec = load_study_spec("adam")
    for name, path in paths.items():
        frame = data[name]
        by_pandas = pd.read_sas(path, format="xport", encoding="utf-8")
        by_pyreadstat, meta = pyreadstat.read_xport(str(path), disable_datetime_conversion=True)
        assert list(by_pandas.columns) == list(spec.dataset_variables(name)["variable"]) == list(frame.columns)
        assert len(by_pandas) == len(by_pyreadstat) == len(frame)
        for var, typ in zip(spec.dataset_variables(name)["variable"], spec.dataset_variables(name)["type"]):
            if typ == "Num":
                # pandas.read_sas decodes an XPT zero as 5.4e-79 (a pandas quirk), hence the absolute tolerance
                np.testing.assert_allclose(by_pandas[var].to_numpy(float), frame[var].to_numpy(float), rtol=1e-12,
                                           atol=1e-70, equal_nan=True)
                np.testing.assert_array_equal(by_pyreadstat[var].to_numpy(float), frame[var].to_numpy(float))
            else:
                expect = frame[var].astype(object).where(frame[var].notna(), "").astype(str).to_numpy()
                assert list(by_pyreadstat[var].astype(str)) == list(expect)
        labels = dict(zip(meta.column_names, meta.column_labels))
        assert labels == dict(zip(spec.dataset_variables(name)["variable"], spec.dataset_variables(name)["label"]))
    _, meta = pyreadstat.read_xport(str(paths["ADSL"]))
    assert meta.original_variable_types["TRTSDT"].startswith("DATE")


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_outputs_are_byte_identical_on_rerun(tmp_path):
    data = derive_adam(small_trial())
    for run in ("a", "b"):
        folder = tmp_path / run
        folder.mkdir()
        write_adam(data, folder, Settings())
        write_slope_table(data, folder, Settings())
        write_plots(data, folder, Settings())
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert {"slopes.csv", "slopes.md", "spaghetti_ALSRSLP.png", "slopes_before_after.png"} <= set(digest(tmp_path / "a"))
    png = (tmp_path / "a" / "slopes_before_after.png").read_bytes()
    assert b"Software" not in png and b"Creation" not in png


def test_cli_reports_a_missing_folder_in_one_line(tmp_path, capsys):
    from cdisc_als.cli.main import main

    with pytest.raises(SystemExit) as done:
        main(["derive", str(tmp_path / "nope"), "--out", str(tmp_path / "adam")])
    assert done.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "SDTM folder not found" in err[0]
    assert not (tmp_path / "adam").exists()


def test_derive_command_end_to_end(tmp_path):
    xport = pytest.importorskip("cdisc_als.xport")
    if not hasattr(xport, "read_xpt"):
        pytest.skip("cdisc_als.xport.read_xpt is not there yet")
    from cdisc_als.cli.main import main
    from cdisc_als.export.dataset import DatasetMeta, write_dataset
    from cdisc_als.metadata.spec import load_spec

    sdtm_dir = tmp_path / "sdtm"
    sdtm_dir.mkdir()
    for name, frame in small_trial().items():
        types = ["Num" if pd.api.types.is_numeric_dtype(frame[c]) else "Char" for c in frame.columns]
        meta = DatasetMeta(name, name, pd.DataFrame({"variable": frame.columns, "label": frame.columns, "type": types}))
        write_dataset(frame, sdtm_dir, meta)
    assert load_spec("sdtmig-3.4") is not None
    main(["derive", str(sdtm_dir), "--out", str(tmp_path / "out" / "adam")])
    assert {p.name for p in (tmp_path / "out" / "adam").iterdir()} == {f"{n}.xpt" for n in
                                                                        ("adsl", "adqsals", "adre", "adslope", "adresp")}
    assert (tmp_path / "out" / "tables" / "slopes.csv").is_file()
