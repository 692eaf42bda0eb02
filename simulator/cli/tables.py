"""Tables ``btcsim run`` prints: an entity's summary, and a mining operation's policy ledger."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from simulator.cli.common import new_table
from simulator.results.format import format_percent, format_with_error
from simulator.results.metrics import ledger_metrics

if TYPE_CHECKING:
    from rich.table import Table

__all__ = ["LEDGER_METRICS", "benchmark_note", "currency_of", "ledger_table", "summary_table"]

#: The ledger's rows, in the registry's order (:func:`simulator.results.metrics.ledger_metrics`).
LEDGER_METRICS = ledger_metrics()


def currency_of(result: Any) -> str:
    """The local currency's code of a result (``[market.fx] currency``), or ``"LCU"``."""
    rows = result.inputs[result.inputs.key == "market.fx.currency"]
    return str(rows.value.iloc[0]) if len(rows) else "LCU"


def summary_table(
    result: Any, entity: str, kind: str, metrics: Sequence[str], title: str = ""
) -> Table:
    """A table of ``metrics`` of one entity: p5, median and p95 with their Monte Carlo errors.

    Parameters
    ----------
    result : Result
        A run's result.
    entity : str
        Entity name (``"market"`` for the market).
    kind : {"market", "reserve", "mining"}
        Its kind, for the default title.
    metrics : sequence of str
        Metrics to show, in order; those the summary lacks are left out.
    title : str, optional
        Title; default ``"<scenario>: <kind> <entity> at <end date>"``.
    """
    default = kind if kind == "market" else f"{kind} {entity}"
    table = new_table(
        title=title or f"{result.scenario}: {default} at {result.meta['end_date']}",
        title_justify="left",
    )
    rows = result.summary[result.summary.entity == entity].set_index("metric")
    shown = rows.loc[[m for m in metrics if m in rows.index]]
    partial = "defined_share" in shown and bool((shown["defined_share"] < 1).any())
    columns = ("metric", "unit", "p5", "median", "p95") + (("defined",) if partial else ())
    if partial:
        table.caption = (
            "defined: share of paths where the metric is a number; on the others nothing was "
            "mined (over the horizon, or on its last day for the break-even price), they rank "
            "as inf, and a percentile that reaches them reads inf"
        )
        table.caption_justify = "left"
    for col in columns:
        right = col not in ("metric", "unit")
        table.add_column(col, justify="right" if right else "left", no_wrap=True)

    def defined(r: Any) -> tuple[str, ...]:
        """The share of paths where the metric is defined, when some metric is not always."""
        if not partial:
            return ()
        return ("" if r["defined_share"] == 1 else format_percent(float(r["defined_share"])),)

    for metric in metrics:
        if metric not in rows.index:
            continue
        r = rows.loc[metric]
        if r.unit == "probability":
            cell = format_with_error(r["mean"], r.get("mean_se", float("nan")), percent=True)
            table.add_row(metric, "", "", cell, "", *defined(r))
            continue
        unit = "" if r.unit == "fraction" else r.unit.replace("LCU", currency_of(result))
        cells = [
            format_with_error(r[c], r.get(f"{c}_se", float("nan")), r.unit, r.unit == "fraction")
            for c in ("p5", "p50", "p95")
        ]
        table.add_row(metric, unit, *cells, *defined(r))
    return table


