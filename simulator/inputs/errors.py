"""The errors bad input raises, each printed by the CLI as one line (kept free of heavy imports)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

__all__ = [
    "FactsFileError",
    "HistoryError",
    "InputError",
    "ScenarioError",
    "UnknownFactError",
    "did_you_mean",
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
