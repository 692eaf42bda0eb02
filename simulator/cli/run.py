"""``btcsim run``: run scenario files and print a summary per reserve and mining operation."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from simulator.cli.batch import path_progress
from simulator.cli.common import (
    AddressOpt,
    BackendOpt,
    FactsOpt,
    JsonOpt,
    Output,
    OverwriteOpt,
    PlotOpt,
    SetOpt,
    WorkersOpt,
    check_backend,
    emit_json,
    err,
    fail,
    out,
    plan_output,
    publish,
    run_sets,
    user_errors,
    warn_unread,
)
from simulator.cli.tables import benchmark_note, ledger_table, summary_table
from simulator.inputs.shipped import BASELINE
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


def _outputs(scenarios: list[Any], out_dir: Path | None, overwrite: bool) -> list[Output]:
    """Each scenario's output folder, checked before any run (``--out DIR/NAME`` for several)."""
    several = out_dir is not None and len(scenarios) > 1
    return [
        plan_output(
            out_dir / s.name if several and out_dir is not None else out_dir,
            Path("results") / s.name,
            overwrite,
        )
        for s in scenarios
    ]


def _simulate_with_progress(scenario: Any, *, hide: bool, **kwargs: Any) -> Any:
    from simulator.results.simulate import simulate

    with path_progress(scenario.model.scenario.paths, scenario.name, hide) as advance:
        with user_errors():
            return simulate(scenario, progress=advance, **kwargs)


def _run_to_precision(
    scenario: Any,
    one: Callable[[Any], Any],
    target: float,
    metric_text: str | None,
    max_paths: int,
    hide: bool,
) -> Any:
    """Run ``scenario`` until ``--precision`` is met on its metric, and say what it reached."""
    from simulator.analysis.precision import run_to_precision
    from simulator.analysis.variants import default_metric, parse_metric
    from simulator.inputs.errors import ScenarioError
    from simulator.results.metrics import metric

    model = scenario.model
    try:
        ref = default_metric(model) if metric_text is None else parse_metric(metric_text, model)
    except ScenarioError as exc:  # parse_metric speaks of --metric
        fail(str(exc).replace("--metric", "--precision-metric", 1))
    if metric(ref.metric).probability:  # a share of paths: only its mean exists
        if metric_text is not None and metric_text.rsplit(".", 1)[-1] in ("p5", "p95"):
            fail(f"--precision-metric: {ref.metric} is a probability: it has a mean, no p5/p95")
        ref = dataclasses.replace(ref, stat="mean")
    if max_paths < model.scenario.paths:
        fail(f"--max-paths: {max_paths:,} is below the run's {model.scenario.paths:,} paths")

    def note(text: str) -> None:
        if not hide:
            err.print(f"note: {text}", markup=False)

    with user_errors():
        result, got = run_to_precision(scenario, ref, target, max_paths, one, note)
    if not hide:
        rel = "n/a" if got.relative_se != got.relative_se else f"{got.relative_se:.2%}"
        if got.reached:
            note(
                f"precision: {got.metric} relative se {rel} <= {target:.2%} "
                f"with {got.paths:,} paths ({got.rounds} run{'s' if got.rounds > 1 else ''})"
            )
        else:
            err.print(
                f"warning: precision not reached: {got.metric} relative se {rel} > "
                f"{target:.2%} at {got.paths:,} paths; stopped by {got.why}",
                markup=False,
            )
    return result


def _figures(result: Any) -> Callable[[], dict[str, Any]]:
    def draw() -> dict[str, Any]:
        from simulator.viz.figures import figures_for_ledger, figures_for_result

        return {**figures_for_result(result), **figures_for_ledger(result)}

    return draw


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
    out.print(summary_table(result, "market", "market", RUN_METRICS["market"]))
    for res in model.reserve:
        out.print(summary_table(result, res.name, "reserve", RUN_METRICS["reserve"]))
    if model.benchmarks:
        out.print(benchmark_note(model, result), markup=False)
    for op in model.mining:
        out.print(summary_table(result, op.name, "mining", RUN_METRICS["mining"]))
        out.print(ledger_table(result, op, model))
    from simulator.inputs.provenance import count_text
    from simulator.results.stats import errors_counted

    c = result.meta["provenance_counts"]
    counted = errors_counted(result.meta.get("variance_reduction", "none"), result.meta["paths"])
    out.print(
        f"{result.meta['paths']:,} paths, seed {result.meta['seed']}, "
        f"{result.meta['start_date']} to {result.meta['end_date']}, "
        f"{result.meta['seconds']:.1f} s; ± is the Monte Carlo standard error"
        + (f" ({counted})" if counted else "")
        + ". "
        f"Inputs: {count_text(c)} "
        f"(btcsim explain {result.meta['file']}).",
        markup=False,
    )
    streamed = _streamed_note(result)
    if streamed:
        out.print(streamed, markup=False)
    out.print(
        f"Files: {target}/ (summary.csv, percentiles.csv, inputs.csv, manifest.json"
        + (", *.png" if plot else "")
        + ")",
        markup=False,
    )


