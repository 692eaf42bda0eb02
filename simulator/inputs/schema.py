"""Scenario schema: the validated shape of a scenario file.

Every field is a plain value here; provenance (cited, derived, assumption) is
resolved before validation by :mod:`simulator.inputs.scenario`. Field descriptions
double as the documentation of each default: the ``explain`` command prints
them next to every default that a scenario file did not set. The market
section and its model tables live in :mod:`simulator.inputs.market_schema`.

References
----------
.. [1] Cambridge Centre for Alternative Finance, "Cambridge Bitcoin Electricity
   Consumption Index: methodology" (2023): fleet PUE 1.0-1.2, uptime near 95 %.
.. [2] Bitmain, Antminer S21 specification sheet (2024): 17.5 J/TH rated.
.. [3] Foundry USA and Antpool published FPPS fee schedules (2024): 2-4 %.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from simulator.inputs.market_schema import (
    MARKET_SECTIONS,
    NETWORK_MODEL_TABLE,
    NETWORK_MODELS,
    PRICE_MODEL_TABLE,
    PRICE_MODELS,
    Market,
    NetworkSpec,
    PriceSpec,
    Shock,
)
from simulator.inputs.schema_types import Date, Name, ScenarioName, Share, StrictModel

__all__ = [
    "PRICE_MODELS",
    "NETWORK_MODELS",
    "Meta",
    "Shock",
    "PriceSpec",
    "NetworkSpec",
    "Market",
    "Chain",
    "Purchase",
    "Sale",
    "SellRule",
    "Reserve",
    "RampStep",
    "Refresh",
    "Mining",
    "Scenario",
    "PRICE_MODEL_FIELDS",
    "NETWORK_MODEL_FIELDS",
    "unused_market_keys",
]


class Meta(StrictModel):
    """The ``[scenario]`` table: identity, calendar and Monte Carlo settings."""

    name: ScenarioName = Field(
        description="short scenario name; it names the results folder, so letters, digits, _ and -"
    )
    description: str = Field("", description="one paragraph for readers")
    question: str = Field("", description="the what-if question the scenario asks")
    start_date: Date = Field(description="first simulated day is the day after this date")
    horizon_years: float = Field(10.0, gt=0, le=100, description="default: 10 years")
    paths: int = Field(1000, ge=1, le=10_000_000, description="default: 1,000 Monte Carlo paths")
    seed: int = Field(20250717, ge=0, description="default: 20250717 (the articles' date)")
    freq: Literal["auto", "D", "W", "M"] = Field(
        "auto", description="output frequency; auto = daily up to 2 years, else monthly"
    )
    benchmark_usd: float | None = Field(
        None, gt=0, description="a USD figure to compare reserve values with (none by default)"
    )
    benchmark_label: str = Field("benchmark", description="label for benchmark_usd")


class Chain(StrictModel):
    """The ``[chain]`` table: the chain's state at start and fee assumptions."""

    start_height: int = Field(ge=0, description="block height at the end of start_date")
    start_difficulty: float = Field(gt=0, description="difficulty at start")
    epoch_elapsed_days: float | None = Field(
        None,
        ge=0,
        description="days since the current difficulty epoch began; default: blocks into "
        "the epoch x 600 s",
    )
    fees_btc_per_block: float = Field(0.03, ge=0, description="default: 0.03 BTC per block")
    fees_growth_per_year: float = Field(0.0, gt=-1, description="default: no fee growth")


class Purchase(StrictModel):
    """A purchase programme: BTC per day or USD per month, with dates and a cap."""

    btc_per_day: float | None = Field(None, ge=0)
    usd_per_month: float | None = Field(None, ge=0)
    start_date: Date | None = None
    end_date: Date | None = None
    budget_usd: float | None = Field(None, gt=0, description="total USD cap; none by default")

    @model_validator(mode="after")
    def _one_amount(self) -> Purchase:
        if (self.btc_per_day is None) == (self.usd_per_month is None):
            raise ValueError("give exactly one of btc_per_day or usd_per_month")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class Sale(StrictModel):
    """A dated sale of a fixed amount of BTC (capped at holdings)."""

    date: Date
    btc: float = Field(gt=0)


