"""``cdisc-als`` entry point: a click group whose commands live one per module.

Commands are imported only when called, so ``cdisc-als --help`` stays fast and
a broken optional command cannot break the others.
"""
from __future__ import annotations

import importlib
import sys

import click

from cdisc_als.errors import UserError
from cdisc_als.memory import retain_freed_memory

COMMANDS = {
    "convert": ("cdisc_als.cli.convert", "Convert raw site exports to SDTM XPT."),
    "derive": ("cdisc_als.cli.derive", "Derive ADaM datasets, tables and plots from SDTM."),
    "run": ("cdisc_als.cli.run", "Convert, validate, derive and define in one go."),
    "validate": ("cdisc_als.cli.validate", "Validate an SDTM/ADaM package and write reports."),
    "define": ("cdisc_als.cli.define", "Write define.xml (and HTML) for a folder cdisc_als wrote."),
    "export": ("cdisc_als.cli.export", "Convert a folder of datasets between XPT and Dataset-JSON."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module = importlib.import_module(COMMANDS[name][0])
        return module.command


@click.group(cls=LazyGroup)
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """cdisc_als: ALS trial data to CDISC SDTM/ADaM, checked and analysed."""
    ctx.obj = {"debug": debug}


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; a :class:`UserError` becomes one line on stderr and exit code 2."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    retain_freed_memory()
    try:
        cli.main(args=argv, prog_name="cdisc-als", standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as bad:
        bad.show()
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("cdisc-als: aborted", err=True)
        sys.exit(2)
    except UserError as err:
        if debug:
            raise
        click.echo(f"cdisc-als: error: {err.one_line()}", err=True)
        sys.exit(2)
    except (OSError, MemoryError) as err:
        if debug:
            raise
        click.echo(f"cdisc-als: error: {err}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
