"""Shared pieces of the btcsim command line: consoles, errors, number formatting."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from simulator.results.outputs import IfExists

from simulator.inputs.errors import InputError
from simulator.results.format import format_number


class LazyConsole:
    """A :class:`rich.console.Console` made on first use.

    Importing rich costs about 50 ms, which ``btcsim --help`` and ``--version``
    need not pay; every attribute is the real console's.
    """

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        """The real console (for APIs that need one, such as a progress bar)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console, name)


def new_table(*args: Any, **kwargs: Any) -> Table:
    """A :class:`rich.table.Table` (rich is imported on first use)."""
    from rich.table import Table

    return Table(*args, **kwargs)


# emoji=False: rich would otherwise turn ":fire:" in a quoted value into an emoji.
# Piped output is 130 columns: the widest table, a comparison of mining metrics with
# each median's Monte Carlo error, needs 123.
out = LazyConsole(
    highlight=False, soft_wrap=True, emoji=False, width=None if sys.stdout.isatty() else 130
)
err = LazyConsole(stderr=True, highlight=False, soft_wrap=True, emoji=False)

SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", "-s", help="Override an input: dotted.key=value (repeatable)."),
]
FactsOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--facts",
        help="A facts file of your own (the form of the built-in registry), read on top of the "
        "built-in facts and the scenario's own facts files (repeatable). Check one with: "
        "btcsim facts check FILE",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No tables or progress.")]
PathsOpt = Annotated[int | None, typer.Option(help="Monte Carlo paths.", min=1)]
SeedOpt = Annotated[int | None, typer.Option(help="Random seed.", min=0)]
YearsOpt = Annotated[float | None, typer.Option(help="Horizon in years.")]
BackendOpt = Annotated[
    str | None,
    typer.Option(
        help="serial, threads, processes or dask (default: $BTCSIM_BACKEND, else threads)."
    ),
]
AddressOpt = Annotated[
    str | None, typer.Option(help="dask only: scheduler of an existing cluster, tcp://host:port.")
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(help="Threads (default up to 2), processes (all cores) or dask workers.", min=1),
]


def run_sets(
    overrides: list[str] | None, paths: int | None, seed: int | None, years: float | None
) -> list[str]:
    """``--set`` overrides plus those implied by ``--paths``, ``--seed`` and ``--years``."""
    sets = list(overrides or [])
    sets += [f"scenario.paths={paths}"] if paths is not None else []
    sets += [f"scenario.seed={seed}"] if seed is not None else []
    sets += [f"scenario.horizon_years={years}"] if years is not None else []
    return sets


def warn_unread(scenarios: Iterable[Any], overrides: Iterable[str] | None) -> None:
    """Warn about market keys that no chosen model of a scenario reads.

    ``--set market.network.growth_per_year=0.5``, or the same key written in
    the scenario file itself, on a scenario whose network model is
    ``economic`` is valid but changes nothing.
    """
    from simulator.inputs.scenario import unread_file_keys
    from simulator.inputs.schema import unread_market_keys

    keys = [text.split("=", 1)[0].strip() for text in overrides or []]
    said: set[str] = set()
    for scenario in scenarios:
        for key, model in unread_file_keys(scenario):
            err.print(
                f"warning: {scenario.path}: {key}: the {model} model does not read it; it "
                "changes nothing (btcsim schema lists what each model reads)",
                markup=False,
            )
        for key, model in unread_market_keys(scenario.model, keys):
            if key not in said:
                said.add(key)
                err.print(
                    f"warning: --set {key}: the {model} model of {scenario.name} does not read "
                    "it; it changes nothing (btcsim schema lists what each model reads)",
                    markup=False,
                )


#: Folders this process has published (for an honest message on Ctrl-C).
PUBLISHED: list[Path] = []


