"""The ``run`` pipeline: convert, define, validate and derive in one go, into OUT_DIR/{sdtm,adam,tables,validation}.

The whole output is built in a temporary sibling folder and moved into
OUT_DIR only when every stage has finished, so a failure leaves nothing
half-written.  No written file is read back: the writer hands back each
dataset exactly as reading its file would give it (``as_read``), and that one
folder of datasets serves define, validation and (for SDTM) derive; every
consumer works on shallow copies, so none changes what the others see.
Define runs first on each folder, as it is the one stage that groups by the
reader's text codes, which are then dropped.  SDTM is validated before derive
so that derive can let the SDTM frames go before it writes ADaM.
Each stage's wall time and the process's peak memory are kept for the log and
for ``benchmarks/pool.py``.
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
    stages: list[dict] = field(default_factory=list)      # stage, seconds, peak_rss_mib
    summary: dict = field(default_factory=dict)

    def timed(self, name: str, action: Callable[[], object], echo: Callable[[str], None]) -> object:
        echo(f"{name} ...")                              # a long stage shows it has started
        start = time.perf_counter()
        result = action()
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stages.append({"stage": name, "seconds": round(seconds, 3), "peak_rss_mib": round(peak, 1)})
        echo(f"{name:<16} {seconds:7.2f} s   peak RSS {peak:7.0f} MiB")
        return result


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
        settings: Settings | None = None, validate: bool = True, define: bool = True,
        echo: Callable[[str], None] = lambda m: None) -> RunReport:
    """Run the whole pipeline on a folder of raw files (see the module docstring)."""
    from cdisc_als.adam.build import derive_from_frames, sdtm_from_folder
    from cdisc_als.conversion import convert

    settings = settings or Settings(study_id=study, anchor_date=anchor_date)
    out_dir = Path(out_dir)
    report = RunReport(out_dir)
    checked = define or validate
    with staged_output(out_dir) as stage:
        converted = report.timed("convert", lambda: convert(
            input_dir, stage, layout=layout, study=study, anchor_date=anchor_date, settings=settings,
            echo=lambda m: echo(f"  {m}"), keep_written=True), echo)
        report.summary["reconciliation"] = converted.reconciliation
        held = [converted.written]                  # the SDTM folder as written: the only reference kept
        del converted
        check_folder(report, held, stage, "sdtm", study, settings, define=define, validate=validate, echo=echo)
        sdtm = [sdtm_from_folder(held.pop())]
        derived = report.timed("derive", lambda: derive_from_frames(
            sdtm.pop(), stage / "adam", settings=settings, tables_dir=stage / "tables", keep_written=checked), echo)
        report.summary["adam_rows"] = derived.rows
        held = [derived.written]
        del derived
        if checked:
            check_folder(report, held, stage, "adam", study, settings, define=define, validate=validate, echo=echo)
    return report


def check_folder(report: RunReport, held: list, stage: Path, kind: str, study: str, settings: Settings, *,
                 define: bool, validate: bool, echo: Callable[[str], None]) -> None:
    """Define and validate one written folder (``held[0]``, an XptFolder), in that order: define groups by the
    reader's text codes, which are dropped after it."""
    from cdisc_als.define.write import datasets_from_folder, write_define_from
    from cdisc_als.validate.loader import folder_read_from

    if define:
        report.timed(f"define {kind}", lambda: write_define_from(
            datasets_from_folder(held[0]), stage / kind / "define.xml", kind=kind, study_id=study,
            created=settings.created), echo)
    held[0] = held[0].without_text_codes()
    if validate:
        report.summary[f"{kind}_findings"] = report.timed(
            f"validate {kind}", lambda: validate_and_report(stage, kind, folder_read_from(held[0])), echo)