class SellRule(StrictModel):
    """Sell a fraction of holdings whenever the price is above a threshold."""

    above_price_usd: float = Field(gt=0)
    fraction: Share
    min_days_between: int = Field(30, ge=1, description="default: at most one sale in 30 days")


class Reserve(StrictModel):
    """A ``[[reserve]]`` entity: holdings, purchases and sales."""

    name: Name
    holdings_btc: float = Field(0.0, ge=0, description="holdings at start; default 0")
    cost_basis_usd: float = Field(0.0, ge=0, description="total USD cost of holdings at start")
    purchases: list[Purchase] = Field(default_factory=list)
    sales: list[Sale] = Field(default_factory=list)
    sell_rules: list[SellRule] = Field(default_factory=list)


class RampStep(StrictModel):
    """From ``date`` on, ``fraction`` of the facility's power is online."""

    date: Date
    fraction: float = Field(ge=0, le=1)


class Refresh(StrictModel):
    """A fleet refresh: from ``date`` on, the fleet runs at a new efficiency."""

    date: Date
    efficiency_j_per_th: float = Field(gt=0)


class Mining(StrictModel):
    """A ``[[mining]]`` entity: one state mining operation."""

    name: Name
    power_mw: float = Field(gt=0, description="facility power")
    mining_share: Share = Field(1.0, description="share of power used for mining; default 1")
    uptime: Share = Field(0.95, description="default 0.95 [1]")
    pue: float = Field(1.1, ge=1, le=3, description="power usage effectiveness; default 1.1 [1]")
    efficiency_j_per_th: float = Field(17.5, gt=0, description="default 17.5 (Antminer S21) [2]")
    refreshes: list[Refresh] = Field(default_factory=list)
    ramp: list[RampStep] = Field(
        default_factory=list, description="default: all power online from start"
    )
    electricity_usd_per_kwh: float = Field(ge=0, le=10)
    other_opex_usd_per_mw_year: float = Field(0.0, ge=0, description="default 0")
    asic_usd_per_th: float = Field(0.0, ge=0, description="default 0 (capex not counted)")
    infrastructure_usd_per_mw: float = Field(0.0, ge=0, description="default 0")
    depreciation_years: float = Field(4.0, gt=0, le=50, description="default 4 years")
    pool_fee: float = Field(0.02, ge=0, lt=1, description="default 2 % (FPPS) [3]")
    adds_to_network: bool = Field(True, description="default: the fleet dilutes itself")
    disposal: Literal["hold", "sell_all", "sell_to_cover"] = "hold"
    reserve: Name | None = Field(None, description="reserve that receives kept BTC")
    shutdown_when_unprofitable: bool = False

    @model_validator(mode="after")
    def _needs_reserve(self) -> Mining:
        if self.disposal != "sell_all" and self.reserve is None:
            raise ValueError(f"disposal {self.disposal!r} needs a reserve to receive the BTC")
        return self


class Scenario(StrictModel):
    """A whole scenario: meta, market, chain, reserves and mining operations."""

    scenario: Meta
    market: Market
    chain: Chain
    reserve: list[Reserve] = Field(default_factory=list)
    mining: list[Mining] = Field(default_factory=list)


#: Fields of ``[market.price]`` that each price model reads (besides model, start_usd, shocks).
PRICE_MODEL_FIELDS: dict[str, frozenset[str]] = {k: m.reads for k, m in PRICE_MODEL_TABLE.items()}
#: Fields of ``[market.network]`` that each network model reads (besides model, start_ehs).
NETWORK_MODEL_FIELDS: dict[str, frozenset[str]] = {
    k: m.reads for k, m in NETWORK_MODEL_TABLE.items()
}


def unused_market_keys(model: Scenario) -> set[str]:
    """Dotted keys of market fields that the scenario's chosen models do not read.

    They are left out of the resolved inputs, so a GBM scenario does not list,
    say, the Student-t degrees of freedom among its assumptions.

    Parameters
    ----------
    model : Scenario
        A validated scenario.

    Returns
    -------
    set of str
        Keys such as ``market.price.degrees_of_freedom``.
    """
    chosen = {
        "market.price": model.market.price.model,
        "market.network": model.market.network.model,
    }
    return {
        f"{key}.{name}"
        for key, chosen_model in chosen.items()
        for name in MARKET_SECTIONS[key].unused(chosen_model)
    }