def ledger_table(result: Any, op: Any, model: Any) -> Table:
    """The policy ledger of mining operation ``op``: energy, emissions, bill, subsidy, net.

    The state's net position counts the margin at the tariff charged, less the
    subsidy cost (the gap to the cost-reflective tariff times the energy) and
    the capex's depreciation, plus the change in value of the BTC kept. The
    caption says what the table takes as given: the tariffs, the factor, the
    book value left at the horizon, and BTC a reserve sold after the
    operation kept them (still valued at the last price here).
    """
    span = f"{result.meta['start_date']} to {result.meta['end_date']}"
    title = f"{result.scenario}: ledger of mining {op.name}, {span}"
    table = summary_table(result, op.name, "mining", LEDGER_METRICS, title=title)
    tariff, reflective = op.electricity_usd_per_kwh, op.cost_reflective
    notes = [
        f"tariff charged {tariff:g} USD/kWh, cost-reflective {reflective:g} "
        f"(subsidy = the gap x energy); emission factor {op.emission_factor_tco2_per_mwh:g} "
        "tCO2/MWh",
        "net_fiscal_usd = margin - subsidy - depreciation + change in value of the BTC kept "
        "(at the last price); capex - depreciation is book value left at the horizon, not "
        "charged",
    ]
    fed = next((r for r in model.reserve if r.name == op.reserve), None)
    if fed is not None and op.disposal != "sell_all" and (fed.sales or fed.sell_rules):
        notes.append(
            f"reserve {fed.name} sells BTC (sales or sell rules): the ledger values the BTC "
            f"{op.name} kept at the last price as if still held; what the sales realised is in "
            f"the reserve's net_position_usd"
        )
    if op.power_sale_usd_per_kwh is not None:
        notes.append(
            f"power sold instead at {op.power_sale_usd_per_kwh:g} USD/kWh; mining_vs_power_sale"
            "_usd = net_fiscal_usd - energy x (sale price - cost-reflective tariff)"
        )
    notes.append("all USD nominal, summed over the horizon, undiscounted")
    caption = "; ".join(notes)
    table.caption = f"{table.caption}\n{caption}" if table.caption else caption
    table.caption_justify = "left"
    return table


def _share_text(share: float) -> str:
    """A share as a percentage to 3 significant digits: 0.121 -> 12.1%, 0.00109 -> 0.109%."""
    percent = 100 * share
    return f"{percent:,.0f}%" if abs(percent) >= 100 else f"{percent:.3g}%"


def benchmark_note(model: Any, result: Any) -> str:
    """One line per benchmark: label, value, provenance, end year and the reserves' share then.

    A reserve's ``value_share_of_benchmark`` divides by the first benchmark
    that applies to it (one for that reserve, or for every reserve). For
    a benchmark with an ``end_year`` that falls inside the run, each reserve's
    median value on the last output day of that year is given as a share of it
    (a median of the value over a constant is the median of the share).
    """
    from simulator.results.format import format_number

    lines = []
    pct = result.percentiles
    for bench in model.benchmarks:
        key = (
            "scenario.benchmark_usd" if bench.name == "benchmark"
            else f"benchmark.{bench.name}.value_usd"
        )  # fmt: skip
        rows = result.inputs[result.inputs.key == key]
        how = str(rows.provenance.iloc[0]) if len(rows) else "assumption"
        text = f"benchmark {bench.shown}: {format_number(bench.value_usd, 'USD')} USD ({how})"
        text += f" for reserve {bench.reserve}" if bench.reserve else ""
        if bench.end_year is not None:
            text += f", ends {bench.end_year}"
            shares, day = [], ""
            for res in (r for r in model.reserve if bench.applies_to(r.name)):
                series = pct[(pct.entity == res.name) & (pct.variable == "value_usd")]
                dates = series.date.astype(str).str[:10]
                inside = series[dates <= f"{bench.end_year}-12-31"]
                if len(inside) and dates.iloc[-1] >= f"{bench.end_year}-12-31":
                    day = str(inside.date.iloc[-1])[:10]
                    share = _share_text(float(inside.p50.iloc[-1]) / bench.value_usd)
                    shares.append(f"{res.name} {share}")
            if shares:
                text += f" (median share on {day}: " + ", ".join(shares) + ")"
        firsts = [r.name for r in model.reserve if model.benchmarks_for(r.name)[:1] == [bench]]
        if firsts:
            text += f"; value_share_of_benchmark of {', '.join(firsts)} is the share of this one"
        lines.append(text)
    return "\n".join(lines)
