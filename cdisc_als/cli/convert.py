"""``cdisc-als convert --layout NAME --study STUDYID INPUT_DIR --out OUT_DIR``."""
from __future__ import annotations

from pathlib import Path

import click

from cdisc_als.config import Settings
from cdisc_als.conversion import convert


def echo_progress(message: str) -> None:
    click.echo(f"  {message}", err=True)


def print_reconciliation(table) -> None:
    click.echo("source file                          read  mapped  rejected  cells rejected")
    for row in table.itertuples(index=False):
        click.echo(f"{row.file + ' (' + row.form + ')':<36} {row.rows_read:>5} {row.rows_mapped:>7} "
                   f"{row.rows_rejected:>9} {row.cells_rejected:>15}")


def source_options(command):
    """The options every command that reads raw files shares: layout, study, anchor date, input and output."""
    for option in reversed((
        click.option("--layout", required=True, help="Layout name in specs/layouts (site-edc, proact) or a YAML path."),
        click.option("--study", required=True, help="STUDYID written into every dataset."),
        click.option("--anchor-date", default=None, help="Calendar date of day offset 0 (offset layouts only)."),
        click.argument("input_dir", type=click.Path(path_type=Path)),
        click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Output folder."),
        click.option("--transliterate", is_flag=True, help="Replace non-ASCII text for XPT and report each change."),
    )):
        command = option(command)
    return command


@click.command("convert")
@source_options
def command(layout: str, study: str, anchor_date: str | None, transliterate: bool, input_dir: Path,
            out_dir: Path) -> None:
    """Convert raw site exports in INPUT_DIR to SDTM XPT files in OUT_DIR/sdtm."""
    result = convert(input_dir, out_dir, layout=layout, study=study, anchor_date=anchor_date,
                     settings=Settings(study_id=study, anchor_date=anchor_date, transliterate=transliterate),
                     echo=echo_progress, parallel=True)
    print_reconciliation(result.reconciliation)
    click.echo(f"SDTM written to {out_dir / 'sdtm'}; {len(result.rejects)} rejects in {out_dir / 'rejects.csv'}")
