"""What the ledger figures read from a result's inputs: its benchmarks, operations and reserves.

Every value comes from ``Result.inputs`` (numbers after a run, text after
:meth:`simulator.results.result.Result.load`) and the recorded series, so the
figures of :mod:`simulator.viz.ledger` draw a saved result as well as a fresh one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from simulator.results.result import Result

__all__ = [
    "BenchmarkInput",
    "benchmarks",
    "input_number",
    "input_text",
    "ledger_operations",
    "local_reserves",
    "provenance_of",
    "reserve_names",
]


def _cell(result: Result, key: str, column: str = "value") -> Any:
    rows = result.inputs[result.inputs["key"] == key]
    return None if rows.empty else rows.iloc[0][column]


def input_text(result: Result, key: str) -> str | None:
    """An input's value as text, or None when it is absent or unset (None, ``""``, NaN)."""
    value = _cell(result, key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def input_number(result: Result, key: str) -> float | None:
    """An input's value as a number, or None when absent, unset or not a finite number.

    ``Result.inputs`` holds numbers (or None) after a run and text after
    :meth:`Result.load`; both read the same.
    """
    text = input_text(result, key)
    try:
        number = float(text) if text is not None else math.nan
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def provenance_of(result: Result, key: str) -> str:
    """The provenance of input ``key`` (cited, derived, assumption, ...), or ``""``."""
    return str(_cell(result, key, "provenance") or "")


@dataclass(frozen=True)
class BenchmarkInput:
    """One benchmark as ``Result.inputs`` records it.

    ``name`` is ``"benchmark"`` for the short form ``scenario.benchmark_usd``;
    ``label`` the name when none is set; ``end_year`` the last calendar year it
    covers (or None); ``provenance`` and ``end_provenance`` those of
    ``value_usd`` [USD] and ``end_year``; ``keys`` the inputs behind it.
    """

    name: str
    label: str
    value_usd: float
    end_year: int | None
    provenance: str
    end_provenance: str
    keys: tuple[str, ...]
    reserve: str | None = None

    def applies_to(self, reserve: str) -> bool:
        """Whether reserve ``reserve`` is set against this benchmark (None: every reserve)."""
        return self.reserve is None or self.reserve == reserve


def benchmarks(result: Result) -> list[BenchmarkInput]:
    """Every benchmark of a result, the first (primary) one first.

    The short form ``scenario.benchmark_usd`` (name ``"benchmark"``) when set,
    then each ``[[benchmark]]`` (``benchmark.NAME.value_usd``, ``.label``,
    ``.end_year``) in the order of the inputs, as :attr:`Scenario.benchmarks`.
    """
    found: list[BenchmarkInput] = []
    short = input_number(result, "scenario.benchmark_usd")
    if short is not None:
        label = input_text(result, "scenario.benchmark_label") or "benchmark"
        prov = provenance_of(result, "scenario.benchmark_usd")
        keys = ("scenario.benchmark_usd",)
        found.append(BenchmarkInput("benchmark", label, short, None, prov, "", keys))
    for key in result.inputs["key"].astype(str):
        match = re.fullmatch(r"benchmark\.(.+)\.value_usd", key)
        value = input_number(result, key) if match else None
        if match is None or value is None:
            continue
        name = match.group(1)
        end = input_number(result, f"benchmark.{name}.end_year")
        found.append(
            BenchmarkInput(
                name=name,
                label=input_text(result, f"benchmark.{name}.label") or name,
                value_usd=value,
                end_year=None if end is None else int(end),
                provenance=provenance_of(result, key),
                end_provenance=provenance_of(result, f"benchmark.{name}.end_year"),
                keys=(key, f"benchmark.{name}.end_year"),
                reserve=input_text(result, f"benchmark.{name}.reserve"),
            )
        )
    return found


def _entities_with(result: Result, variable: str) -> list[str]:
    p = result.percentiles
    return [e for e in dict.fromkeys(p.loc[p["variable"] == variable, "entity"]) if e != "market"]


def ledger_operations(result: Result) -> list[str]:
    """Mining operations with a recorded net position (``net_fiscal_usd``), in order."""
    return _entities_with(result, "net_fiscal_usd")


def reserve_names(result: Result) -> list[str]:
    """Reserves of a result (entities with recorded holdings), in order."""
    return _entities_with(result, "holdings_btc")


def local_reserves(result: Result) -> list[str]:
    """Reserves valued in a local currency (a recorded ``value_lcu``), in order."""
    return _entities_with(result, "value_lcu")
