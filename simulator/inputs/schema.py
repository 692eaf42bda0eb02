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

from collections.abc import Iterable
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
from simulator.inputs.schema_ledger import (
    COST_REFLECTIVE_FIELD,
    EMISSION_FACTOR_FIELD,
    POWER_SALE_FIELD,
    AiSide,
    Benchmark,
)
from simulator.inputs.schema_meta import Meta
from simulator.inputs.schema_reserve import Purchase, Reserve, Sale, SellRule
from simulator.inputs.schema_types import (
    FROM_DATE,
    J_PER_TH_WHY,
    Date,
    Name,
    PerYear,
    Share,
    StrictModel,
    physical,
)

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
    "AiSide",
    "Benchmark",
    "Scenario",
    "PRICE_MODEL_FIELDS",
    "NETWORK_MODEL_FIELDS",
    "unused_market_keys",
    "unread_market_keys",
]


class Chain(StrictModel):
    """The ``[chain]`` table: the chain's state at start and fee assumptions."""

    start_height: int = physical(
        ge=0,
        high=20_000_000,
        unit="blocks",
        why="the height of the 2380s at 144 blocks a day; the subsidy ends at 6,930,000",
        description="block height at the end of start_date",
    )
    start_difficulty: float = physical(
        gt=0,
        low=1,
        high=1e18,
        unit="",
        why="1 is the protocol minimum (the genesis block); 1e18 is about 8,000 times the "
        "2025 difficulty (1.26e14), some 7 million EH/s",
        description="difficulty at start",
    )
    epoch_elapsed_days: float | None = physical(
        None,
        ge=0,
        high=365,
        unit="days",
        why="an epoch targets 14 days, and from 56 days on the retarget factor is at its 1/4 clamp",
        description="days since the current difficulty epoch began; default: blocks into "
        "the epoch x 600 s",
    )
    fees_btc_per_block: float = physical(
        0.024,
        ge=0,
        high=50,
        unit="BTC/block",
        why="50 BTC is the 2009 subsidy; daily mean fees have stayed below a few BTC a block",
        description="default: 0.024 BTC per block, the mean fees per block 2025-07-01..2025-12-31, "
        "Coin Metrics FeeTotNtv/BlkCnt",
    )
    fees_growth_per_year: PerYear = Field(
        0.0, gt=-1, description="default: no fee growth; above -1 (-100 %) and at most 5 a year"
    )


class RampStep(StrictModel):
    """From ``date`` on, ``fraction`` of the facility's power is online."""

    date: Date = Field(description="first day of this step" + FROM_DATE)
    fraction: float = Field(ge=0, le=1, description="share of power_mw online, in [0, 1]")


class Refresh(StrictModel):
    """A fleet refresh: from ``date`` on, the fleet runs at a new efficiency."""

    date: Date = Field(description="first day of the new fleet" + FROM_DATE)
    efficiency_j_per_th: float = physical(
        gt=0,
        low=1,
        high=500,
        unit="J/TH",
        why=J_PER_TH_WHY,
        description="efficiency of the new fleet",
    )


class Mining(StrictModel):
    """A ``[[mining]]`` entity: one state mining operation."""

    name: Name = Field(description="entity name: entities merge and are addressed by it")
    power_mw: float = physical(
        gt=0,
        high=100_000,
        unit="MW",
        why="100 GW is larger than any country's grid surplus (Pakistan's whole installed "
        "capacity is about 46 GW)",
        description="facility power",
    )
    mining_share: Share = Field(1.0, description="share of power used for mining; default 1")
    uptime: Share = Field(0.95, description="default 0.95 [1]")
    pue: float = Field(
        1.1,
        ge=1,
        le=3,
        description="power usage effectiveness; default 1.1 [1]; at most 3 (twice the "
        "mining load again for cooling)",
    )
    efficiency_j_per_th: float = physical(
        17.5,
        gt=0,
        low=1,
        high=500,
        unit="J/TH",
        why=J_PER_TH_WHY,
        description="default 17.5 (Antminer S21) [2]",
    )
    refreshes: list[Refresh] = Field(default_factory=list)
    ramp: list[RampStep] = Field(
        default_factory=list, description="default: all power online from start"
    )
    electricity_usd_per_kwh: float = physical(
        ge=0,
        high=10,
        unit="USD/kWh",
        why="about 20 times the dearest retail tariffs (about 0.5 USD/kWh)",
        description="electricity tariff",
    )
    other_opex_usd_per_mw_year: float = physical(
        0.0,
        ge=0,
        high=10_000_000,
        unit="USD/(MW year)",
        why="over ten times the power itself at 0.10 USD/kWh (876,000 USD a MW-year)",
        description="default 0",
    )
    asic_usd_per_th: float = physical(
        0.0,
        ge=0,
        high=1_000,
        unit="USD/TH",
        why="machines sell for 12-20 USD/TH in 2025; 1,000 USD/TH is the 2014 level",
        description="default 0 (capex not counted)",
    )
    infrastructure_usd_per_mw: float = physical(
        0.0,
        ge=0,
        high=100_000_000,
        unit="USD/MW",
        why="ten times an AI data centre (about 10 M USD/MW); mining sites cost 0.25-0.7 M",
        description="default 0",
    )
    depreciation_years: float = Field(
        4.0, gt=0, le=50, description="default 4 years; at most 50, longer than any site's life"
    )
    pool_fee: float = physical(
        0.02,
        ge=0,
        lt=1,
        high=0.5,
        unit="",
        why="published FPPS fees are 2-4 % [3]; a pool taking half the revenue is not a pool",
        description="default 2 % (FPPS) [3]",
    )
    adds_to_network: bool = Field(True, description="default: the fleet dilutes itself")
    disposal: Literal["hold", "sell_all", "sell_to_cover"] = Field(
        "hold", description="BTC mined: hold (keep all in the reserve), sell_all, or "
        "sell_to_cover (sell enough to pay each day's cash costs, keep the rest); default hold"
    )  # fmt: skip
    reserve: Name | None = Field(None, description="reserve that receives kept BTC")
    shutdown_when_unprofitable: bool = Field(
        False, description="stop on a day when expected revenue is below that day's energy "
        "cost (other opex is paid either way); default: the fleet always runs"
    )  # fmt: skip
    cost_reflective_usd_per_kwh: float | None = COST_REFLECTIVE_FIELD
    emission_factor_tco2_per_mwh: float = EMISSION_FACTOR_FIELD
    power_sale_usd_per_kwh: float | None = POWER_SALE_FIELD
    ai: AiSide | None = Field(
        None, description="the power not mined, leased to AI data centres; none by default"
    )

    @model_validator(mode="after")
    def _needs_reserve(self) -> Mining:
        if self.disposal != "sell_all" and self.reserve is None:
            raise ValueError(f"disposal {self.disposal!r} needs a reserve to receive the BTC")
        if self.ai is not None and self.mining_share >= 1:
            raise ValueError("ai needs mining_share below 1: no power is left for AI")
        return self

    @property
    def cost_reflective(self) -> float:
        """The cost-reflective tariff [USD/kWh]: the one set, else the tariff charged."""
        if self.cost_reflective_usd_per_kwh is None:
            return self.electricity_usd_per_kwh
        return self.cost_reflective_usd_per_kwh


