"""The inputs a scenario can vary: those with a range, and why the others are skipped.

Shared by ``btcsim sensitivity`` (:mod:`simulator.analysis.sensitivity`), ``discover``
(:mod:`simulator.analysis.discover`) and ``robust`` (:mod:`simulator.analysis.robust`).
"""

from __future__ import annotations

from typing import Any

from simulator.inputs.scenario import ResolvedInput, ResolvedScenario

__all__ = ["ranged_inputs"]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _skip_reason(item: ResolvedInput) -> str | None:
    """Why an input with a range cannot be varied one at a time (None if it can)."""
    listed = [p for p in item.key.split(".") if p.isdigit()]
    if not _is_number(item.value):
        return f"not numeric ({item.value!r})"
    if item.low == item.high:
        return f"no spread (low = high = {item.low:g})"
    if listed:
        where = item.key.split(f".{listed[0]}.")[0].rsplit(".", 1)[-1]
        return f"an item of the list {where!r}: --set cannot address list items"
    return None


def ranged_inputs(base: ResolvedScenario) -> tuple[list[ResolvedInput], list[tuple[str, str]]]:
    """The inputs with a range that can be varied, and those skipped with the reason.

    An input has a range when it has a low and a high (an assumption's, or a
    cited fact's spread of sources). Skipped: non-numeric inputs, inputs
    without a spread and items of lists (``--set`` cannot address them).
    """
    items: list[ResolvedInput] = []
    skipped: list[tuple[str, str]] = []
    for item in base.inputs.values():
        if item.low is None or item.high is None:
            continue
        reason = _skip_reason(item)
        if reason is not None:
            skipped.append((item.key, reason))
        else:
            items.append(item)
    return items, skipped
