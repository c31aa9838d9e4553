"""The ``run`` pipeline: convert, define, validate and derive in one go, into OUT_DIR/{sdtm,adam,tables,validation}.

The whole output is built in a temporary sibling folder and moved into
OUT_DIR only when every stage has finished, so a failure leaves nothing
half-written.  Each written folder (sdtm/, then adam/) is read once ("read
sdtm", "read adam") and the same datasets serve define, derive and validation;
every consumer works on shallow copies, so none changes what the others see.
The define runs first on each folder, as it is the one stage that groups by the
reader's text codes, which are then dropped.
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
    from cdisc_als.define.write import datasets_from_folder, write_define_from
    from cdisc_als.validate.loader import folder_read_from
    from cdisc_als.xport import read_xpt_folder

    settings = settings or Settings(study_id=study, anchor_date=anchor_date)
    out_dir = Path(out_dir)
    report = RunReport(out_dir)
    with staged_output(out_dir) as stage:
        # the converted and derived frames are not kept: each written folder is read back once, and those
        # frames (every distinct text one shared object) serve every later stage of that folder
        report.summary["reconciliation"] = report.timed("convert", lambda: convert(
            input_dir, stage, layout=layout, study=study, anchor_date=anchor_date, settings=settings,
            echo=lambda m: echo(f"  {m}")).reconciliation, echo)
        folder = report.timed("read sdtm", lambda: read_xpt_folder(stage / "sdtm"), echo)
        for kind in ("sdtm", "adam"):
            if kind == "adam":
                folder = None                                  # SDTM frames dropped before ADaM is read
                if not (define or validate):
                    break
                folder = report.timed("read adam", lambda: read_xpt_folder(stage / "adam"), echo)
            if define:
                report.timed(f"define {kind}", lambda k=kind: write_define_from(
                    datasets_from_folder(folder), stage / k / "define.xml", kind=k, study_id=study,
                    created=settings.created), echo)
            folder = folder.without_text_codes()               # only define groups by the reader's codes
            if kind == "sdtm":
                report.summary["adam_rows"] = report.timed("derive", lambda: derive_from_frames(
                    sdtm_from_folder(folder), stage / "adam", settings=settings, tables_dir=stage / "tables").rows,
                    echo)
            if validate:
                report.summary[f"{kind}_findings"] = report.timed(
                    f"validate {kind}", lambda k=kind: validate_and_report(stage, k, folder_read_from(folder)), echo)
        folder = None
    return report
