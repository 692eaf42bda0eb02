"""The registry's metrics of a mining operation's policy ledger (:mod:`simulator.results.ledger`).

Part of :data:`simulator.results.metrics.METRICS`, which lists them after the
other mining metrics; their equations are in :mod:`simulator.model.ledger`.
Standard library only, like the registry.
"""

from __future__ import annotations

from typing import TypedDict

from simulator.results.metric_type import Metric

__all__ = ["LEDGER_METRICS"]


class _When(TypedDict):
    """A metric's :attr:`~Metric.needs` code and its ``condition`` in words."""

    needs: str
    condition: str


#: When the AI side's metrics and the power-sale metrics are reported.
_AI: _When = {"needs": "ai", "condition": "only when the operation has an ai table"}
_SALE: _When = {
    "needs": "power_sale",
    "condition": "only when the operation sets power_sale_usd_per_kwh",
}

#: The ledger's metrics, in the order the summary reports them.
LEDGER_METRICS: tuple[Metric, ...] = (
    Metric(
        "energy_mwh_per_day", "MWh/day", "mining", None,
        "Energy used over the horizon / its days (only days running draw power).",
    ),
    Metric(
        "energy_gwh", "GWh", "mining", None,
        "Energy used over the horizon (facility power x share x uptime x hours running).",
    ),
    Metric(
        "energy_twh", "TWh", "mining", None,
        "Energy used over the horizon, in TWh.",
        key=6, ledger=True,
    ),
    Metric(
        "energy_twh_per_year", "TWh/yr", "mining", None,
        "Energy used per year: energy_twh / the horizon in years of 365.25 days.",
        ledger=True,
    ),
    Metric(
        "emissions_tco2", "tCO2", "mining", False,
        "CO2 emitted generating the energy used: energy x emission_factor_tco2_per_mwh.",
        key=7, ledger=True,
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
        "Straight-line depreciation of the capex charged within the horizon; capex_usd "
        "- this is the book value left at the horizon, not charged to the net position.",
        ledger=True,
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
        "depreciation + kept_btc_gain_usd); nominal USD, undiscounted.",
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
        ledger=True, **_SALE,
    ),
    Metric(
        "mining_vs_power_sale_usd", "USD", "mining", True,
        "Net benefit of mining over selling the power: net_fiscal_usd - energy x "
        "(power_sale_usd_per_kwh - cost_reflective_usd_per_kwh).",
        ledger=True, **_SALE,
    ),
    Metric(
        "prob_mining_beats_power_sale", "probability", "mining", True,
        "Share of paths where mining_vs_power_sale_usd is above 0.",
        probability=True, ledger=True,
        **_SALE,
    ),
    Metric(
        "net_fiscal_usd_per_mw", "USD/MW", "mining", True,
        "net_fiscal_usd per MW mined (power_mw x mining_share), to set against ai_net_usd_per_mw.",
        ledger=True, **_AI,
    ),
    Metric(
        "ai_net_usd", "USD", "mining", None,
        "The state's net from the AI side (the power not mined): lease revenue - opex - its "
        "energy at the cost-reflective tariff - depreciation; the same on every path.",
        **_AI,
    ),
    Metric(
        "ai_net_usd_per_mw", "USD/MW", "mining", None,
        "ai_net_usd per MW of the AI side (power_mw x (1 - mining_share)).",
        ledger=True, **_AI,
    ),
    Metric(
        "ai_capex_usd", "USD", "mining", None,
        "Capex of the AI halls over the horizon (each new high of the MW built).",
        ledger=True, **_AI,
    ),
    Metric(
        "ai_depreciation_usd", "USD", "mining", None,
        "Straight-line depreciation of the AI halls charged within the horizon (ai_net_usd "
        "counts this, not the capex).",
        ledger=True, **_AI,
    ),
    Metric(
        "ai_energy_twh", "TWh", "mining", None,
        "Energy the AI side draws over the horizon: its utilised MW x 24 h a day.",
        ledger=True, **_AI,
    ),
    Metric(
        "ai_emissions_tco2", "tCO2", "mining", False,
        "CO2 emitted generating the AI side's energy, at the site's emission factor.",
        ledger=True, **_AI,
    ),
    Metric(
        "prob_mining_beats_ai", "probability", "mining", True,
        "Share of paths where net_fiscal_usd_per_mw is above ai_net_usd_per_mw.",
        probability=True, ledger=True, **_AI,
    ),
)  # fmt: skip
