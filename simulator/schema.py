"""Scenario schema: the validated shape of a scenario file.

Every field is a plain value here; provenance (cited, derived, assumption) is
resolved before validation by :mod:`simulator.scenario`. Field descriptions
double as the documentation of each default: the ``explain`` command prints
them next to every default that a scenario file did not set.

References
----------
.. [1] Cambridge Centre for Alternative Finance, "Cambridge Bitcoin Electricity
   Consumption Index: methodology" (2023): fleet PUE 1.0-1.2, uptime near 95 %.
.. [2] Bitmain, Antminer S21 specification sheet (2024): 17.5 J/TH rated.
.. [3] Foundry USA and Antpool published FPPS fee schedules (2024): 2-4 %.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

__all__ = [
    "PRICE_MODELS",
    "NETWORK_MODELS",
    "Meta",
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
]

#: Price models accepted by the schema. Later ones are validated but not run yet.
PRICE_MODELS = ("constant", "cagr", "gbm")
#: Network hashrate models accepted by the schema.
NETWORK_MODELS = ("constant", "growth", "gbm")


def _to_date(value: object) -> object:
    """Accept TOML dates and ISO ``YYYY-MM-DD`` strings as dates."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"not a date (got {value!r}, expected YYYY-MM-DD)") from None
    return value


Date = Annotated[dt.date, BeforeValidator(_to_date)]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
Share = Annotated[float, Field(gt=0, le=1)]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True, allow_inf_nan=False, frozen=True, validate_default=True
    )


class Meta(_Model):
    """The ``[scenario]`` table: identity, calendar and Monte Carlo settings."""

    name: str = Field(min_length=1, description="short scenario name")
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


class Shock(_Model):
    """A dated multiplicative jump applied to a path from ``date`` onward."""

    date: Date
    change: float = Field(gt=-1, description="relative change, e.g. -0.5 for -50 %")


class PriceSpec(_Model):
    """The ``[market.price]`` table."""

    model: Literal["constant", "cagr", "gbm"] = Field(description="price path model")
    start_usd: float = Field(gt=0, description="BTC price at start_date")
    growth_per_year: float = Field(0.0, gt=-1, description="cagr: annual growth; default 0")
    expected_return_per_year: float = Field(
        0.0, gt=-5, lt=5, description="gbm: arithmetic expected return mu; default 0"
    )
    volatility_per_year: float = Field(
        0.0, ge=0, le=5, description="gbm: annual volatility sigma; default 0"
    )
    shocks: list[Shock] = Field(default_factory=list, description="dated jumps; none by default")


class NetworkSpec(_Model):
    """The ``[market.network]`` table: hashrate of the rest of the network."""

    model: Literal["constant", "growth", "gbm"] = Field(description="network hashrate model")
    start_ehs: float = Field(gt=0, description="hashrate of the rest of the network at start")
    growth_per_year: float = Field(0.0, gt=-1, description="growth: annual trend; default 0")
    noise_volatility_per_year: float = Field(
        0.0, ge=0, le=5, description="growth: lognormal noise around the trend; default 0"
    )
    expected_growth_per_year: float = Field(
        0.0, gt=-5, lt=5, description="gbm: expected growth; default 0"
    )
    volatility_per_year: float = Field(0.0, ge=0, le=5, description="gbm: volatility; default 0")
    correlation_with_price: float = Field(
        0.0, ge=-1, le=1, description="correlation of daily shocks with price; default 0"
    )


class Market(_Model):
    """The ``[market]`` table."""

    price: PriceSpec
    network: NetworkSpec


class Chain(_Model):
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


class Purchase(_Model):
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


class Sale(_Model):
    """A dated sale of a fixed amount of BTC (capped at holdings)."""

    date: Date
    btc: float = Field(gt=0)


class SellRule(_Model):
    """Sell a fraction of holdings whenever the price is above a threshold."""

    above_price_usd: float = Field(gt=0)
    fraction: Share
    min_days_between: int = Field(30, ge=1, description="default: at most one sale in 30 days")


class Reserve(_Model):
    """A ``[[reserve]]`` entity: holdings, purchases and sales."""

    name: Name
    holdings_btc: float = Field(0.0, ge=0, description="holdings at start; default 0")
    cost_basis_usd: float = Field(0.0, ge=0, description="total USD cost of holdings at start")
    purchases: list[Purchase] = Field(default_factory=list)
    sales: list[Sale] = Field(default_factory=list)
    sell_rules: list[SellRule] = Field(default_factory=list)


class RampStep(_Model):
    """From ``date`` on, ``fraction`` of the facility's power is online."""

    date: Date
    fraction: float = Field(ge=0, le=1)


class Refresh(_Model):
    """A fleet refresh: from ``date`` on, the fleet runs at a new efficiency."""

    date: Date
    efficiency_j_per_th: float = Field(gt=0)


class Mining(_Model):
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


class Scenario(_Model):
    """A whole scenario: meta, market, chain, reserves and mining operations."""

    scenario: Meta
    market: Market
    chain: Chain
    reserve: list[Reserve] = Field(default_factory=list)
    mining: list[Mining] = Field(default_factory=list)
