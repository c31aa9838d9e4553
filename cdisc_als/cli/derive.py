"""``cdisc-als derive SDTM_DIR --out ADAM_DIR``: ADaM datasets, the slope table and plots."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from cdisc_als.config import Settings


@click.command(name="derive")
@click.argument("sdtm_dir", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Folder for the ADaM XPTs.")
@click.option("--tables", "tables_dir", type=click.Path(path_type=Path), default=None,
              help="Folder for the table and plots (default: OUT/../tables).")
@click.option("--post-window-days", type=int, default=None, help="POST-TREATMENT slope window (default 183).")
@click.option("--responder-threshold", type=float, default=None, help="Relative slope improvement (default 0.25).")
@click.option("--days-per-month", type=float, default=None, help="Days per month for slopes (default 30.4375).")
def command(sdtm_dir: Path, out_dir: Path, tables_dir: Path | None, post_window_days: int | None,
            responder_threshold: float | None, days_per_month: float | None) -> None:
    """Derive ADSL, ADQSALS, ADRE, ADSLOPE, ADRESP from SDTM_DIR and write the slope table and plots."""
    from cdisc_als.adam.build import derive

    given = {"post_window_days": post_window_days, "responder_threshold": responder_threshold,
             "days_per_month": days_per_month}
    settings = replace(Settings(), **{k: v for k, v in given.items() if v is not None})
    report = derive(sdtm_dir, out_dir, settings=settings, tables_dir=tables_dir)
    for name, path in report.datasets.items():
        click.echo(f"{name:8} {report.rows[name]:7d} rows  {path}")
    for path in report.tables:
        click.echo(f"{'table':8} {'':12} {path}")
    lost = report.reconciliation[["unaccounted", "both"]].to_numpy().sum() if len(report.reconciliation) else 0
    if lost:
        click.echo(f"warning: {lost} SDTM record(s) neither used by ADaM nor excluded with a reason "
                   f"(see {report.tables[0].parent / 'reconciliation_adam.csv'})", err=True)
    if len(report.excluded):
        counts = report.excluded.groupby("reason").size()
        for reason, n in counts.items():
            click.echo(f"excluded {n:7d} rows  {reason}")
