"""The policy-ledger section of the HTML report: per mining operation, the benchmark, the rupee.

Per mining operation the ledger table (the metrics of
:func:`simulator.results.metrics.ledger_metrics`: p5, median and p95 with
their Monte Carlo errors) and the state's net position over time; then the
reserves' values as a share of the benchmark and, for a reserve valued in the
``[market.fx]`` currency, its value in that currency. Parts that do not apply
to a scenario are left out; a scenario with none of them has no section.
"""

from __future__ import annotations

from simulator.inputs.schema import Mining, Scenario
from simulator.results.metrics import ledger_metrics
from simulator.results.result import Result
from simulator.viz.ledger import (
    benchmark_share_figure,
    benchmarks,
    input_text,
    ledger_operations,
    local_reserves,
    local_value_figure,
    net_position_figure,
    reserve_names,
)
from simulator.viz.report_html import escape, figures_html, summary_table
from simulator.viz.style import value_text

__all__ = ["ledger_section"]


def _tariff_note(op: Mining) -> str:
    """The tariffs, emission factor and power-sale price behind an operation's ledger."""
    kwh = "USD/kWh"
    parts = [
        f"Tariff charged {value_text(op.electricity_usd_per_kwh, kwh)}, cost-reflective "
        f"{value_text(op.cost_reflective, kwh)} (subsidy cost = the gap x energy used); "
        f"emission factor {value_text(op.emission_factor_tco2_per_mwh, 'tCO2/MWh')}."
    ]
    if op.power_sale_usd_per_kwh is not None:
        parts.append(
            f"Power sold instead at {value_text(op.power_sale_usd_per_kwh, kwh)}: "
            "mining_vs_power_sale_usd = net_fiscal_usd - energy x (sale price - cost-reflective "
            "tariff)."
        )
    if op.ai is not None:
        parts.append(
            "AI side (the power not mined): lease revenue - opex - its energy at the "
            "cost-reflective tariff - depreciation, the same on every path; compared per MW."
        )
    return " ".join(parts)


def ledger_section(result: Result, model: Scenario) -> str:
    """The report's "Policy ledger" section of one scenario, as HTML.

    Parameters
    ----------
    result : Result
        The scenario's run.
    model : Scenario
        The validated scenario (its mining operations' tariffs, for the notes).

    Returns
    -------
    str
        Empty when the scenario has no mining operation with a ledger, no
        benchmark and no reserve in a local currency.
    """
    ops = {op.name: op for op in model.mining}
    currency = input_text(result, "market.fx.currency") or "LCU"
    parts: list[str] = []
    for name in ledger_operations(result):
        parts.append(f"<h4>mining {escape(name)}</h4>")
        if name in ops:
            parts.append(f'<p class="muted">{escape(_tariff_note(ops[name]))}</p>')
        parts.append(summary_table(result.summary, name, ledger_metrics(), currency))
        parts.append(figures_html({f"net_position_{name}": net_position_figure(result, name)}))
    marks = benchmarks(result)
    if any(m.applies_to(r) for m in marks for r in reserve_names(result)):
        shown = "; ".join(
            f"{b.label} = {value_text(b.value_usd, 'USD')} ({b.provenance})"
            + (f" for reserve {b.reserve}" if b.reserve else "")
            + (f", ends with {b.end_year}" if b.end_year is not None else "")
            for b in marks
        )
        parts += [
            "<h4>Reserves against the benchmark</h4>",
            f'<p class="muted">Benchmarks: {escape(shown)}.</p>',
            figures_html({"benchmark_share": benchmark_share_figure(result)}),
        ]
    for reserve in local_reserves(result):
        parts.append(f"<h4>reserve {escape(reserve)} in {escape(currency)}</h4>")
        parts.append(summary_table(result.summary, reserve, ("value_usd", "value_lcu"), currency))
        parts.append(figures_html({f"local_value_{reserve}": local_value_figure(result, reserve)}))
    if not parts:
        return ""
    intro = (
        "The state's ledger of each mining operation over the horizon: energy used, CO2 "
        "emitted, the subsidy's fiscal cost and the state's net position, which counts the "
        "margin at the tariff charged, less the subsidy cost and the capex's depreciation, "
        "plus the change in value of the BTC kept. ± is the Monte Carlo standard error, as in "
        "the key results."
    )
    lead = [f'<p class="muted">{escape(intro)}</p>'] if ledger_operations(result) else []
    return "\n".join(["<h3>Policy ledger</h3>", *lead, *parts])