class Scenario(StrictModel):
    """A whole scenario: meta, market, chain, reserves and mining operations."""

    scenario: Meta
    market: Market
    chain: Chain
    reserve: list[Reserve] = Field(default_factory=list)
    mining: list[Mining] = Field(default_factory=list)
    benchmark: list[Benchmark] = Field(
        default_factory=list, description="yardsticks reserve values are set against"
    )

    @model_validator(mode="after")
    def _one_short_benchmark(self) -> Scenario:
        if self.scenario.benchmark_usd and any(b.name == "benchmark" for b in self.benchmark):
            raise ValueError(
                "scenario.benchmark_usd is the short form of a [[benchmark]] named 'benchmark'; "
                "give one or the other, or name the [[benchmark]] otherwise"
            )
        return self

    def benchmarks_for(self, reserve: str) -> list[Benchmark]:
        """The benchmarks reserve ``reserve`` is set against, the primary one first."""
        return [b for b in self.benchmarks if b.applies_to(reserve)]

    @property
    def benchmarks(self) -> list[Benchmark]:
        """Every benchmark: ``scenario.benchmark_usd`` (if set) first, then ``[[benchmark]]``."""
        meta = self.scenario
        if not meta.benchmark_usd:
            return list(self.benchmark)
        short = Benchmark(name="benchmark", label=meta.benchmark_label,
                          value_usd=meta.benchmark_usd, reserve=None, end_year=None)  # fmt: skip
        return [short, *self.benchmark]


#: Fields of ``[market.price]`` that each price model reads (besides model, start_usd, shocks).
PRICE_MODEL_FIELDS: dict[str, frozenset[str]] = {k: m.reads for k, m in PRICE_MODEL_TABLE.items()}
#: Fields of ``[market.network]`` that each network model reads (besides model, start_ehs).
NETWORK_MODEL_FIELDS: dict[str, frozenset[str]] = {
    k: m.reads for k, m in NETWORK_MODEL_TABLE.items()
}


def unused_market_keys(model: Scenario) -> set[str]:
    """Dotted keys of market fields that the scenario's chosen models do not read.

    They are left out of the resolved inputs, so a GBM scenario does not list,
    say, the Student-t degrees of freedom among its assumptions. An optional
    section the scenario leaves out (``[market.fx]``) is itself unused.

    Parameters
    ----------
    model : Scenario
        A validated scenario.

    Returns
    -------
    set of str
        Keys such as ``market.price.degrees_of_freedom``, or ``market.fx``.
    """
    specs = {key: getattr(model.market, key.removeprefix("market.")) for key in MARKET_SECTIONS}
    unused = {key for key, spec in specs.items() if spec is None}
    return unused | {
        f"{key}.{name}"
        for key, spec in specs.items()
        if spec is not None
        for name in MARKET_SECTIONS[key].unused(spec.model)
    }


def unread_market_keys(model: Scenario, keys: Iterable[str]) -> list[tuple[str, str]]:
    """Of the dotted ``keys``, the market fields the scenario's chosen models do not read.

    Setting such a key (``--set market.network.growth_per_year=0.5`` with the
    economic network model) changes nothing, which a user should be told.

    Parameters
    ----------
    model : Scenario
        A validated scenario.
    keys : iterable of str
        Dotted keys, e.g. from ``--set`` or ``--vary``.

    Returns
    -------
    list of (str, str)
        Each unread key with the model that ignores it, e.g.
        ``("market.network.growth_per_year", "economic")``.
    """
    unused = unused_market_keys(model)
    specs = {key: getattr(model.market, key.removeprefix("market.")) for key in MARKET_SECTIONS}
    chosen = {key: spec.model for key, spec in specs.items() if spec is not None}
    return [
        (k, chosen[k.rpartition(".")[0]])
        for k in keys
        if k in unused and k.rpartition(".")[0] in chosen
    ]