def _streamed_note(result: Any) -> str | None:
    """What a streamed run's bands are, why, and how to get exact ones; None if exact."""
    method = str(result.meta.get("percentiles", "exact"))
    if not method.startswith("streamed"):
        return None
    why = " (chosen by auto: the recorded paths would take over 1 GiB)" if "auto" in method else ""
    return (
        f"{result.scenario}: percentiles.csv is streamed{why}: each band within one bin of the "
        "exact value on an asinh scale (about 0.03 % for most bands, more for values near "
        "zero); the summary is exact. "
        "Exact bands: --set 'scenario.percentiles=\"exact\"' (needs the memory to hold every path)."
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
    facts_files: FactsOpt = None,
    freq: Annotated[str | None, typer.Option(help="Output frequency: D, W or M.")] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for results (default: results/NAME, or NAME-2, ...)."),
    ] = None,
    overwrite: OverwriteOpt = False,
    as_json: JsonOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No tables or progress.")] = False,
    workers: WorkersOpt = None,
    backend: BackendOpt = None,
    address: AddressOpt = None,
    plot: PlotOpt = False,
    precision: Annotated[
        float | None,
        typer.Option(
            help="Target relative Monte Carlo standard error of --precision-metric, e.g. 0.01 "
            "(1 %): paths are added in blocks of 1,024 until it is met or --max-paths is hit.",
        ),
    ] = None,
    precision_metric: Annotated[
        str | None,
        typer.Option(
            help="ENTITY.METRIC[.STAT] whose error --precision targets (default: the first "
            "reserve's value_usd.p50, else the first operation's margin_usd.p50).",
        ),
    ] = None,
    max_paths: Annotated[
        int | None,
        typer.Option(help="Cap on the paths --precision may run (default 200,000).", min=1),
    ] = None,
) -> None:
    """Run scenarios and print a summary per reserve and mining operation.

    Every figure carries its Monte Carlo standard error (199,000 ± 11,000; 25.6% ± 1.0 pp).

    Example: btcsim run scenarios/baseline.toml --paths 5000 --seed 7 --out results/base --plot

    Example: btcsim run --precision 0.01 --precision-metric el_salvador.value_usd.p50

    Example: btcsim run --paths 2048 --set 'scenario.variance_reduction="qmc"'
    (fewer paths for the same error; also "antithetic")
    """
    from simulator.analysis.variants import check_unique_names
    from simulator.inputs.scenario import load_scenario

    if freq is not None and freq not in ("D", "W", "M"):
        fail(f"--freq: expected D, W or M (got {freq!r})")
    backend = check_backend(backend, address)
    if precision is not None and not 0 < precision < 1:
        fail(f"--precision: expected a relative standard error between 0 and 1 (got {precision})")
    if max_paths is not None and precision is None:
        fail("--max-paths: needs --precision (the relative standard error to reach)")
    if precision_metric is not None and precision is None:
        fail("--precision-metric: needs --precision (the relative standard error to reach)")
    sets = run_sets(overrides, paths, seed, years)
    targets = files or [BASELINE]
    with user_errors():
        scenarios = [load_scenario(f, sets, facts=facts_files or []) for f in targets]
        check_unique_names(scenarios)  # each names its own folder
    warn_unread(scenarios, overrides)
    outputs = _outputs(scenarios, out_dir, overwrite)
    hide = quiet or as_json

    def one(scenario: Any) -> Any:
        return _simulate_with_progress(
            scenario,
            hide=hide,
            freq=freq,
            workers=workers,
            backend=backend,
            address=address,
            keep_paths=plot,
        )

    if precision is None:
        results = [one(s) for s in scenarios]  # every run first: a failure writes nothing
    else:
        cap = 200_000 if max_paths is None else max_paths
        results = [
            _run_to_precision(s, one, precision, precision_metric, cap, hide) for s in scenarios
        ]
    summaries = [
        (result, publish(result, output, _figures(result) if plot else None))
        for result, output in zip(results, outputs, strict=True)
    ]
    if as_json:
        _emit_summaries_json(summaries)
        return
    if quiet:
        for result, _ in summaries:
            streamed = _streamed_note(result)
            if streamed:
                err.print(f"note: {streamed}", markup=False)
        return
    for result, target in summaries:
        model = next(s for s in scenarios if s.name == result.scenario).model
        _print_summary(result, target, model, plot)
