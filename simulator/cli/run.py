"""``btcsim run``: run scenario files and print a summary per reserve and mining operation."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.table import Table

from simulator.cli.common import (
    AddressOpt,
    BackendOpt,
    JsonOpt,
    PlotOpt,
    SetOpt,
    WorkersOpt,
    check_backend,
    emit_json,
    err,
    fail,
    new_table,
    out,
    user_errors,
    write_figures,
)
from simulator.inputs.shipped import BASELINE
from simulator.results.format import format_number
from simulator.results.metrics import KINDS, kind_of, run_table_metrics

app = typer.Typer()


#: Metrics ``btcsim run`` prints per entity kind (a view of the registry
#: :data:`simulator.results.metrics.METRICS`).
RUN_METRICS: dict[str, tuple[str, ...]] = {kind: run_table_metrics(kind) for kind in KINDS}


def summary_records(summary: Any) -> list[dict[str, Any]]:
    """Rows of a summary frame as JSON records, each with its entity's ``kind`` after ``entity``.

    Parameters
    ----------
    summary : pandas.DataFrame
        A result's summary (one row per entity and metric).

    Returns
    -------
    list of dict
        One record per row; ``kind`` (``"market"``, ``"reserve"`` or
        ``"mining"``) comes from the metric registry.
    """
    records = []
    for row in json.loads(summary.to_json(orient="records")):
        record: dict[str, Any] = {}
        for key, value in row.items():
            record[key] = value
            if key == "entity":
                record["kind"] = kind_of(row["metric"])
        records.append(record)
    return records


def _summary_table(result: Any, entity: str, kind: str) -> Table:
    label = {"market": "market", "reserve": "reserve", "mining": "mining"}[kind]
    table = new_table(
        title=f"{result.scenario}: {label if kind == 'market' else label + ' ' + entity} at "
        f"{result.meta['end_date']}",
        title_justify="left",
    )
    for col in ("metric", "unit", "p5", "median", "p95"):
        right = col not in ("metric", "unit")
        table.add_column(col, justify="right" if right else "left", no_wrap=True)
    rows = result.summary[result.summary.entity == entity].set_index("metric")
    for metric in RUN_METRICS[kind]:
        if metric not in rows.index:
            continue
        r = rows.loc[metric]
        if r.unit == "probability":
            table.add_row(metric, "", "", f"{r['mean']:.1%}", "")
            continue
        unit = "" if r.unit == "fraction" else r.unit
        cells = [
            (f"{r[c]:.1%}" if r.unit == "fraction" else format_number(float(r[c]), r.unit))
            for c in ("p5", "p50", "p95")
        ]
        table.add_row(metric, unit, *cells)
    return table


def _override_sets(
    overrides: list[str] | None, paths: int | None, seed: int | None, years: float | None
) -> list[str]:
    sets = list(overrides or [])
    sets += [f"scenario.paths={paths}"] if paths is not None else []
    sets += [f"scenario.seed={seed}"] if seed is not None else []
    sets += [f"scenario.horizon_years={years}"] if years is not None else []
    return sets


def _out_dirs(scenarios: list[Any], out_dir: Path | None) -> list[Path]:
    if out_dir is not None and len(scenarios) > 1:
        dirs = [out_dir / s.name for s in scenarios]
    else:
        dirs = [out_dir or Path("results") / s.name for s in scenarios]
    for d in dirs:
        if d.exists() and not d.is_dir():
            fail(f"--out: {d} exists and is not a folder")
    return dirs


def _simulate_with_progress(scenario: Any, *, hide: bool, **kwargs: Any) -> Any:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from simulator.results.simulate import simulate

    total = scenario.model.scenario.paths
    with Progress(
        TextColumn(f"{scenario.name}"),
        BarColumn(),
        TextColumn(f"{{task.completed:,}}/{total:,} paths"),
        TimeElapsedColumn(),
        console=err.console,
        transient=True,
        disable=hide,
    ) as bar:
        task = bar.add_task("run", total=total)
        with user_errors():
            return simulate(scenario, progress=functools.partial(bar.advance, task), **kwargs)


def _emit_summaries_json(summaries: list[tuple[Any, Path]]) -> None:
    emit_json(
        [
            {
                "scenario": r.scenario,
                "out": str(t),
                "meta": r.meta,
                "summary": summary_records(r.summary),
            }
            for r, t in summaries
        ]
    )


def _print_summary(result: Any, target: Path, model: Any, plot: bool) -> None:
    out.print(_summary_table(result, "market", "market"))
    for res in model.reserve:
        out.print(_summary_table(result, res.name, "reserve"))
    for op in model.mining:
        out.print(_summary_table(result, op.name, "mining"))
    c = result.meta["provenance_counts"]
    out.print(
        f"{result.meta['paths']:,} paths, seed {result.meta['seed']}, "
        f"{result.meta['start_date']} to {result.meta['end_date']}, "
        f"{result.meta['seconds']:.1f} s. Inputs: {c['cited']} cited, "
        f"{c['derived']} derived, {c['protocol']} protocol, {c['assumption']} "
        f"assumptions (btcsim explain {result.meta['file']}).",
        markup=False,
    )
    out.print(
        f"Files: {target}/ (summary.csv, percentiles.csv, inputs.csv, manifest.json"
        + (", *.png" if plot else "")
        + ")",
        markup=False,
    )


@app.command()
def run(
    files: Annotated[
        list[Path] | None, typer.Argument(help="Scenario files (default: scenarios/baseline.toml).")
    ] = None,
    paths: Annotated[int | None, typer.Option(help="Monte Carlo paths.", min=1)] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed.", min=0)] = None,
    years: Annotated[float | None, typer.Option(help="Horizon in years.")] = None,
    overrides: SetOpt = None,
    freq: Annotated[str | None, typer.Option(help="Output frequency: D, W or M.")] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder for results (default: results/NAME).")
    ] = None,
    as_json: JsonOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No tables or progress.")] = False,
    workers: WorkersOpt = None,
    backend: BackendOpt = None,
    address: AddressOpt = None,
    plot: PlotOpt = False,
) -> None:
    """Run scenarios and print a summary per reserve and mining operation.

    Example: btcsim run scenarios/baseline.toml --paths 5000 --seed 7 --out results/base --plot
    """
    from simulator.inputs.scenario import load_scenario

    if freq is not None and freq not in ("D", "W", "M"):
        fail(f"--freq: expected D, W or M (got {freq!r})")
    backend = check_backend(backend, address)
    sets = _override_sets(overrides, paths, seed, years)
    targets = files or [BASELINE]
    with user_errors():
        scenarios = [load_scenario(f, sets) for f in targets]
    dirs = _out_dirs(scenarios, out_dir)
    summaries = []
    for scenario, target in zip(scenarios, dirs, strict=True):
        result = _simulate_with_progress(
            scenario,
            hide=quiet or as_json,
            freq=freq,
            workers=workers,
            backend=backend,
            address=address,
            keep_paths=plot,
        )
        result.save(target, command=" ".join(["btcsim", *sys.argv[1:]]))
        if plot:
            from simulator.viz.figures import figures_for_result

            write_figures(figures_for_result(result), target)
        summaries.append((result, target))
    if as_json:
        _emit_summaries_json(summaries)
        return
    if quiet:
        return
    for result, target in summaries:
        model = next(s for s in scenarios if s.name == result.scenario).model
        _print_summary(result, target, model, plot)
