"""Pydantic schema of the facts registry file, with its errors turned into one-line messages.

The models here check the shape of ``facts.toml`` (types, required fields,
unknown keys, qualifiers, dates) and its cross-field rules (a fact's spread
against its canonical value and its sources' stated numbers, formulas that
parse safely). Resolving derived facts, which needs the whole registry, is
left to :func:`simulator.inputs.facts.registry_from_dict`.
"""

from __future__ import annotations

import datetime
import difflib
import math
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails

from simulator.inputs.errors import FactsFileError
from simulator.inputs.fact_types import QUALIFIERS
from simulator.inputs.formula import ID_RE, formula_inputs

__all__ = ["DerivedEntry", "Document", "EntryError", "FactEntry", "SourceEntry", "validate"]

_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
#: Keys of a ``[[derived]]`` entry that are computed on load, never written.
COMPUTED_KEYS = ("value", "low", "high", "inputs")
#: Message for a list field that is missing, empty or not a list, by field name.
_LIST_MESSAGES = {
    "sources": "every fact needs at least one source ([[fact.sources]])",
    "fact": "expected an array of tables ([[fact]])",
    "derived": "expected an array of tables ([[derived]])",
}
_NOT_TEXT = ("string_type", "string_too_short", "string_pattern_mismatch")
_NOT_NUMBER = ("float_type", "float_parsing", "finite_number", "int_type")
_NOT_TABLE = ("model_type", "model_attributes_type", "dict_type")


class EntryError(ValueError):
    """A rule broken by one entry, naming the field at fault.

    Parameters
    ----------
    field : str
        The field at fault, relative to the table whose validator raises.
    message : str
        What is wrong.
    fact_id : str or None, optional
        The entry at fault, when the rule spans entries (duplicate ids).
    """

    def __init__(self, field: str, message: str, fact_id: str | None = None) -> None:
        super().__init__(message)
        self.field, self.message, self.fact_id = field, message, fact_id


def _date(value: object) -> datetime.date:
    """Accept a TOML date or an ISO ``YYYY-MM-DD`` string; reject date-times."""
    if isinstance(value, datetime.datetime):
        raise ValueError(f"expected a date like 2025-07-17, got a date-time {value}")
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"expected a date like 2025-07-17, got {value!r}")


def _fact_value(value: object) -> float | str | bool:
    """Read a canonical value: a boolean, a finite number (as float) or a non-empty string."""
    if isinstance(value, bool) or (isinstance(value, str) and value.strip()):
        return value
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {value!r}")
        return float(value)
    raise ValueError(f"expected a number, string or boolean, got {value!r}")


def _stated(value: object) -> object:
    """Read ``stated = X`` as ``(X, X)`` and ``stated = [A, B]`` as ``(A, B)``."""
    if isinstance(value, list):
        if len(value) != 2:
            raise ValueError(f"expected a number or [min, max], got {value!r}")
        return tuple(value)
    return (value, value)


def _safe_formula(formula: str) -> str:
    """Check that a formula parses safely and uses at least one fact id."""
    if not formula_inputs(formula):
        raise ValueError("a derived fact must use at least one fact id")
    return formula


Date = Annotated[datetime.date, BeforeValidator(_date)]
Text = Annotated[str, Field(pattern=r"\S")]
FactId = Annotated[str, Field(pattern=ID_RE.pattern)]
Qualifier = Literal["exact", "about", "over", "up to", "range"]
if get_args(Qualifier) != QUALIFIERS:  # pragma: no cover - a typo in one of the two lists
    raise RuntimeError("facts_schema.Qualifier differs from fact_types.QUALIFIERS")


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


