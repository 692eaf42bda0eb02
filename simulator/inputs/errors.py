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
    "did_you_mean",
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
    """Raised when a facts registry is malformed.

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

    Attributes
    ----------
    origin, fact_id, field : str or None
        As passed in; the string form names all of them.
    """

    def __init__(
        self,
        message: str,
        origin: str = "<facts>",
        fact_id: str | None = None,
        field: str | None = None,
    ) -> None:
        self.origin = origin
        self.fact_id = fact_id
        self.field = field
        where = origin
        if fact_id is not None:
            where += f": {fact_id!r}"
        if field is not None:
            where += f": field {field!r}"
        super().__init__(f"{where}: {message}")


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
            entities = parts[-1:] in (["reserve"], ["mining"])
            parts.append(str(name) if named and entities else str(item))
            node = entity
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return ".".join(parts)


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
        return key, f"unknown key{did_you_mean(str(loc[-1]), _model_fields(loc, root))}"
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
