"""The console-script entry: every error one line, exit 2; Ctrl-C one line, exit 130."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import typer

from simulator.cli.common import PUBLISHED, err

__all__ = ["INTERRUPTED", "exit_app", "run_app"]

#: Exit code of an interrupted command (128 + SIGINT, as shells report it).
INTERRUPTED = 130


def _interrupted() -> str:
    if not PUBLISHED:
        return "interrupted; nothing written"
    return "interrupted; wrote only " + ", ".join(f"{p}/" for p in PUBLISHED)


def run_app(app: typer.Typer, args: Sequence[str] | None = None) -> int:
    """Run the Typer ``app`` on ``args`` (default ``sys.argv[1:]``) and return its exit code.

    Click's usage errors (a bad option value, an unknown option, a missing
    argument) become one line ``error: btcsim CMD: message (see btcsim CMD
    --help)`` with exit code 2, instead of a usage block. Ctrl-C, which Typer
    turns into exit code 130, prints ``interrupted; nothing written`` (or which
    folders had already been published).
    """
    try:
        code: Any = app(args=None if args is None else list(args), standalone_mode=False)
    except typer.Abort:
        err.print("aborted", markup=False)
        return 1
    except typer.TyperException as exc:  # Click's usage and parameter errors
        text = exc.format_message()
        if text.startswith("Usage:"):  # no arguments: the help, as Click would show it
            typer.echo(text, err=True)
            return 2
        ctx = getattr(exc, "ctx", None)
        where = ctx.command_path if ctx is not None else "btcsim"
        err.print(f"error: {where}: {' '.join(text.split())} (see {where} --help)", markup=False)
        return int(getattr(exc, "exit_code", 2))
    except KeyboardInterrupt:  # outside the command itself (Typer catches it inside)
        code = INTERRUPTED
    code = code if isinstance(code, int) else 0
    if code == INTERRUPTED:
        err.print(_interrupted(), markup=False)
    sys.stdout.flush()
    return int(code)


def exit_app(app: typer.Typer) -> NoReturn:
    """Run ``app`` on the command line's arguments and exit with its code.

    After Ctrl-C the process ends at once (``os._exit``) once the message is
    out and the streams are flushed: a process-pool worker terminated while
    sending a block leaves the executor's reader thread waiting for the rest
    of the message, and the interpreter's exit would wait for it for ever.
    Every temporary folder has been removed by then (the savers clean up on
    any exception).
    """
    code = run_app(app)
    if code == INTERRUPTED:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        os._exit(code)
    sys.exit(code)
