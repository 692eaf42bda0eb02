"""Shared pieces of the commands that run many variants: ``compare``, ``sweep``, ``sensitivity``.

Options (:data:`OutOpt`, :data:`MetricOpt`), the error guard, the progress bar,
run-save-plot, and table cells. Imports only light modules at the top: the
analysis layer is imported inside the functions that need it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from simulator.cli.common import Output, err, fail, publish, user_errors
from simulator.results.format import format_number, format_with_error
from simulator.results.metrics import PERCENT_UNITS

__all__ = [
    "MetricOpt",
    "OutOpt",
    "StatOpt",
    "batch_errors",
    "cell",
    "diff_cell",
    "path_progress",
    "records",
    "run_save_plot",
]

OutOpt = Annotated[Path | None, typer.Option("--out", help="Folder for the files written.")]
MetricOpt = Annotated[
    str | None,
    typer.Option(
        help="[reserve.|mining.]ENTITY.METRIC[.STAT], e.g. reserve.pakistan.value_usd.p50"
    ),
]
StatOpt = Annotated[
    str | None,
    typer.Option(help="Statistic per sample: p5, p50, p95 or mean (default: the metric's)."),
]


@contextmanager
def batch_errors() -> Iterator[None]:
    """Known input and run errors -> one line ``error: ...`` and exit code 2.

    Guards :func:`simulator.cli.common.user_errors` plus
    :class:`simulator.analysis.variants.CompareError`.
    """
    from simulator.analysis.variants import CompareError

    with user_errors():
        try:
            yield
        except CompareError as exc:
            fail(str(exc))


@contextmanager
def path_progress(total: int, label: str, disabled: bool) -> Iterator[Callable[[int], None]]:
    """A progress bar over paths on stderr; yields the callback to advance it.

    The bar is shown only on a terminal: written to a file or a pipe it would
    leave a blank line behind. On a terminal, the first run after installing
    (or after the kernel's source changed) first says that it compiles the
    simulation kernel, which takes about 5 s once (benchmarks/bench_coldstart.py).
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from simulator.engine.kernel import kernel_cached

    shown = not disabled and err.console.is_terminal
    if shown and not kernel_cached():
        err.print("compiling the simulation kernel (first run only; about 5 s on 2 cores) ...")

    with Progress(
        TextColumn(label),
        BarColumn(),
        TextColumn(f"{{task.completed:,}}/{total:,} paths"),
        TimeElapsedColumn(),
        console=err.console,
        transient=True,
        disable=not shown,
    ) as bar:
        task = bar.add_task("run", total=total)
        yield lambda n: bar.advance(task, n)


def run_save_plot(
    label: str,
    total: int,
    disabled: bool,
    run: Callable[[Callable[[int], None]], Any],
    output: Output,
    figures: str | None,
    **save: Any,
) -> tuple[Any, Path]:
    """Run with a progress bar, then save to ``output`` with its figures in one step.

    ``figures`` names the :mod:`simulator.viz.figures` function that draws the
    result; plotting (and matplotlib) is imported only when it is given.

    Returns
    -------
    (result, Path)
        The result and the folder written.
    """
    with path_progress(total, label, disabled) as advance, batch_errors():
        result = run(advance)
    draw = None
    if figures is not None:

        def draw() -> dict[str, Any]:
            from simulator.viz import figures as plots

            return dict(getattr(plots, figures)(result))

    return result, publish(result, output, draw, **save)


def cell(value: Any, unit: str, se: float = math.nan) -> str:
    """A table cell, with its Monte Carlo error if known; percentages for fractions, "" for NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if not math.isnan(se):
        return format_with_error(float(value), se, unit, unit in PERCENT_UNITS)
    if unit in PERCENT_UNITS:
        return f"{value:.1%}"
    return format_number(float(value), unit)


def diff_cell(value: float, unit: str) -> str:
    """A difference cell: signed, in percentage points for fractions, blank for NaN."""
    if math.isnan(value):
        return ""
    if unit in PERCENT_UNITS:
        return f"{value * 100:+.1f} pp"
    return ("+" if value > 0 else "") + format_number(float(value), unit) if value else "0"


def records(frame: Any) -> Any:
    """A data frame as JSON records (NaN -> null)."""
    return json.loads(frame.to_json(orient="records"))
