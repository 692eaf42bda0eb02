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

Examples
--------
>>> reg = load_facts()
>>> reg.get("el_salvador.reserve_btc").value
6238.0
>>> round(reg.get("btc_price.implied_usd").value, 2)
119429.3
"""

import ast
import datetime
import difflib
import functools
import math
import operator
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from simulator.inputs.errors import FactsFileError, UnknownFactError

__all__ = [
    "QUALIFIERS",
    "DerivedFact",
    "Fact",
    "FactRegistry",
    "FactsFileError",
    "Source",
    "UnknownFactError",
    "evaluate_formula",
    "evaluate_interval",
    "formula_inputs",
    "load_facts",
    "registry_from_dict",
]

QUALIFIERS: tuple[str, ...] = ("exact", "about", "over", "up to", "range")
"""Allowed qualifiers of a source figure, i.e. how the source hedges it."""

DEFAULT_PATH: Path = Path(__file__).with_name("facts.toml")
"""The packaged registry file read by :func:`load_facts` by default."""

_ID_RE = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*$")
_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_MAX_FORMULA_LENGTH = 500

Interval = tuple[float, float]


# --------------------------------------------------------------------- errors


# ------------------------------------------------------------------ data model


@dataclass(frozen=True)
class Source:
    """One statement of a figure by one source article.

    Parameters
    ----------
    outlet : str
        Publishing outlet, or ``"unattributed (seed NNN)"`` when the copy names none.
    published : datetime.date
        Publication date (see ``date_note`` when it is inferred).
    figure : str
        The figure exactly as the source writes it, e.g. ``"over 6,240"``.
    qualifier : str
        How the figure is hedged; one of :data:`QUALIFIERS`.
    seed : str
        File name of the seed article, for tracing.
    headline : str or None, optional
        The article headline, where the copy has one.
    via : str or None, optional
        Whom the source credits for the figure, if anyone.
    date_note : str or None, optional
        Why ``published`` is inferred rather than read from the copy.
    note : str or None, optional
        Our own (paraphrased) remark on the context of the statement.
    stated : tuple of float or None, optional
        Numeric reading of the figure as ``(min, max)``; equal ends except for
        a ``"range"`` figure. ``None`` for non-numeric facts.
    """

    outlet: str
    published: datetime.date
    figure: str
    qualifier: str
    seed: str
    headline: str | None = None
    via: str | None = None
    date_note: str | None = None
    note: str | None = None
    stated: Interval | None = None

    def cite(self) -> str:
        """Return a short citation: outlet, headline (if any) and date.

        Returns
        -------
        str
            E.g. ``"CryptoSlate, 'El Salvador, Pakistan ...', 2025-07-16"``.
        """
        text = self.outlet
        if self.via:
            text += f" via {self.via}"
        if self.headline:
            text += f", '{self.headline}'"
        return f"{text}, {self.published.isoformat()}"


def _spread(low: float | None, high: float | None) -> Interval | None:
    if low is None or high is None:
        return None
    return (low, high)


@dataclass(frozen=True)
class Fact:
    """A cited fact: a figure stated by one or more sources.

    Parameters
    ----------
    id : str
        Dotted registry id, e.g. ``"el_salvador.reserve_btc"``.
    value : float or str or bool
        Canonical value (numbers are floats; months are ``"YYYY-MM"`` strings).
    unit : str
        Unit of ``value`` (``"BTC"``, ``"USD"``, ``"month"``, ``"boolean"`` ...).
    as_of : datetime.date
        Date the figure refers to / was reported.
    claim : str
        One-line paraphrase of what the figure says.
    sources : tuple of Source
        Every statement of the figure, in registry order.
    canonical_rule : str
        Why ``value`` was chosen among disagreeing sources.
    low, high : float or None
        Spread of the numbers stated by the sources (numeric facts only).

    Attributes
    ----------
    provenance : str
        Always ``"cited"``.
    """

    id: str
    value: float | str | bool
    unit: str
    as_of: datetime.date
    claim: str
    sources: tuple[Source, ...]
    canonical_rule: str
    low: float | None = None
    high: float | None = None

    provenance: ClassVar[str] = "cited"

    @property
    def spread(self) -> Interval | None:
        """Return ``(low, high)``, or ``None`` when the fact has no spread."""
        return _spread(self.low, self.high)

    @property
    def is_numeric(self) -> bool:
        """Return whether the canonical value is a number (not a bool or string)."""
        return isinstance(self.value, float)

    def citation(self, limit: int = 2) -> str:
        """Return a short citation of the sources stating this fact.

        Sources from the same seed article are cited once.

        Parameters
        ----------
        limit : int, optional
            How many sources to spell out; the rest are counted.

        Returns
        -------
        str
            E.g. ``"Crypto.news, '...', 2025-07-17; CryptoSlate, '...', 2025-07-16
            (+4 more)"``.
        """
        cites: list[str] = []
        seen: set[str] = set()
        for src in self.sources:
            if src.seed in seen:
                continue
            seen.add(src.seed)
            cites.append(src.cite())
        shown = "; ".join(cites[: max(limit, 1)])
        rest = len(cites) - max(limit, 1)
        return shown + (f" (+{rest} more)" if rest > 0 else "")


@dataclass(frozen=True)
class DerivedFact:
    """A value computed from cited facts by a recorded formula.

    Parameters
    ----------
    id : str
        Dotted registry id, e.g. ``"btc_price.implied_usd"``.
    value : float
        The formula evaluated at the canonical values of its inputs.
    unit : str
        Unit of ``value``.
    as_of : datetime.date
        Latest ``as_of`` among the inputs, unless the registry gives one.
    claim : str
        One-line paraphrase of what the value means.
    formula : str
        Arithmetic expression over fact ids (``+ - * /``, parentheses, unary minus).
    inputs : tuple of str
        The fact ids the formula uses, in order of first appearance.
    low, high : float or None
        Interval-arithmetic spread over the inputs' spreads; ``None`` when an
        input has no spread or a divisor's spread contains zero.
    bound : str or None
        Note on how the value bounds the truth (e.g. an upper bound).

    Attributes
    ----------
    provenance : str
        Always ``"derived"``.
    """

    id: str
    value: float
    unit: str
    as_of: datetime.date
    claim: str
    formula: str
    inputs: tuple[str, ...]
    low: float | None = None
    high: float | None = None
    bound: str | None = None

    provenance: ClassVar[str] = "derived"

    @property
    def spread(self) -> Interval | None:
        """Return ``(low, high)``, or ``None`` when the spread is unknown."""
        return _spread(self.low, self.high)

    @property
    def is_numeric(self) -> bool:
        """Return ``True``: derived values are always numbers."""
        return True

    def citation(self) -> str:
        """Return ``"derived: <formula>"``.

        Returns
        -------
        str
            The formula, prefixed with ``derived:``.
        """
        return f"derived: {self.formula}"


AnyFact = Fact | DerivedFact


class FactRegistry:
    """Read-only collection of cited and derived facts, keyed by id.

    Parameters
    ----------
    facts : mapping of str to Fact or DerivedFact
        Entries keyed by their own ``id``.

    Raises
    ------
    ValueError
        If a key differs from its entry's ``id``.
    """

    def __init__(self, facts: Mapping[str, AnyFact]) -> None:
        for key, fact in facts.items():
            if key != fact.id:
                raise ValueError(f"registry key {key!r} differs from the entry's id {fact.id!r}")
        self._facts: dict[str, AnyFact] = {k: facts[k] for k in sorted(facts)}

    def get(self, fact_id: str) -> AnyFact:
        """Return the fact with this id.

        Parameters
        ----------
        fact_id : str
            Dotted registry id.

        Returns
        -------
        Fact or DerivedFact
            The entry.

        Raises
        ------
        UnknownFactError
            If the id is unknown; its ``suggestions`` list similar ids.
        """
        try:
            return self._facts[fact_id]
        except (KeyError, TypeError):
            raise UnknownFactError(str(fact_id), self.suggest(str(fact_id))) from None

    def __getitem__(self, fact_id: str) -> AnyFact:
        return self.get(fact_id)

    def __contains__(self, fact_id: object) -> bool:
        return fact_id in self._facts

    def __iter__(self) -> Iterator[str]:
        return iter(self._facts)

    def __len__(self) -> int:
        return len(self._facts)

    def __repr__(self) -> str:
        return f"FactRegistry({len(self.cited())} cited, {len(self.derived())} derived)"

    def ids(self) -> list[str]:
        """Return all ids, sorted.

        Returns
        -------
        list of str
            Every cited and derived id.
        """
        return list(self._facts)

    def value(self, fact_id: str) -> float | str | bool:
        """Return the canonical (or computed) value of a fact.

        Parameters
        ----------
        fact_id : str
            Dotted registry id.

        Returns
        -------
        float or str or bool
            ``get(fact_id).value``.
        """
        return self.get(fact_id).value

    def suggest(self, fact_id: str, n: int = 3) -> list[str]:
        """Return up to ``n`` known ids resembling ``fact_id``, best first.

        Close matches (:func:`difflib.get_close_matches`) come first, then ids
        that extend ``fact_id`` (prefix) or end with it (suffix after a dot).

        Parameters
        ----------
        fact_id : str
            A possibly misspelt or partial id.
        n : int, optional
            Maximum number of suggestions.

        Returns
        -------
        list of str
            Suggested ids; empty if nothing resembles ``fact_id``.
        """
        ids = self.ids()
        out: list[str] = difflib.get_close_matches(fact_id, ids, n=n, cutoff=0.6)
        if fact_id:
            out += [i for i in ids if i.startswith(fact_id) or i.endswith("." + fact_id)]
        return list(dict.fromkeys(out))[:n]

    def cited(self) -> list[Fact]:
        """Return the cited facts, sorted by id.

        Returns
        -------
        list of Fact
            Entries with provenance ``"cited"``.
        """
        return [f for f in self._facts.values() if isinstance(f, Fact)]

    def derived(self) -> list[DerivedFact]:
        """Return the derived facts, sorted by id.

        Returns
        -------
        list of DerivedFact
            Entries with provenance ``"derived"``.
        """
        return [f for f in self._facts.values() if isinstance(f, DerivedFact)]


# ------------------------------------------------------------------- formulas


_BINOPS: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def _dotted_name(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _parse_formula(formula: str) -> ast.expr:
    """Parse and whitelist a formula; return the expression node."""
    if not isinstance(formula, str):
        raise ValueError(f"formula must be a string, got {type(formula).__name__}")
    if not formula.strip():
        raise ValueError("formula is empty")
    if len(formula) > _MAX_FORMULA_LENGTH:
        raise ValueError(f"formula longer than {_MAX_FORMULA_LENGTH} characters")
    try:
        tree = ast.parse(formula.strip(), mode="eval")
    except (SyntaxError, RecursionError, MemoryError) as exc:
        raise ValueError(f"cannot parse formula {formula!r}: {exc}") from None

    def check(node: ast.expr) -> None:
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            check(node.left)
            check(node.right)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            check(node.operand)
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
            if not math.isfinite(float(node.value)):  # type: ignore[arg-type]
                raise ValueError(f"non-finite number in formula {formula!r}")
        elif isinstance(node, ast.Name | ast.Attribute):
            name = _dotted_name(node)
            if name is None or not _ID_RE.match(name):
                raise ValueError(f"formula {formula!r}: {ast.unparse(node)!r} is not a fact id")
        else:
            what = type(getattr(node, "op", node)).__name__
            raise ValueError(
                f"formula {formula!r}: {what} is not allowed "
                "(only numbers, fact ids, + - * /, parentheses and unary minus)"
            )

    check(tree.body)
    return tree.body


def formula_inputs(formula: str) -> tuple[str, ...]:
    """Return the fact ids a formula refers to, in order of first appearance.

    Parameters
    ----------
    formula : str
        Arithmetic expression over dotted fact ids.

    Returns
    -------
    tuple of str
        Unique ids.

    Raises
    ------
    ValueError
        If the formula is not a safe arithmetic expression.
    """
    body = _parse_formula(formula)
    names: list[str] = []

    def walk(node: ast.expr) -> None:
        if isinstance(node, ast.BinOp):
            walk(node.left)
            walk(node.right)
        elif isinstance(node, ast.UnaryOp):
            walk(node.operand)
        elif isinstance(node, ast.Name | ast.Attribute):
            names.append(str(_dotted_name(node)))

    walk(body)
    return tuple(dict.fromkeys(names))


def evaluate_formula(formula: str, values: Mapping[str, float]) -> float:
    """Evaluate an arithmetic formula over fact ids, safely.

    The formula is parsed with :mod:`ast` and only numbers, dotted fact ids,
    ``+ - * /``, parentheses and unary minus/plus are accepted; nothing is
    passed to :func:`eval`.

    Parameters
    ----------
    formula : str
        E.g. ``"el_salvador.reserve_value_usd / el_salvador.reserve_btc"``.
    values : mapping of str to float
        Value of every id the formula uses.

    Returns
    -------
    float
        The result.

    Raises
    ------
    ValueError
        On anything but the allowed syntax, an id missing from ``values``, a
        non-numeric value, division by zero or a non-finite result.

    Examples
    --------
    >>> evaluate_formula("a.x / (b - 1)", {"a.x": 6.0, "b": 4.0})
    2.0
    """
    body = _parse_formula(formula)

    def ev(node: ast.expr) -> float:
        if isinstance(node, ast.BinOp):
            left, right = ev(node.left), ev(node.right)
            if isinstance(node.op, ast.Div) and right == 0:
                raise ValueError(f"division by zero in formula {formula!r}")
            return _BINOPS[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp):
            x = ev(node.operand)
            return -x if isinstance(node.op, ast.USub) else x
        if isinstance(node, ast.Constant):
            return float(node.value)  # type: ignore[arg-type]  # checked by _check_formula
        name = str(_dotted_name(node))
        if name not in values:
            raise ValueError(f"formula {formula!r}: no value for {name!r}")
        x = values[name]
        if isinstance(x, bool) or not isinstance(x, int | float):
            raise ValueError(f"formula {formula!r}: {name!r} is not a number ({x!r})")
        return float(x)

    result = ev(body)
    if not math.isfinite(result):
        raise ValueError(f"formula {formula!r} gives a non-finite result")
    return result


def evaluate_interval(formula: str, bounds: Mapping[str, Interval]) -> Interval | None:
    """Evaluate a formula by interval arithmetic.

    Each input ranges over ``[low, high]``; the result encloses every value the
    formula can take: ``[a, b] + [c, d] = [a + c, b + d]``,
    ``[a, b] - [c, d] = [a - d, b - c]``, products take the min and max of the
    four corner products, and ``x / [c, d] = x * [1/d, 1/c]`` when ``0`` is not
    in ``[c, d]``. An id used twice is treated as two independent inputs, so
    the result may be wider than the exact range (never narrower).

    Parameters
    ----------
    formula : str
        Arithmetic expression over dotted fact ids.
    bounds : mapping of str to (float, float)
        ``(low, high)`` of every id the formula uses.

    Returns
    -------
    (float, float) or None
        The enclosing interval, or ``None`` when a divisor's interval contains
        zero (the result is unbounded).

    Raises
    ------
    ValueError
        On unsafe syntax or an id missing from ``bounds``.
    """
    body = _parse_formula(formula)

    def ev(node: ast.expr) -> Interval | None:
        if isinstance(node, ast.BinOp):
            left, right = ev(node.left), ev(node.right)
            if left is None or right is None:
                return None
            (a, b), (c, d) = left, right
            if isinstance(node.op, ast.Add):
                return (a + c, b + d)
            if isinstance(node.op, ast.Sub):
                return (a - d, b - c)
            if isinstance(node.op, ast.Div):
                if c <= 0 <= d:
                    return None
                c, d = 1 / d, 1 / c
            corners = (a * c, a * d, b * c, b * d)
            return (min(corners), max(corners))
        if isinstance(node, ast.UnaryOp):
            inner = ev(node.operand)
            if inner is None or isinstance(node.op, ast.UAdd):
                return inner
            return (-inner[1], -inner[0])
        if isinstance(node, ast.Constant):
            return (float(node.value), float(node.value))  # type: ignore[arg-type]
        name = str(_dotted_name(node))
        if name not in bounds:
            raise ValueError(f"formula {formula!r}: no interval for {name!r}")
        lo, hi = bounds[name]
        return (float(lo), float(hi))

    return ev(body)


# -------------------------------------------------------------------- loading

_FACT_KEYS = {"id", "value", "unit", "as_of", "claim", "canonical_rule", "low", "high", "sources"}
_SOURCE_KEYS = {
    "outlet",
    "published",
    "figure",
    "qualifier",
    "seed",
    "headline",
    "via",
    "date_note",
    "note",
    "stated",
}
_DERIVED_KEYS = {"id", "formula", "unit", "claim", "bound", "as_of"}
_COMPUTED_KEYS = {"value", "low", "high", "inputs"}


class _Ctx:
    """Error context: which file and which entry is being read."""

    def __init__(self, origin: str, fact_id: str | None = None) -> None:
        self.origin = origin
        self.fact_id = fact_id

    def error(self, field: str | None, message: str) -> FactsFileError:
        return FactsFileError(message, self.origin, self.fact_id, field)

    def text(self, table: Mapping[str, Any], key: str, *, required: bool = True) -> str | None:
        if key not in table:
            if required:
                raise self.error(key, "missing")
            return None
        val = table[key]
        if not isinstance(val, str) or not val.strip():
            raise self.error(key, f"expected a non-empty string, got {val!r}")
        return val

    def date(self, table: Mapping[str, Any], key: str, field: str) -> datetime.date:
        if key not in table:
            raise self.error(field, "missing")
        val = table[key]
        if isinstance(val, datetime.datetime):
            raise self.error(field, f"expected a date like 2025-07-17, got a date-time {val}")
        if isinstance(val, datetime.date):
            return val
        if isinstance(val, str):
            try:
                return datetime.date.fromisoformat(val)
            except ValueError:
                pass
        raise self.error(field, f"expected a date like 2025-07-17, got {val!r}")

    def number(self, val: Any, field: str) -> float:
        if isinstance(val, bool) or not isinstance(val, int | float) or not math.isfinite(val):
            raise self.error(field, f"expected a finite number, got {val!r}")
        return float(val)

    def unknown_keys(self, table: Mapping[str, Any], allowed: set[str], where: str) -> None:
        extra = sorted(set(table) - allowed)
        if extra:
            hints = {k: difflib.get_close_matches(k, sorted(allowed), n=1) for k in extra}
            desc = ", ".join(
                f"{k!r}" + (f" (did you mean {h[0]!r}?)" if h else "") for k, h in hints.items()
            )
            raise self.error(where or None, f"unknown key(s) {desc}")


def _entry_id(ctx: _Ctx, table: Any, kind: str, index: int) -> str:
    if not isinstance(table, Mapping):
        raise ctx.error(None, f"{kind} #{index + 1} must be a table")
    fid = table.get("id")
    if not isinstance(fid, str) or not _ID_RE.match(fid):
        raise ctx.error(
            f"{kind}[{index}].id",
            f"expected a dotted lowercase id like 'el_salvador.reserve_btc', got {fid!r}",
        )
    return fid


def _parse_source(ctx: _Ctx, raw: Any, i: int, numeric: bool) -> Source:
    f = f"sources[{i}]"
    if not isinstance(raw, Mapping):
        raise ctx.error(f, "must be a table")
    ctx.unknown_keys(raw, _SOURCE_KEYS, f)
    text = {k: ctx.text(raw, k, required=False) for k in _SOURCE_KEYS - {"published", "stated"}}
    for key in ("outlet", "figure", "qualifier", "seed"):
        if text[key] is None:
            raise ctx.error(f"{f}.{key}", "missing")
    if text["qualifier"] not in QUALIFIERS:
        raise ctx.error(
            f"{f}.qualifier", f"{text['qualifier']!r} is not one of {', '.join(QUALIFIERS)}"
        )
    stated: Interval | None = None
    if "stated" in raw:
        if not numeric:
            raise ctx.error(f"{f}.stated", "only numeric facts take a stated number")
        val = raw["stated"]
        if isinstance(val, list):
            if len(val) != 2:
                raise ctx.error(f"{f}.stated", f"expected a number or [min, max], got {val!r}")
            lo, hi = (ctx.number(v, f"{f}.stated") for v in val)
            if lo > hi:
                raise ctx.error(f"{f}.stated", f"min {lo:g} exceeds max {hi:g}")
            stated = (lo, hi)
        else:
            x = ctx.number(val, f"{f}.stated")
            stated = (x, x)
        if (stated[0] != stated[1]) != (text["qualifier"] == "range"):
            raise ctx.error(f"{f}.stated", "a [min, max] pair goes with qualifier 'range' only")
    return Source(
        outlet=str(text["outlet"]),
        published=ctx.date(raw, "published", f"{f}.published"),
        figure=str(text["figure"]),
        qualifier=str(text["qualifier"]),
        seed=str(text["seed"]),
        headline=text["headline"],
        via=text["via"],
        date_note=text["date_note"],
        note=text["note"],
        stated=stated,
    )


def _parse_fact(ctx: _Ctx, raw: Mapping[str, Any]) -> Fact:
    ctx.unknown_keys(raw, _FACT_KEYS, "")
    if "value" not in raw:
        raise ctx.error("value", "missing")
    raw_value = raw["value"]
    value: float | str | bool
    if isinstance(raw_value, bool):
        value = raw_value
    elif isinstance(raw_value, int | float):
        value = ctx.number(raw_value, "value")
    elif isinstance(raw_value, str) and raw_value.strip():
        value = raw_value
    else:
        raise ctx.error("value", f"expected a number, string or boolean, got {raw_value!r}")
    unit = str(ctx.text(raw, "unit"))
    if unit == "month" and not (isinstance(value, str) and _MONTH_RE.match(value)):
        raise ctx.error("value", f"a month is written 'YYYY-MM', got {value!r}")
    numeric = isinstance(value, float)

    raw_sources = raw.get("sources")
    if not isinstance(raw_sources, list) or not raw_sources:
        raise ctx.error("sources", "every fact needs at least one source ([[fact.sources]])")
    sources = tuple(_parse_source(ctx, s, i, numeric) for i, s in enumerate(raw_sources))

    low = high = None
    if ("low" in raw) != ("high" in raw):
        raise ctx.error("low" if "low" in raw else "high", "give both low and high, or neither")
    if "low" in raw:
        if not isinstance(value, float):
            raise ctx.error("low", "only numeric facts have a spread")
        low, high = ctx.number(raw["low"], "low"), ctx.number(raw["high"], "high")
        if low > high:
            raise ctx.error("low", f"low {low:g} exceeds high {high:g}")
        if not low <= value <= high:
            raise ctx.error("value", f"canonical value {value:g} lies outside [{low:g}, {high:g}]")
        _check_spread(ctx, sources, low, high)

    return Fact(
        id=str(ctx.fact_id),
        value=value,
        unit=unit,
        as_of=ctx.date(raw, "as_of", "as_of"),
        claim=str(ctx.text(raw, "claim")),
        sources=sources,
        canonical_rule=str(ctx.text(raw, "canonical_rule")),
        low=low,
        high=high,
    )


def _check_spread(ctx: _Ctx, sources: Sequence[Source], low: float, high: float) -> None:
    """Check ``[low, high]`` against the numbers the sources state."""
    stated = [s.stated for s in sources if s.stated is not None]
    for i, s in enumerate(sources):
        if s.stated is not None and not (low <= s.stated[0] and s.stated[1] <= high):
            raise ctx.error(
                f"sources[{i}].stated",
                f"{s.figure!r} lies outside the spread [{low:g}, {high:g}]",
            )
    if stated and len(stated) == len(sources):
        lo, hi = min(s[0] for s in stated), max(s[1] for s in stated)
        if (lo, hi) != (low, high):
            raise ctx.error(
                "low",
                f"spread [{low:g}, {high:g}] should be [{lo:g}, {hi:g}], as the sources state",
            )


def _resolve_derived(
    origin: str, raw_derived: Mapping[str, Mapping[str, Any]], facts: dict[str, AnyFact]
) -> None:
    """Compute every derived entry into ``facts``, inputs first."""
    visiting: list[str] = []

    def resolve(fid: str) -> DerivedFact:
        ctx = _Ctx(origin, fid)
        if fid in visiting:
            cycle = " -> ".join([*visiting[visiting.index(fid) :], fid])
            raise ctx.error("formula", f"circular definition: {cycle}")
        visiting.append(fid)
        raw = raw_derived[fid]
        formula = str(ctx.text(raw, "formula"))
        try:
            inputs = formula_inputs(formula)
        except ValueError as exc:
            raise ctx.error("formula", str(exc)) from None
        if not inputs:
            raise ctx.error("formula", "a derived fact must use at least one fact id")
        deps: list[AnyFact] = []
        for name in inputs:
            if name in facts:
                dep = facts[name]
            elif name in raw_derived:
                dep = resolve(name)
            else:
                known = difflib.get_close_matches(name, [*facts, *raw_derived], n=1)
                hint = f" (did you mean {known[0]!r}?)" if known else ""
                raise ctx.error("formula", f"input {name!r} is not in the registry{hint}")
            if not dep.is_numeric:
                raise ctx.error("formula", f"input {name!r} is not numeric ({dep.value!r})")
            deps.append(dep)
        try:
            value = evaluate_formula(formula, {d.id: float(d.value) for d in deps})
            spreads = {d.id: d.spread for d in deps if d.spread is not None}
            interval = evaluate_interval(formula, spreads) if len(spreads) == len(deps) else None
        except ValueError as exc:
            raise ctx.error("formula", str(exc)) from None
        as_of = ctx.date(raw, "as_of", "as_of") if "as_of" in raw else max(d.as_of for d in deps)
        fact = DerivedFact(
            id=fid,
            value=value,
            unit=str(ctx.text(raw, "unit")),
            as_of=as_of,
            claim=str(ctx.text(raw, "claim")),
            formula=formula,
            inputs=inputs,
            low=interval[0] if interval else None,
            high=interval[1] if interval else None,
            bound=ctx.text(raw, "bound", required=False),
        )
        visiting.pop()
        facts[fid] = fact
        return fact

    for fid in raw_derived:
        if fid not in facts:
            resolve(fid)


def registry_from_dict(data: Mapping[str, Any], origin: str = "<facts>") -> FactRegistry:
    """Validate parsed registry data (the TOML document) and build a registry.

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
    top = _Ctx(origin)
    top.unknown_keys(data, {"fact", "derived"}, "")
    raw_facts = data.get("fact", [])
    raw_derived_list = data.get("derived", [])
    for key, val in (("fact", raw_facts), ("derived", raw_derived_list)):
        if not isinstance(val, list):
            raise top.error(key, "expected an array of tables ([[" + key + "]])")

    facts: dict[str, AnyFact] = {}
    for i, raw in enumerate(raw_facts):
        fid = _entry_id(top, raw, "fact", i)
        if fid in facts:
            raise _Ctx(origin, fid).error("id", "duplicate id")
        facts[fid] = _parse_fact(_Ctx(origin, fid), raw)

    raw_derived: dict[str, Mapping[str, Any]] = {}
    for i, raw in enumerate(raw_derived_list):
        fid = _entry_id(top, raw, "derived", i)
        ctx = _Ctx(origin, fid)
        if fid in facts or fid in raw_derived:
            raise ctx.error("id", "duplicate id")
        computed = sorted(set(raw) & _COMPUTED_KEYS)
        if computed:
            raise ctx.error(computed[0], "computed on load from the formula; remove it")
        ctx.unknown_keys(raw, _DERIVED_KEYS, "")
        raw_derived[fid] = raw
    _resolve_derived(origin, raw_derived, facts)
    return FactRegistry(facts)


def _load_path(path: Path) -> FactRegistry:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise FactsFileError(f"not valid TOML: {exc}", str(path)) from None
    return registry_from_dict(data, str(path))


@functools.lru_cache(maxsize=1)
def _load_default() -> FactRegistry:
    return _load_path(DEFAULT_PATH)


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
