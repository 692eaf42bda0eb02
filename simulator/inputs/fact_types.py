"""The cited and derived facts of the registry and the read-only registry holding them."""

import datetime
import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import ClassVar

from simulator.inputs.errors import UnknownFactError
from simulator.inputs.formula import Interval

__all__ = ["QUALIFIERS", "AnyFact", "DerivedFact", "Fact", "FactRegistry", "Source"]

QUALIFIERS: tuple[str, ...] = ("exact", "about", "over", "up to", "range")
"""Allowed qualifiers of a source figure, i.e. how the source hedges it."""


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
