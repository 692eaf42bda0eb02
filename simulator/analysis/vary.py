"""Parse ``--vary`` options: a dotted key and the values a sweep gives it.

``--vary key=v1,v2,v3`` lists values (each read like a ``--set`` value: TOML
first, else a string); ``--vary key=a:b:n`` asks for ``n`` evenly spaced
values from ``a`` to ``b`` inclusive (see :func:`parse_vary`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.analysis.variants import toml_literal
from simulator.inputs.scenario import ScenarioError, parse_override

__all__ = ["Vary", "parse_vary"]

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_RANGE = re.compile(rf"^\s*({_NUMBER})\s*:\s*({_NUMBER})\s*:\s*(\d+)\s*$")
_INT = re.compile(r"^\s*[-+]?\d+\s*$")


@dataclass(frozen=True)
class Vary:
    """One ``--vary`` option: a dotted key and its values (and how each is written)."""

    key: str
    values: tuple[Any, ...]
    texts: tuple[str, ...]


def _split_top(text: str) -> list[str]:
    """Split on commas outside brackets and quotes (so TOML arrays stay whole)."""
    parts, depth, quote, cur = [], 0, "", ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        cur += ch
    parts.append(cur)
    return [p.strip() for p in parts]


def parse_vary(text: str) -> Vary:
    """Parse ``key=v1,v2,...`` or ``key=a:b:n`` (``n >= 2`` evenly spaced values).

    ``a:b:n`` gives integers when ``a`` and ``b`` are integers and the step is
    whole; otherwise floats, rounded to 12 significant digits (so
    ``0.03:0.12:4`` is exactly 0.03, 0.06, 0.09, 0.12).

    Raises
    ------
    ScenarioError
        For a missing ``=``, an empty value, ``n < 2`` or a repeated value.
    """
    key, sep, spec = text.partition("=")
    key = key.strip()
    if not sep or not key or not spec.strip():
        raise ScenarioError(
            "--vary", text, "expected key=v1,v2,... or key=a:b:n (e.g. pue=1.05:1.3:6)"
        )
    if key == "scenario.name":
        raise ScenarioError("--vary", key, "the name cannot be varied (variants are named by it)")
    match = _RANGE.match(spec)
    values: list[Any]
    if match:
        a_text, b_text, n_text = match.groups()
        n = int(n_text)
        if n < 2:
            raise ScenarioError("--vary", key, f"a:b:n needs n >= 2 (got {n})")
        a, b = float(a_text), float(b_text)
        whole = _INT.match(a_text) and _INT.match(b_text) and (int(b) - int(a)) % (n - 1) == 0
        if whole:
            step = (int(b) - int(a)) // (n - 1)
            values = [int(a) + i * step for i in range(n)]
        else:
            values = [float(f"{x:.12g}") for x in np.linspace(a, b, n)]
        texts = [toml_literal(v) for v in values]
    else:
        texts = _split_top(spec)
        if any(not t for t in texts):
            raise ScenarioError("--vary", key, f"empty value in {spec!r}")
        values = [parse_override(f"{key}={t}")[1] for t in texts]
    for i, v in enumerate(values):
        if any(type(v) is type(w) and v == w for w in values[:i]):
            raise ScenarioError("--vary", key, f"value {texts[i]} is listed twice")
    return Vary(key, tuple(values), tuple(texts))
