"""Pydantic schema of a facts file: the built-in ``facts.toml`` and the user's own facts files.

The models here check the shape of a facts file (types, required fields,
unknown keys, qualifiers, dates, URLs) and its cross-field rules (a fact's
spread against its canonical value and its sources' stated numbers, formulas
that parse safely, ``supersedes`` with its reason). One rule depends on which
kind of file it is, passed as the validation context ``{"user": True}``: a
source of the built-in registry names its seed article (``seed``), a source
of a user's file names its headline or title (a ``url`` where there is one).
Rules that need every file at once (unknown formula inputs, cycles, ids
already taken, what a fact supersedes) are checked by
:mod:`simulator.inputs.facts` and :mod:`simulator.inputs.user_facts`;
:mod:`simulator.inputs.facts_validation` turns a validation error into one line.
"""

from __future__ import annotations

import datetime
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
    ValidationInfo,
    model_validator,
)

from simulator.inputs.fact_types import QUALIFIERS
from simulator.inputs.formula import ID_RE, formula_inputs

__all__ = [
    "LIST_MESSAGES",
    "TABLES",
    "DerivedEntry",
    "Document",
    "EntryError",
    "FactEntry",
    "SourceEntry",
    "is_user_file",
]

_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
#: Keys of a ``[[derived]]`` entry that are computed on load, never written.
COMPUTED_KEYS = ("value", "low", "high", "inputs")
#: Message for a list field that is missing, empty or not a list, by field name.
LIST_MESSAGES = {
    "sources": "every fact needs at least one source ([[fact.sources]])",
    "fact": "expected an array of tables ([[fact]])",
    "derived": "expected an array of tables ([[derived]])",
}
#: A web address of a source: http(s), no spaces.
_URL_RE = r"^https?://[^\s/$.?#][^\s]*$"


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
    table : str or None, optional
        The table of that entry (``"fact"`` or ``"derived"``).
    """

    def __init__(
        self, field: str, message: str, fact_id: str | None = None, table: str | None = None
    ) -> None:
        super().__init__(message)
        self.field, self.message, self.fact_id, self.table = field, message, fact_id, table


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


def is_user_file(info: ValidationInfo) -> bool:
    """Whether the file being validated is a user's facts file (not the built-in registry).

    Parameters
    ----------
    info : pydantic.ValidationInfo
        The validation's info; its context is ``{"user": True}`` for a user's file.

    Returns
    -------
    bool
        True for a user's facts file.
    """
    context = info.context
    return isinstance(context, Mapping) and bool(context.get("user"))


Date = Annotated[datetime.date, BeforeValidator(_date)]
Text = Annotated[str, Field(pattern=r"\S")]
Url = Annotated[str, Field(pattern=_URL_RE, max_length=2000)]
FactId = Annotated[str, Field(pattern=ID_RE.pattern)]
Qualifier = Literal["exact", "about", "over", "up to", "range"]
if get_args(Qualifier) != QUALIFIERS:  # pragma: no cover - a typo in one of the two lists
    raise RuntimeError("facts_schema.Qualifier differs from fact_types.QUALIFIERS")


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


class SourceEntry(_Table):
    """A ``[[fact.sources]]`` table: one statement of the figure by one article or report.

    A source of the built-in registry names its seed article (``seed``); a
    source of a user's facts file names its ``headline`` (an article) or
    ``title`` (a report, a web page), and its ``url`` where there is one.
    """

    outlet: Text
    published: Date
    figure: Text
    qualifier: Qualifier
    seed: Text | None = None
    headline: Text | None = None
    title: Text | None = None
    url: Url | None = None
    via: Text | None = None
    date_note: Text | None = None
    note: Text | None = None
    stated: Annotated[tuple[float, float] | None, BeforeValidator(_stated)] = None

    @model_validator(mode="after")
    def _names_the_source(self, info: ValidationInfo) -> SourceEntry:
        if self.headline is not None and self.title is not None:
            message = "give a headline (an article) or a title (a report), not both"
            raise EntryError("title", message)
        if is_user_file(info):
            if self.headline is None and self.title is None:
                raise EntryError(
                    "headline", "name the source: its headline (an article) or title (a report)"
                )
        elif self.seed is None:
            raise EntryError("seed", "a source of the built-in registry names its seed article")
        return self

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
    supersedes: FactId | None = None
    supersedes_reason: Text | None = None

    @model_validator(mode="after")
    def _supersedes_rules(self) -> FactEntry:
        if self.supersedes is not None and self.supersedes != self.id:
            raise EntryError(
                "supersedes",
                f"names the fact this one replaces, which keeps its id: write "
                f"id = {self.supersedes!r} (or supersedes = {self.id!r})",
            )
        if (self.supersedes is None) != (self.supersedes_reason is None):
            missing = "supersedes_reason" if self.supersedes_reason is None else "supersedes"
            raise EntryError(
                missing,
                "give supersedes (the id replaced) and supersedes_reason (why: a later figure "
                "for the same quantity) together",
            )
        return self

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
            if "supersedes" in data:
                raise EntryError(
                    "supersedes",
                    "only a cited fact supersedes another: a derived fact follows its inputs, "
                    "so supersede the cited fact it is computed from",
                )
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
                table = "fact" if isinstance(entry, FactEntry) else "derived"
                message = "duplicate id: another entry of this file has it"
                raise EntryError("id", message, entry.id, table)
            seen.add(entry.id)
        return self


#: The model of each table of the document, by its key path (array indices left out).
TABLES: dict[tuple[str, ...], type[BaseModel]] = {
    (): Document,
    ("fact",): FactEntry,
    ("derived",): DerivedEntry,
    ("fact", "sources"): SourceEntry,
}
