"""Validate a facts file with the schema of :mod:`simulator.inputs.facts_schema`, in one line.

:func:`validate` runs the pydantic models on a parsed facts file (the built-in
registry or a user's own) and turns the first problem into a
:class:`~simulator.inputs.errors.FactsFileError` naming the file, the entry and
the field: ``FILE: fact.ID.sources[2].published: message``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from simulator.inputs.errors import FactsFileError
from simulator.inputs.fact_types import QUALIFIERS
from simulator.inputs.facts_schema import LIST_MESSAGES, TABLES, Document, EntryError
from simulator.inputs.formula import ID_RE

__all__ = ["validate"]

_NOT_TEXT = ("string_type", "string_too_short", "string_pattern_mismatch", "string_too_long")
_NOT_NUMBER = ("float_type", "float_parsing", "finite_number", "int_type")
_NOT_TABLE = ("model_type", "model_attributes_type", "dict_type")


def _field_text(loc: tuple[int | str, ...]) -> str | None:
    """Write a location as ``sources[2].stated``; ``None`` when empty."""
    text = ""
    for item in loc:
        text += f"[{item}]" if isinstance(item, int) else (f".{item}" if text else str(item))
    return text or None


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model validating the table at ``loc`` of the document."""
    return TABLES.get(tuple(str(item) for item in loc if not isinstance(item, int)))


def _unknown_keys(errors: list[ErrorDetails], parent: tuple[int | str, ...]) -> str:
    """Describe every unknown key of one table, each with its closest known key."""
    model = _model_at(parent)
    known = sorted(model.model_fields) if model else []
    extra = sorted(str(e["loc"][-1]) for e in errors if e["loc"][:-1] == parent)
    hints = {k: difflib.get_close_matches(k, known, n=1) for k in extra}
    return "unknown key(s) " + ", ".join(
        f"{k!r}" + (f" (did you mean {h[0]!r}?)" if h else "") for k, h in hints.items()
    )


def _message(err: ErrorDetails, errors: list[ErrorDetails]) -> str:
    """One line saying what is wrong, from a pydantic error."""
    kind, loc, got = err["type"], tuple(err["loc"]), err.get("input")
    name = str(loc[-1]) if loc else ""
    if name in LIST_MESSAGES and kind in ("missing", "list_type", "too_short"):
        return LIST_MESSAGES[name]
    if kind == "missing":
        return "missing"
    if kind == "extra_forbidden":
        return _unknown_keys([e for e in errors if e["type"] == kind], loc[:-1])
    if kind in _NOT_TABLE:
        return "must be a table"
    if kind in _NOT_TEXT and name in ("id", "supersedes"):
        return f"expected a dotted lowercase id like 'el_salvador.reserve_btc', got {got!r}"
    if kind in _NOT_TEXT and name == "url":
        return f"expected a web address starting http:// or https://, got {got!r}"
    if kind in _NOT_TEXT:
        return f"expected a non-empty string, got {got!r}"
    if kind in _NOT_NUMBER:
        return f"expected a finite number, got {got!r}"
    if kind == "literal_error":
        return f"{got!r} is not one of {', '.join(QUALIFIERS)}"
    error = err.get("ctx", {}).get("error")
    if isinstance(error, ValueError):
        return " ".join(str(error).split())
    return " ".join(err["msg"].split()) + f" (got {got!r})"


def _facts_file_error(exc: ValidationError, data: Mapping[str, Any], origin: str) -> FactsFileError:
    """Turn the first error of a validation into a :class:`FactsFileError`."""
    errors = exc.errors(include_url=False)
    # Problems with the document's own keys first, then the entries in file order.
    err = sorted(errors, key=lambda e: len(e["loc"]) > 1)[0]
    loc = tuple(err["loc"])
    fact_id: str | None = None
    table = "fact"
    if len(loc) >= 2 and loc[0] in ("fact", "derived") and isinstance(loc[1], int):
        entries = data.get(str(loc[0]))
        entry = entries[loc[1]] if isinstance(entries, list) else None
        fid = entry.get("id") if isinstance(entry, Mapping) else None
        if isinstance(fid, str) and ID_RE.match(fid):
            fact_id, table, loc = fid, str(loc[0]), loc[2:]
    error = err.get("ctx", {}).get("error")
    if isinstance(error, EntryError):
        fact_id = error.fact_id or fact_id
        table = error.table or table
        loc = (
            *loc,
            *(int(p) if p.isdigit() else p for p in re.split(r"[.\[\]]+", error.field) if p),
        )
    if err["type"] == "extra_forbidden":
        loc = loc[:-1]
    return FactsFileError(_message(err, errors), origin, fact_id, _field_text(loc), table)


def validate(data: Mapping[str, Any], origin: str, *, user: bool = False) -> Document:
    """Validate a parsed facts file.

    Parameters
    ----------
    data : mapping
        The TOML document, with ``fact`` and optional ``derived`` arrays of tables.
    origin : str
        Name of the file, used in error messages.
    user : bool, optional
        True for a user's facts file: its sources name a headline or title
        instead of a seed article (see :mod:`simulator.inputs.facts_schema`).

    Returns
    -------
    Document
        The validated entries, in file order.

    Raises
    ------
    FactsFileError
        On the first problem found, naming the file, the entry and the field.
    """
    try:
        return Document.model_validate(data, context={"user": user})
    except ValidationError as exc:
        raise _facts_file_error(exc, data, origin) from None
