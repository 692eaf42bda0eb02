"""``[scenario] start_from``: take a scenario's starting point from a history file.

With ``start_from = "history.csv"`` (relative to the scenario file that sets
it; ``--set scenario.start_from=FILE`` is relative to the working folder) the
start date, the start price, the chain's height, difficulty and epoch days,
the network hashrate (a trailing 7-day mean) and the fees per block (a
trailing 30-day mean) are read from the file (:func:`start_state`). Each gets
the provenance ``data``, with the file, column and day or window as its
source. ``start_date = "latest"`` (the default with ``start_from``) is the
last full day in the file; a date starts from that day. A value written in
the scenario (or by ``--set``) still wins, with its own provenance.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from typing import Any

from simulator.inputs.errors import HistoryError, ScenarioError
from simulator.inputs.provenance import ResolvedInput
from simulator.inputs.start_state import start_state

__all__ = ["LATEST", "START_FROM", "apply_start_from"]

#: The scenario key naming the history file.
START_FROM = "start_from"
#: ``start_date`` value meaning the last full day of the ``start_from`` file.
LATEST = "latest"


def _plain(node: Any) -> Any:
    """The value of a ``{ value = ..., note = ... }`` form, or the node itself."""
    return node.get("value") if isinstance(node, Mapping) and "value" in node else node


def _written(data: Mapping[str, Any], key: str) -> bool:
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def _put(data: dict[str, Any], key: str, value: Any) -> None:
    *tables, leaf = key.split(".")
    node = data
    for part in tables:
        node = node.setdefault(part, {})
    node[leaf] = value


def apply_start_from(
    data: Mapping[str, Any], file: str
) -> tuple[dict[str, Any], dict[str, ResolvedInput]]:
    """Fill the start state from ``scenario.start_from``; return the data and their provenance.

    Parameters
    ----------
    data : Mapping
        Merged scenario data (``--set`` applied).
    file : str
        Scenario file, for errors.

    Returns
    -------
    (dict, dict of str to ResolvedInput)
        The data with the file's values filled in where the scenario wrote
        none (and ``start_from`` taken out), and a ``data`` provenance entry
        for each filled key plus ``scenario.start_from`` itself.

    Raises
    ------
    ScenarioError
        For ``start_date = "latest"`` without ``start_from``, or a
        ``start_from`` that is not a path.
    HistoryError
        If the file cannot give the start state (one line naming it).
    """
    out = copy.deepcopy(dict(data))
    meta = out.get("scenario")
    if not isinstance(meta, dict):
        return out, {}
    source = _plain(meta.pop(START_FROM, None))  # --set gives {value, note}
    when = _plain(meta.get("start_date"))
    if source is None:
        if when == LATEST:
            raise ScenarioError(
                file,
                "scenario.start_date",
                '"latest" needs a history file: set scenario.start_from = "history.csv" '
                "(or --set scenario.start_from=FILE)",
            )
        return out, {}
    if not isinstance(source, str) or not source.strip():
        raise ScenarioError(file, "scenario.start_from", f"expected a file path (got {source!r})")
    if when is None or when == LATEST:
        meta.pop("start_date", None)
        day: dt.date | str = LATEST
    elif isinstance(when, dt.date):
        day = when
    else:
        raise ScenarioError(
            file,
            "scenario.start_date",
            f'with start_from, a date or "latest" (got {when!r})',
        )
    try:
        state = start_state(source, day)  # type: ignore[arg-type]
    except HistoryError as exc:
        raise ScenarioError(file, "scenario.start_from", str(exc)) from None
    filled: dict[str, ResolvedInput] = {
        "scenario.start_from": ResolvedInput(
            "scenario.start_from", state.file, "", "data", "history file the start is read from"
        )
    }
    for key, item in state.values.items():
        if _written(out, key):
            continue  # the scenario's own value wins
        value = item.value
        _put(out, key, value)
        shown = value.isoformat() if isinstance(value, dt.date) else value
        filled[key] = ResolvedInput(key, shown, item.unit, "data", item.source)
    return out, filled