class SourceEntry(_Table):
    """A ``[[fact.sources]]`` table: one statement of the figure by one article."""

    outlet: Text
    published: Date
    figure: Text
    qualifier: Qualifier
    seed: Text
    headline: Text | None = None
    via: Text | None = None
    date_note: Text | None = None
    note: Text | None = None
    stated: Annotated[tuple[float, float] | None, BeforeValidator(_stated)] = None

    @model_validator(mode="after")
    def _stated_matches_qualifier(self) -> SourceEntry:
        if self.stated is not None:
            lo, hi = self.stated
            if lo > hi:
                raise EntryError("stated", f"min {lo:g} exceeds max {hi:g}")
            if (lo != hi) != (self.qualifier == "range"):
                raise EntryError("stated", "a [min, max] pair goes with qualifier 'range' only")
        return self


class FactEntry(_Table):
    """A ``[[fact]]`` table: a cited figure, its sources, canonical value and spread."""

    id: FactId
    value: Annotated[bool | float | str, BeforeValidator(_fact_value)]
    unit: Text
    as_of: Date
    claim: Text
    canonical_rule: Text
    low: float | None = None
    high: float | None = None
    sources: list[SourceEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _spread_rules(self) -> FactEntry:
        value, low, high = self.value, self.low, self.high
        _check_value_form(value, self.unit, self.sources)
        if (low is None) != (high is None):
            raise EntryError(
                "low" if high is None else "high", "give both low and high, or neither"
            )
        if low is None or high is None:
            return self
        _check_spread(value, low, high)
        _check_stated_spread(self.sources, low, high)
        return self


def _check_value_form(value: bool | float | str, unit: str, sources: list[SourceEntry]) -> None:
    """Check a canonical value against its unit, and that only numeric facts state numbers.

    Parameters
    ----------
    value : bool or float or str
        The fact's canonical value.
    unit : str
        The fact's unit; ``month`` values must be written ``YYYY-MM``.
    sources : list of SourceEntry
        The fact's sources.

    Raises
    ------
    EntryError
        On the first rule broken.
    """
    if unit == "month" and not (isinstance(value, str) and _MONTH_RE.match(value)):
        raise EntryError("value", f"a month is written 'YYYY-MM', got {value!r}")
    if not isinstance(value, float):
        for i, src in enumerate(sources):
            if src.stated is not None:
                raise EntryError(f"sources[{i}].stated", "only numeric facts take a stated number")


def _check_spread(value: bool | float | str, low: float, high: float) -> None:
    """Check that a spread is ordered and holds the (numeric) canonical value.

    Parameters
    ----------
    value : bool or float or str
        The fact's canonical value.
    low, high : float
        The fact's spread.

    Raises
    ------
    EntryError
        On the first rule broken.
    """
    if not isinstance(value, float):
        raise EntryError("low", "only numeric facts have a spread")
    if low > high:
        raise EntryError("low", f"low {low:g} exceeds high {high:g}")
    if not low <= value <= high:
        raise EntryError("value", f"canonical value {value:g} lies outside [{low:g}, {high:g}]")


def _check_stated_spread(sources: list[SourceEntry], low: float, high: float) -> None:
    """Check the sources' stated numbers against a fact's spread.

    Every stated number must lie within the spread, and when every source
    states a number the spread must be exactly their envelope.

    Parameters
    ----------
    sources : list of SourceEntry
        The fact's sources.
    low, high : float
        The fact's spread.

    Raises
    ------
    EntryError
        On the first rule broken.
    """
    stated = [s.stated for s in sources if s.stated is not None]
    for i, src in enumerate(sources):
        if src.stated is not None and not (low <= src.stated[0] and src.stated[1] <= high):
            raise EntryError(
                f"sources[{i}].stated",
                f"{src.figure!r} lies outside the spread [{low:g}, {high:g}]",
            )
    if stated and len(stated) == len(sources):
        lo, hi = min(s[0] for s in stated), max(s[1] for s in stated)
        if (lo, hi) != (low, high):
            raise EntryError(
                "low",
                f"spread [{low:g}, {high:g}] should be [{lo:g}, {hi:g}], as the sources state",
            )


class DerivedEntry(_Table):
    """A ``[[derived]]`` table: a formula over fact ids; its value is computed on load."""

    id: FactId
    formula: Annotated[Text, AfterValidator(_safe_formula)]
    unit: Text
    claim: Text
    bound: Text | None = None
    as_of: Date | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_computed_keys(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            for key in COMPUTED_KEYS:
                if key in data:
                    raise EntryError(key, "computed on load from the formula; remove it")
        return data


class Document(_Table):
    """The whole registry file: ``[[fact]]`` and ``[[derived]]`` arrays of tables."""

    fact: list[FactEntry] = Field(default_factory=list)
    derived: list[DerivedEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> Document:
        seen: set[str] = set()
        entries: list[FactEntry | DerivedEntry] = [*self.fact, *self.derived]
        for entry in entries:
            if entry.id in seen:
                raise EntryError("id", "duplicate id", entry.id)
            seen.add(entry.id)
        return self


# --------------------------------------------------------------------- errors


def _field_text(loc: tuple[int | str, ...]) -> str | None:
    """Write a location as ``sources[2].stated``; ``None`` when empty."""
    text = ""
    for item in loc:
        text += f"[{item}]" if isinstance(item, int) else (f".{item}" if text else str(item))
    return text or None


def _unknown_keys(errors: list[ErrorDetails], parent: tuple[int | str, ...]) -> str:
    """Describe every unknown key of one table, each with its closest known key."""
    model = _model_at(parent)
    known = sorted(model.model_fields) if model else []
    extra = sorted(str(e["loc"][-1]) for e in errors if e["loc"][:-1] == parent)
    hints = {k: difflib.get_close_matches(k, known, n=1) for k in extra}
    return "unknown key(s) " + ", ".join(
        f"{k!r}" + (f" (did you mean {h[0]!r}?)" if h else "") for k, h in hints.items()
    )


#: The model of each table of the document, by its key path (array indices left out).
_TABLES: dict[tuple[str, ...], type[BaseModel]] = {
    (): Document,
    ("fact",): FactEntry,
    ("derived",): DerivedEntry,
    ("fact", "sources"): SourceEntry,
}


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model validating the table at ``loc`` of the document."""
    return _TABLES.get(tuple(str(item) for item in loc if not isinstance(item, int)))


def _message(err: ErrorDetails, errors: list[ErrorDetails]) -> str:
    """One line saying what is wrong, from a pydantic error."""
    kind, loc, got = err["type"], tuple(err["loc"]), err.get("input")
    name = str(loc[-1]) if loc else ""
    if name in _LIST_MESSAGES and kind in ("missing", "list_type", "too_short"):
        return _LIST_MESSAGES[name]
    if kind == "missing":
        return "missing"
    if kind == "extra_forbidden":
        return _unknown_keys([e for e in errors if e["type"] == kind], loc[:-1])
    if kind in _NOT_TABLE:
        return "must be a table"
    if kind in _NOT_TEXT and name == "id":
        return f"expected a dotted lowercase id like 'el_salvador.reserve_btc', got {got!r}"
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
    if len(loc) >= 2 and loc[0] in ("fact", "derived") and isinstance(loc[1], int):
        entries = data.get(str(loc[0]))
        entry = entries[loc[1]] if isinstance(entries, list) else None
        fid = entry.get("id") if isinstance(entry, Mapping) else None
        if isinstance(fid, str) and ID_RE.match(fid):
            fact_id, loc = fid, loc[2:]
    error = err.get("ctx", {}).get("error")
    if isinstance(error, EntryError):
        fact_id = error.fact_id or fact_id
        loc = (
            *loc,
            *(int(p) if p.isdigit() else p for p in re.split(r"[.\[\]]+", error.field) if p),
        )
    if err["type"] == "extra_forbidden":
        loc = loc[:-1]
    return FactsFileError(_message(err, errors), origin, fact_id, _field_text(loc))


def validate(data: Mapping[str, Any], origin: str) -> Document:
    """Validate a parsed registry document.

    Parameters
    ----------
    data : mapping
        The TOML document, with ``fact`` and optional ``derived`` arrays of tables.
    origin : str
        Name of the file, used in error messages.

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
        return Document.model_validate(data)
    except ValidationError as exc:
        raise _facts_file_error(exc, data, origin) from None
