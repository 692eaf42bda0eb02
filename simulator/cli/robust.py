"""``btcsim robust``: several policies over the same sampled uncertainties, scored by regret."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from simulator.cli.batch import MetricOpt, OutOpt, StatOpt, batch_errors, cell, path_progress
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
    fail,
    new_table,
    out,
    plan_output,
    publish,
    run_sets,
    warn_unread,
)

__all__ = ["robust_cmd"]


def robust_cmd(
    files: Annotated[list[Path], typer.Argument(help="Policy scenario files (at least 2).")],
    metric: MetricOpt = None,
    samples: Annotated[
        int, typer.Option(help="Latin hypercube samples (one run per policy each).")
    ] = 200,
    paths: PathsOpt = 200,
    stat: StatOpt = None,
    satisfice: Annotated[
        float | None,
        typer.Option(
            help="Report the share of samples meeting X (>= X, or <= X if less is better)."
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
    """Compare policies by regret over the same sampled uncertainties (robust decision).

    The ranged inputs of the first file that every file has are sampled with a
    Latin hypercube; every policy runs each sample with the first file's seed.
    Regret on a sample is the best policy's value minus this policy's.

    Example: btcsim robust scenarios/el_salvador_hold.toml scenarios/el_salvador_accumulate.toml
    --metric el_salvador.value_usd
    """
    from simulator.analysis.robust import plan_robust, run_robust
    from simulator.analysis.variants import safe_name
    from simulator.inputs.scenario import load_scenario

    if len(files) < 2:
        fail("FILE...: give at least 2 policy scenario files to compare")
    if metric is None:
        fail("--metric: missing; name the result to score, e.g. --metric el_salvador.value_usd")
    assert metric is not None
    sets = run_sets(overrides, None, seed, years)
    with batch_errors():
        scenarios = [load_scenario(f, sets, facts=facts_files or []) for f in files]
        plan = plan_robust(scenarios, metric, samples=samples, paths=paths, stat=stat)
    warn_unread(scenarios, overrides)
    output = plan_output(
        out_dir, Path("results") / safe_name(f"robust_{scenarios[0].name}"), overwrite
    )
    backend = check_backend(backend, address)
    with path_progress(plan.total_paths, "robust", quiet or as_json) as advance, batch_errors():
        result = run_robust(
            plan,
            satisfice=satisfice,
            backend=backend,
            workers=workers,
            address=address,
            progress=advance,
        )
    draw = None
    if plot:

        def draw() -> dict[str, Any]:
            from simulator.viz.robust import figures_for_robust

            return dict(figures_for_robust(result))

    target = publish(result, output, draw)
    if as_json:
        emit_json({**result.manifest(), "out": str(target)})
    elif not quiet:
        _print_robust(result, plan, target)


def _print_robust(result: Any, plan: Any, target: Path) -> None:
    unit = result.metric_unit
    better = "higher" if result.higher else "lower"
    out.print(
        f"{result.metric.label} ({better} is better) for {len(result.policies)} policies over "
        f"{result.samples:,} Latin hypercube samples of {len(result.inputs)} inputs; "
        f"{result.paths:,} paths per run, seed {result.seed} for every run"
        + (f"; {result.failed} runs failed" if result.failed else "")
        + ".",
        markup=False,
    )
    dropped = [k for k, r in result.skipped if r.startswith("not in every policy")]
    if dropped:
        out.print(f"Not sampled (not in every policy): {', '.join(dropped)}.", markup=False)
    tail = "p5" if result.higher else "p95"  # the unfavourable tail of the value
    table = new_table(
        title=f"Regret and value ({unit}); value = the metric on a sample, over the samples",
        title_justify="left",
    )
    cols = ["policy", "max regret", "p90 regret", "mean value", f"{tail} value"]
    if result.satisfice is not None:
        op = ">=" if result.higher else "<="
        cols.append(f"share {op} {cell(result.satisfice, unit)}")
    for col in cols:
        table.add_column(col, justify="left" if col == "policy" else "right")
    for row in result.summary.itertuples(index=False):
        cells = [
            row.policy,
            cell(row.max_regret, unit),
            cell(row.p90_regret, unit),
            cell(row.mean, unit),
            cell(getattr(row, tail), unit),
        ]
        if result.satisfice is not None:
            cells.append(f"{row.satisfice_share:.0%}")
        table.add_row(*cells)
    out.print(table)
    out.print(f"Files: {target}/ ({', '.join(result.written)})", markup=False)
