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

from simulator.results.metric_type import NEEDS, Metric
from simulator.results.metrics_ledger import LEDGER_METRICS

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
        condition="only for a reserve with a benchmark ([[benchmark]] or "
        "scenario.benchmark_usd); the first one that applies to it",
        needs="benchmark",
    ),
    Metric(
        "value_lcu", "LCU", "reserve", None,
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
        ledger=True,
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
    *LEDGER_METRICS,
)  # fmt: skip


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
