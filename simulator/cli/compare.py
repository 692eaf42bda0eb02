"""``btcsim compare``: run scenarios on the same market paths and compare them with the first."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.table import Table

from simulator.cli.batch import (
    OutOpt,
    batch_errors,
    cell,
    diff_cell,
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
    fail,
    new_table,
    out,
    plan_output,
    run_sets,
    warn_unread,
)
from simulator.results.format import format_number
from simulator.results.metrics import DIRECTION_NOTE, PERCENT_UNITS

__all__ = ["compare_cmd"]


def compare_cmd(
    files: Annotated[
        list[Path], typer.Argument(help="Two or more scenario files; the first is the reference.")
    ],
    paths: PathsOpt = None,
    seed: SeedOpt = None,
    years: YearsOpt = None,
    overrides: SetOpt = None,
    facts_files: FactsOpt = None,
    out_dir: OutOpt = None,
    overwrite: OverwriteOpt = False,
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
    from simulator.analysis.compare import compare
    from simulator.analysis.variants import check_unique_names, safe_name
    from simulator.inputs.scenario import load_scenario

    if len(files) < 2:
        fail("compare needs at least two scenario files")
    backend = check_backend(backend, address)
    sets = run_sets(overrides, paths, seed, years)
    with batch_errors():
        scenarios = [load_scenario(f, sets, facts=facts_files or []) for f in files]
        check_unique_names(scenarios)
    warn_unread(scenarios, overrides)
    output = plan_output(
        out_dir,
        Path("results") / safe_name("compare_" + "_vs_".join(s.name for s in scenarios)),
        overwrite,
    )
    total = sum(s.model.scenario.paths for s in scenarios)
    result, target = run_save_plot(
        "compare",
        total,
        quiet or as_json,
        lambda advance: compare(
            scenarios, backend=backend, workers=workers, address=address, progress=advance
        ),
        output,
        "figures_for_comparison" if plot else None,
        each=each,
    )
    if as_json:
        emit_json(
            {
                "scenarios": result.names,
                "reference": result.names[0],
                "out": str(target),
                "files": result.files,
                "common_random_numbers": result.common_random_numbers,
                "market_differences": result.market_differences,
                "table": records(result.table),
                "inputs_diff": records(result.inputs_diff),
            }
        )
        return
    if quiet:
        return
    _print_comparison(result, files, target, scenarios)


def _print_comparison(result: Any, files: list[Path], target: Path, scenarios: list[Any]) -> None:
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
    _print_inputs_diff(result, letters, scenarios)
    end = first["end_date"]
    for (kind, entity), rows in result.table.groupby(["kind", "entity"], sort=False):
        out.print(_metric_table(result, letters, kind, entity, rows, end))
    for line in _subsidy_notes(result, letters, scenarios):
        out.print(line, markup=False)
    out.print(
        "P(beats A): share of paths on which the scenario does better than A on the same path "
        f"({DIRECTION_NOTE}). For P(below cost) the median column holds the probability.",
        markup=False,
    )
    out.print(f"Files: {target}/ ({', '.join(result.files)})", markup=False)


def _subsidy_notes(result: Any, letters: list[str], scenarios: list[Any]) -> list[str]:
    """What A's subsidy costs against each other scenario's, and what else differs with it.

    For every mining operation both scenarios have whose subsidy cost differs:
    the difference in subsidy, in the BTC its reserve holds (when both send them
    to the same reserve) and in the state's net position, each as the
    difference of the medians. Only when the tariff charged is the one input of
    the operation that differs does the note say why the net position moves so
    little: the subsidy itself is a transfer inside the state.
    """
    rows = {(r["kind"], r["entity"], r["metric"]): r for r in result.table.to_dict("records")}
    notes = []
    for op in scenarios[0].model.mining:
        subsidy = rows.get(("mining", op.name, "subsidy_cost_usd"))
        net = rows.get(("mining", op.name, "net_fiscal_usd"))
        if subsidy is None or net is None:
            continue
        for letter, r, other in list(zip(letters, result.results, scenarios, strict=True))[1:]:
            extra = -subsidy[f"{r.scenario}.diff_p50"]  # A's median subsidy minus this one's
            gain = -net[f"{r.scenario}.diff_p50"]
            if math.isnan(extra) or math.isnan(gain) or extra == 0:
                continue  # the operation is not in both, or the subsidies are equal
            text = (
                f"Subsidy of mining {op.name} (revenue the utility gives up): A's is "
                f"{format_number(abs(extra), 'USD')} USD {'more' if extra > 0 else 'less'} "
                f"than {letter}'s"
            )
            theirs = next((o for o in other.model.mining if o.name == op.name), None)
            held = rows.get(("reserve", op.reserve or "", "holdings_btc"))
            if held is not None and theirs is not None and theirs.reserve == op.reserve:
                btc = -held[f"{r.scenario}.diff_p50"]
                if btc == 0:
                    text += f"; reserve {op.reserve} holds the same BTC in both"
                elif not math.isnan(btc):
                    text += (
                        f"; reserve {op.reserve} holds {format_number(abs(btc), 'BTC')} BTC "
                        f"{'more' if btc > 0 else 'less'} in A"
                    )
            text += (
                "; the state's net position (net_fiscal_usd) is the same in both"
                if gain == 0
                else f"; the state's net position (net_fiscal_usd) is "
                f"{format_number(abs(gain), 'USD')} USD {'higher' if gain > 0 else 'lower'} in A"
            )
            text += " (differences of the medians)"
            if _only_tariff_differs(result, op.name):
                text += (
                    ". Only the tariff charged differs: a subsidy moves money from the utility "
                    "to the operation without changing what the power costs the state, so the "
                    "net differs only through the BTC the cheaper power lets it keep "
                    "(kept_btc_gain_usd)"
                )
            notes.append(text)
    return notes


def _only_tariff_differs(result: Any, op: str) -> bool:
    """Whether the operation's tariff charged is the only model input that differs."""
    keys = {k for k in result.inputs_diff["key"] if not str(k).startswith("scenario.")}
    return keys == {f"mining.{op}.electricity_usd_per_kwh"} if len(result.inputs_diff) else False


