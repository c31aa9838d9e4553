"""A small SDTM + ADaM package written by cdisc_als from the bundled fixture trial, with its defines."""
from __future__ import annotations

from pathlib import Path

import pytest

from cdisc_als.adam.build import derive_adam, read_sdtm, write_adam
from cdisc_als.config import Settings
from cdisc_als.conversion import convert
from cdisc_als.define.write import write_define

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture(scope="session")
def package(tmp_path_factory) -> dict[str, Path]:
    """``{"sdtm": folder, "adam": folder}``, each holding XPTs plus define.xml/define.html."""
    out = tmp_path_factory.mktemp("package")
    convert(FIXTURES / "edc", out, layout="site-edc", study="MSCNTF01")
    (out / "adam").mkdir()
    write_adam(derive_adam(read_sdtm(out / "sdtm")), out / "adam", Settings())
    folders = {"sdtm": out / "sdtm", "adam": out / "adam"}
    for kind, folder in folders.items():
        write_define(folder, kind=kind)
    return folders
