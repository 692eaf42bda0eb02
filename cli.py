"""btcsim command-line interface (Typer).

Thin by design: parse arguments, call the :mod:`simulator` API, print with
rich, write files. Bad input prints one line ``error: FILE: key: message`` to
standard error and exits with code 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cli_common import (
    BASELINE,
    AddressOpt,
    BackendOpt,
    JsonOpt,
    PlotOpt,
    SetOpt,
    WorkersOpt,
    _emit_json,
    _fmt,
    _spread,
    check_backend,
    err,
    fail,
    out,
    user_errors,
    write_figures,
)
from cli_compare import compare_cmd, sensitivity_cmd, sweep_cmd
from cli_history import backtest, calibrate, history_app
from cli_report import report_cmd
from simulator.engine import plan
from simulator.facts import DerivedFact, Fact, load_facts
from simulator.scenario import PROVENANCES, ResolvedScenario, ScenarioError, load_scenario

app = typer.Typer(
    name="btcsim",
    help="Bitcoin reserve and mining what-if simulator. Cited facts and assumptions are kept "
    "apart in every table.\n\nExample: btcsim run   (then: btcsim explain scenarios/baseline.toml)",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


# ----------------------------------------------------------------------- facts
def _fact_dict(fact: Fact | DerivedFact) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": fact.id,
        "value": fact.value,
        "unit": fact.unit,
        "as_of": fact.as_of.isoformat(),
        "provenance": fact.provenance,
        "claim": fact.claim,
        "low": fact.low,
        "high": fact.high,
    }
    if isinstance(fact, DerivedFact):
        data |= {"formula": fact.formula, "inputs": list(fact.inputs), "bound": fact.bound}
    else:
        data["canonical_rule"] = fact.canonical_rule
        data["sources"] = [
            {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in s.__dict__.items()}
            for s in fact.sources
        ]
    return data


@app.command()
def facts(
    fact_id: Annotated[str | None, typer.Argument(help="A fact id to show in detail.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the cited facts from the source articles, or show one with every source.

    Example: btcsim facts el_salvador.reserve_btc
    """
    with user_errors():
        registry = load_facts()
        if fact_id is not None:
            fact = registry.get(fact_id)
            if as_json:
                _emit_json(_fact_dict(fact))
                return
            _print_fact(fact)
            return
    if as_json:
        _emit_json([_fact_dict(registry.get(i)) for i in registry.ids()])
        return
    table = Table(title="Facts cited in the July 2025 articles (as of 2025-07-17), and derived")
    table.add_column("id", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("unit", no_wrap=True)
    table.add_column("sources", justify="right")
    table.add_column("spread")
    for i in registry.ids():
        f = registry.get(i)
        n = str(len(f.sources)) if isinstance(f, Fact) else "derived"
        table.add_row(f.id, _fmt(f.value, f.unit), f.unit, n, _spread(f.low, f.high, f.unit))
    out.print(table)
    out.print("Show one fact with its sources: btcsim facts ID")


def _print_fact(fact: Fact | DerivedFact) -> None:
    out.print(
        f"[bold]{fact.id}[/bold] = {_fmt(fact.value)} {fact.unit}  "
        f"({fact.provenance}, as of {fact.as_of.isoformat()})"
    )
    out.print(f"claim: {fact.claim}", markup=False)
    if fact.low is not None:
        out.print(f"spread: {_spread(fact.low, fact.high)} {fact.unit}")
    if isinstance(fact, DerivedFact):
        out.print(f"formula: {fact.formula}", markup=False)
        if fact.bound:
            out.print(f"bound: {fact.bound}", markup=False)
        return
    out.print(f"canonical value rule: {fact.canonical_rule}", markup=False)
    table = Table(title="Sources")
    for col in ("outlet", "headline", "published", "figure as stated", "qualifier"):
        table.add_column(col)
    for s in fact.sources:
        outlet = s.outlet + (f" (via {s.via})" if s.via else "")
        table.add_row(outlet, s.headline or "-", s.published.isoformat(), s.figure, s.qualifier)
    out.print(table)


# -------------------------------------------------------------- validate/explain
@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files to check.")],
) -> None:
    """Check scenario files (and the files they read) without running; exit code 2 if any is bad.

    Example: btcsim validate scenarios/*.toml
    """
    bad = 0
    for path in files:
        try:
            scenario = load_scenario(path)
            plan(scenario.model, str(path))  # dated inputs, history and path files
        except ScenarioError as exc:
            err.print(f"error: {exc}", markup=False)
            bad += 1
            continue
        counts = scenario.counts()
        out.print(
            f"OK {path} ({scenario.name}: "
            + ", ".join(f"{counts[p]} {p}" for p in PROVENANCES)
            + ")",
            markup=False,
        )
    if bad:
        raise typer.Exit(code=2)


def _count_line(scenario: ResolvedScenario) -> str:
    c = scenario.counts()
    return (
        f"{c['cited']} cited, {c['derived']} derived, {c['protocol']} protocol, "
        f"{c['assumption']} assumptions"
    )


