"""The sources behind a figure's inputs, for footnotes: outlets, dates and the user's files.

A cited input is named by the outlets and dates of its sources, a derived one
by those of the cited facts its formula uses; a fact from a user's facts file
adds ``from facts file NAME``, and one that supersedes a built-in fact says
what it replaces. The registry is the one the result was resolved with
(``Result.facts``); a row it does not cite the same way (a result loaded from
disk) falls back to the row's own source text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

__all__ = ["cite_input", "facts_registry"]


def facts_registry(given: Any = None) -> Any:
    """The registry a result was resolved with, else the built-in one (None if it cannot load).

    Parameters
    ----------
    given : FactRegistry or None
        ``Result.facts``, if known.

    Returns
    -------
    FactRegistry or None
        ``given``, the built-in registry, or None when that cannot be loaded.
    """
    if given is not None:
        return given
    from simulator.inputs.facts import load_facts

    try:
        return load_facts()
    except Exception:  # noqa: BLE001  (a broken registry must not break a plot)
        return None


def _sources(fact_id: str, registry: Any, depth: int = 0) -> list[tuple[str, dt.date]]:
    """(outlet, published) of a cited fact, or of the facts a derived value uses."""
    try:
        fact = registry.get(fact_id)
    except Exception:  # noqa: BLE001
        return []
    if hasattr(fact, "own_sources"):
        return [(s.outlet, s.published) for s in fact.own_sources()]
    if depth < 3 and hasattr(fact, "inputs"):
        return [s for i in fact.inputs for s in _sources(i, registry, depth + 1)]
    return []


def _fact_for(row: pd.Series, registry: Any) -> Any:
    """The fact behind an input row, if ``registry`` is the one the row was resolved with."""
    fact_id = row.get("fact_id")
    if not isinstance(fact_id, str) or registry is None or fact_id not in registry:
        return None
    fact = registry.get(fact_id)
    # Another registry (a result loaded from disk that used a facts file) cites differently.
    return fact if fact.citation() == str(row.get("source") or "") else None


def cite_input(row: pd.Series, registry: Any, max_outlets: int = 2) -> str:
    """Short sources of one cited or derived input: outlets and dates, and a user's file.

    Parameters
    ----------
    row : pandas.Series
        A row of ``Result.inputs`` (``fact_id``, ``source`` ...).
    registry : FactRegistry or None
        The registry the row was resolved with (see :func:`facts_registry`).
    max_outlets : int, optional
        Outlets spelled out; the rest are counted.

    Returns
    -------
    str
        E.g. ``"Crypto.news 2025-07-17, CryptoSlate 2025-07-16 (+3 more)"``, with
        ``", from facts file NAME"`` for a user's fact; the row's own source
        text (cut to 90 characters) when the registry does not hold the fact.
    """
    fact = _fact_for(row, registry)
    found = _sources(fact.id, registry) if fact is not None else []
    if not found:
        source = str(row.get("source") or "").strip()
        return source[:90] + ("..." if len(source) > 90 else "")
    unique = list(dict.fromkeys(found))
    unique.sort(key=lambda s: s[0].startswith("unattributed"))  # named outlets first
    shown = ", ".join(f"{o} {d.isoformat()}" for o, d in unique[:max_outlets])
    more = len(unique) - max_outlets
    text = shown + (f" (+{more} more)" if more > 0 else "")
    return text + _file_note(fact)


def _file_note(fact: Any) -> str:
    """``, from facts file NAME`` for a fact of a user's file (or a formula over one)."""
    from simulator.inputs.fact_types import file_label, value_label

    origin = getattr(fact, "origin", None)
    files = [origin] if origin is not None else list(getattr(fact, "input_files", ()))
    note = ", from " + ", ".join(file_label(f) for f in files) if files else ""
    old = getattr(fact, "supersedes", None)
    if old is not None:
        note += f"; supersedes {value_label(old.value)} of the {file_label(old.origin)}"
    return note
