"""Commands that run many variants: ``compare``, ``sweep`` and ``sensitivity``."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from simulator.analysis.variants import CompareError, metric_stats, safe_name
from simulator.cli.common import (
    AddressOpt,
    BackendOpt,
    JsonOpt,
    PathsOpt,
    PlotOpt,
    QuietOpt,
    SeedOpt,
    SetOpt,
    WorkersOpt,
    YearsOpt,
    _emit_json,
    _fmt,
    check_backend,
    err,
    fail,
    out,
    run_sets,
    user_errors,
    write_figures,
)

OutOpt = Annotated[Path | None, typer.Option("--out", help="Folder for the files written.")]
MetricOpt = Annotated[
    str | None,
    typer.Option(
        help="[reserve.|mining.]ENTITY.METRIC[.STAT], e.g. reserve.pakistan.value_usd.p50"
    ),
]


@contextmanager
def _errors() -> Iterator[None]:
    """Known input and run errors -> one line ``error: ...`` and exit code 2."""
    with user_errors():
        try:
            yield
        except CompareError as exc:
            fail(str(exc))


@contextmanager
def _progress(total: int, label: str, disabled: bool) -> Iterator[Callable[[int], None]]:
    """A progress bar over paths on stderr; yields the callback to advance it."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn(label),
        BarColumn(),
        TextColumn(f"{{task.completed:,}}/{total:,} paths"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=disabled,
    ) as bar:
        task = bar.add_task("run", total=total)
        yield lambda n: bar.advance(task, n)


def _run_save_plot(
    label: str,
    total: int,
    disabled: bool,
    run: Callable[[Callable[[int], None]], Any],
    target: Path,
    figures: str | None,
    **save: Any,
) -> Any:
    """Run with a progress bar, save to ``target``, and write figures when asked.

    ``figures`` names the :mod:`simulator.viz.figures` function that draws the
    result; plotting (and matplotlib) is imported only when it is given.
    """
    with _progress(total, label, disabled) as advance, _errors():
        result = run(advance)
    result.save(target, command=_command(), **save)
    if figures is not None:
        from simulator.viz import figures as plots

        write_figures(getattr(plots, figures)(result), target)
    return result


def _command() -> str:
    return " ".join(["btcsim", *sys.argv[1:]])


def _check_out(target: Path) -> None:
    if target.exists() and not target.is_dir():
        fail(f"--out: {target} exists and is not a folder")


