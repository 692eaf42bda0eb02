"""``btcsim sweep`` and ``btcsim sensitivity``: one scenario over many input values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from simulator.cli.batch import (
    MetricOpt,
    OutOpt,
    batch_errors,
    cell,
    records,
    run_save_plot,
)
from simulator.cli.common import (
    AddressOpt,
    BackendOpt,
    FactsOpt,
    JsonOpt,
    OverwriteOpt,
    PathsOpt,
    PlotOpt,
    QuietOpt,
    SeedOpt,
    SetOpt,
    WorkersOpt,
    YearsOpt,
    check_backend,
    emit_json,
    err,
    fail,
    new_table,
    out,
    plan_output,
    run_sets,
    warn_unread,
)
from simulator.results.format import format_number

__all__ = ["sensitivity_cmd", "sweep_cmd"]


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
    facts_files: FactsOpt = None,
    out_dir: OutOpt = None,
    overwrite: OverwriteOpt = False,
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
    from simulator.analysis.variants import safe_name

    sets = run_sets(overrides, paths, seed, years)
    with batch_errors():
        plan = plan_sweep(
            file, vary, mode=mode, overrides=sets, metric=metric, facts=facts_files or []
        )
    warn_unread([plan.base], overrides)
    output = plan_output(out_dir, Path("results") / safe_name(f"sweep_{plan.base.name}"), overwrite)
    backend = check_backend(backend, address)
    result, target = run_save_plot(
        "sweep",
        plan.total_paths,
        quiet or as_json,
        lambda advance: run_sweep(
            plan, backend=backend, workers=workers, address=address, progress=advance
        ),
        output,
        "figures_for_sweep" if plot else None,
    )
    if as_json:
        hm = result.heatmap
        emit_json(
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
                "table": records(result.table),
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
    from simulator.analysis.variants import metric_stats

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
    table = new_table(
        title=f"{ref.entity}.{ref.metric} ({unit}) at the horizon", title_justify="left"
    )
    for k in result.keys:
        table.add_column(_short(k), no_wrap=True, justify="right")
    cols = ["p5", "p50", "p95"] if stat == "p50" else [stat]
    for c in cols:
        table.add_column("median" if c == "p50" else c, justify="right", no_wrap=True)
    table.add_column("error", overflow="fold")
    for row in result.table.to_dict("records"):
        cells = [format_number(row[k]) for k in result.keys]
        col = lambda s: f"{ref.entity}.{ref.metric}.{s}"  # noqa: E731
        cells += [  # the median (or the chosen statistic) with its Monte Carlo error
            cell(row.get(col(c), float("nan")), unit, row.get(col(c) + "_se", float("nan")))
            if c in ("p50", stat)
            else cell(row.get(col(c), float("nan")), unit)
            for c in cols
        ]
        table.add_row(*cells, row["error"])
    out.print(table)
    hm = result.heatmap
    if hm is not None:
        k1, k2 = result.keys
        heat = new_table(title=f"{ref.column}: rows {k1}, columns {k2}", title_justify="left")
        heat.add_column(f"{_short(k1)} \\ {_short(k2)}", justify="right", no_wrap=True)
        for c in hm.columns:
            heat.add_column(format_number(c), justify="right", no_wrap=True)
        for idx, values in hm.iterrows():
            heat.add_row(format_number(idx), *[cell(v, unit) for v in values])
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
    facts_files: FactsOpt = None,
    out_dir: OutOpt = None,
    overwrite: OverwriteOpt = False,
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
    from simulator.analysis.sensitivity import (
        SALIB_MISSING,
        plan_sensitivity,
        run_sensitivity,
        salib_available,
    )
    from simulator.analysis.variants import safe_name
    from simulator.inputs.scenario import load_scenario

    if sobol is not None and not salib_available():
        fail(SALIB_MISSING)
    sets = run_sets(overrides, None, seed, years)
    with batch_errors():
        scenario = load_scenario(file, sets, facts=facts_files or [])
        plan = plan_sensitivity(scenario, metric, paths=paths, sobol=sobol)
    warn_unread([scenario], overrides)
    output = plan_output(
        out_dir, Path("results") / safe_name(f"sensitivity_{scenario.name}"), overwrite
    )
    backend = check_backend(backend, address)
    result, target = run_save_plot(
        "sensitivity",
        plan.total_paths,
        quiet or as_json,
        lambda advance: run_sensitivity(
            plan, backend=backend, workers=workers, address=address, progress=advance
        ),
        output,
        "figures_for_sensitivity" if plot else None,
    )
    if as_json:
        emit_json(
            {
                "scenario": result.scenario,
                "file": str(file),
                "metric": result.metric.label,
                "base_value": result.base_value,
                "paths": result.paths,
                "out": str(target),
                "files": result.files,
                "table": records(result.table),
                "skipped": [{"key": k, "reason": r} for k, r in result.skipped],
                "sobol": None if result.sobol is None else records(result.sobol),
            }
        )
        return
    if quiet:
        return
    _print_sensitivity(result, file, target, top, scenario)


def _print_sensitivity(result: Any, file: Path, target: Path, top: int, scenario: Any) -> None:
    unit = result.metric_unit
    base = cell(result.base_value, unit)
    out.print(
        f"{result.metric.label} in {result.scenario} ({file}): base {base} "
        f"{unit}; {result.paths:,} paths per run, same seed; each input at its low and its high "
        "value, the others at base ('at low', 'at high': the metric then).",
        markup=False,
    )
    frame = result.table
    table = new_table(
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
        origin = scenario.fact_origin(row["key"])  # a user's facts file, if the fact is from one
        table.add_row(
            str(row["rank"]), row["key"], row["provenance"] + (f" ({origin})" if origin else ""),
            format_number(row["low"], row["unit"]), format_number(row["base_value"], row["unit"]),
            format_number(row["high"], row["unit"]),
            cell(row["metric_low"], unit), cell(row["metric_high"], unit),
            cell(row["swing"], unit),
        )  # fmt: skip
    out.print(table)
    shown = frame.head(top)
    by_prov = shown.groupby("provenance")["swing"].size().to_dict()
    facts = frame[frame.provenance.isin(["cited", "derived"]) & (frame.swing > 0)]
    top_fact = facts.iloc[0] if not facts.empty else None
    origin = scenario.fact_origin(top_fact["key"]) if top_fact is not None else ""
    first_fact = (
        f"; the largest swing from a cited or derived input is #{top_fact['rank']} "
        f"{top_fact['key']} ({top_fact['provenance']}{', ' + origin if origin else ''})"
        if top_fact is not None
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
        sob = new_table(
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
