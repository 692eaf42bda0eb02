"""Scenario schema of the policy ledger: tariffs, emissions, power sale, AI side, benchmarks.

Part of :mod:`simulator.inputs.schema`: the ledger fields of a ``[[mining]]``
entry (declared here, assigned there), its optional ``ai`` table (the power
not mined, leased to AI data centres) and the ``[[benchmark]]`` yardsticks
that reserve values are set against. The equations are in
:mod:`simulator.model.ledger`.

References
----------
.. [1] IPCC, "2006 IPCC Guidelines for National Greenhouse Gas Inventories",
   vol. 2, ch. 2, table 2.2: default CO2 factors of coal, 94.6 (other
   bituminous) to 101.0 (lignite) tCO2/TJ of fuel.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from simulator.inputs.schema_types import Name, Share, StrictModel, physical
from simulator.model.ledger import emission_factor_from_fuel

__all__ = [
    "AiSide",
    "Benchmark",
    "COAL_EMISSION_FACTOR",
    "COST_REFLECTIVE_FIELD",
    "EMISSION_FACTOR_FIELD",
    "POWER_SALE_FIELD",
]

#: Default emission factor of coal-fired electricity [tCO2/MWh]: other bituminous coal
#: (94.6 tCO2/TJ [1]) at 36 % net efficiency (an assumption: a subcritical plant's),
#: 94.6 x 0.0036 / 0.36 = 0.946, to 2 digits.
COAL_EMISSION_FACTOR = round(emission_factor_from_fuel(94.6, 0.36), 2)
#: Why a factor above 2.5 tCO2/MWh is implausible: twice the dirtiest coal
#: (lignite at 30 %: 101 x 0.0036 / 0.30 = 1.21).
_FACTOR_WHY = (
    "0 is carbon-free power; lignite burnt at 30 % efficiency emits about 1.2 tCO2/MWh, and "
    "no plant emits twice that"
)
_TARIFF_WHY = "about 20 times the dearest retail tariffs (about 0.5 USD/kWh)"

#: ``[[mining]] cost_reflective_usd_per_kwh``: what the power costs the state to supply.
COST_REFLECTIVE_FIELD: Any = physical(
    None,
    ge=0,
    high=10,
    unit="USD/kWh",
    why=_TARIFF_WHY,
    description="tariff that covers the cost of supplying the power (generation, capacity "
    "and network); the subsidy cost is (this - electricity_usd_per_kwh) x energy; default: "
    "the tariff charged, so no subsidy",
)
#: ``[[mining]] emission_factor_tco2_per_mwh``: CO2 per MWh of the power used.
EMISSION_FACTOR_FIELD: Any = physical(
    COAL_EMISSION_FACTOR,
    ge=0,
    high=2.5,
    unit="tCO2/MWh",
    why=_FACTOR_WHY,
    description=f"CO2 emitted per MWh the site uses; default {COAL_EMISSION_FACTOR}, coal-fired "
    "generation: the IPCC 2006 factor of other bituminous coal (94.6 tCO2/TJ) at 36 % net "
    "efficiency, a subcritical plant's (94.6 x 0.0036 / 0.36) [1]",
)
#: ``[[mining]] power_sale_usd_per_kwh``: the power's value sold instead of mined.
POWER_SALE_FIELD: Any = physical(
    None,
    ge=0,
    high=10,
    unit="USD/kWh",
    why=_TARIFF_WHY,
    description="price the same energy would fetch sold to the grid or exported; sets the "
    "opportunity value of the power and P(mining beats selling it); default: not reported",
)


def _whole_year(value: Any) -> Any:
    """A cited year arrives as a float (facts are numbers): 2027.0 is the year 2027."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


#: A calendar year; a whole float (a cited fact's value) is accepted.
Year = Annotated[int, BeforeValidator(_whole_year)]


class AiSide(StrictModel):
    """The ``ai`` table of a ``[[mining]]`` site: its power not mined, leased to AI data centres.

    The site's ``power_mw x (1 - mining_share)`` follows the site's ramp and is
    leased as colocation capacity: it earns ``revenue_usd_per_mw_year`` on the
    utilised MW, draws their power (costed in the state's net at the site's
    cost-reflective tariff, like the mining's: the tariff charged plus the
    subsidy), pays ``opex_usd_per_mw_year`` on every MW built, and depreciates
    ``capex_usd_per_mw`` straight-line over ``depreciation_years``. There is
    no default for the business figures: each is an assumption to state.
    """

    revenue_usd_per_mw_year: float = physical(
        ge=0,
        high=50_000_000,
        unit="USD/(MW year)",
        why="GPU cloud rental at 2-3 USD per GPU-hour is about 15-25 M USD a MW-year; "
        "twice the top of that is not a lease",
        description="revenue of a leased, utilised MW in a year, power not included",
    )
    capex_usd_per_mw: float = physical(
        ge=0,
        high=100_000_000,
        unit="USD/MW",
        why="data-centre halls cost about 8-12 M USD/MW to build; ten times that is not a hall",
        description="build cost of a MW of data-centre capacity (hall, power and cooling)",
    )
    opex_usd_per_mw_year: float = physical(
        ge=0,
        high=10_000_000,
        unit="USD/(MW year)",
        why="over ten times the power itself at 0.10 USD/kWh (876,000 USD a MW-year)",
        description="operating cost of a built MW in a year (staff, maintenance), power not "
        "included",
    )
    utilisation: Share = Field(
        description="share of the built capacity leased and drawing power, in [0, 1]"
    )
    depreciation_years: float = Field(
        15.0,
        gt=0,
        le=50,
        description="straight-line life of the capex; default 15 years, the life of a hall's "
        "power and cooling plant; at most 50",
    )


class Benchmark(StrictModel):
    """A ``[[benchmark]]`` yardstick: a USD figure that reserve values are set against.

    A benchmark's value is usually cited (``value_usd = { cite = "imf.pakistan_facility_usd" }``)
    or a user fact; ``end_year`` marks when it lapses (a loan programme's last
    year) on the figures.
    """

    name: Name = Field(description="benchmark name: benchmarks merge and are addressed by it")
    label: str = Field("", description="label in tables and figures; default: the name")
    value_usd: float = physical(
        gt=0,
        low=1e6,
        high=1e15,
        unit="USD",
        why="a yardstick for a state's reserve is millions of USD or more (a figure below "
        "1 M is likely in millions or billions, typed as USD); above 1e15 is ten times world "
        "GDP",
        description="the yardstick's value",
    )
    reserve: Name | None = Field(
        None,
        description="the reserve it is a yardstick for (Pakistan's IMF facility for Pakistan's "
        "reserve); default: every reserve",
    )
    end_year: Year | None = Field(
        None,
        ge=2009,
        le=2200,
        description="last calendar year the yardstick covers (a programme's end), marked "
        "on the figures; none by default",
    )

    def applies_to(self, reserve: str) -> bool:
        """Whether reserve ``reserve`` is set against this benchmark."""
        return self.reserve is None or self.reserve == reserve

    @property
    def shown(self) -> str:
        """The label, or the name when no label is set."""
        return self.label or self.name
