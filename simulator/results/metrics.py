"""The registry of horizon metrics: name, unit, entity kind, direction and meaning.

Every metric :mod:`simulator.results.summary` reports is spelled here once,
in the order the summary writes it (market, then per reserve, then per mining
operation). The rest of the package reads its views of the metrics from this
registry: the summary's units, the metric lists and key metrics of
:mod:`simulator.analysis.variants`, the scoring directions of
:mod:`simulator.analysis.compare`, and the tables ``btcsim run`` and
``btcsim compare`` print.

Units are those of the summary's ``unit`` column: ``"probability"`` for the
share of paths with a 0/1 outcome (the summary holds only its ``mean``),
``"fraction"`` for a ratio shown as a percentage.

This module imports nothing but the standard library, so the command line can
read it at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DIRECTION_NOTE",
    "KINDS",
    "METRICS",
    "Metric",
    "PERCENT_UNITS",
    "higher_is_better",
    "key_metrics",
    "kind_of",
    "ledger_metrics",
    "NEEDS",
    "metric",
    "metric_names",
    "run_table_metrics",
]

#: Entity kinds, in the order the summary and the tables list them.
KINDS = ("market", "reserve", "mining")

#: Units shown as percentages (and differences of them in percentage points).
PERCENT_UNITS = ("fraction", "probability")


@dataclass(frozen=True)
class Metric:
    """One horizon metric of the summary.

    Attributes
    ----------
    name : str
        Name in the summary's ``metric`` column, e.g. ``"value_usd"``; unique
        across kinds.
    unit : str
        The summary's ``unit`` column: a physical unit (``"USD"``, ``"BTC"``,
        ``"USD/BTC"``, ...), ``"fraction"`` or ``"probability"``.
    kind : {"market", "reserve", "mining"}
        Kind of entity the metric belongs to.
    higher_is_better : bool or None
        Direction used to score "beats the reference" in a comparison: True,
        more is better; False, less is better; None, not scored (whether more
        is better depends on who is asking, or it is a choice of scale).
    meaning : str
        One-line definition.
    probability : bool
        The share of paths with a 0/1 outcome: the summary holds its mean only
        (no percentiles).
    in_run_table : bool
        Printed by ``btcsim run``.
    key : int or None
        Position among the kind's key metrics (the rows of a comparison and
        the columns of a sweep), counting from 0; None if not a key metric.
    condition : str
        When the summary reports the metric, if not always (empty: always).
    needs : str
        What the entity needs for the metric to be reported, as a code the
        summary checks (:data:`NEEDS`); empty: always reported.
    ledger : bool
        A column of the policy ledger ``btcsim run`` prints per mining operation.
    """

    name: str
    unit: str
    kind: str
    higher_is_better: bool | None
    meaning: str
    probability: bool = False
    in_run_table: bool = False
    key: int | None = None
    condition: str = ""
    needs: str = ""
    ledger: bool = False


#: Every horizon metric, in the order the summary reports it.
METRICS: tuple[Metric, ...] = (
    # ---------------------------------------------------------------- market
    Metric(
        "price_usd", "USD/BTC", "market", None,
        "BTC price on the last day of the horizon.",
        in_run_table=True, key=0,
    ),
    Metric(
        "network_hashrate_ehs", "EH/s", "market", None,
        "Total network hashrate on the last day, the simulated operations included.",
        in_run_table=True, key=1,
    ),
    Metric(
        "fx_lcu_per_usd", "LCU/USD", "market", None,
        "Exchange rate on the last day: local currency units per USD ([market.fx]).",
        in_run_table=True, condition="only when the scenario has [market.fx]", needs="fx",
    ),
    # --------------------------------------------------------------- reserve
    Metric(
        "holdings_btc", "BTC", "reserve", True,
        "BTC held at the horizon.",
        in_run_table=True, key=1,
    ),
    Metric(
        "value_usd", "USD", "reserve", True,
        "Holdings at the horizon times the last day's price.",
        in_run_table=True, key=0,
    ),
    Metric(
        "cost_basis_usd", "USD", "reserve", None,
        "USD paid for the BTC still held (purchases and uncovered mining costs; "
        "sales lower it pro rata).",
        in_run_table=True,
    ),
    Metric(
        "prob_below_cost", "probability", "reserve", False,
        "Share of paths whose value ends below the cost basis (by more than a relative 1e-9).",
        probability=True, in_run_table=True, key=2,
    ),
    Metric(
        "max_drawdown", "fraction", "reserve", False,
        "Largest fall of the reserve's flow-neutral value index (time-weighted "
        "return of BTC plus cash from sales) from its running peak; purchases, "
        "mined inflows and sales are neither gains nor losses.",
        in_run_table=True, key=3,
    ),
    Metric(
        "btc_bought_btc", "BTC", "reserve", None,
        "BTC bought by the purchase programmes over the horizon.",
    ),
    Metric(
        "usd_spent_usd", "USD", "reserve", None,
        "USD spent by the purchase programmes over the horizon.",
    ),
    Metric(
        "btc_sales_btc", "BTC", "reserve", None,
        "BTC the reserve sold over the horizon (scheduled sales and sell rules).",
    ),
    Metric(
        "usd_received_usd", "USD", "reserve", None,
        "USD the reserve received for the BTC it sold (at each sale day's price).",
    ),
    Metric(
        "net_position_usd", "USD", "reserve", True,
        "The whole position: value at the horizon + USD received from sales - USD "
        "spent on purchases - cash paid for the mined BTC it kept (the feeding "
        "operations' uncovered costs).",
        in_run_table=True, key=4,
    ),
    Metric(
        "net_gain_usd", "USD", "reserve", True,
        "Net position - the holdings' value at the start (start holdings x start price).",
        in_run_table=True,
    ),
    Metric(
        "prob_net_loss", "probability", "reserve", False,
        "Share of paths whose net gain is below 0 (by more than a relative 1e-9).",
        probability=True, in_run_table=True,
    ),
    Metric(
        "value_share_of_benchmark", "fraction", "reserve", True,
        "Value at the horizon / the scenario's benchmark (for instance the cited "
        "$7 bn IMF facility).",
        in_run_table=True,
        condition="only when the scenario has a benchmark ([[benchmark]] or "
        "scenario.benchmark_usd); the first one",
        needs="benchmark",
    ),
    Metric(
        "value_lcu", "LCU", "reserve", True,
        "Value at the horizon in local currency: value_usd x the last day's exchange rate.",
        in_run_table=True, needs="local_currency",
        condition="only for a reserve whose currency is the [market.fx] currency",
    ),
    # ---------------------------------------------------------------- mining
    Metric(
        "btc_mined_btc", "BTC", "mining", True,
        "BTC mined over the horizon, after pool fees.",
        in_run_table=True,
    ),
    Metric(
        "btc_mined_per_year_btc", "BTC/yr", "mining", True,
        "BTC mined per year: BTC mined / the horizon in years.",
        in_run_table=True, key=0,
    ),
    Metric(
        "btc_kept_btc", "BTC", "mining", True,
        "BTC mined and not sold (passed to the operation's reserve).",
        in_run_table=True,
    ),
    Metric(
        "btc_sold_btc", "BTC", "mining", None,
        "BTC mined and sold on the day (all of it, or enough to cover the cash costs).",
    ),
    Metric(
        "revenue_usd", "USD", "mining", True,
        "Sum over days of BTC mined x that day's price.",
        in_run_table=True,
    ),
    Metric(
        "energy_cost_usd", "USD", "mining", False,
        "Electricity cost over the horizon (days running only).",
        in_run_table=True, ledger=True,
    ),
    Metric(
        "other_opex_usd", "USD", "mining", None,
        "Cash operating costs other than energy over the horizon.",
    ),
    Metric(
        "capex_usd", "USD", "mining", None,
        "Capital expenditure over the horizon (not depreciated).",
    ),
    Metric(
        "margin_usd", "USD", "mining", True,
        "Revenue - cash costs (energy and other opex).",
        in_run_table=True, key=1,
    ),
    Metric(
        "cash_cost_per_btc_usd", "USD/BTC", "mining", False,
        "Cash costs / BTC mined: the average break-even price (inf on a path that "
        "mined nothing).",
        in_run_table=True, key=2,
    ),
    Metric(
        "cost_per_btc_usd", "USD/BTC", "mining", False,
        "Cash costs plus straight-line depreciation of capex, / BTC mined (inf on a "
        "path that mined nothing).",
        in_run_table=True,
    ),
    Metric(
        "breakeven_price_usd", "USD/BTC", "mining", False,
        "The last day's cash cost / BTC mined that day (inf on a path where the "
        "fleet mined nothing that day, e.g. shut down).",
        in_run_table=True, key=3,
    ),
    Metric(
        "mean_network_share", "fraction", "mining", None,
        "The operation's daily share of network hashrate, averaged over the horizon.",
        in_run_table=True,
    ),
    Metric(
        "uncovered_cash_usd", "USD", "mining", False,
        "Cash costs not covered by BTC sold on the day (paid from outside, added "
        "to the reserve's cost basis).",
    ),
    # ---------------------------------------------------------- mining ledger
    Metric(
        "energy_mwh_per_day", "MWh/day", "mining", None,
        "Energy used per simulated day, averaged over the horizon (days running only).",
    ),
    Metric(
        "energy_gwh", "GWh", "mining", None,
        "Energy used over the horizon (facility power x share x uptime x hours running).",
    ),
    Metric(
        "energy_twh", "TWh", "mining", None,
        "Energy used over the horizon, in TWh.",
        ledger=True,
    ),
    Metric(
        "energy_twh_per_year", "TWh/yr", "mining", None,
        "Energy used per year: energy_twh / the horizon in years.",
        ledger=True,
    ),
    Metric(
        "emissions_tco2", "tCO2", "mining", False,
        "CO2 emitted generating the energy used: energy x emission_factor_tco2_per_mwh.",
        ledger=True,
    ),
    Metric(
        "emissions_tco2_per_year", "tCO2/yr", "mining", False,
        "CO2 emitted per year: emissions_tco2 / the horizon in years.",
    ),
    Metric(
        "emissions_per_btc_tco2", "tCO2/BTC", "mining", False,
        "CO2 emitted per BTC mined (inf on a path that mined nothing).",
        ledger=True,
    ),
    Metric(
        "subsidy_cost_usd", "USD", "mining", False,
        "Fiscal cost of the tariff: (cost_reflective_usd_per_kwh - the tariff charged) x "
        "energy used; 0 when the two tariffs agree.",
        key=4, ledger=True,
    ),
    Metric(
        "depreciation_usd", "USD", "mining", None,
        "Straight-line depreciation of the capex charged within the horizon.",
    ),
    Metric(
        "kept_btc_gain_usd", "USD", "mining", True,
        "Change in value of the BTC kept: BTC kept x the last price - their value on the "
        "days they were mined.",
    ),
    Metric(
        "net_fiscal_usd", "USD", "mining", True,
        "The state's net position: margin at the tariff charged - subsidy cost - "
        "depreciation + kept_btc_gain_usd (= margin at the cost-reflective tariff - "
        "depreciation + kept_btc_gain_usd).",
        key=5, ledger=True,
    ),
    Metric(
        "prob_net_fiscal_positive", "probability", "mining", True,
        "Share of paths whose net_fiscal_usd is above 0.",
        probability=True, ledger=True,
    ),
    Metric(
        "power_sale_value_usd", "USD", "mining", None,
        "What the same energy would fetch sold to the grid or exported: energy x "
        "power_sale_usd_per_kwh.",
        ledger=True, condition="only when the operation sets power_sale_usd_per_kwh",
        needs="power_sale",
    ),
    Metric(
        "mining_vs_power_sale_usd", "USD", "mining", True,
        "Net benefit of mining over selling the power: net_fiscal_usd - energy x "
        "(power_sale_usd_per_kwh - cost_reflective_usd_per_kwh).",
        ledger=True, condition="only when the operation sets power_sale_usd_per_kwh",
        needs="power_sale",
    ),
    Metric(
        "prob_mining_beats_power_sale", "probability", "mining", True,
        "Share of paths where mining_vs_power_sale_usd is above 0.",
        probability=True, ledger=True,
        condition="only when the operation sets power_sale_usd_per_kwh", needs="power_sale",
    ),
    Metric(
        "net_fiscal_usd_per_mw", "USD/MW", "mining", True,
        "net_fiscal_usd per MW mined (power_mw x mining_share), to set against ai_net_usd_per_mw.",
        ledger=True, condition="only when the operation has an ai table", needs="ai",
    ),
    Metric(
        "ai_net_usd", "USD", "mining", None,
        "The state's net from the AI side (the power not mined): lease revenue - opex - its "
        "energy at the cost-reflective tariff - depreciation; the same on every path.",
        condition="only when the operation has an ai table", needs="ai",
    ),
    Metric(
        "ai_net_usd_per_mw", "USD/MW", "mining", None,
        "ai_net_usd per MW of the AI side (power_mw x (1 - mining_share)).",
        ledger=True, condition="only when the operation has an ai table", needs="ai",
    ),
    Metric(
        "ai_energy_twh", "TWh", "mining", None,
        "Energy the AI side draws over the horizon: its utilised MW x 24 h a day.",
        ledger=True, needs="ai", condition="only when the operation has an ai table",
    ),
    Metric(
        "ai_emissions_tco2", "tCO2", "mining", False,
        "CO2 emitted generating the AI side's energy, at the site's emission factor.",
        ledger=True, needs="ai", condition="only when the operation has an ai table",
    ),
    Metric(
        "prob_mining_beats_ai", "probability", "mining", True,
        "Share of paths where net_fiscal_usd_per_mw is above ai_net_usd_per_mw.",
        probability=True, ledger=True, needs="ai",
        condition="only when the operation has an ai table",
    ),
)  # fmt: skip

#: Codes of :attr:`Metric.needs`: what an entity needs for the metric to be reported.
NEEDS = {
    "fx": "the scenario has [market.fx]",
    "local_currency": "the reserve's currency is the [market.fx] currency",
    "benchmark": "the scenario has a benchmark",
    "power_sale": "the operation sets power_sale_usd_per_kwh",
    "ai": "the operation has an ai table",
}

#: What "beats the reference" means, in words (the footnote of ``btcsim compare``).
DIRECTION_NOTE = (
    "more is better for value, net position, BTC and margin; less for costs, subsidy, "
    "emissions, break-even price, drawdown and the chances of ending below cost or at a net "
    "loss; market metrics are not scored"
)

_BY_NAME: dict[str, Metric] = {m.name: m for m in METRICS}
if len(_BY_NAME) != len(METRICS):  # pragma: no cover - a registry typo
    raise RuntimeError("metric names in METRICS must be unique")


def metric(name: str) -> Metric:
    """The registry entry of ``name``.

    Raises
    ------
    KeyError
        If no metric has that name.
    """
    return _BY_NAME[name]


def kind_of(name: str) -> str:
    """Entity kind (``"market"``, ``"reserve"`` or ``"mining"``) of metric ``name``."""
    return _BY_NAME[name].kind


def metric_names(kind: str) -> tuple[str, ...]:
    """Every metric of ``kind``, in summary order."""
    return tuple(m.name for m in METRICS if m.kind == kind)


def key_metrics(kind: str) -> tuple[str, ...]:
    """Key metrics of ``kind`` (comparison rows, sweep columns), in key order."""
    keyed = [m for m in METRICS if m.kind == kind and m.key is not None]
    return tuple(m.name for m in sorted(keyed, key=lambda m: m.key or 0))


def ledger_metrics() -> tuple[str, ...]:
    """Columns of the policy ledger ``btcsim run`` prints per mining operation, in order."""
    return tuple(m.name for m in METRICS if m.ledger)


def run_table_metrics(kind: str) -> tuple[str, ...]:
    """Metrics of ``kind`` that ``btcsim run`` prints, in summary order."""
    return tuple(m.name for m in METRICS if m.kind == kind and m.in_run_table)


def higher_is_better() -> dict[str, bool]:
    """Scored metrics -> True if more is better, False if less is better (summary order)."""
    return {m.name: m.higher_is_better for m in METRICS if m.higher_is_better is not None}
