"""The read-only registry of cited and derived facts, and the record of a user's facts file."""

import difflib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from simulator.inputs.errors import UnknownFactError
from simulator.inputs.fact_types import AnyFact, DerivedFact, Fact

__all__ = ["FactRegistry", "FactsFile"]


@dataclass(frozen=True)
class FactsFile:
    """A user's facts file read into a registry, as manifests record it.

    Parameters
    ----------
    path : str
        The file's path as given (relative to the working folder, or to the
        scenario file that names it, made relative to the working folder).
    sha256 : str
        SHA-256 of the file's bytes, in hex.
    cited, derived : int
        How many ``[[fact]]`` and ``[[derived]]`` entries it holds.
    supersedes : tuple of str, optional
        The ids of earlier facts its facts supersede.
    """

    path: str
    sha256: str
    cited: int
    derived: int
    supersedes: tuple[str, ...] = ()

    def record(self) -> dict[str, str]:
        """Return ``{"path": ..., "sha256": ...}``, the manifest's entry for the file.

        Returns
        -------
        dict of str to str
            The path and the hash.
        """
        return {"path": self.path, "sha256": self.sha256}


class FactRegistry:
    """Read-only collection of cited and derived facts, keyed by id.

    Parameters
    ----------
    facts : mapping of str to Fact or DerivedFact
        Entries keyed by their own ``id``.
    files : sequence of FactsFile, optional
        The users' facts files read on top of the built-in registry, in the
        order read (empty for the built-in registry alone).

    Attributes
    ----------
    files : tuple of FactsFile
        As passed in.

    Raises
    ------
    ValueError
        If a key differs from its entry's ``id``.
    """

    def __init__(self, facts: Mapping[str, AnyFact], files: Sequence[FactsFile] = ()) -> None:
        for key, fact in facts.items():
            if key != fact.id:
                raise ValueError(f"registry key {key!r} differs from the entry's id {fact.id!r}")
        self._facts: dict[str, AnyFact] = {k: facts[k] for k in sorted(facts)}
        self.files: tuple[FactsFile, ...] = tuple(files)

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
        files = f", {len(self.files)} facts files" if self.files else ""
        return f"FactRegistry({len(self.cited())} cited, {len(self.derived())} derived{files})"

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
