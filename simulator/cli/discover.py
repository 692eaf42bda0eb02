"""``btcsim discover``: the combinations of inputs under which a plan fails (PRIM)."""

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
from simulator.results.format import format_number

__all__ = ["discover_cmd"]


def discover_cmd(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    metric: MetricOpt = None,
    below: Annotated[
        float | None,
        typer.Option(help="A sample is bad when the statistic is below X (or give --above)."),
    ] = None,
    above: Annotated[
        float | None, typer.Option(help="A sample is bad when the statistic is above X.")
    ] = None,
    samples: Annotated[
        int,
        typer.Option(help="Latin hypercube samples, one run each (at least the inputs varied)."),
    ] = 2000,
    paths: PathsOpt = 200,
    stat: StatOpt = None,
    vary: Annotated[
        list[str] | None,
        typer.Option(help="Sample only these inputs (each needs a range); repeatable."),
    ] = None,
    method: Annotated[
        str,
        typer.Option(help="Box finder: prim (peeling trajectory) or cart (a decision tree)."),
    ] = "prim",
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
    """Find the ranges of inputs under which a result is bad (scenario discovery).

    Every input with a range is sampled with a Latin hypercube (same seed for
    every run); PRIM (or CART) finds the box of inputs where the statistic is
    below (or above) the threshold. Needs ema_workbench: pip install -e '.[discover]'.

    Example: btcsim discover scenarios/baseline.toml --metric pakistan.margin_usd --below 0
    """
    from simulator.analysis.discover import (
        ALWAYS_FAILS,
        NEVER_FAILS,
        plan_discover,
        run_discover,
    )
    from simulator.analysis.discover_boxes import PRIM_MISSING, ema_available
    from simulator.analysis.variants import safe_name
    from simulator.inputs.scenario import load_scenario

    if metric is None:
        fail("--metric: missing; name the result to test, e.g. --metric pakistan.margin_usd")
    if below is None and above is None:
        fail("--below/--above: missing; give the threshold of a bad outcome, e.g. --below 0")
    if below is not None and above is not None:
        fail("--below/--above: give one of them, not both")
    if not ema_available():
        fail(PRIM_MISSING)
    assert metric is not None
    threshold = below if below is not None else above
    assert threshold is not None
    sets = run_sets(overrides, None, seed, years)
    with batch_errors():
        scenario = load_scenario(file, sets, facts=facts_files or [])
        plan = plan_discover(
            scenario,
            metric,
            threshold,
            below=below is not None,
            samples=samples,
            paths=paths,
            stat=stat,
            vary=vary,
            method=method,
        )
    warn_unread([scenario], overrides)
    output = plan_output(
        out_dir, Path("results") / safe_name(f"discover_{scenario.name}"), overwrite
    )
    backend = check_backend(backend, address)
    with path_progress(plan.total_paths, "discover", quiet or as_json) as advance, batch_errors():
        result = run_discover(
            plan, backend=backend, workers=workers, address=address, progress=advance
        )
    draw = None
    if plot:

        def draw() -> dict[str, Any]:
            from simulator.viz.discover import figures_for_discover

            return dict(figures_for_discover(result))

    target = publish(result, output, draw)
    if as_json:
        emit_json({**result.manifest(), "out": str(target)})
        return
    if result.box is None:
        never = result.bad_count == 0
        out.print(
            f"{result.metric.label} is {'never' if never else 'always'} {plan.side} in "
            f"{len(result.samples):,} samples of {len(plan.items)} inputs: "
            f"{NEVER_FAILS if never else ALWAYS_FAILS}. "
            f"Files: {target}/ ({', '.join(result.files)})",
            markup=False,
        )
        return
    if not quiet:
        _print_discovery(result, file, target, scenario, plot)


def _print_discovery(result: Any, file: Path, target: Path, scenario: Any, plot: bool) -> None:
    box = result.box
    unit = result.metric_unit
    n = len(result.samples)
    out.print(
        f"{result.metric.label} in {result.scenario} ({file}): bad when "
        f"{'below' if result.below else 'above'} {cell(result.threshold, unit)} {unit}; "
        f"{result.bad_count:,} of {n:,} Latin hypercube samples of {len(result.provenance)} "
        f"inputs bad; {result.paths:,} paths "
        f"per sample, seed {result.seed}"
        + (f"; {result.failed} runs failed" if result.failed else "")
        + ".",
        markup=False,
    )
    what = "Leaf" if box.method == "cart" else "Box"
    out.print(f"Chosen box ({box.method.upper()}): {box.rule}.", markup=False)
    table = new_table(
        title=f"{what} {box.chosen}: coverage {box.coverage:.0%}, density {box.density:.0%}, "
        f"mass {box.mass:.0%}, {len(box.restricted)} restricted "
        f"input{'' if len(box.restricted) == 1 else 's'}",
        title_justify="left",
    )
    for col in ("key", "provenance", "box", "full range"):
        table.add_column(col, overflow="fold", no_wrap=col != "key")
    limits = result.box_table().set_index("key")
    for key in box.restricted:
        row = limits.loc[key]
        origin = scenario.fact_origin(key)
        table.add_row(
            key,
            row["provenance"] + (f" ({origin})" if origin else ""),
            f"{format_number(row['box_low'])} .. {format_number(row['box_high'])}",
            f"{format_number(row['full_low'])} .. {format_number(row['full_high'])}",
        )
    out.print(table)
    kinds = limits.loc[box.restricted, "provenance"].value_counts().to_dict()
    out.print(
        "Restricted: "
        + (", ".join(f"{c} {p}" for p, c in sorted(kinds.items())) or "none (the whole box)")
        + ".",
        markup=False,
    )
    if plot and "discover_box.png" not in result.files:
        out.print(
            f"note: no discover_box.png: the box restricts {len(box.restricted)} input"
            f"{'' if len(box.restricted) == 1 else 's'}, and the scatter needs two",
            markup=False,
        )
    out.print(f"Files: {target}/ ({', '.join(result.files)})", markup=False)
