"""Scenario schema of the market section, and the one table of what each market model reads.

:data:`PRICE_MODEL_TABLE`, :data:`NETWORK_MODEL_TABLE` and :data:`FX_MODEL_TABLE`
(the optional ``[market.fx]`` table, :mod:`simulator.inputs.fx_schema`) map a model name to
the fields of its section that the model reads (:class:`MarketModel`), the
fields it needs set, and any further rule on them. The schema's validators,
:func:`MarketSection.unused` (inputs a scenario's chosen model ignores, left
out of ``inputs.csv`` and ``btcsim explain``) and the engine's dispatch
(:mod:`simulator.engine.market`) all read these tables, so a model is added in
one place. Plain models rather than a pydantic discriminated union keep the
field order, the error paths and the ignored-but-accepted fields of the
other models exactly as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from simulator.inputs.fx_schema import FX_MODEL_READS, FxSpec, check_fx_correlation
from simulator.inputs.market_model import MarketModel, require_fields, run_check
from simulator.inputs.schema_types import (
    EVENT_DATE,
    J_PER_TH_WHY,
    USD_PER_BTC_WHY,
    Date,
    PerMonth,
    PerYear,
    StrictModel,
    physical,
)

__all__ = [
    "FX_MODEL_TABLE",
    "MARKET_SECTIONS",
    "NETWORK_MODELS",
    "NETWORK_MODEL_TABLE",
    "PRICE_MODELS",
    "PRICE_MODEL_TABLE",
    "FxSpec",
    "Market",
    "MarketModel",
    "MarketSection",
    "NetworkModelName",
    "NetworkSpec",
    "PriceModelName",
    "PriceSpec",
    "Shock",
]

PriceModelName = Literal["constant", "cagr", "gbm", "t", "jump", "bootstrap", "powerlaw", "csv"]
NetworkModelName = Literal["constant", "growth", "gbm", "csv", "economic"]


class Shock(StrictModel):
    """A dated multiplicative jump applied to a path from ``date`` onward."""

    date: Date = Field(description="day of the jump" + EVENT_DATE)
    change: float = physical(
        gt=-1,
        high=100,
        unit="",
        why="a 101-fold jump at once, far beyond any day of BTC's traded history",
        description="relative change, e.g. -0.5 for -50 %",
    )


class PriceSpec(StrictModel):
    """The ``[market.price]`` table.

    Which fields each model reads, and which it needs, is in
    :data:`PRICE_MODEL_TABLE`. File paths are relative to the scenario file
    that sets them.
    """

    model: PriceModelName = Field(description="price path model")
    start_usd: float = physical(
        gt=0,
        low=1e-4,
        high=1e9,
        unit="USD/BTC",
        why=USD_PER_BTC_WHY,
        description="BTC price at start_date",
    )
    growth_per_year: PerYear = Field(0.0, gt=-1, description="cagr: annual growth; default 0")
    expected_return_per_year: PerYear = Field(
        0.0,
        gt=-5,
        description="gbm, jump: expected return mu, E[S_t] = S_0 e^(mu t); t: the GBM-equivalent "
        "drift, setting the log drift mu - sigma^2/2 and so the median path (E[S] does not "
        "exist for t returns); default 0",
    )
    volatility_per_year: PerYear = Field(
        0.0,
        ge=0,
        description="gbm, t: sd of daily log returns x sqrt(365.25); jump: of the diffusion "
        "part; powerlaw: of the residual's daily changes; default 0",
    )
    degrees_of_freedom: float = Field(
        4.0,
        gt=2,
        le=1000,
        description="t: tail weight of the daily returns at the sd volatility_per_year sets "
        "(smaller: fatter tails, same sd); default 4; btcsim calibrate gives 3.0 on 2018-2025 "
        "BTC; above 2 for a finite variance, and 1000 is already normal",
    )
    jump_intensity_per_year: float = Field(
        0.0, ge=0, le=365, description="jump: expected jumps a year; default 0; at most one a day"
    )
    jump_mean_log: float = Field(
        0.0, ge=-3, le=3, description="jump: mean log jump size; default 0; e^3 = 20-fold at most"
    )
    jump_sd_log: float = Field(
        0.0, ge=0, le=3, description="jump: sd of log jump size; default 0; at most 3"
    )
    history_file: str | None = Field(None, description="bootstrap: daily history CSV")
    window_start: Date | None = Field(None, description="bootstrap: first day; default: file start")
    window_end: Date | None = Field(None, description="bootstrap: last day; default: file end")
    mean_block_days: float = Field(
        30.0, ge=1, le=3650, description="bootstrap: mean block length; default 30 days; 1 to 3650"
    )
    target_return_per_year: PerYear | None = Field(
        None,
        gt=-5,
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
        entry = PRICE_MODEL_TABLE[self.model]
        require_fields(self, self.model, entry)
        if self.window_start and self.window_end and self.window_end < self.window_start:
            raise ValueError("window_end is before window_start")
        run_check(self, entry)
        return self


class NetworkSpec(StrictModel):
    """The ``[market.network]`` table: hashrate of the rest of the network.

    ``economic`` moves the hashrate toward what miners' revenue can pay for;
    see :mod:`simulator.model.network.economic` for the equations and the references
    of its defaults.
    """

    model: NetworkModelName = Field(description="network hashrate model")
    start_ehs: float = physical(
        gt=0,
        low=1e-12,
        high=1e6,
        unit="EH/s",
        why="from the 7 MH/s of difficulty 1 (2009) to 1,000 times the 2025 network (900 EH/s)",
        description="hashrate of the rest of the network at start",
    )
    growth_per_year: PerYear = Field(0.0, gt=-1, description="growth: annual trend; default 0")
    noise_volatility_per_year: PerYear = Field(
        0.0, ge=0, description="growth, economic: lognormal noise around the trend; default 0"
    )
    expected_growth_per_year: PerYear = Field(
        0.0, gt=-5, description="gbm: expected growth; default 0"
    )
    volatility_per_year: PerYear = Field(0.0, ge=0, description="gbm: volatility; default 0")
    correlation_with_price: float = Field(
        0.0, ge=-1, le=1, description="correlation of daily shocks with price; default 0"
    )
    path_file: str | None = Field(None, description="csv: file with date and hashrate_ehs")
    path_column: str | None = Field(None, description="csv: column to use; default hashrate_ehs")
    marginal_efficiency_j_per_th: float = physical(
        20.0,
        gt=0,
        low=1,
        high=500,
        unit="J/TH",
        why=J_PER_TH_WHY,
        description="economic: J/TH of the marginal fleet at start",
    )
    efficiency_improvement_per_year: PerYear = Field(
        0.10, ge=0, lt=1, description="economic: yearly fall in the marginal J/TH"
    )
    marginal_electricity_usd_per_kwh: float = Field(
        0.05,
        gt=0,
        le=10,
        description="economic: electricity price of the marginal miner; at most 10 USD/kWh, "
        "20 times the dearest retail tariffs",
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
    max_growth_per_month: PerMonth = Field(
        0.10, gt=0, description="economic: cap on hashrate growth a month (hardware); at most 1"
    )

    @model_validator(mode="after")
    def _model_inputs(self) -> NetworkSpec:
        entry = NETWORK_MODEL_TABLE[self.model]
        require_fields(self, self.model, entry)
        run_check(self, entry)
        return self


class Market(StrictModel):
    """The ``[market]`` table."""

    price: PriceSpec
    network: NetworkSpec
    fx: FxSpec | None = Field(
        default=None,
        description="local-currency exchange rate; optional: when absent there is no FX path "
        "and reserves are valued in USD only",
    )

    @field_validator("fx")
    @classmethod
    def _fx_correlation(cls, fx: FxSpec | None, info: ValidationInfo) -> FxSpec | None:
        price = info.data.get("price")  # absent if [market.price] did not validate
        return check_fx_correlation(fx, price.model if isinstance(price, PriceSpec) else None)


def _powerlaw_coefficients(ps: PriceSpec) -> str | None:
    """A preset, or both intercept and slope, but not both kinds."""
    coefficients = (ps.powerlaw_intercept, ps.powerlaw_slope)
    if ps.powerlaw_preset is None and None in coefficients:
        return (
            "model 'powerlaw' needs powerlaw_preset or both powerlaw_intercept and powerlaw_slope"
        )
    if ps.powerlaw_preset is not None and coefficients != (None, None):
        return "give powerlaw_preset or intercept and slope, not both"
    return None


_DIFFUSION = frozenset({"expected_return_per_year", "volatility_per_year"})
_JUMPS = frozenset({"jump_intensity_per_year", "jump_mean_log", "jump_sd_log"})
_CSV = frozenset({"path_file", "path_column"})

#: Each price model: the ``[market.price]`` fields it reads besides model, start_usd, shocks.
PRICE_MODEL_TABLE: dict[str, MarketModel[PriceSpec]] = {
    "constant": MarketModel(frozenset()),
    "cagr": MarketModel(frozenset({"growth_per_year"})),
    "gbm": MarketModel(_DIFFUSION),
    "t": MarketModel(_DIFFUSION | {"degrees_of_freedom"}),
    "jump": MarketModel(_DIFFUSION | _JUMPS),
    "bootstrap": MarketModel(
        frozenset({"history_file", "window_start", "window_end", "mean_block_days",
                   "target_return_per_year"}),
        needs=("history_file",),
    ),
    "powerlaw": MarketModel(
        frozenset({"powerlaw_preset", "powerlaw_intercept", "powerlaw_slope",
                   "reversion_half_life_years", "volatility_per_year"}),
        check=_powerlaw_coefficients,
    ),
    "csv": MarketModel(_CSV, needs=("path_file",)),
}  # fmt: skip
#: Each network model: the ``[market.network]`` fields it reads besides model and start_ehs.
NETWORK_MODEL_TABLE: dict[str, MarketModel[NetworkSpec]] = {
    "constant": MarketModel(frozenset()),
    "growth": MarketModel(
        frozenset({"growth_per_year", "noise_volatility_per_year", "correlation_with_price"})
    ),
    "gbm": MarketModel(
        frozenset({"expected_growth_per_year", "volatility_per_year", "correlation_with_price"})
    ),
    "csv": MarketModel(_CSV, needs=("path_file",)),
    "economic": MarketModel(
        frozenset(
            {
                "marginal_efficiency_j_per_th",
                "efficiency_improvement_per_year",
                "marginal_electricity_usd_per_kwh",
                "all_in_cost_factor",
                "adjustment_half_life_days",
                "max_growth_per_month",
                "noise_volatility_per_year",
                "correlation_with_price",
            }
        )
    ),  # fmt: skip
}

#: Each FX model: the ``[market.fx]`` fields it reads besides model, currency, start_lcu_per_usd.
FX_MODEL_TABLE: dict[str, MarketModel[FxSpec]] = {
    m: MarketModel(r) for m, r in FX_MODEL_READS.items()
}

#: Price models accepted by the schema.
PRICE_MODELS: tuple[str, ...] = tuple(PRICE_MODEL_TABLE)
#: Network hashrate models accepted by the schema.
NETWORK_MODELS: tuple[str, ...] = tuple(NETWORK_MODEL_TABLE)
if get_args(PriceModelName) != PRICE_MODELS or get_args(NetworkModelName) != NETWORK_MODELS:
    raise RuntimeError("a model name Literal differs from its model table")  # pragma: no cover


@dataclass(frozen=True)
class MarketSection:
    """One market section of a scenario and its model table.

    Parameters
    ----------
    key : str
        Dotted section key, ``market.price``, ``market.network`` or ``market.fx``.
    spec : type
        The pydantic model of the section.
    start : str
        The field holding the starting value (``start_usd``, ``start_ehs``, ...).
    common : frozenset of str
        Fields every model of the section reads.
    models : mapping of str to MarketModel
        The section's model table.
    """

    key: str
    spec: type[BaseModel]
    start: str
    common: frozenset[str]
    models: Mapping[str, MarketModel[Any]]

    def unused(self, model: str) -> list[str]:
        """Fields of the section that ``model`` does not read, in schema order.

        Parameters
        ----------
        model : str
            A model name of this section.

        Returns
        -------
        list of str
            Field names.
        """
        used = self.common | self.models[model].reads
        return [name for name in self.spec.model_fields if name not in used]


#: The market sections by dotted key.
MARKET_SECTIONS: dict[str, MarketSection] = {
    "market.price": MarketSection(
        "market.price", PriceSpec, "start_usd", frozenset({"model", "start_usd", "shocks"}),
        PRICE_MODEL_TABLE,
    ),
    "market.network": MarketSection(
        "market.network", NetworkSpec, "start_ehs", frozenset({"model", "start_ehs"}),
        NETWORK_MODEL_TABLE,
    ),
    "market.fx": MarketSection(
        "market.fx", FxSpec, "start_lcu_per_usd",
        frozenset({"model", "currency", "start_lcu_per_usd"}), FX_MODEL_TABLE,
    ),
}  # fmt: skip