@app.command()
def explain(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    overrides: SetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show every resolved input with its value, unit, provenance and source or note.

    Example: btcsim explain scenarios/baseline.toml --set mining.pakistan.pue=1.2
    """
    with user_errors():
        scenario = load_scenario(file, overrides or [])
    inputs = list(scenario.inputs.values())
    if as_json:
        _emit_json(
            {
                "scenario": scenario.name,
                "file": str(file),
                "counts": scenario.counts(),
                "inputs": [i.__dict__ for i in inputs],
            }
        )
        return
    out.print(f"[bold]{scenario.name}[/bold] ({file})")
    for prov in PROVENANCES:
        rows = [i for i in inputs if i.provenance == prov]
        if not rows:
            continue
        table = Table(title=f"{prov} ({len(rows)})", title_justify="left")
        for col in ("key", "value", "unit", "source" if prov in ("cited", "derived") else "note"):
            table.add_column(col, overflow="fold", no_wrap=col == "key")
        for i in rows:
            source = _short_source(i) + (
                f" [range {_spread(i.low, i.high, i.unit)}]" if i.low is not None else ""
            )
            table.add_row(i.key, _fmt(i.value, i.unit), i.unit, source)
        out.print(table)
    out.print(_count_line(scenario))


def _short_source(item: Any) -> str:
    """One-line source for tables: fact id and outlets for cited facts."""
    if item.provenance == "cited" and item.fact_id:
        fact = load_facts().get(item.fact_id)
        outlets = [f"{s.outlet} {s.published.isoformat()}" for s in fact.sources[:2]]
        more = len(fact.sources) - 2
        return f"{item.fact_id}: " + "; ".join(outlets) + (f" (+{more} more)" if more > 0 else "")
    if item.provenance == "derived" and item.fact_id:
        return f"{item.fact_id} = {load_facts().get(item.fact_id).formula}"
    return str(item.source)


KEY_METRICS = {
    "market": ("price_usd", "network_hashrate_ehs"),
    "reserve": (
        "holdings_btc",
        "value_usd",
        "cost_basis_usd",
        "prob_below_cost",
        "max_drawdown",
        "value_share_of_benchmark",
    ),
    "mining": (
        "btc_mined_btc",
        "btc_mined_per_year_btc",
        "btc_kept_btc",
        "revenue_usd",
        "energy_cost_usd",
        "margin_usd",
        "cash_cost_per_btc_usd",
        "cost_per_btc_usd",
        "breakeven_price_usd",
        "mean_network_share",
    ),
}


def _summary_table(result: Any, entity: str, kind: str) -> Table:
    label = {"market": "market", "reserve": "reserve", "mining": "mining"}[kind]
    table = Table(
        title=f"{result.scenario}: {label if kind == 'market' else label + ' ' + entity} at "
        f"{result.meta['end_date']}",
        title_justify="left",
    )
    for col, justify in (
        ("metric", "left"),
        ("unit", "left"),
        ("p5", "right"),
        ("median", "right"),
        ("p95", "right"),
    ):
        table.add_column(col, justify=justify, no_wrap=True)
    rows = result.summary[result.summary.entity == entity].set_index("metric")
    for metric in KEY_METRICS[kind]:
        if metric not in rows.index:
            continue
        r = rows.loc[metric]
        if r.unit == "probability":
            table.add_row(metric, "", "", f"{r['mean']:.1%}", "")
            continue
        unit = "" if r.unit == "fraction" else r.unit
        cells = [
            (f"{r[c]:.1%}" if r.unit == "fraction" else _fmt(float(r[c]), r.unit))
            for c in ("p5", "p50", "p95")
        ]
        table.add_row(metric, unit, *cells)
    return table


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
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from simulator import load_scenario, simulate

    if freq is not None and freq not in ("D", "W", "M"):
        fail(f"--freq: expected D, W or M (got {freq!r})")
    backend = check_backend(backend, address)
    sets = list(overrides or [])
    sets += [f"scenario.paths={paths}"] if paths is not None else []
    sets += [f"scenario.seed={seed}"] if seed is not None else []
    sets += [f"scenario.horizon_years={years}"] if years is not None else []
    targets = files or [BASELINE]
    with user_errors():
        scenarios = [load_scenario(f, sets) for f in targets]
    if out_dir is not None and len(scenarios) > 1:
        dirs = [out_dir / s.name for s in scenarios]
    else:
        dirs = [out_dir or Path("results") / s.name for s in scenarios]
    for d in dirs:
        if d.exists() and not d.is_dir():
            fail(f"--out: {d} exists and is not a folder")
    summaries = []
    for scenario, target in zip(scenarios, dirs, strict=True):
        total = scenario.model.scenario.paths
        with Progress(
            TextColumn(f"{scenario.name}"),
            BarColumn(),
            TextColumn(f"{{task.completed:,}}/{total:,} paths"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=quiet or as_json,
        ) as bar:
            task = bar.add_task("run", total=total)
            with user_errors():
                result = simulate(
                    scenario,
                    freq=freq,
                    workers=workers,
                    backend=backend,
                    address=address,
                    keep_paths=plot,
                    progress=lambda n, t=task: bar.advance(t, n),
                )
        result.save(target, command=" ".join(["btcsim", *sys.argv[1:]]))
        if plot:
            from simulator.plots import figures_for_result

            write_figures(figures_for_result(result), target)
        summaries.append((result, target))
    if as_json:
        _emit_json(
            [
                {
                    "scenario": r.scenario,
                    "out": str(t),
                    "meta": r.meta,
                    "summary": json.loads(r.summary.to_json(orient="records")),
                }
                for r, t in summaries
            ]
        )
        return
    if quiet:
        return
    for result, target in summaries:
        model = next(s for s in scenarios if s.name == result.scenario).model
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


app.add_typer(history_app, name="history")
app.command()(calibrate)
app.command()(backtest)
app.command("report")(report_cmd)
app.command("compare")(compare_cmd)
app.command("sweep")(sweep_cmd)
app.command("sensitivity")(sensitivity_cmd)


def main() -> None:
    """Console-script entry point."""
    app()


_: Callable[[], None] = main
if __name__ == "__main__":
    main()
