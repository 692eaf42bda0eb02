"""The errors bad input raises, each printed by the CLI as one line (kept free of heavy imports).

:func:`validation_error` turns a pydantic validation failure into one
:class:`ScenarioError` listing every problem; pydantic is imported only then.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

__all__ = [
    "FactsFileError",
    "HistoryError",
    "InputError",
    "ScenarioError",
    "UnknownFactError",
    "KEYS_SHOWN",
    "MAX_KEYS_LISTED",
    "MERGE_KEYS",
    "did_you_mean",
    "key_hint",
    "shorten",
    "validation_error",
]


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """Return `` (did you mean 'X'?)`` for the option closest to ``word``, or ``""``.

    Parameters
    ----------
    word : str
        A possibly misspelt key or name.
    options : iterable of str
        The known keys or names.

    Returns
    -------
    str
        The hint, with a leading space, or an empty string if nothing is close.
    """
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


#: Most valid keys :func:`key_hint` lists in full; of a longer list it shows the first
#: :data:`KEYS_SHOWN` and counts the others.
MAX_KEYS_LISTED = 12
KEYS_SHOWN = 10


def key_hint(word: str, options: Sequence[str], more: str = "") -> str:
    """Return a hint for an unknown key: the closest valid key, else the valid keys.

    Parameters
    ----------
    word : str
        The unknown key.
    options : sequence of str
        The valid keys at that level, in the order to list them.
    more : str, optional
        Where to see them all when the list is shortened (``"btcsim schema chain"``).

    Returns
    -------
    str
        `` (did you mean 'X'?)``, or `` (valid keys: a, b, ...)``: all of them
        up to :data:`MAX_KEYS_LISTED`, else the first :data:`KEYS_SHOWN` and a
        count of the others; ``""`` when there are no options.
    """
    close = did_you_mean(word, options)
    if close or not options:
        return close
    if len(options) <= MAX_KEYS_LISTED:
        return f" (valid keys: {', '.join(options)})"
    shown = ", ".join(options[:KEYS_SHOWN])
    rest = f" and {len(options) - KEYS_SHOWN} more" + (f": {more}" if more else "")
    return f" (valid keys: {shown}{rest})"


def shorten(value: object, limit: int = 60) -> str:
    """Return ``repr(value)`` cut to ``limit`` characters, for a one-line message.

    Parameters
    ----------
    value : object
        The offending input (it may be a long string or a large table).
    limit : int, optional
        Longest result [characters].

    Returns
    -------
    str
        The repr, or its first ``limit - 3`` characters and ``...``.
    """
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class InputError(Exception):
    """Base of every error that bad user input raises; ``str(exc)`` is the one-line message."""


class ScenarioError(InputError, ValueError):
    """A problem in a scenario file, reported as ``FILE: key.path: message``."""

    def __init__(self, file: str, key: str, message: str) -> None:
        self.file, self.key, self.message = file, key, message
        super().__init__(f"{file}: {key}: {message}" if key else f"{file}: {message}")


class HistoryError(InputError, ValueError):
    """A problem with a history file, reported as ``FILE: message``."""

    def __init__(self, file: str, message: str) -> None:
        self.file, self.message = file, message
        super().__init__(f"{file}: {message}")


class UnknownFactError(InputError, KeyError):
    """Raised when a fact id is not in the registry.

    Parameters
    ----------
    fact_id : str
        The id that was looked up.
    suggestions : sequence of str, optional
        Known ids that resemble ``fact_id`` (best first).

    Attributes
    ----------
    fact_id : str
        The id that was looked up.
    suggestions : tuple of str
        Known ids that resemble ``fact_id`` (best first); may be empty.
    """

    def __init__(self, fact_id: str, suggestions: Sequence[str] = ()) -> None:
        super().__init__(fact_id)
        self.fact_id = fact_id
        self.suggestions = tuple(suggestions)

    def __str__(self) -> str:
        msg = f"unknown fact id {self.fact_id!r}"
        if self.suggestions:
            return msg + "; did you mean " + ", ".join(repr(s) for s in self.suggestions) + "?"
        return msg + " (no similar id in the registry)"


class FactsFileError(InputError, ValueError):
    """Raised when a facts file (the built-in registry or one of the user's) is malformed.

    The message reads ``FILE: TABLE.ID.FIELD: message``, the key named the
    way the file's own tables are: ``fact.el_salvador.reserve_btc.sources[2].published``
    for a ``[[fact]]`` entry, ``derived.ID.formula`` for a ``[[derived]]`` one.

    Parameters
    ----------
    message : str
        What is wrong.
    origin : str, optional
        The file (or other origin) of the registry.
    fact_id : str or None, optional
        The entry at fault, if known.
    field : str or None, optional
        The field at fault, if known (e.g. ``"sources[2].qualifier"``).
    table : str, optional
        The table holding the entry: ``"fact"`` (default) or ``"derived"``.

    Attributes
    ----------
    origin, fact_id, field, table : str or None
        As passed in.
    key : str
        The dotted key the message names (empty when the whole file is at fault).
    message : str
        What is wrong, without the file and key.
    """

    def __init__(
        self,
        message: str,
        origin: str = "<facts>",
        fact_id: str | None = None,
        field: str | None = None,
        table: str = "fact",
    ) -> None:
        self.origin, self.fact_id, self.field, self.table = origin, fact_id, field, table
        self.message = message
        key = f"{table}.{fact_id}" if fact_id is not None else ""
        if field:
            key += field if not key or field.startswith("[") else f".{field}"
        self.key = key
        super().__init__(f"{origin}: {key}: {message}" if key else f"{origin}: {message}")


# ------------------------------------------------------- pydantic errors
def _pretty_loc(loc: tuple[Any, ...], raw: Mapping[str, Any]) -> str:
    """Dotted key of a pydantic error location, entities named by ``name``."""
    parts: list[str] = []
    node: Any = raw
    for item in loc:
        if isinstance(item, int) and isinstance(node, list):
            entity = node[item] if item < len(node) else None
            name = entity.get("name") if isinstance(entity, dict) else None
            named = isinstance(name, str) and len(name) <= 40  # longer: not a valid name
            entities = parts[-1:] in (["reserve"], ["mining"], ["benchmark"])
            parts.append(str(name) if named and entities else str(item))
            node = entity
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return ".".join(parts)


#: Keys of a scenario file that reading and merging consume before validation, so the
#: schema has no field for them, by the table they sit in (``*``: any entity).
MERGE_KEYS: dict[str, tuple[str, ...]] = {
    "": ("extends", "facts"),
    "scenario": ("start_from",),
    "reserve.*": ("remove",),
    "mining.*": ("remove",),
    "benchmark.*": ("remove",),
}


def _table_of(loc: tuple[Any, ...]) -> str:
    """The :data:`MERGE_KEYS` pattern of the table holding the key at ``loc``."""
    return ".".join("*" if isinstance(item, int) else str(item) for item in loc[:-1])


def _model_fields(loc: tuple[Any, ...], root: type[BaseModel]) -> list[str]:
    """Field names of the model holding the key at ``loc`` (for "did you mean")."""
    from pydantic import BaseModel  # only on errors: keep this module light to import

    model = root
    for item in loc[:-1]:
        if isinstance(item, int):
            continue
        info = model.model_fields.get(str(item))
        if info is None:
            return []
        ann = info.annotation
        args = getattr(ann, "__args__", ()) or (ann,)
        nxt = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if nxt is None:
            return []
        model = nxt
    return list(model.model_fields)


def _unknown_key(loc: tuple[Any, ...], key: str, root: type[BaseModel]) -> str:
    """The message for an unknown key: the closest valid key, else the valid keys there."""
    word = str(loc[-1])
    merge = MERGE_KEYS.get(_table_of(loc), ())
    if word in merge:  # ``remove`` in a file that extends nothing: nothing to remove
        return "only in a file that extends another: it drops an entity inherited from there"
    table = key.rpartition(".")[0]
    more = f"btcsim schema {table}" if table else "btcsim schema"
    return "unknown key" + key_hint(word, [*_model_fields(loc, root), *merge], more)


#: Most problems listed in one message; the rest are counted.
_MAX_LISTED = 5


def _problem(
    err: Mapping[str, Any],
    raw: Mapping[str, Any],
    root: type[BaseModel],
    shows_value: frozenset[str],
) -> tuple[str, str]:
    """The dotted key and message of one pydantic error."""
    loc = tuple(err["loc"])
    key = _pretty_loc(loc, raw) or "(top level)"
    got = err.get("input")
    kind = err["type"]
    if kind == "extra_forbidden":
        return key, _unknown_key(loc, key, root)
    if kind == "missing":
        return key, "missing required key"
    msg = err["msg"].removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        msg = (
            "use letters, digits, _ and - (it names the results folder, so no / or .)"
            if key == "scenario.name"
            else "use lowercase letters, digits and _, starting with a letter"
        )
    if isinstance(got, dict | list) or got is None or kind in shows_value:
        return key, msg
    shown = got.isoformat() if isinstance(got, dt.date) else shorten(got)
    return key, f"{msg} (got {shown})"


def validation_error(
    exc: ValidationError,
    file: str,
    raw: Mapping[str, Any],
    root: type[BaseModel],
    shows_value: Iterable[str] = (),
) -> ScenarioError:
    """One error for every problem pydantic found: the first by key, the others listed after.

    Parameters
    ----------
    exc : pydantic.ValidationError
        The failed validation.
    file : str
        Scenario file, for errors.
    raw : Mapping
        The data that was validated (to name entities in keys).
    root : type
        The pydantic model it was validated with (to suggest known keys).
    shows_value : iterable of str, optional
        Error types whose message already shows the value: no ``(got ...)``.

    Returns
    -------
    ScenarioError
        ``FILE: KEY: message; also KEY2: message2; ...`` on one line.
    """
    problems: list[tuple[str, str]] = []
    for err in exc.errors(include_url=False):
        problem = _problem(err, raw, root, frozenset(shows_value))
        if problem[0] not in (p[0] for p in problems):  # union branches repeat a key
            problems.append(problem)
    (key, msg), rest = problems[0], problems[1:]
    if rest:
        more = [f"{k}: {m}" for k, m in rest[:_MAX_LISTED]]
        if len(rest) > _MAX_LISTED:
            more.append(f"and {len(rest) - _MAX_LISTED} more")
        msg += "; also " + "; ".join(more)
    return ScenarioError(file, key, msg)
