"""The ``run`` pipeline: convert, define, validate and derive in one go, into OUT_DIR/{sdtm,adam,tables,validation}.

The whole output is built in a temporary sibling folder and moved into
OUT_DIR only when every stage has finished, so a failure leaves nothing
half-written.  No written file is read back: the writer hands back each
dataset exactly as reading its file would give it (``as_read``, text as
categoricals), and that one folder of datasets serves define, validation and
(for SDTM) derive; every consumer works on shallow copies, so none changes
what the others see.

Checking a written folder (define, then validate) needs nothing but that
folder, so the SDTM is checked in a forked child process
(:mod:`cdisc_als.background`) while the parent derives ADaM, and the ADaM is
checked by the parent while a forked child draws the table and plots.  The
larger work stays in the parent, which reuses the memory it has freed; a
child's every new page is a fresh one.  Where fork is not available, or
with ``parallel=False``, the same stages run one after the other.
Each stage's start, wall time and peak memory are kept for the log and for
``benchmarks/pool.py``.
"""
from __future__ import annotations

import resource
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from cdisc_als.config import Settings
from cdisc_als.staging import staged_output


@dataclass
class RunReport:
    out_dir: Path
    stages: list[dict] = field(default_factory=list)      # stage, started, seconds, peak_rss_mib, process
    summary: dict = field(default_factory=dict)
    began: float = field(default_factory=time.perf_counter)

    def timed(self, name: str, action: Callable[[], object], echo: Callable[[str], None],
              process: str = "main") -> object:
        echo(f"{name} ...")                              # a long stage shows it has started
        start = time.perf_counter()
        result = action()
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stages.append({"stage": name, "started": round(start - self.began, 3), "seconds": round(seconds, 3),
                            "peak_rss_mib": round(peak, 1), "process": process})
        echo(f"{name:<16} {seconds:7.2f} s   peak RSS {peak:7.0f} MiB" + ("" if process == "main" else
                                                                        f"   ({process})"))
        return result

    def add(self, stages: list[dict]) -> None:
        """Stages a background process timed (its clock started with this report's), in order of start."""
        self.stages = sorted(self.stages + stages, key=lambda stage: stage["started"])


def validate_and_report(stage: Path, kind: str, read) -> dict[str, int]:
    """Validate one staged folder, write its reports into ``validation/<kind>`` and return the totals by severity.

    Only the detail rows the reports show (``DETAIL_CAP`` per dataset x rule) are built; the counts
    behind every total are complete.
    """
    from cdisc_als.validate.loader import validate_dir
    from cdisc_als.validate.reports import DETAIL_CAP, write_reports

    result = validate_dir(stage / kind, standard="sdtmig-3.4" if kind == "sdtm" else "adamig-1.3", read=read,
                          detail_limit=DETAIL_CAP)
    write_reports(result, stage / "validation" / kind)
    return dict(result.severity_counts)


def run(input_dir: Path, out_dir: Path, *, layout: str, study: str, anchor_date: str | None = None,
        settings: Settings | None = None, validate: bool = True, define: bool = True, parallel: bool = True,
        echo: Callable[[str], None] = lambda m: None) -> RunReport:
    """Run the whole pipeline on a folder of raw files (see the module docstring)."""
    from cdisc_als.adam.build import derive_from_frames, sdtm_from_folder
    from cdisc_als.background import can_fork, cancelled_on_failure, start
    from cdisc_als.conversion import convert

    settings = settings or Settings(study_id=study, anchor_date=anchor_date)
    out_dir = Path(out_dir)
    report = RunReport(out_dir)
    checks = {}

    def check(kind: str, folder, *, background: bool) -> None:
        process = f"checking {kind}" if background and parallel and can_fork() else "main"
        checks[kind] = start(lambda: check_folder(folder, report, stage, kind, study, settings, define=define,
                                                  validate=validate, echo=echo, process=process),
                             parallel=background and parallel)

    with staged_output(out_dir) as stage, cancelled_on_failure(checks.values()):
        converted = report.timed("convert", lambda: convert(
            input_dir, stage, layout=layout, study=study, anchor_date=anchor_date, settings=settings,
            echo=lambda m: echo(f"  {m}"), keep_written=True, parallel=parallel), echo)
        report.summary["reconciliation"] = converted.reconciliation
        sdtm = [sdtm_from_folder(converted.written)]
        check("sdtm", converted.written, background=True)
        del converted                                  # derive holds the SDTM frames' only references now
        derived = report.timed("derive", lambda: derive_from_frames(
            sdtm.pop(), stage / "adam", settings=settings, tables_dir=stage / "tables", parallel=parallel,
            on_written=lambda folder: check("adam", folder, background=False)), echo)
        report.summary["adam_rows"] = derived.rows
        del derived
        for kind, started in checks.items():
            stages, findings = started.result()
            report.add(stages)
            if findings is not None:
                report.summary[f"{kind}_findings"] = findings
    return report


def check_folder(folder, report: RunReport, stage: Path, kind: str, study: str, settings: Settings, *,
                 define: bool, validate: bool, echo: Callable[[str], None],
                 process: str = "main") -> tuple[list[dict], dict | None]:
    """Define and validate one written folder (an XptFolder) in ``stage/<kind>``; returns the stages it timed
    (on ``report``'s clock, marked as run by ``process``) and the validation totals by severity (None without
    validation)."""
    from cdisc_als.define.write import datasets_from_folder, write_define_from
    from cdisc_als.validate.loader import folder_read_from

    own = RunReport(report.out_dir, began=report.began)
    (stage / kind).mkdir(parents=True, exist_ok=True)
    if define:
        own.timed(f"define {kind}", lambda: write_define_from(
            datasets_from_folder(folder), stage / kind / "define.xml", kind=kind, study_id=study,
            created=settings.created), echo, process)
    findings = own.timed(f"validate {kind}", lambda: validate_and_report(
        stage, kind, folder_read_from(folder.without_text_codes())), echo, process) if validate else None
    return own.stages, findings
