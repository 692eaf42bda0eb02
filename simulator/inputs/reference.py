"""The scenario file reference: every table and key of a scenario file, read from the schema.

:func:`scenario_reference` walks the pydantic models of
:mod:`simulator.inputs.schema` and :mod:`simulator.inputs.market_schema` and
describes each key once (:class:`~simulator.inputs.reference_fields.KeyDoc`):
type, unit, default, hard limits, the plausible range and why, meaning, the
references its description cites (``[1]``, resolved from the ``References``
section of the module that defines it), the reasons for defaults that a
model's module gives (the economic network model), and in the market tables
which models read it. ``btcsim schema``, the JSON Schema of a file
(:mod:`simulator.inputs.reference_schema`) and ``docs/scenario-reference.md``
(:mod:`simulator.inputs.reference_doc`) all come from it, so none of them
can disagree with the loader.

Keys are written as ``--set`` addresses them, entities by name:
``mining.NAME.power_mw``; ``[]`` marks the items of a list of tables,
``mining.NAME.ramp[].fraction``.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache

from pydantic import BaseModel

from simulator.inputs.docstrings import ReferenceNumbers, default_reasons, references
from simulator.inputs.errors import MERGE_KEYS, ScenarioError, key_hint
from simulator.inputs.reference_fields import KeyDoc, key_doc, model_summary, sub_model
from simulator.inputs.schema import Scenario

__all__ = [
    "ENTITIES",
    "FILE_KEYS",
    "KeyDoc",
    "Reference",
    "TableDoc",
    "pattern_of",
    "scenario_reference",
]

#: The entity lists: one ``[[reserve]]`` or ``[[mining]]`` table per entity.
ENTITIES = ("reserve", "mining", "benchmark")
#: Keys of a file that reading and merging consume (no schema field): kind and meaning.
FILE_KEYS: dict[str, tuple[str, str]] = {
    "extends": (
        "path or list of paths",
        "scenario files this one builds on, relative to it; tables merge deeply, [[reserve]] "
        "and [[mining]] merge by name, and later files (and this one) win",
    ),
    "facts": (
        "path or list of paths",
        "facts files of your own (relative to this file) whose ids { cite = ... } and "
        "{ derive = ... } may name besides the built-in ones; they add up through extends, "
        "the parents' files first",
    ),
    "start_from": (
        "path",
        "a history file (relative to this file; with --set, to the working folder) to start "
        'from: with start_date = "latest" (its last full day) or a date, the start price, '
        "height, difficulty, epoch days, 7-day hashrate and 30-day fees per block are read "
        "from it, each labelled data; a value written in the scenario wins; default none",
    ),
    "remove": (
        "boolean",
        "only in a file that extends another: true drops the inherited entity of this name; "
        "default false",
    ),
}
_MODULE = re.compile(r":mod:`([\w.]+)`")


@dataclass(frozen=True)
class TableDoc:
    """One table of a scenario file and its keys.

    Attributes
    ----------
    key : str
        Dotted key of the table: ``""`` for the top level, ``chain``,
        ``mining.NAME``, ``mining.NAME.ramp[]``.
    model : type
        The pydantic model that validates it.
    summary : str
        The model's docstring.
    keys : tuple of KeyDoc
        Its keys, in schema order.
    refs : tuple of int
        References behind the reasons for its defaults (see
        :func:`simulator.inputs.docstrings.default_reasons`).
    """

    key: str
    model: type[BaseModel]
    summary: str
    keys: tuple[KeyDoc, ...]
    refs: tuple[int, ...] = ()

    @property
    def title(self) -> str:
        """A heading: ``Top level``, ``[chain]``, ``[[mining]]``, ``[[mining]] ramp``."""
        if not self.key:
            return "Top level"
        if self.key.endswith("[]"):
            parent, _, name = self.key[:-2].rpartition(".")
            return f"{_toml_of(parent)} {name}"
        return _toml_of(self.key)

    @property
    def toml(self) -> str:
        """How the table is written: ``[chain]``, ``[[mining]]``, ``ramp = [{ ... }] in ...``."""
        if not self.key:
            return "(top level)"
        if self.key.endswith("[]"):
            parent, _, name = self.key[:-2].rpartition(".")
            return f"{name} = [{{ ... }}] in {_toml_of(parent)}"
        return _toml_of(self.key)


def _toml_of(key: str) -> str:
    """``[chain]``, ``[market.price]`` or ``[[reserve]]`` for a table key."""
    first, _, rest = key.partition(".")
    return f"[[{first}]]" if first in ENTITIES and rest == "NAME" else f"[{key}]"


@dataclass(frozen=True)
class Reference:
    """Every table and key of a scenario file, with the references they cite.

    Attributes
    ----------
    tables : tuple of TableDoc
        The top level first, then every table depth first.
    references : tuple of str
        The references cited; ``[n]`` in a meaning is ``references[n - 1]``.
    """

    tables: tuple[TableDoc, ...]
    references: tuple[str, ...] = ()

    def keys(self) -> Iterator[KeyDoc]:
        """Every key of every table, in order."""
        for table in self.tables:
            yield from table.keys

    def table(self, key: str) -> TableDoc:
        """The table at ``key`` (``""`` for the top level).

        Raises
        ------
        KeyError
            If there is no such table.
        """
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(key)

    def select(self, dotted: str) -> list[TableDoc]:
        """The tables ``dotted`` names (with the tables under them), or the one key it names.

        Parameters
        ----------
        dotted : str
            A table or key as a user writes it: ``mining``, ``chain.start_height``,
            ``mining.pakistan.ramp.0``, ``mining.NAME.ramp[].fraction``.

        Returns
        -------
        list of TableDoc
            The tables, or one table holding just the key.

        Raises
        ------
        ScenarioError
            ``btcsim schema: KEY: no such table or key``, with the closest key
            or the valid keys at that level.
        """
        wanted = pattern_of(dotted)
        if not wanted:
            return list(self.tables)
        if wanted in ENTITIES:
            wanted += ".NAME"
        under = (wanted + ".", wanted + "[]")  # a list-of-tables key shows its items' table
        found = [t for t in self.tables if t.key == wanted or t.key.startswith(under)]
        if found:
            return found
        for table in self.tables:
            match = tuple(k for k in table.keys if k.key == wanted)
            if match:
                return [replace(table, keys=match)]
        parent, _, last = wanted.rpartition(".")
        here = [k.name for k in self.keys() if k.key.rpartition(".")[0] == parent]
        hint = key_hint(last, here, f"btcsim schema {parent}".strip())
        raise ScenarioError("btcsim schema", dotted, f"no such table or key{hint}")


def pattern_of(dotted: str) -> str:
    """A key as the reference spells it: entities as ``NAME``, list items as ``[]``.

    Parameters
    ----------
    dotted : str
        ``mining.pakistan.ramp.0.fraction`` or ``mining.NAME.ramp[].fraction``.

    Returns
    -------
    str
        ``mining.NAME.ramp[].fraction``.
    """
    parts = [p for p in dotted.strip().split(".") if p]
    if len(parts) > 1 and parts[0] in ENTITIES:
        parts[1] = "NAME"
    out: list[str] = []
    for part in parts:
        if out and (part.isdigit() or part == "[]"):
            out[-1] = out[-1].removesuffix("[]") + "[]"
        else:
            out.append(part)
    return ".".join(out)


def _reasons(model: type[BaseModel]) -> tuple[dict[str, str], list[str]]:
    """Reasons for the defaults of ``model``, and the modules its docstring names that give them."""
    found: dict[str, str] = {}
    modules = []
    for module in _MODULE.findall(model.__doc__ or ""):
        if default_reasons(module):
            found |= default_reasons(module)
            modules.append(module)
    return found, modules


def _walk(key: str, model: type[BaseModel], numbers: ReferenceNumbers, out: list[TableDoc]) -> None:
    """Add the table of ``model`` at ``key`` and, depth first, the tables under it."""
    reasons, modules = _reasons(model)
    keys = [
        key_doc(key, model, name, numbers, reasons.get(name, "")) for name in model.model_fields
    ]
    if not key:
        files = [KeyDoc(k, k, FILE_KEYS[k][0], default="none", meaning=FILE_KEYS[k][1])
                 for k in ("extends", "facts")]  # fmt: skip
        keys = files + keys
    if key == "scenario":
        kind, meaning = FILE_KEYS["start_from"]
        keys.append(KeyDoc("scenario.start_from", "start_from", kind, default="none",
                           meaning=meaning))  # fmt: skip
    if key.partition(".")[0] in ENTITIES and key.count(".") == 1:
        kind, meaning = FILE_KEYS["remove"]
        keys.append(KeyDoc(f"{key}.remove", "remove", kind, default="false", meaning=meaning))
    refs = [numbers.number(m, cited) for m in modules for cited in references(m)]
    summary = model_summary(model)
    out.append(TableDoc(key, model, summary, tuple(keys), tuple(n for n in refs if n)))
    for name, info in model.model_fields.items():
        sub = sub_model(info)
        if sub is None:
            continue
        if not key and name in ENTITIES:
            child = f"{name}.NAME"
        else:
            listed = typing.get_origin(info.annotation) is list
            child = (f"{key}.{name}" if key else name) + ("[]" if listed else "")
        _walk(child, sub, numbers, out)


@cache
def scenario_reference() -> Reference:
    """Every table and key of a scenario file, from the schema.

    Returns
    -------
    Reference
        The top level, then ``scenario``, ``market``, ``market.price`` (and its
        ``shocks``), ``market.network``, ``chain``, ``reserve.NAME`` (with
        ``purchases``, ``sales``, ``sell_rules``) and ``mining.NAME`` (with
        ``refreshes``, ``ramp``). The schema module's own references keep
        their numbers ([1]-[3]); others follow.
    """
    numbers = ReferenceNumbers()
    for cited in references(Scenario.__module__):
        numbers.number(Scenario.__module__, cited)
    tables: list[TableDoc] = []
    _walk("", Scenario, numbers, tables)
    if set(FILE_KEYS) != {k for keys in MERGE_KEYS.values() for k in keys}:
        raise RuntimeError("FILE_KEYS and errors.MERGE_KEYS disagree")  # pragma: no cover
    return Reference(tuple(tables), tuple(numbers.texts))
