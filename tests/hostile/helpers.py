"""Plain helpers for tests that drive the CLI: in-process calls, folder snapshots, fixture copies, checks."""
from __future__ import annotations

import contextlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

from cdisc_als.cli.main import main

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"


@dataclass(frozen=True)
class Roles:
    """Which raw file and column of a layout plays each part in the hostile cases."""

    folder: str
    qs: str
    subject: str
    date: str
    item: str
    fvc: str
    fvc_value: str
    ae: str
    term: str
    ae_start: str
    dm: str


ROLES = {
    "site-edc": Roles("edc", "alsfrs.csv", "SUBJECT", "VISIT_DATE", "Q1_SPEECH", "spirometry.csv", "FVC_VALUE",
                      "adverse_events.csv", "AE_VERBATIM", "START_DATE", "demographics.csv"),
    "proact": Roles("proact", "PROACT_ALSFRS.csv", "subject_id", "ALSFRS_Delta", "Q1_Speech", "PROACT_FVC.csv",
                    "Subject_Liters_Trial_1", "PROACT_ADVERSEEVENTS.csv", "Lowest_Level_Term", "Start_Date_Delta",
                    "PROACT_DEMOGRAPHICS.csv"),
}


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("cdisc-als: error:")]


def call_cli(*args: object) -> Outcome:
    """Run the CLI in this process; returns the exit code and what it printed."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return Outcome(code, out.getvalue(), err.getvalue())


def snapshot(folder: Path) -> dict[str, bytes] | None:
    """Every file under ``folder`` with its bytes (None when the folder does not exist)."""
    if not folder.exists():
        return None
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def copy_raw(layout: str, dest: Path) -> Path:
    """A private copy of the layout's fixture folder to damage."""
    target = dest / "raw"
    shutil.copytree(FIXTURES / ROLES[layout].folder, target, ignore=shutil.ignore_patterns("DEFECTS.csv"))
    return target


def assert_failed_cleanly(result: Outcome, *, file: Path, row: int | None = None, column: str | None = None,
                          out_before: dict | None = None, out_dir: Path | None = None) -> None:
    """Non-zero exit, exactly one one-line error naming the file (row, column), no traceback, no output."""
    assert result.code != 0, result.err
    assert "Traceback" not in result.err
    assert len(result.error_lines) == 1, result.err
    line = result.error_lines[0]
    assert str(file) in line, line
    if row is not None:
        assert f"row {row}" in line, line
    if column is not None:
        assert f"column {column}" in line, line
    if out_dir is not None:
        assert snapshot(out_dir) == out_before, f"{out_dir} changed although the command failed"
        leftovers = [p.name for p in out_dir.parent.iterdir() if p.name.startswith(f".{out_dir.name}-")]
        assert not leftovers, f"temporary folders left behind: {leftovers}"
