"""btcsim command-line interface (Typer).

Thin by design: parse arguments, call the :mod:`simulator` API, print with
rich, write files. Bad input prints one line ``error: FILE: key: message`` to
standard error and exits with code 2, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from simulator.cli import inputs, reference, run
from simulator.cli.app import app_cmd
from simulator.cli.compare import compare_cmd
from simulator.cli.discover import discover_cmd
from simulator.cli.entry import exit_app
from simulator.cli.evaluate import evaluate_cmd
from simulator.cli.history import backtest, calibrate, history_app
from simulator.cli.report import report_cmd
from simulator.cli.robust import robust_cmd
from simulator.cli.sweep import sensitivity_cmd, sweep_cmd

app = typer.Typer(
    name="btcsim",
    help="Bitcoin reserve and mining what-if simulator. Cited facts and assumptions are kept "
    "apart in every table.\n\nExample: btcsim run   (then: btcsim explain scenarios/baseline.toml)",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        from simulator import __version__

        typer.echo(f"btcsim {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Bitcoin reserve and mining what-if simulator."""


app.registered_commands += run.app.registered_commands
app.registered_commands += inputs.app.registered_commands
app.registered_commands += reference.app.registered_commands
app.add_typer(history_app, name="history")
app.command()(calibrate)
app.command()(backtest)
app.command("evaluate")(evaluate_cmd)
app.command("report")(report_cmd)
app.command("compare")(compare_cmd)
app.command("sweep")(sweep_cmd)
app.command("sensitivity")(sensitivity_cmd)
app.command("discover")(discover_cmd)
app.command("robust")(robust_cmd)
app.command("app")(app_cmd)


def main() -> None:
    """Console-script entry point: exit code 2 for bad input, 130 on Ctrl-C."""
    exit_app(app)


_: Callable[[], None] = main
if __name__ == "__main__":
    main()
