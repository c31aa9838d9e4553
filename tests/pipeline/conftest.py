"""Whole-pipeline runs shared by the reproducibility and reconciliation tests (each run costs seconds).

``runs(layout, tag, epoch=None)`` runs ``cdisc-als run`` in-process on a copy of the fixture trial once per
(layout, tag, epoch) and returns the output folder.  The site-EDC copy carries a row-level defect (an
impossible visit date) so that the runs also show a hostile row turning into a reject, not a failure.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.corpus import read_text_table, write_csv
from tests.hostile.helpers import ROLES, call_cli, copy_raw

IMPOSSIBLE_ROW = 3          # 1-based data row of the questionnaire form that gets 30-FEB-2014
STUDY = "MSCNTF01"


def prepare_input(layout: str, base: Path) -> Path:
    raw = copy_raw(layout, base)
    if layout == "site-edc":
        roles = ROLES[layout]
        frame = read_text_table(raw / roles.qs)
        frame.at[IMPOSSIBLE_ROW - 1, roles.date] = "30-FEB-2014"
        write_csv(frame, raw / roles.qs)
    return raw


@pytest.fixture(scope="session")
def runs(tmp_path_factory):
    made: dict[tuple, Path] = {}

    def get(layout: str, tag: str = "a", epoch: int | None = None) -> Path:
        key = (layout, tag, epoch)
        if key not in made:
            base = tmp_path_factory.mktemp(f"run-{layout}-{tag}")
            raw = prepare_input(layout, base)
            with pytest.MonkeyPatch.context() as env:
                if epoch is None:
                    env.delenv("SOURCE_DATE_EPOCH", raising=False)
                else:
                    env.setenv("SOURCE_DATE_EPOCH", str(epoch))
                result = call_cli("run", "--layout", layout, "--study", STUDY, raw, "--out", base / "out")
            assert result.code == 0 and "Traceback" not in result.err, result.err
            made[key] = base / "out"
        return made[key]
    return get
