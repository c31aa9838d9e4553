"""``cdisc-als define DIR [--out DIR/define.xml] [--kind sdtm|adam]``: Define-XML 2.1 plus its HTML."""
from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command(name="define")
@click.argument("dataset_dir", type=click.Path(path_type=Path))
@click.option("--out", "out_path", type=click.Path(path_type=Path), default=None,
              help="define.xml to write (default: DIR/define.xml); the HTML goes beside it.")
@click.option("--kind", type=click.Choice(["sdtm", "adam"]), default=None,
              help="Standard of the folder (default: ADaM when every dataset is AD*, else SDTM).")
@click.option("--study-id", default=None, help="Study OID/name (default: STUDYID in the data).")
@click.option("--no-html", is_flag=True, help="Do not write define.html.")
def command(dataset_dir: Path, out_path: Path | None, kind: str | None, study_id: str | None,
            no_html: bool) -> None:
    """Write define.xml describing the datasets cdisc_als wrote in DATASET_DIR, checked against the XSDs."""
    from cdisc_als.define.write import write_define

    report = write_define(dataset_dir, out_path, kind=kind, study_id=study_id, html=not no_html)
    click.echo(f"{report.kind.upper()} define: {report.datasets} datasets, {report.variables} variables "
               f"-> {report.path}" + (f" (+ {report.html.name})" if report.html else ""))
    for note in report.warnings:
        click.echo(f"warning: {note}", err=True)
    if report.schema_errors:
        for error in report.schema_errors:
            click.echo(f"schema: {error}", err=True)
        click.echo(f"cdisc-als: error: {report.path}: not valid against the Define-XML 2.1 schema", err=True)
        sys.exit(1)
    click.echo("valid against the Define-XML 2.1 schema")
