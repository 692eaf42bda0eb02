"""Field types and the strict base model shared by the scenario schema modules."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

__all__ = ["Date", "Name", "ScenarioName", "Share", "StrictModel"]


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


#: A date: a TOML date (or date-time, whose date is kept) or an ISO string.
Date = Annotated[dt.date, BeforeValidator(_to_date)]
#: An entity name: lowercase letters, digits and ``_``, starting with a letter.
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
#: A scenario's name: it names the results folder (``results/NAME``), so it is one
#: path component of letters, digits, ``_`` and ``-`` that cannot climb out of it
#: (no ``/``, ``.``, ``..`` or absolute path).
ScenarioName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$", max_length=80)]
#: A share in ``(0, 1]``.
Share = Annotated[float, Field(gt=0, le=1)]


class StrictModel(BaseModel):
    """Base of every scenario table: strict types, no unknown keys, finite numbers, frozen."""

    model_config = ConfigDict(
        extra="forbid", strict=True, allow_inf_nan=False, frozen=True, validate_default=True
    )
