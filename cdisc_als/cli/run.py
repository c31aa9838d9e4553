"""``cdisc-als run --layout NAME --study STUDYID INPUT_DIR --out OUT_DIR``."""
from __future__ import annotations

from pathlib import Path

import click

from cdisc_als.cli.convert import echo_progress, print_reconciliation, source_options
from cdisc_als.config import Settings
from cdisc_als.pipeline import run


@click.command("run")
@source_options
@click.option("--no-validate", is_flag=True, help="Skip validation of the written SDTM and ADaM.")
def command(layout: str, study: str, anchor_date: str | None, no_validate: bool, input_dir: Path,
            out_dir: Path, transliterate: bool) -> None:
    """Convert INPUT_DIR to SDTM, derive ADaM, tables and plots, write define.xml and validation reports."""
    report = run(input_dir, out_dir, layout=layout, study=study, anchor_date=anchor_date,
                 settings=Settings(study_id=study, anchor_date=anchor_date, transliterate=transliterate),
                 validate=not no_validate,
                 echo=echo_progress)
    print_reconciliation(report.summary["reconciliation"])
    for kind in ("sdtm", "adam"):
        found = report.summary.get(f"{kind}_findings")
        if found:
            click.echo(f"validation {kind}: {found['Error']} errors, {found['Warning']} warnings, "
                       f"{found['Notice']} notices (reports in {out_dir / 'validation' / kind})")
    click.echo(f"outputs in {out_dir}: sdtm/ adam/ tables/ validation/")
