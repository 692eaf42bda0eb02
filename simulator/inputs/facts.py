"""Cited-facts registry: figures reported by source articles, with provenance.

The registry lives in ``facts.toml`` next to this module (see DESIGN.md section 2,
"Provenance"). It holds two kinds of entries:

``[[fact]]`` (:class:`Fact`, provenance ``"cited"``)
    A figure stated in one or more source articles. Every statement is kept as a
    :class:`Source` (outlet, headline, date, the figure verbatim and its
    qualifier). The entry names a canonical ``value`` with the rule used to pick
    it, and ``low``/``high`` give the spread of the numbers the sources state.

``[[derived]]`` (:class:`DerivedFact`, provenance ``"derived"``)
    A value computed only from cited (or other derived) facts by an arithmetic
    ``formula`` over fact ids, e.g.
    ``el_salvador.reserve_value_usd / el_salvador.reserve_btc``. The value is
    never typed into the file: it is computed on load from the canonical values
    of its inputs. Its spread is computed by interval arithmetic over the
    inputs' ``low``/``high`` (see :func:`evaluate_interval`).

Qualifiers and spreads
----------------------
Each source figure carries one of :data:`QUALIFIERS`. Its optional numeric
reading ``stated`` enters the spread as follows: ``exact X`` and ``about X``
enter as X (no tolerance is invented for "about"); ``over X`` enters as X and is
a floor (the true value may exceed ``high``); ``up to X`` enters as X and is a
ceiling; ``range A-B`` enters as both A and B. ``low``/``high`` must contain
every stated number and, when every source has one, equal their minimum and
maximum.

Users' facts files
------------------
A user's facts file has the same form and is validated by the same schema
(its sources name a headline or title and a URL instead of a seed article);
:mod:`simulator.inputs.user_facts` reads such files on top of this registry
and :mod:`simulator.inputs.fact_layers` builds the combined registry (the
``supersedes`` rule, derived facts over every file). Their facts carry the
file they come from (``origin``) and their citations name it.

Examples
--------
>>> reg = load_facts()
>>> reg.get("el_salvador.reserve_btc").value
6238.0
>>> round(reg.get("btc_price.implied_usd").value, 2)
119429.3
"""

import functools
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from simulator.inputs.errors import FactsFileError, UnknownFactError
from simulator.inputs.fact_layers import Layer, build_registry
from simulator.inputs.fact_registry import FactRegistry, FactsFile
from simulator.inputs.fact_types import QUALIFIERS, DerivedFact, Fact, Source
from simulator.inputs.formula import evaluate_formula, evaluate_interval, formula_inputs

__all__ = [
    "QUALIFIERS",
    "DerivedFact",
    "Fact",
    "FactRegistry",
    "FactsFile",
    "FactsFileError",
    "Layer",
    "Source",
    "UnknownFactError",
    "build_registry",
    "builtin_layer",
    "evaluate_formula",
    "evaluate_interval",
    "formula_inputs",
    "load_facts",
    "registry_from_dict",
]

DEFAULT_PATH: Path = Path(__file__).with_name("facts.toml")
"""The packaged registry file read by :func:`load_facts` by default."""


def registry_from_dict(data: Mapping[str, Any], origin: str = "<facts>") -> FactRegistry:
    """Validate parsed registry data (the TOML document) and build a registry.

    The shape and the per-entry rules are checked by the pydantic models of
    :mod:`simulator.inputs.facts_schema` (imported on first use, so importing
    this module stays cheap); derived entries are then computed here. The
    data is read as the built-in registry: every source names its seed article.

    Parameters
    ----------
    data : mapping
        A document with ``fact`` and optional ``derived`` arrays of tables.
    origin : str, optional
        Name of the file, used in error messages.

    Returns
    -------
    FactRegistry
        Cited facts plus derived facts computed from them.

    Raises
    ------
    FactsFileError
        If anything is malformed: unknown keys, bad qualifier or date, no
        source, canonical value outside the spread, spread inconsistent with
        the stated numbers, unsafe formula, unknown or non-numeric input,
        circular derivation or duplicate id.
    """
    from simulator.inputs.facts_validation import validate

    return build_registry([Layer(origin, None, validate(data, origin))])


def _load_path(path: Path) -> FactRegistry:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise FactsFileError(f"not valid TOML: {exc}", str(path)) from None
    return registry_from_dict(data, str(path))


@functools.lru_cache(maxsize=1)
def builtin_layer() -> Layer:
    """Return the built-in registry ``facts.toml``, validated (read once per process).

    Returns
    -------
    Layer
        The first layer of every registry that adds users' facts files.

    Raises
    ------
    FactsFileError
        If the packaged file is malformed.
    """
    from simulator.inputs.facts_validation import validate

    try:
        data = tomllib.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise FactsFileError(f"not valid TOML: {exc}", str(DEFAULT_PATH)) from None
    return Layer(str(DEFAULT_PATH), None, validate(data, str(DEFAULT_PATH)))


@functools.lru_cache(maxsize=1)
def _load_default() -> FactRegistry:
    return build_registry([builtin_layer()])


def load_facts(path: str | Path | None = None) -> FactRegistry:
    """Load and validate a facts registry.

    Parameters
    ----------
    path : str or Path or None, optional
        A registry TOML file. ``None`` (default) loads the packaged
        ``facts.toml`` beside this module; that registry is cached.

    Returns
    -------
    FactRegistry
        The validated registry, derived values computed.

    Raises
    ------
    FactsFileError
        If the file is not valid TOML or the registry is malformed.
    OSError
        If the file cannot be read.
    """
    if path is None:
        return _load_default()
    return _load_path(Path(path))
