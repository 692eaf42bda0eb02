"""Field types and the strict base model shared by the scenario schema modules.

Two rules apply to every scenario field through the types here, so that a
value which validates can also run:

* **Plausible ranges.** A physical input is declared with :func:`physical`,
  which gives its hard limits (pydantic's ``gt``/``ge``/``lt``/``le``, e.g.
  power > 0) and a plausible range with the reason for it. The reason is
  written into the field's description (``btcsim explain`` prints it) and
  into the error for a value outside the range.
* **Rates written as percentages.** :data:`PerYear` (and :data:`PerMonth`)
  refuse a rate above 5 a year (500 %) or 1 a month (100 %) with a hint:
  ``growth_per_year = 25`` is 2,500 % a year, almost surely a mistyped 0.25.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError, PydanticUndefined

from simulator.model.units import DAYS_PER_YEAR

__all__ = [
    "EARLIEST_DATE",
    "EVENT_DATE",
    "FROM_DATE",
    "J_PER_TH_WHY",
    "LATEST_DATE",
    "LATEST_START",
    "RATE_ERRORS",
    "Date",
    "Name",
    "PerMonth",
    "PerYear",
    "ScenarioName",
    "Share",
    "StartDate",
    "StrictModel",
    "USD_PER_BTC_WHY",
    "WORLD_USD_WHY",
    "check_run_end",
    "physical",
]

#: First date any scenario date may be: the genesis block (2009-01-03).
EARLIEST_DATE = dt.date(2009, 1, 3)
#: Last date any scenario date may be, and the latest end of a run: pandas'
#: calendar ends in 2262, and a projection that far is no longer about today's network.
LATEST_DATE = dt.date(2200, 1, 1)
#: Latest start date: a start further out is no longer a projection from today's network.
LATEST_START = dt.date(2100, 1, 1)

# Reasons and date rules shared by the schema modules, written into field descriptions.
#: Why a USD amount above 1e15 is implausible.
WORLD_USD_WHY = "ten times world GDP (about 1e14 USD a year)"
#: Why a BTC price outside 1e-4 to 1e9 USD is implausible.
USD_PER_BTC_WHY = (
    "from below the first quoted price (about 0.001 USD, October 2009) to a price that "
    "values the 21 M supply at 2e16 USD, 200 times world GDP"
)
#: Why a fleet efficiency outside 1 to 500 J/TH is implausible.
J_PER_TH_WHY = (
    "today's best ASICs reach about 12-15 J/TH, 1 J/TH is beyond any roadmap, and machines "
    "above 500 J/TH (the 2014 generation) cannot pay for their power"
)
#: A state from a date on (ramp steps, refreshes, purchase windows) may begin before the start.
FROM_DATE = "; a date on or before start_date is in effect from the first simulated day"
#: A one-off event (sales, shocks) must fall after the start: an earlier one is already
#: in the starting state (holdings, price), and applying it again would count it twice.
EVENT_DATE = "; after start_date (an earlier one is already in the starting state)"

#: Error types whose message already shows the value (no ``(got ...)`` is added).
RATE_ERRORS = frozenset({"rate_as_percent"})


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


def _in_calendar(value: object) -> object:
    """Refuse dates before the genesis block or after :data:`LATEST_DATE`."""
    if isinstance(value, dt.date) and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise PydanticCustomError(
            "implausible",
            "outside the plausible range {low} to {high} (Bitcoin's genesis block to the "
            "latest end of a run)",
            {"low": EARLIEST_DATE.isoformat(), "high": LATEST_DATE.isoformat()},
        )
    return value


def _rate(limit: float, per: str) -> Any:
    """A rate per ``per`` that refuses values above ``limit``, hinting at a percentage."""

    def check(value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > limit:
            return value  # not a number, NaN or in range: the float schema has the last word
        pct = f"{value * 100:,.0f}" if value <= 1e6 else f"{value * 100:.3g}"
        share = f"{value:g} is {pct} % a {per}"
        hint = f"; did you mean {value / 100:g}?" if value <= 100 else ""
        raise PydanticCustomError(
            "rate_as_percent",
            "a rate above {limit} a {per} ({pct} %) is refused as implausible: {share}{hint}",
            {"limit": f"{limit:g}", "per": per, "pct": f"{limit * 100:,.0f}", "share": share,
             "hint": hint},
        )  # fmt: skip

    return Annotated[float, BeforeValidator(check)]


#: A date: a TOML date (or date-time, whose date is kept) or an ISO string, between
#: the genesis block (2009-01-03) and 2200-01-01.
Date = Annotated[dt.date, BeforeValidator(_to_date), AfterValidator(_in_calendar)]


def _start_in_range(start: dt.date) -> dt.date:
    """Refuse a start date before the genesis block or after :data:`LATEST_START`."""
    if not EARLIEST_DATE <= start <= LATEST_START:
        raise PydanticCustomError(
            "implausible",
            "outside the plausible range {low} to {high}: further out is no longer a "
            "projection from today's network",
            {"low": EARLIEST_DATE.isoformat(), "high": LATEST_START.isoformat()},
        )
    return start


def check_run_end(start: object, years: float) -> float:
    """Return ``years``, refusing a run from ``start`` that would end after :data:`LATEST_DATE`.

    Parameters
    ----------
    start : datetime.date or None
        The scenario's start date (``None`` if it did not validate: nothing to check).
    years : float
        Horizon [years].

    Returns
    -------
    float
        ``years`` unchanged.

    Raises
    ------
    pydantic_core.PydanticCustomError
        If ``start + years`` is after :data:`LATEST_DATE`.
    """
    if isinstance(start, dt.date):
        end = start + dt.timedelta(days=round(years * DAYS_PER_YEAR))
        if end > LATEST_DATE:
            raise PydanticCustomError(
                "implausible",
                "the run would end on {end}, after {latest} (start_date + horizon_years)",
                {"end": end.isoformat(), "latest": LATEST_DATE.isoformat()},
            )
    return years


#: A scenario's start date: a date from the genesis block to :data:`LATEST_START`.
StartDate = Annotated[dt.date, BeforeValidator(_to_date), AfterValidator(_start_in_range)]
#: An entity name: lowercase letters, digits and ``_``, starting with a letter.
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
#: A scenario's name: it names the results folder (``results/NAME``), so it is one
#: path component of letters, digits, ``_`` and ``-`` that cannot climb out of it
#: (no ``/``, ``.``, ``..`` or absolute path).
ScenarioName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", max_length=80)]
#: A share in ``(0, 1]``.
Share = Annotated[float, Field(gt=0, le=1)]
#: A rate per year [1/year] (growth, drift, volatility): at most 5 (500 % a year). The
#: shipped rates are below 1; 500 % a year for a decade multiplies by 60 million.
PerYear = _rate(5.0, "year")
#: A rate per month [1/month]: at most 1 (100 %, doubling in a month).
PerMonth = _rate(1.0, "month")


def _range_text(low: float | None, high: float | None, unit: str) -> str:
    """``1 to 500 J/TH``: a plausible range as the descriptions and errors show it."""
    if low is None or high is None:
        shown = f"up to {high:,.15g}" if low is None else f"from {low:,.15g}"
    else:
        shown = f"{low:,.15g} to {high:,.15g}"
    return f"{shown} {unit}" if unit else shown


def physical(
    default: Any = PydanticUndefined,
    *,
    description: str,
    unit: str,
    why: str,
    low: float | None = None,
    high: float | None = None,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
) -> Any:
    """A scenario field with hard limits and a plausible range, and the reason for it.

    Parameters
    ----------
    default : Any, optional
        Default value; required field if not given.
    description : str
        What the field is (and its default); the range and ``why`` are appended.
    unit : str
        Unit of the value, shown with the range (``"MW"``, ``"J/TH"``; ``""`` for none).
    why : str
        Why values outside the range are implausible.
    low, high : float or None, optional
        Plausible range; a value outside it is refused. ``None``: no bound on
        that side beyond the hard limits.
    gt, ge, lt : float or None, optional
        Hard limits (a value that means nothing, such as power <= 0), checked first.

    Returns
    -------
    pydantic.fields.FieldInfo
        Typed ``Any`` so that it can be assigned to a field of any type.
    """
    return Field(
        default,
        description=f"{description}; plausible {_range_text(low, high, unit)}: {why}",
        json_schema_extra={"plausible": [low, high, unit, why]},
        gt=gt,
        ge=ge,
        lt=lt,
    )


def _plausible_range(extra: object) -> tuple[float | None, float | None, str, str] | None:
    """The ``(low, high, unit, why)`` that :func:`physical` recorded, or ``None``."""
    rule = extra.get("plausible") if isinstance(extra, dict) else None
    if not isinstance(rule, list) or len(rule) != 4:
        return None
    low, high, unit, why = rule
    low = float(low) if isinstance(low, int | float) else None
    high = float(high) if isinstance(high, int | float) else None
    return low, high, str(unit), str(why)


class StrictModel(BaseModel):
    """Base of every scenario table: strict types, no unknown keys, finite numbers, frozen.

    Fields declared with :func:`physical` are also checked against their
    plausible range.
    """

    model_config = ConfigDict(
        extra="forbid", strict=True, allow_inf_nan=False, frozen=True, validate_default=True
    )

    @field_validator("*")
    @classmethod
    def _plausible(cls, value: Any, info: ValidationInfo) -> Any:
        """Refuse a number outside its field's plausible range (see :func:`physical`)."""
        name = info.field_name
        rule = _plausible_range(cls.model_fields[name].json_schema_extra) if name else None
        if rule is None or isinstance(value, bool) or not isinstance(value, int | float):
            return value
        low, high, unit, why = rule
        if (low is not None and value < low) or (high is not None and value > high):
            raise PydanticCustomError(
                "implausible",
                "outside the plausible range {range}: {why}",
                {"range": _range_text(low, high, unit), "why": why},
            )
        return value
