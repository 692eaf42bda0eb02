"""Scenario schema of a reserve: its holdings, purchase programmes, sales and sell rules.

Part of :mod:`simulator.inputs.schema`, which assembles the whole scenario.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from simulator.inputs.fx_schema import CurrencyCode
from simulator.inputs.schema_types import (
    EVENT_DATE,
    FROM_DATE,
    USD_PER_BTC_WHY,
    WORLD_USD_WHY,
    Date,
    Name,
    Share,
    StrictModel,
    physical,
)

__all__ = ["Purchase", "Reserve", "Sale", "SellRule"]


class Purchase(StrictModel):
    """A purchase programme: BTC per day or USD per month, with dates and a cap.

    It buys on the simulated days in ``[start_date, end_date]``: the part before
    the scenario's start is past, so a window that ends before it buys nothing.
    """

    btc_per_day: float | None = physical(
        None,
        ge=0,
        high=10_000,
        unit="BTC/day",
        why="over 20 times all new issuance (450 BTC a day since 2024)",
        description="BTC bought each day",
    )
    usd_per_month: float | None = physical(
        None,
        ge=0,
        high=1e12,
        unit="USD/month",
        why="a trillion USD a month is more than the whole US federal budget",
        description="USD spent each month",
    )
    start_date: Date | None = Field(
        None, description="first day of buying; default: from the start" + FROM_DATE
    )
    end_date: Date | None = Field(None, description="last day of buying; default: to the horizon")
    budget_usd: float | None = physical(
        None,
        gt=0,
        high=1e15,
        unit="USD",
        why=WORLD_USD_WHY,
        description="total USD cap; none by default",
    )

    @model_validator(mode="after")
    def _one_amount(self) -> Purchase:
        if (self.btc_per_day is None) == (self.usd_per_month is None):
            raise ValueError("give exactly one of btc_per_day or usd_per_month")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class Sale(StrictModel):
    """A dated sale of a fixed amount of BTC (capped at holdings)."""

    date: Date = Field(description="day of the sale" + EVENT_DATE)
    btc: float = physical(
        gt=0, high=21_000_000, unit="BTC", why="the 21 M supply cap", description="BTC sold"
    )


class SellRule(StrictModel):
    """Sell a fraction of holdings whenever the price is above a threshold."""

    above_price_usd: float = physical(
        gt=0, high=1e9, unit="USD/BTC", why=USD_PER_BTC_WHY, description="price threshold"
    )
    fraction: Share = Field(description="share of holdings sold each time, in (0, 1]")
    min_days_between: int = physical(
        30,
        ge=1,
        high=36_525,
        unit="days",
        why="100 years, the longest horizon",
        description="default: at most one sale in 30 days",
    )


class Reserve(StrictModel):
    """A ``[[reserve]]`` entity: holdings, purchases and sales."""

    name: Name = Field(description="entity name: entities merge and are addressed by it")
    holdings_btc: float = physical(
        0.0,
        ge=0,
        high=21_000_000,
        unit="BTC",
        why="no one can hold more than the 21 M supply cap",
        description="holdings at start; default 0",
    )
    cost_basis_usd: float = physical(
        0.0,
        ge=0,
        high=1e15,
        unit="USD",
        why=WORLD_USD_WHY,
        description="total USD cost of holdings at start",
    )
    purchases: list[Purchase] = Field(default_factory=list)
    sales: list[Sale] = Field(default_factory=list)
    sell_rules: list[SellRule] = Field(default_factory=list)
    currency: CurrencyCode = Field(
        "USD",
        description="currency the reserve is also valued in: USD (default; El Salvador's "
        "legal tender) or the [market.fx] currency, e.g. PKR, which adds value_lcu",
    )
