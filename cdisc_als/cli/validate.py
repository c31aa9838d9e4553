"""``cdisc-als validate DIR --out REPORT_DIR``: validate a folder of SDTM/ADaM XPT files.

Exit codes: 0 no Error findings, 1 Errors found, 2 could not run (a UserError, printed by main()).
"""
from __future__ import annotations

import sys

import click

from cdisc_als.validate.loader import STANDARDS

@click.command("validate")
@click.argument("folder", type=click.Path(file_okay=False, path_type=str))
@click.option("--define", "define", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="define.xml to read the standard from and check against (default: FOLDER/define.xml if present).")
@click.option("--standard", type=click.Choice(STANDARDS), default=None,
              help="Standard version; default: from define.xml.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=str),
              help="Folder for report.json, report.xlsx and report.html.")
def command(folder: str, define: str | None, standard: str | None, out: str) -> None:
    """Validate every dataset in FOLDER and write reports to --out."""
    from cdisc_als.validate.loader import validate_dir
    from cdisc_als.validate.reports import DETAIL_CAP, write_reports

    result = validate_dir(folder, standard=standard, define=define, detail_limit=DETAIL_CAP)
    write_reports(result, out)
    for _, problem in result.unreadable:       # reported as findings too; said here so nobody misses it
        click.echo(f"cdisc-als: error: {problem}", err=True)
    counts = result.severity_counts
    statuses = result.rules["status"].value_counts()
    click.echo(f"{result.standard} ({result.standard_source}): {len(result.datasets)} datasets, "
               f"{counts.get('Error', 0)} errors, {counts.get('Warning', 0)} warnings, {counts.get('Notice', 0)} notices; "
               f"rules {statuses.get('passed', 0)} passed, {statuses.get('issues', 0)} with issues, "
               f"{statuses.get('skipped', 0)} skipped, {statuses.get('error', 0)} errored; reports in {out}")
    # main() ignores the return value of a standalone_mode=False run, so exit here
    sys.exit(1 if result.error_count else 0)
