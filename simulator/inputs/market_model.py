"""What one market model reads from its section of a scenario (:class:`MarketModel`).

Part of :mod:`simulator.inputs.market_schema`, which holds the model tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

__all__ = ["MarketModel", "require_fields", "run_check"]

SpecT = TypeVar("SpecT", bound=BaseModel)


@dataclass(frozen=True)
class MarketModel(Generic[SpecT]):
    """What one market model reads from its section of the scenario.

    Parameters
    ----------
    reads : frozenset of str
        Fields the model reads, besides the ones every model of the section
        reads (:attr:`simulator.inputs.market_schema.MarketSection.common`).
    needs : tuple of str, optional
        Fields that must be set (not ``None`` or empty) for this model.
    check : callable, optional
        Further rule on the spec; returns what is wrong, or ``None``.
    """

    reads: frozenset[str]
    needs: tuple[str, ...] = ()
    check: Callable[[SpecT], str | None] | None = None


def require_fields(spec: BaseModel, model: str, entry: MarketModel[Any]) -> None:
    """Raise :class:`ValueError` if a field the model needs is not set."""
    for name in entry.needs:
        if not getattr(spec, name):
            raise ValueError(f"model {model!r} needs {name}")


def run_check(spec: SpecT, entry: MarketModel[SpecT]) -> None:
    """Raise :class:`ValueError` if the model's further rule fails."""
    problem = entry.check(spec) if entry.check is not None else None
    if problem is not None:
        raise ValueError(problem)
