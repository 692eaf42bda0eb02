"""Scenario schema of the optional ``[market.fx]`` table: the local currency's exchange rate.

The rate is quoted as local currency units (LCU) per USD, e.g. PKR per USD,
so a rising rate is a weakening local currency. The models' equations are in
:mod:`simulator.model.fx`. Which fields each model reads is in
:data:`simulator.inputs.market_schema.FX_MODEL_TABLE`, beside the other
market model tables, built from :data:`FX_MODEL_READS`;
:class:`simulator.inputs.market_schema.Market` checks the rule that needs the
price section too (:func:`check_fx_correlation`).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, Field

from simulator.inputs.schema_types import PerYear, StrictModel, physical

__all__ = [
    "FX_MODELS",
    "FX_MODEL_READS",
    "PRICE_MODELS_WITH_SHOCKS",
    "CurrencyCode",
    "FxModelName",
    "FxSpec",
    "check_fx_correlation",
]

FxModelName = Literal["constant", "cagr", "gbm"]
#: Exchange-rate models accepted by the schema.
FX_MODELS: tuple[str, ...] = get_args(FxModelName)
#: Each FX model: the ``[market.fx]`` fields it reads besides model, currency, start_lcu_per_usd.
FX_MODEL_READS: dict[str, frozenset[str]] = {
    "constant": frozenset(),
    "cagr": frozenset({"growth_per_year"}),
    "gbm": frozenset({"expected_growth_per_year", "volatility_per_year", "correlation_with_price"}),
}
if tuple(FX_MODEL_READS) != FX_MODELS:
    raise RuntimeError("FxModelName differs from FX_MODEL_READS")  # pragma: no cover

#: Price models whose paths are driven by random daily shocks, which an FX path
#: can be correlated with (the engine's draw table, checked there).
PRICE_MODELS_WITH_SHOCKS: tuple[str, ...] = ("gbm", "t", "jump", "bootstrap", "powerlaw")

_CODE = re.compile(r"[A-Z]{3}")


def _currency_code(code: str) -> str:
    """Refuse anything but three capital letters A-Z (an ISO 4217-like code)."""
    if not _CODE.fullmatch(code):
        raise ValueError("use a 3-letter upper-case currency code such as 'PKR'")
    return code


#: A currency code: three capital letters A-Z, as ISO 4217 writes them (``PKR``, ``USD``).
CurrencyCode = Annotated[str, AfterValidator(_currency_code)]


class FxSpec(StrictModel):
    """The ``[market.fx]`` table: the local currency's exchange rate [LCU/USD].

    Optional: without it a scenario has no exchange-rate path and reserves
    are valued in USD only. See :mod:`simulator.model.fx` for the models.
    """

    model: FxModelName = Field(description="exchange-rate path model")
    currency: CurrencyCode = Field(
        description='local currency, a 3-letter upper-case ISO 4217 code, e.g. "PKR"'
    )
    start_lcu_per_usd: float = physical(
        gt=0,
        low=0.1,
        high=1e7,
        unit="LCU/USD",
        why="the dearest currency, the Kuwaiti dinar, is about 0.3 per USD (far below is "
        "likely USD per LCU, the inverse quote); the weakest quoted in 2025, the Iranian "
        "rial, is about 1,000,000 per USD on the open market, a tenth of the top",
        description="exchange rate at start_date, local currency units per USD",
    )
    growth_per_year: PerYear = Field(
        0.0,
        gt=-1,
        description="cagr: yearly growth of the rate; 0.10: the LCU per USD rise 10 % a year, "
        "and the local currency loses 0.1/1.1 = 9.1 % of its USD value a year; default 0",
    )
    expected_growth_per_year: PerYear = Field(
        0.0,
        gt=-5,
        description="gbm: expected growth mu of the rate, E[X_t] = X_0 e^(mu t); default 0",
    )
    volatility_per_year: PerYear = Field(
        0.0, ge=0, description="gbm: sd of the rate's daily log changes x sqrt(365.25); default 0"
    )
    correlation_with_price: float = Field(
        0.0,
        ge=-1,
        le=1,
        description="gbm: correlation of the rate's daily shocks with BTC's daily price shocks; "
        "positive: the local currency weakens on days BTC rises; default 0; other than 0 "
        "needs a price model that draws random shocks ("
        + ", ".join(PRICE_MODELS_WITH_SHOCKS)
        + ")",
    )


def check_fx_correlation(fx: FxSpec | None, price_model: str | None) -> FxSpec | None:
    """Refuse an FX correlation with a price path that draws no random shocks.

    A correlation with the price's daily shocks means nothing when the price
    path has none (``constant``, ``cagr``, ``csv``).

    Parameters
    ----------
    fx : FxSpec or None
        The ``[market.fx]`` table, if the scenario has one.
    price_model : str or None
        The scenario's ``market.price.model`` (``None``: unknown, nothing to check).

    Returns
    -------
    FxSpec or None
        ``fx`` unchanged.

    Raises
    ------
    ValueError
        If ``fx`` reads a correlation other than 0 and ``price_model`` draws no shocks;
        the message names the key.
    """
    if fx is None or price_model is None or price_model in PRICE_MODELS_WITH_SHOCKS:
        return fx
    rho = fx.correlation_with_price
    if rho != 0 and "correlation_with_price" in FX_MODEL_READS[fx.model]:
        raise ValueError(
            f"correlation_with_price = {rho:g} needs a price model that draws random daily "
            f"shocks ({', '.join(PRICE_MODELS_WITH_SHOCKS)}), but market.price.model is "
            f"{price_model!r}; set it to 0 or choose such a price model"
        )
    return fx