def _num(value: Any, unit: str) -> str:
    """A table cell: percentages for fractions and probabilities, blank for NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if unit in ("fraction", "probability"):
        return f"{value:.1%}"
    return _fmt(float(value), unit)


def _diff(value: float, unit: str) -> str:
    if math.isnan(value):
        return ""
    if unit in ("fraction", "probability"):
        return f"{value * 100:+.1f} pp"
    return ("+" if value > 0 else "") + _fmt(float(value), unit) if value else "0"


def _records(frame: Any) -> Any:
    return json.loads(frame.to_json(orient="records"))


# --------------------------------------------------------------------- compare
def compare_cmd(
    files: Annotated[
        list[Path], typer.Argument(help="Two or more scenario files; the first is the reference.")
    ],
    paths: PathsOpt = None,
    seed: SeedOpt = None,
    years: YearsOpt = None,
    overrides: SetOpt = None,
    out_dir: OutOpt = None,
    each: Annotated[
        bool,
        typer.Option(
            "--each", help="Also write each scenario's result folder under OUT/scenarios/."
        ),
    ] = False,
    as_json: JsonOpt = False,
    plot: PlotOpt = False,
    quiet: QuietOpt = False,
    backend: BackendOpt = None,
    address: AddressOpt = None,
    workers: WorkersOpt = None,
) -> None:
    """Run scenarios on the same price and hashrate paths and compare them with the first.

    For each key metric: median, 5th and 95th percentile per scenario, the
    difference of medians to the first scenario, and the share of paths on
    which each scenario beats the first. Inputs that differ are listed with
    their provenance.

    Example: btcsim compare scenarios/pakistan_{subsidised,cost_reflective}_tariff.toml
    """
    from simulator import load_scenario
    from simulator.analysis.compare import check_unique_names, compare

    if len(files) < 2:
        fail("compare needs at least two scenario files")
    backend = check_backend(backend, address)
    sets = run_sets(overrides, paths, seed, years)
    with _errors():
        scenarios = [load_scenario(f, sets) for f in files]
        check_unique_names(scenarios)
    target = out_dir or Path("results") / safe_name(
        "compare_" + "_vs_".join(s.name for s in scenarios)
    )
    _check_out(target)
    total = sum(s.model.scenario.paths for s in scenarios)
    result = _run_save_plot(
        "compare",
        total,
        quiet or as_json,
        lambda advance: compare(
            scenarios, backend=backend, workers=workers, address=address, progress=advance
        ),
        target,
        "figures_for_comparison" if plot else None,
        each=each,
    )
    if as_json:
        _emit_json(
            {
                "scenarios": result.names,
                "reference": result.names[0],
                "out": str(target),
                "files": result.files,
                "common_random_numbers": result.common_random_numbers,
                "market_differences": result.market_differences,
                "table": _records(result.table),
                "inputs_diff": _records(result.inputs_diff),
            }
        )
        return
    if quiet:
        return
    _print_comparison(result, files, target)


def _print_comparison(result: Any, files: list[Path], target: Path) -> None:
    letters = [chr(ord("A") + i) if i < 26 else f"S{i + 1}" for i in range(len(result.results))]
    first = result.results[0].meta
    out.print(
        f"Comparing {len(letters)} scenarios: {first['paths']:,} paths, seed {first['seed']}, "
        f"{first['start_date']} to {first['end_date']}; A is the reference.",
        markup=False,
    )
    for letter, r, f in zip(letters, result.results, files, strict=True):
        out.print(f"  {letter} = {r.scenario} ({f})", markup=False)
    out.print(result.crn_message(), markup=False)
    diff = result.inputs_diff
    if diff.empty:
        out.print("Inputs: identical")
    else:
        table = Table(title="Inputs that differ (value, provenance)", title_justify="left")
        table.add_column("key", no_wrap=True)
        table.add_column("unit", no_wrap=True)
        for letter in letters:
            table.add_column(letter, no_wrap=True, justify="right")
        for row in diff.to_dict("records"):
            cells = []
            for r in result.results:
                prov = row[f"{r.scenario}.provenance"]
                value = row[f"{r.scenario}.value"]
                cells.append(
                    "absent" if prov == "absent" else f"{_fmt(value, row['unit'])} ({prov})"
                )
            table.add_row(row["key"], row["unit"], *cells)
        out.print(table)
    frame = result.table
    end = first["end_date"]
    for (kind, entity), rows in frame.groupby(["kind", "entity"], sort=False):
        title = "market" if kind == "market" else f"{kind} {entity}"
        table = Table(title=f"{title} at {end}", title_justify="left")
        for col in ("metric", "unit", "", "p5", "median", "p95", "Δ median vs A", "P(beats A)"):
            table.add_column(
                col, no_wrap=True, justify="left" if col in ("metric", "unit", "") else "right"
            )
        for row in rows.to_dict("records"):
            unit = row["unit"]
            shown_unit = "" if unit in ("fraction", "probability") else unit
            for i, (letter, r) in enumerate(zip(letters, result.results, strict=True)):
                name = r.scenario
                cells = [_num(row[f"{name}.{k}"], unit) for k in ("p5", "p50", "p95")]
                if i == 0:
                    extra = ["", ""]
                else:
                    p, same = row[f"{name}.prob_beats"], row[f"{name}.prob_same"]
                    beats = "" if math.isnan(p) else f"{p:.1%}"
                    extra = [
                        _diff(row[f"{name}.diff_p50"], unit),
                        "equal on every path" if same == 1 else beats,
                    ]
                table.add_row(
                    row["metric"] if i == 0 else "", shown_unit if i == 0 else "", letter,
                    *cells, *extra,
                )  # fmt: skip
        out.print(table)
    out.print(
        "P(beats A): share of paths on which the scenario does better than A on the same path "
        "(more is better for value, BTC and margin; less for costs, break-even price, drawdown "
        "and the chance of ending below cost; market metrics are not scored). For P(below cost) "
        "the median column holds the probability.",
        markup=False,
    )
    out.print(f"Files: {target}/ ({', '.join(result.files)})", markup=False)


# ----------------------------------------------------------------------- sweep
def sweep_cmd(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    vary: Annotated[
        list[str],
        typer.Option(help="KEY=v1,v2,... or KEY=a:b:n (n evenly spaced values); repeatable."),
    ],
    mode: Annotated[str, typer.Option(help="grid (every combination) or zip (pairwise).")] = "grid",
    metric: MetricOpt = None,
    paths: PathsOpt = None,
    seed: SeedOpt = None,
    years: YearsOpt = None,
    overrides: SetOpt = None,
    out_dir: OutOpt = None,
    as_json: JsonOpt = False,
    plot: PlotOpt = False,
    quiet: QuietOpt = False,
    backend: BackendOpt = None,
    address: AddressOpt = None,
    workers: WorkersOpt = None,
) -> None:
    """Run a scenario over a grid of input values (one row per combination).

    With two --vary keys a heat map of --metric (default: the first mining
    operation's median margin) is printed and written as heatmap.csv.

    Example: btcsim sweep scenarios/baseline.toml --vary mining.pakistan.pue=1.05:1.3:6

    Two keys: add --vary mining.pakistan.electricity_usd_per_kwh=0.03,0.05,0.08,0.12
    """
    from simulator.analysis.sweep import plan_sweep, run_sweep

    sets = run_sets(overrides, paths, seed, years)
    with _errors():
        plan = plan_sweep(file, vary, mode=mode, overrides=sets, metric=metric)
    target = out_dir or Path("results") / safe_name(f"sweep_{plan.base.name}")
    _check_out(target)
    backend = check_backend(backend, address)
    result = _run_save_plot(
        "sweep",
        plan.total_paths,
        quiet or as_json,
        lambda advance: run_sweep(
            plan, backend=backend, workers=workers, address=address, progress=advance
        ),
        target,
        "figures_for_sweep" if plot else None,
    )
    if as_json:
        hm = result.heatmap
        _emit_json(
            {
                "scenario": result.scenario,
                "file": str(file),
                "mode": result.mode,
                "keys": result.keys,
                "combinations": len(result.table),
                "failed": result.failed,
                "metric": result.metric.label,
                "out": str(target),
                "files": result.files,
                "table": _records(result.table),
                "heatmap": None
                if hm is None
                else {
                    "rows": result.keys[0],
                    "columns": result.keys[1],
                    "row_values": list(hm.index),
                    "column_values": list(hm.columns),
                    "cells": json.loads(hm.to_json(orient="values")),
                },
            }
        )
        return
    if result.failed:
        err.print(
            f"warning: {result.failed} of {len(result.table)} combinations failed "
            "(see the error column of sweep.csv)",
            markup=False,
        )
    if quiet:
        return
    _print_sweep(result, plan, file, target)


def _short(key: str) -> str:
    return key.rsplit(".", 1)[-1]


def _print_sweep(result: Any, plan: Any, file: Path, target: Path) -> None:
    ok = [r for r in result.results if r is not None]
    meta = ok[0].meta if ok else plan.base.model.scenario.model_dump()
    ref = result.metric
    unit = ""
    for r in ok:
        got = metric_stats(r, ref.entity, ref.metric)
        if got is not None:
            unit = got[0]
            break
    sizes = " x ".join(
        f"{k} ({len(v.values)})" for k, v in zip(result.keys, plan.varies, strict=True)
    )
    out.print(
        f"{result.scenario} ({file}): {result.mode}: {len(result.table)} combinations of {sizes}; "
        f"{meta['paths']:,} paths each, seed {meta['seed']}",
        markup=False,
    )
    stat = ref.stat
    table = Table(title=f"{ref.entity}.{ref.metric} ({unit}) at the horizon", title_justify="left")
    for k in result.keys:
        table.add_column(_short(k), no_wrap=True, justify="right")
    cols = ["p5", "p50", "p95"] if stat == "p50" else [stat]
    for c in cols:
        table.add_column("median" if c == "p50" else c, justify="right", no_wrap=True)
    table.add_column("error", overflow="fold")
    for row in result.table.to_dict("records"):
        cells = [_fmt(row[k]) for k in result.keys]
        col = lambda s: f"{ref.entity}.{ref.metric}.{s}"  # noqa: E731
        cells += [_num(row.get(col(c), float("nan")), unit) for c in cols]
        table.add_row(*cells, row["error"])
    out.print(table)
    hm = result.heatmap
    if hm is not None:
        k1, k2 = result.keys
        heat = Table(title=f"{ref.column}: rows {k1}, columns {k2}", title_justify="left")
        heat.add_column(f"{_short(k1)} \\ {_short(k2)}", justify="right", no_wrap=True)
        for c in hm.columns:
            heat.add_column(_fmt(c), justify="right", no_wrap=True)
        for idx, values in hm.iterrows():
            heat.add_row(_fmt(idx), *[_num(v, unit) for v in values])
        out.print(heat)
    out.print(f"Files: {target}/ ({', '.join(result.files)})", markup=False)


# ----------------------------------------------------------------- sensitivity
def sensitivity_cmd(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    metric: MetricOpt = None,
    paths: PathsOpt = None,
    top: Annotated[int, typer.Option(help="Rows to print (all are written).", min=1)] = 15,
    sobol: Annotated[
        int | None,
        typer.Option(
            help="Also estimate Sobol indices from N x (inputs + 2) runs "
            "(N a power of 2; needs SALib)."
        ),
    ] = None,
    seed: SeedOpt = None,
    years: YearsOpt = None,
    overrides: SetOpt = None,
    out_dir: OutOpt = None,
    as_json: JsonOpt = False,
    plot: PlotOpt = False,
    quiet: QuietOpt = False,
    backend: BackendOpt = None,
    address: AddressOpt = None,
    workers: WorkersOpt = None,
) -> None:
    """Rank inputs by how much their low..high range moves one result (tornado data).

    Every numeric input with a range (assumptions' low/high, the spread of a
    cited fact's sources) is run at its low and at its high value with the same
    seed; the table shows whether the big swings come from cited facts or from
    assumptions. Default metric: the first reserve's median value.

    Example: btcsim sensitivity scenarios/baseline.toml --metric pakistan.margin_usd --paths 500
    """
    from simulator import load_scenario
    from simulator.analysis.sensitivity import (
        SALIB_MISSING,
        plan_sensitivity,
        run_sensitivity,
        salib_available,
    )

    if sobol is not None and not salib_available():
        fail(SALIB_MISSING)
    sets = run_sets(overrides, None, seed, years)
    with _errors():
        scenario = load_scenario(file, sets)
        plan = plan_sensitivity(scenario, metric, paths=paths, sobol=sobol)
    target = out_dir or Path("results") / safe_name(f"sensitivity_{scenario.name}")
    _check_out(target)
    backend = check_backend(backend, address)
    result = _run_save_plot(
        "sensitivity",
        plan.total_paths,
        quiet or as_json,
        lambda advance: run_sensitivity(
            plan, backend=backend, workers=workers, address=address, progress=advance
        ),
        target,
        "figures_for_sensitivity" if plot else None,
    )
    if as_json:
        _emit_json(
            {
                "scenario": result.scenario,
                "file": str(file),
                "metric": result.metric.label,
                "base_value": result.base_value,
                "paths": result.paths,
                "out": str(target),
                "files": result.files,
                "table": _records(result.table),
                "skipped": [{"key": k, "reason": r} for k, r in result.skipped],
                "sobol": None if result.sobol is None else _records(result.sobol),
            }
        )
        return
    if quiet:
        return
    _print_sensitivity(result, file, target, top)


def _print_sensitivity(result: Any, file: Path, target: Path, top: int) -> None:
    unit = result.metric_unit
    base = _num(result.base_value, unit)
    out.print(
        f"{result.metric.label} in {result.scenario} ({file}): base {base} "
        f"{unit}; {result.paths:,} paths per run, same seed; each input at its low and its high "
        "value, the others at base ('at low', 'at high': the metric then).",
        markup=False,
    )
    frame = result.table
    table = Table(
        title=f"Top {min(top, len(frame))} of {len(frame)} inputs by swing", title_justify="left"
    )
    for col in ("#", "key", "provenance", "low", "base", "high", "at low", "at high", "swing"):
        table.add_column(
            col,
            no_wrap=col != "key",
            overflow="fold",
            justify="left" if col in ("key", "provenance") else "right",
        )
    for row in frame.head(top).to_dict("records"):
        table.add_row(
            str(row["rank"]), row["key"], row["provenance"],
            _fmt(row["low"], row["unit"]), _fmt(row["base_value"], row["unit"]),
            _fmt(row["high"], row["unit"]),
            _num(row["metric_low"], unit), _num(row["metric_high"], unit),
            _num(row["swing"], unit),
        )  # fmt: skip
    out.print(table)
    shown = frame.head(top)
    by_prov = shown.groupby("provenance")["swing"].size().to_dict()
    facts = frame[frame.provenance.isin(["cited", "derived"]) & (frame.swing > 0)]
    first_fact = (
        f"; the largest swing from a cited or derived input is #{facts.iloc[0]['rank']} "
        f"{facts.iloc[0]['key']} ({facts.iloc[0]['provenance']})"
        if not facts.empty
        else "; no cited or derived input moves it"
    )
    out.print(
        f"Top {len(shown)}: "
        + ", ".join(f"{n} {p}" for p, n in sorted(by_prov.items()))
        + first_fact
        + ".",
        markup=False,
    )
    if result.skipped:
        out.print(f"Skipped {len(result.skipped)} inputs with a range:", markup=False)
        for key, reason in result.skipped:
            out.print(f"  {key}: {reason}", markup=False)
    if result.sobol is not None:
        runs = result.sobol_n * (len(result.sobol) + 2)
        sob = Table(
            title=f"Sobol indices (N = {result.sobol_n}, {runs:,} runs; ± 95 % bootstrap)",
            title_justify="left",
        )
        for col in ("key", "provenance", "S1", "ST"):
            sob.add_column(
                col, no_wrap=True, justify="left" if col in ("key", "provenance") else "right"
            )
        for row in result.sobol.head(top).to_dict("records"):
            sob.add_row(
                row["key"], row["provenance"],
                f"{row['S1']:.3f} ± {row['S1_conf']:.3f}",
                f"{row['ST']:.3f} ± {row['ST_conf']:.3f}",
            )  # fmt: skip
        out.print(sob)
    out.print(f"Files: {target}/ ({', '.join(result.files)})", markup=False)