def fail(message: str) -> None:
    """Print ``error: message`` on one line to stderr and exit with code 2."""
    err.print(f"error: {message}", markup=False)
    raise typer.Exit(code=2)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn known input errors into one-line messages with exit code 2."""
    try:
        yield
    except InputError as exc:  # scenario, facts-file, unknown-fact, history, output errors
        fail(str(exc))
    except MemoryError:  # an allocation the estimate did not foresee
        fail("out of memory; use fewer --paths, or a coarser --freq (W or M)")


def fmt(value: Any, unit: str = "") -> str:
    """A table cell in the one number style of :func:`~simulator.results.format.format_number`."""
    return format_number(value, unit)


def spread(low: float | None, high: float | None, unit: str = "") -> str:
    """``low .. high`` in the table number style; empty when there is no range."""
    if low is None or high is None or low == high:
        return ""
    return f"{fmt(low, unit)} .. {fmt(high, unit)}"


def _strict(data: Any) -> Any:
    """``data`` with NaN and infinities as ``None``: strict JSON has no such numbers."""
    if isinstance(data, float) and not math.isfinite(data):
        return None
    if isinstance(data, dict):
        return {k: _strict(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_strict(v) for v in data]
    return data


def emit_json(data: Any) -> None:
    """Write ``data`` as indented strict JSON to standard output (NaN as null; dates as text)."""
    sys.stdout.write(json.dumps(_strict(data), indent=2, default=str, allow_nan=False) + "\n")


def check_backend(backend: str | None, address: str | None) -> str:
    """Resolve ``--backend`` (or ``$BTCSIM_BACKEND``) and check it before any work.

    Exits with code 2 and one line for an unknown name, an ``--address``
    without the dask backend, or dask not installed.
    """
    from simulator.engine.backends import BACKENDS, default_backend

    try:
        name = backend or default_backend()
    except ValueError as exc:
        fail(str(exc))
        raise AssertionError from None  # unreachable: fail exits
    if name not in BACKENDS:
        fail(f"--backend: expected one of {', '.join(BACKENDS)} (got {name!r})")
    if address is not None and name != "dask":
        fail(f"--address: only with --backend dask (got backend {name!r})")
    if name == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            fail("--backend dask needs dask: pip install -e '.[dask]'")
    return name


PlotOpt = Annotated[
    bool, typer.Option("--plot/--no-plot", help="Also write PNG figures next to the CSV files.")
]
OverwriteOpt = Annotated[
    bool,
    typer.Option(
        "--overwrite",
        help="Replace an earlier btcsim result (folder or file) at the output; never anything "
        "btcsim did not write. Without it an explicit --out holding a result is refused, and "
        "a default output goes to the next free name (results/NAME-2, report-2.html, ...).",
    ),
]


def command_line() -> str:
    """The command line as typed, starting with ``btcsim`` (recorded in manifests)."""
    return " ".join(["btcsim", *sys.argv[1:]])


@dataclass(frozen=True)
class Output:
    """Where a command will write, checked before any work (see :func:`plan_output`)."""

    folder: Path
    if_exists: IfExists
    label: str


def plan_output(explicit: Path | None, default: Path, overwrite: bool) -> Output:
    """Check the output folder before the run; exit with one line if it cannot be written.

    Parameters
    ----------
    explicit : Path or None
        ``--out``, if given: a folder holding an earlier result is refused
        unless ``overwrite``.
    default : Path
        ``results/NAME``: if it holds a result, the next free ``NAME-2``, ...
        is used unless ``overwrite``.
    overwrite : bool
        ``--overwrite``: replace an earlier btcsim result (never other files).
    """
    from simulator.results.outputs import check_existing, check_output_folder

    folder = explicit if explicit is not None else default
    label = f"--out {explicit}" if explicit is not None else str(default)
    if_exists: IfExists = "replace" if overwrite else ("error" if explicit is not None else "next")
    with user_errors():
        check_output_folder(folder, label)
        check_existing(folder, if_exists, label)
    return Output(folder, if_exists, label)


def publish(
    saveable: Any, output: Output, figures: Callable[[], dict[str, Any]] | None = None, **save: Any
) -> Path:
    """Save a result (with its figures, if any) in one atomic step; exit with one line on failure.

    Parameters
    ----------
    saveable : object
        Anything with the ``save(folder, command, *, if_exists, extra, label)``
        method of :class:`simulator.results.result.Result`.
    output : Output
        From :func:`plan_output`.
    figures : callable, optional
        Draws the figures to write beside the files (called inside the save).
    **save
        More keyword arguments of ``save`` (e.g. ``each`` for a comparison).

    Returns
    -------
    Path
        The folder written (the next free name when the default was taken).
    """

    def extra(folder: Path) -> list[str]:
        assert figures is not None
        return [p.name for p in write_figures(figures(), folder)]

    return publish_with(
        output,
        lambda: saveable.save(
            output.folder,
            command_line(),
            if_exists=output.if_exists,
            extra=None if figures is None else extra,
            label=output.label,
            **save,
        ),
    )


def publish_with(output: Output, write: Callable[[], str | Path]) -> Path:
    """Run ``write``, which publishes ``output``'s folder, and report it as every command does.

    A write error exits with one line ("nothing written"); the folder is
    remembered for an honest message on Ctrl-C, and a default folder that
    was taken gets a ``note:`` naming the next free one written instead.

    Returns
    -------
    Path
        The folder written.
    """
    try:
        with user_errors():
            folder = Path(write())
    except OSError as exc:
        fail(f"{output.label}: cannot write ({exc.strerror or exc}); nothing written")
        raise AssertionError from None  # unreachable: fail exits
    PUBLISHED.append(folder)
    if folder != output.folder:
        err.print(f"note: {output.folder} holds an earlier result; wrote {folder}", markup=False)
    return folder


def write_figures(figures: dict[str, Any], target: Path) -> list[Path]:
    """Save figures as PNGs into ``target`` and close nothing global (no pyplot)."""
    from simulator.viz.figures import save_figures

    return save_figures(figures, target)
