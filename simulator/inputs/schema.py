"""Scenario schema: the validated shape of a scenario file.

Every field is a plain value here; provenance (cited, derived, assumption) is
resolved before validation by :mod:`simulator.inputs.scenario`. Field descriptions
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
    "PRICE_MODEL_FIELDS",
    "NETWORK_MODEL_FIELDS",
    "unused_market_keys",
]

#: Price models accepted by the schema.
PRICE_MODELS = ("constant", "cagr", "gbm", "t", "jump", "bootstrap", "powerlaw", "csv")
#: Network hashrate models accepted by the schema.
NETWORK_MODELS = ("constant", "growth", "gbm", "csv", "economic")


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
    """The ``[market.price]`` table.

    Which fields a model reads: ``gbm``, ``t`` and ``jump`` read
    ``expected_return_per_year`` and ``volatility_per_year``; ``t`` adds
    ``degrees_of_freedom``; ``jump`` adds the ``jump_*`` fields; ``bootstrap``
    reads ``history_file``, the window, ``mean_block_days`` and
    ``target_return_per_year``; ``powerlaw`` reads a preset or
    intercept and slope, ``reversion_half_life_years`` and
    ``volatility_per_year``; ``csv`` reads ``path_file`` and ``path_column``.
    File paths are relative to the scenario file that sets them.
    """

    model: Literal["constant", "cagr", "gbm", "t", "jump", "bootstrap", "powerlaw", "csv"] = Field(
        description="price path model"
    )
    start_usd: float = Field(gt=0, description="BTC price at start_date")
    growth_per_year: float = Field(0.0, gt=-1, description="cagr: annual growth; default 0")
    expected_return_per_year: float = Field(
        0.0, gt=-5, lt=5, description="gbm, t, jump: arithmetic expected return mu; default 0"
    )
    volatility_per_year: float = Field(
        0.0, ge=0, le=5, description="gbm, t, jump, powerlaw: annual volatility sigma; default 0"
    )
    degrees_of_freedom: float = Field(
        4.0,
        gt=2,
        le=1000,
        description="t: degrees of freedom of the innovations; default 4, near fits to "
        "daily BTC returns",
    )
    jump_intensity_per_year: float = Field(
        0.0, ge=0, le=365, description="jump: expected number of jumps a year; default 0"
    )
    jump_mean_log: float = Field(
        0.0, ge=-3, le=3, description="jump: mean log jump size; default 0"
    )
    jump_sd_log: float = Field(0.0, ge=0, le=3, description="jump: sd of log jump size; default 0")
    history_file: str | None = Field(None, description="bootstrap: daily history CSV")
    window_start: Date | None = Field(None, description="bootstrap: first day; default: file start")
    window_end: Date | None = Field(None, description="bootstrap: last day; default: file end")
    mean_block_days: float = Field(
        30.0, ge=1, le=3650, description="bootstrap: mean block length; default 30 days"
    )
    target_return_per_year: float | None = Field(
        None,
        gt=-5,
        lt=5,
        description="bootstrap: re-centre to this expected return; default: "
        "keep the window's own drift",
    )
    powerlaw_preset: str | None = Field(None, description="powerlaw: a named coefficient set")
    powerlaw_intercept: float | None = Field(
        None, ge=-40, le=10, description="powerlaw: a in log10 price = a + b log10(days)"
    )
    powerlaw_slope: float | None = Field(
        None, ge=0, le=20, description="powerlaw: b in log10 price = a + b log10(days)"
    )
    reversion_half_life_years: float = Field(
        1.0,
        gt=0,
        le=100,
        description="powerlaw: half-life of the residual's pull to the trend; default 1 year",
    )
    path_file: str | None = Field(None, description="csv: file with date and price columns")
    path_column: str | None = Field(
        None, description="csv: column to use; default: every value column, cycled over paths"
    )
    shocks: list[Shock] = Field(default_factory=list, description="dated jumps; none by default")

    @model_validator(mode="after")
    def _model_inputs(self) -> PriceSpec:
        if self.model == "bootstrap" and not self.history_file:
            raise ValueError("model 'bootstrap' needs history_file")
        if self.model == "csv" and not self.path_file:
            raise ValueError("model 'csv' needs path_file")
        if self.window_start and self.window_end and self.window_end < self.window_start:
            raise ValueError("window_end is before window_start")
        if self.model == "powerlaw":
            coefficients = (self.powerlaw_intercept, self.powerlaw_slope)
            if self.powerlaw_preset is None and None in coefficients:
                raise ValueError(
                    "model 'powerlaw' needs powerlaw_preset or both powerlaw_intercept "
                    "and powerlaw_slope"
                )
            if self.powerlaw_preset is not None and coefficients != (None, None):
                raise ValueError("give powerlaw_preset or intercept and slope, not both")
        return self


class NetworkSpec(_Model):
    """The ``[market.network]`` table: hashrate of the rest of the network.

    ``economic`` moves the hashrate toward what miners' revenue can pay for;
    see :mod:`simulator.model.network.economic` for the equations and the references
    of its defaults.
    """

    model: Literal["constant", "growth", "gbm", "csv", "economic"] = Field(
        description="network hashrate model"
    )
    start_ehs: float = Field(gt=0, description="hashrate of the rest of the network at start")
    growth_per_year: float = Field(0.0, gt=-1, description="growth: annual trend; default 0")
    noise_volatility_per_year: float = Field(
        0.0,
        ge=0,
        le=5,
        description="growth, economic: lognormal noise around the trend; default 0",
    )
    expected_growth_per_year: float = Field(
        0.0, gt=-5, lt=5, description="gbm: expected growth; default 0"
    )
    volatility_per_year: float = Field(0.0, ge=0, le=5, description="gbm: volatility; default 0")
    correlation_with_price: float = Field(
        0.0, ge=-1, le=1, description="correlation of daily shocks with price; default 0"
    )
    path_file: str | None = Field(None, description="csv: file with date and hashrate_ehs")
    path_column: str | None = Field(None, description="csv: column to use; default hashrate_ehs")
    marginal_efficiency_j_per_th: float = Field(
        20.0, gt=0, le=10_000, description="economic: J/TH of the marginal fleet at start"
    )
    efficiency_improvement_per_year: float = Field(
        0.10, ge=0, lt=1, description="economic: yearly fall in the marginal J/TH"
    )
    marginal_electricity_usd_per_kwh: float = Field(
        0.05, gt=0, le=10, description="economic: electricity price of the marginal miner"
    )
    all_in_cost_factor: float = Field(
        1.5,
        ge=1,
        le=20,
        description="economic: all-in cost / electricity cost of the marginal miner; default "
        "1.5, calibrated on Coin Metrics 2016-2025",
    )
    adjustment_half_life_days: float = Field(
        425.0,
        gt=0,
        le=3650,
        description="economic: half-life of the gap to the target; default 425 days, "
        "calibrated on Coin Metrics 2016-2025",
    )
    max_growth_per_month: float = Field(
        0.10, gt=0, le=10, description="economic: cap on hashrate growth a month (hardware)"
    )

    @model_validator(mode="after")
    def _model_inputs(self) -> NetworkSpec:
        if self.model == "csv" and not self.path_file:
            raise ValueError("model 'csv' needs path_file")
        return self


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


#: Fields of ``[market.price]`` that each price model reads (besides model, start_usd, shocks).
PRICE_MODEL_FIELDS: dict[str, frozenset[str]] = {
    "constant": frozenset(),
    "cagr": frozenset({"growth_per_year"}),
    "gbm": frozenset({"expected_return_per_year", "volatility_per_year"}),
    "t": frozenset({"expected_return_per_year", "volatility_per_year", "degrees_of_freedom"}),
    "jump": frozenset(
        {
            "expected_return_per_year",
            "volatility_per_year",
            "jump_intensity_per_year",
            "jump_mean_log",
            "jump_sd_log",
        }
    ),  # fmt: skip
    "bootstrap": frozenset(
        {"history_file", "window_start", "window_end", "mean_block_days", "target_return_per_year"}
    ),
    "powerlaw": frozenset(
        {
            "powerlaw_preset",
            "powerlaw_intercept",
            "powerlaw_slope",
            "reversion_half_life_years",
            "volatility_per_year",
        }
    ),  # fmt: skip
    "csv": frozenset({"path_file", "path_column"}),
}
#: Fields of ``[market.network]`` that each network model reads (besides model, start_ehs,
#: correlation_with_price).
NETWORK_MODEL_FIELDS: dict[str, frozenset[str]] = {
    "constant": frozenset(),
    "growth": frozenset({"growth_per_year", "noise_volatility_per_year"}),
    "gbm": frozenset({"expected_growth_per_year", "volatility_per_year"}),
    "csv": frozenset({"path_file", "path_column"}),
    "economic": frozenset(
        {
            "marginal_efficiency_j_per_th",
            "efficiency_improvement_per_year",
            "marginal_electricity_usd_per_kwh",
            "all_in_cost_factor",
            "adjustment_half_life_days",
            "max_growth_per_month",
            "noise_volatility_per_year",
        }
    ),  # fmt: skip
}


def unused_market_keys(model: Scenario) -> set[str]:
    """Dotted keys of market fields that the scenario's chosen models do not read.

    They are left out of the resolved inputs, so a GBM scenario does not list,
    say, the Student-t degrees of freedom among its assumptions.
    """
    unused = set()
    for section, spec, table, common in (
        ("market.price", model.market.price, PRICE_MODEL_FIELDS, {"model", "start_usd", "shocks"}),
        (
            "market.network",
            model.market.network,
            NETWORK_MODEL_FIELDS,
            {"model", "start_ehs", "correlation_with_price"},
        ),
    ):
        used = table[spec.model] | common
        unused |= {f"{section}.{name}" for name in type(spec).model_fields if name not in used}
    if model.market.network.model in ("constant", "csv"):
        unused.add("market.network.correlation_with_price")
    return unused
