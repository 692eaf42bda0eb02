"""The state of ``btcsim app``: a scenario file, the user's edits and the paths to run.

Everything here is plain Python, without Streamlit, so the app's logic can be
driven and tested without a browser: the page (:mod:`simulator.app.page`) only
draws widgets over these functions.

The state is a scenario file plus ``--set`` style overrides, exactly what the
CLI takes: an edit in the app is the override ``KEY=VALUE`` that ``btcsim run
FILE --set KEY=VALUE`` would apply, checked by the same loader, so a value the
CLI refuses is refused at the field with the CLI's message. The same state
travels in the page's URL (:meth:`AppState.query`).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simulator.analysis.variants import toml_literal
from simulator.inputs.errors import InputError
from simulator.inputs.provenance import PROVENANCES, ResolvedInput
from simulator.inputs.reference import pattern_of, scenario_reference
from simulator.inputs.scenario import ResolvedScenario, load_scenario
from simulator.inputs.shipped import shipped_dir, shipped_scenarios

__all__ = [
    "DEFAULT_PATHS",
    "MAX_PATHS",
    "MIN_PATHS",
    "GROUP_ORDER",
    "AppState",
    "InputRow",
    "choices",
    "choices_of",
    "check_edit",
    "input_rows",
    "load_state",
]

#: Paths per run in the app (the issue's interactive target is 2 s at this count).
DEFAULT_PATHS = 2000
#: The paths field's bounds [paths]: fewer gives no useful percentile; more takes minutes.
MIN_PATHS, MAX_PATHS = 100, 200_000
#: Provenance groups of the inputs table, in the order shown.
GROUP_ORDER = ("cited", "derived", "data", "assumption", "protocol")
_RUN_KEYS = ("scenario.paths",)


@dataclass(frozen=True)
class AppState:
    """A scenario file, the overrides applied to it, in order, and the paths per run.

    Attributes
    ----------
    file : str
        The scenario file as given: a path, or a shipped name such as
        ``scenarios/baseline.toml`` (see :func:`simulator.inputs.shipped.find_scenario`).
    overrides : tuple of str
        ``KEY=VALUE`` strings, at most one per key, in the order made.
    paths : int
        Monte Carlo paths per run.
    """

    file: str
    overrides: tuple[str, ...] = ()
    paths: int = DEFAULT_PATHS

    @property
    def edits(self) -> dict[str, str]:
        """The overrides by key: ``{KEY: VALUE text}``."""
        return dict(o.split("=", 1) for o in self.overrides)

    def sets(self) -> list[str]:
        """Every override ``load_scenario`` takes: the edits, then the paths."""
        return [*self.overrides, f"scenario.paths={self.paths}"]

    def with_edit(self, key: str, value: Any) -> AppState:
        """The state with ``key`` set to ``value`` (number, bool or string), replacing any edit."""
        return self.with_text(key, toml_literal(value))

    def with_text(self, key: str, text: str) -> AppState:
        """The state with the override ``KEY=TEXT``, as ``--set`` reads it (e.g. from a URL)."""
        kept = tuple(o for o in self.overrides if o.split("=", 1)[0] != key)
        return dataclasses.replace(self, overrides=(*kept, f"{key}={text}"))

    def without(self, key: str) -> AppState:
        """The state with the edit of ``key`` undone."""
        kept = tuple(o for o in self.overrides if o.split("=", 1)[0] != key)
        return dataclasses.replace(self, overrides=kept)

    def query(self) -> dict[str, str | list[str]]:
        """The URL query that reopens this state: ``scenario``, ``paths`` and each ``set``."""
        out: dict[str, str | list[str]] = {"scenario": self.file, "paths": str(self.paths)}
        if self.overrides:
            out["set"] = list(self.overrides)
        return out

    @classmethod
    def from_query(cls, query: Mapping[str, str | Sequence[str]], default: str) -> AppState:
        """The state a URL query describes (see :meth:`query`); ``default`` file when none.

        A ``paths`` that is not a positive whole number falls back to
        :data:`DEFAULT_PATHS`, and one outside :data:`MIN_PATHS`..:data:`MAX_PATHS`
        is clamped to them; overrides are checked when the state is loaded.
        """

        def values(name: str) -> list[str]:
            got = query.get(name, [])
            return [got] if isinstance(got, str) else list(got)

        file = (values("scenario") or [default])[0]
        try:
            paths = int((values("paths") or [str(DEFAULT_PATHS)])[0])
        except ValueError:
            paths = DEFAULT_PATHS
        state = cls(file, (), min(max(paths, MIN_PATHS), MAX_PATHS))
        for text in values("set"):
            if "=" in text:
                key, value = text.split("=", 1)
                state = state.with_text(key.strip(), value.strip())
        return state


def choices() -> list[str]:
    """Scenario files to offer: the shipped scenarios, then the starters of ``btcsim init``."""
    root = shipped_dir()
    names = [f"scenarios/{p.relative_to(root).as_posix()}" for p in shipped_scenarios()]
    starters = sorted((root / "templates").glob("*.toml"))
    return names + [f"scenarios/templates/{p.name}" for p in starters]


def load_state(state: AppState) -> ResolvedScenario:
    """Load the state's scenario with its overrides and paths.

    Raises
    ------
    InputError
        As ``btcsim run`` would: the file, the key and what is wrong.
    """
    return load_scenario(state.file, state.sets())


def check_edit(state: AppState, key: str, value: Any) -> tuple[AppState, str | None]:
    """Apply one edit if the loader accepts it: ``(new state, None)``, else ``(state, message)``.

    The message is the one line ``btcsim run --set KEY=VALUE`` prints after
    ``error:``.
    """
    new = state.with_edit(key, value)
    try:
        load_state(new)
    except InputError as exc:
        return state, str(exc)
    return new, None


@dataclass(frozen=True)
class InputRow:
    """One input as the app shows it.

    Attributes
    ----------
    key, unit : str
        Dotted key and unit.
    value : Any
        The value the run uses (the edited one, if edited).
    provenance : str
        The input's provenance in the file (before any edit).
    source : str
        Cited facts: every source (outlet, headline, date); assumptions: the note.
    low, high : float or None
        The range a slider spans: an assumption's low/high, a cited fact's
        spread of sources.
    widget : {"slider", "number", "toggle", "choice", "text", "readonly"}
        How the value may be changed: a slider over a fact's spread, a field
        (bounded by an assumption's low/high), a switch, a list of the
        allowed values, or a text field.
    changed : bool
        Whether the user edited it.
    original : Any
        The file's value.
    """

    key: str
    value: Any
    unit: str
    provenance: str
    source: str
    low: float | None
    high: float | None
    widget: str
    changed: bool
    original: Any


@functools.cache
def _choices() -> dict[str, tuple[str, ...]]:
    """Each key with fixed choices (``mining.NAME.disposal``), from the scenario reference."""
    return {k.key: k.choices for k in scenario_reference().keys() if k.kind == "choice"}


def choices_of(key: str) -> tuple[str, ...]:
    """The values a key may take, when they are a fixed set (else ``()``)."""
    return _choices().get(pattern_of(key), ())


def _widget(item: ResolvedInput) -> str:
    if item.provenance in ("protocol", "data") or item.key.startswith(_RUN_KEYS):
        return "readonly"
    if any(part.isdigit() for part in item.key.split(".")):
        return "readonly"  # an item of a list: --set cannot address it (entities go by name)
    ranged = item.low is not None and item.high is not None and item.low < item.high
    if isinstance(item.value, bool):
        return "readonly" if item.provenance in ("cited", "derived") else "toggle"
    if isinstance(item.value, int | float):
        if item.provenance in ("cited", "derived"):
            return "slider" if ranged else "readonly"  # moved only within the sources' spread
        return "number"  # a field, bounded by low/high where the file gives them
    if item.provenance in ("cited", "derived") or not isinstance(item.value, str):
        return "readonly"
    return "choice" if choices_of(item.key) else "text"


def _sources(scenario: ResolvedScenario, item: ResolvedInput) -> str:
    reg = scenario.registry
    if item.fact_id is None or reg is None or item.fact_id not in reg:
        return item.source
    fact = reg.get(item.fact_id)
    return str(fact.citation())  # outlet, headline, date of the first sources (+ how many more)


def input_rows(
    base: ResolvedScenario, current: ResolvedScenario, state: AppState
) -> list[InputRow]:
    """Every input of the file, grouped by provenance (:data:`GROUP_ORDER`), with its widget.

    Parameters
    ----------
    base : ResolvedScenario
        The file without the user's edits (provenance, range and note come from it).
    current : ResolvedScenario
        The file with the edits (the values the run uses).
    state : AppState
        Which keys were edited.
    """
    edited = state.edits
    rows = []
    for item in base.inputs.values():
        now = current.inputs.get(item.key, item)
        rows.append(
            InputRow(
                key=item.key,
                value=now.value,
                unit=item.unit,
                provenance=item.provenance,
                source=_sources(base, item),
                low=item.low,
                high=item.high,
                widget=_widget(item),
                changed=item.key in edited,
                original=item.value,
            )
        )
    rank = {p: i for i, p in enumerate(GROUP_ORDER)}
    rank.update({p: len(rank) for p in PROVENANCES if p not in rank})
    return sorted(rows, key=lambda r: rank[r.provenance])