def _print_inputs_diff(result: Any, letters: list[str], scenarios: list[Any]) -> None:
    diff = result.inputs_diff
    if diff.empty:
        out.print("Inputs: identical")
        return
    table = new_table(title="Inputs that differ (value, provenance)", title_justify="left")
    table.add_column("key", no_wrap=True)
    table.add_column("unit", no_wrap=True)
    for letter in letters:
        table.add_column(letter, no_wrap=True, justify="right")
    for row in diff.to_dict("records"):
        cells = []
        for r, scenario in zip(result.results, scenarios, strict=True):
            prov = row[f"{r.scenario}.provenance"]
            value = row[f"{r.scenario}.value"]
            shown = format_number(value, row["unit"])
            origin = scenario.fact_origin(row["key"])  # a user's facts file, if any
            prov += f", {origin}" if origin else ""
            cells.append("absent" if prov == "absent" else f"{shown} ({prov})")
        table.add_row(row["key"], row["unit"], *cells)
    out.print(table)


def _metric_table(
    result: Any, letters: list[str], kind: str, entity: str, rows: Any, end: str
) -> Table:
    title = "market" if kind == "market" else f"{kind} {entity}"
    table = new_table(title=f"{title} at {end}", title_justify="left")
    for col in ("metric", "unit", "", "p5", "median", "p95", "Δ median vs A", "P(beats A)"):
        table.add_column(
            col, no_wrap=True, justify="left" if col in ("metric", "unit", "") else "right"
        )
    for row in rows.to_dict("records"):
        unit = row["unit"]
        shown_unit = "" if unit in PERCENT_UNITS else unit
        for i, (letter, r) in enumerate(zip(letters, result.results, strict=True)):
            name = r.scenario
            # the median with its Monte Carlo error; p5 and p95 plain, to keep the table
            # narrow (their errors are in comparison.csv)
            cells = [
                cell(row[f"{name}.{k}"], unit, row.get(f"{name}.{k}_se", math.nan))
                if k == "p50"
                else cell(row[f"{name}.{k}"], unit)
                for k in ("p5", "p50", "p95")
            ]
            extra = ["", ""] if i == 0 else _versus_reference_cells(row, name, unit)
            table.add_row(
                row["metric"] if i == 0 else "", shown_unit if i == 0 else "", letter,
                *cells, *extra,
            )  # fmt: skip
    return table


def _versus_reference_cells(row: dict[str, Any], name: str, unit: str) -> list[str]:
    p, same = row[f"{name}.prob_beats"], row[f"{name}.prob_same"]
    beats = cell(p, "probability", row.get(f"{name}.prob_beats_se", math.nan))
    return [
        diff_cell(row[f"{name}.diff_p50"], unit),
        "equal on every path" if same == 1 else beats,
    ]
