"""The cited and derived facts of the registry and the read-only registry holding them.

A fact comes from the built-in registry (``origin`` is None) or from a user's
facts file (``origin`` is its path); citations name that file, so a figure a
user brought is never mistaken for one of the built-in registry's.
"""

import datetime
from dataclasses import dataclass
from pathlib import PurePath
from typing import ClassVar

from simulator.inputs.formula import Interval

__all__ = ["QUALIFIERS", "AnyFact", "DerivedFact", "Fact", "Source", "file_label", "value_label"]

QUALIFIERS: tuple[str, ...] = ("exact", "about", "over", "up to", "range")
"""Allowed qualifiers of a source figure, i.e. how the source hedges it."""


def value_label(value: float | str | bool) -> str:
    """A canonical value as citations write it: ``6,238``, ``745,000,000``, ``2025-05``.

    Parameters
    ----------
    value : float or str or bool
        A fact's value.

    Returns
    -------
    str
        Numbers with thousands separators and no trailing ``.0``; others as written.
    """
    if isinstance(value, float):
        return f"{value:,.15g}"
    return str(value)


def file_label(origin: str | None) -> str:
    """How citations name where a fact comes from: ``facts file NAME`` or the built-in registry.

    Parameters
    ----------
    origin : str or None
        The facts file's path, or None for the built-in registry.

    Returns
    -------
    str
        ``"facts file my_facts.toml"`` (the file's name) or ``"built-in registry"``.
    """
    return "built-in registry" if origin is None else f"facts file {PurePath(origin).name}"


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
    seed : str or None, optional
        File name of the seed article, for tracing (every source of the
        built-in registry has one).
    headline : str or None, optional
        The article headline, where the copy has one, or a report's title.
    via : str or None, optional
        Whom the source credits for the figure, if anyone.
    date_note : str or None, optional
        Why ``published`` is inferred rather than read from the copy.
    note : str or None, optional
        Our own (paraphrased) remark on the context of the statement.
    stated : tuple of float or None, optional
        Numeric reading of the figure as ``(min, max)``; equal ends except for
        a ``"range"`` figure. ``None`` for non-numeric facts.
    url : str or None, optional
        Where the source can be read, if it is on the web.
    origin : str or None, optional
        The facts file that records this statement; None for the built-in registry.
    superseded : bool, optional
        True for a statement of the earlier figure a later one supersedes
        (kept so the earlier figure stays visible).
    """

    outlet: str
    published: datetime.date
    figure: str
    qualifier: str
    seed: str | None = None
    headline: str | None = None
    via: str | None = None
    date_note: str | None = None
    note: str | None = None
    stated: Interval | None = None
    url: str | None = None
    origin: str | None = None
    superseded: bool = False

    @property
    def key(self) -> tuple[object, ...]:
        """What makes two statements the same article: the seed, else the URL, else the names."""
        if self.seed is not None:
            return ("seed", self.seed)
        if self.url is not None:
            return ("url", self.url)
        return ("names", self.outlet, self.headline, self.published)

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
        Spread of the numbers stated by the sources (numeric facts only); for
        a fact that supersedes another, it also holds the earlier figure.
    origin : str or None, optional
        The facts file this fact comes from; None for the built-in registry.
    supersedes : Fact or None, optional
        The earlier fact of the same id this one replaces (its sources are
        also in ``sources``, marked ``superseded``).
    supersedes_reason : str or None, optional
        Why this figure replaces the earlier one.

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
    origin: str | None = None
    supersedes: "Fact | None" = None
    supersedes_reason: str | None = None

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
            (+4 more)"``. A fact from a user's facts file adds ``[facts file
            NAME]``, and one that supersedes another adds what it replaces.
        """
        cites: list[str] = []
        seen: set[tuple[object, ...]] = set()
        for src in self.sources:
            if src.superseded or src.key in seen:
                continue
            seen.add(src.key)
            cites.append(src.cite())
        shown = "; ".join(cites[: max(limit, 1)])
        rest = len(cites) - max(limit, 1)
        text = shown + (f" (+{rest} more)" if rest > 0 else "")
        if self.origin is not None:
            text += f" [{file_label(self.origin)}]"
        if self.supersedes is not None:
            old = self.supersedes
            text += (
                f"; supersedes {value_label(old.value)} {old.unit} of the {file_label(old.origin)}"
            )
        return text

    def own_sources(self) -> tuple[Source, ...]:
        """Return the sources of this figure, without those of a figure it supersedes.

        Returns
        -------
        tuple of Source
            ``sources`` minus the ones marked ``superseded``.
        """
        return tuple(s for s in self.sources if not s.superseded)


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
    origin : str or None, optional
        The facts file defining this formula; None for the built-in registry.
    input_files : tuple of str, optional
        The users' facts files its inputs (directly or through other derived
        facts) come from; empty when every input is built in.

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
    origin: str | None = None
    input_files: tuple[str, ...] = ()

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
            The formula, prefixed with ``derived:``; then ``[facts file NAME]``
            for a formula from a user's file, and ``(inputs from facts file
            NAME)`` when an input comes from one.
        """
        text = f"derived: {self.formula}"
        if self.origin is not None:
            text += f" [{file_label(self.origin)}]"
        files = [f for f in self.input_files if f != self.origin]
        if files:
            text += " (inputs from " + ", ".join(file_label(f) for f in files) + ")"
        return text


AnyFact = Fact | DerivedFact
