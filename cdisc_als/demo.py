"""``make demo``: run the whole pipeline on the bundled fixture trial, once per layout.

Outputs go to ``demo-output/<layout>/`` (override with ``CDISC_ALS_DEMO_OUT``).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from cdisc_als.cli.convert import print_reconciliation
from cdisc_als.errors import UserError
from cdisc_als.memory import retain_freed_memory
from cdisc_als.pipeline import run

REPO = Path(__file__).resolve().parents[1]
STUDY = "MSCNTF01"
RUNS = (("site-edc", REPO / "fixtures" / "edc"), ("proact", REPO / "fixtures" / "proact"))


def main() -> int:
    retain_freed_memory()
    out_root = Path(os.environ.get("CDISC_ALS_DEMO_OUT", REPO / "demo-output"))
    for layout, folder in RUNS:
        out = out_root / layout
        click.echo(f"== {layout}: {folder} -> {out}")
        try:
            report = run(folder, out, layout=layout, study=STUDY, echo=lambda m: click.echo(f"  {m}"))
        except UserError as err:
            click.echo(f"cdisc-als demo: error: {err.one_line()}", err=True)
            return 2
        print_reconciliation(report.summary["reconciliation"])
        for kind in ("sdtm", "adam"):
            found = report.summary.get(f"{kind}_findings", {})
            click.echo(f"  validation {kind}: {found.get('Error', 0)} errors, {found.get('Warning', 0)} warnings")
        click.echo(f"  SDTM:   {out / 'sdtm'} (define.xml, define.html)")
        click.echo(f"  ADaM:   {out / 'adam'} (define.xml, define.html)")
        click.echo(f"  tables: {out / 'tables'} (slopes.md, slopes.csv, plots)")
        click.echo(f"  checks: {out / 'validation'} (report.html, report.xlsx, report.json); "
                   f"rejects: {out / 'rejects.csv'}")
    table = out_root / "site-edc" / "tables" / "slopes.md"
    if table.exists():
        click.echo("\n" + table.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
