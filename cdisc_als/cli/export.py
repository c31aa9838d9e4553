"""``cdisc-als export --format xpt|json|ndjson|dsjc IN_DIR --out OUT_DIR``: convert a folder of datasets."""
from __future__ import annotations

from pathlib import Path

import click

from cdisc_als.datasetjson.export import EXPORT_FORMATS


@click.command(name="export")
@click.argument("in_dir", type=click.Path(path_type=Path))
@click.option("--format", "fmt", required=True, type=click.Choice(EXPORT_FORMATS),
              help="Output format: XPT v5, Dataset-JSON 1.1 (.json), Dataset-NDJSON, compressed (.dsjc).")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option("--from", "source_format", type=click.Choice(EXPORT_FORMATS), default=None,
              help="Read only files of this format (for folders holding several).")
@click.option("--transliterate", is_flag=True, help="XPT only: replace non-ASCII text instead of refusing it.")
def command(in_dir: Path, fmt: str, out_dir: Path, source_format: str | None, transliterate: bool) -> None:
    """Convert every dataset in IN_DIR (XPT or Dataset-JSON) to OUT_DIR/<dataset>.<format>."""
    from cdisc_als.datasetjson.export import export_folder

    for done in export_folder(in_dir, out_dir, fmt, source_format=source_format,
                              transliterate=transliterate):
        click.echo(f"{done.name:8} {done.records:8d} records  {done.source.name} -> {done.target}")
