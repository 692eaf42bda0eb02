"""References and reasons for defaults, read from the numpydoc docstrings of modules.

The schema modules cite their sources the numpydoc way: a field's description
says ``[1]`` and the module docstring's ``References`` section holds
``.. [1] ...``. A model module may also explain its defaults in a section
whose title starts ``Defaults of`` (:mod:`simulator.model.network.economic`),
one entry per default, begun by ````name = value````. This module reads both,
so the scenario reference (:mod:`simulator.inputs.reference`) prints the
source and the reason beside each default. A module that is not imported
yet is read from its source file, not imported (no numba at start-up).
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from functools import cache

__all__ = ["ReferenceNumbers", "default_reasons", "module_doc", "references"]

_CITED = re.compile(r"\.\. \[(\d+)\]")
_DEFAULT = re.compile(r"``(\w+) = [^`]*``")


def module_doc(module: str) -> str:
    """The docstring of ``module`` (``""`` if it has none or cannot be found).

    Parameters
    ----------
    module : str
        Dotted module name.

    Returns
    -------
    str
        The docstring, read from the source when the module is not imported.
    """
    loaded = sys.modules.get(module)
    if loaded is not None:
        return loaded.__doc__ or ""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return ""
    with open(spec.origin, encoding="utf-8") as fh:
        return ast.get_docstring(ast.parse(fh.read())) or ""


def _sections(doc: str) -> dict[str, list[str]]:
    """The lines of each numpydoc section (a title over a ``---`` line) of a docstring."""
    lines = doc.splitlines()
    out: dict[str, list[str]] = {}
    current = ""
    for i, line in enumerate(lines):
        text = line.strip()
        after = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if text and after and set(after) == {"-"}:
            current = text
            out[current] = []
        elif current and not (text and set(text) == {"-"}):
            out[current].append(line)
    return out


def _entries(lines: list[str], start: re.Pattern[str]) -> dict[str, str]:
    """Entries of a section, each begun by a line matching ``start`` (group 1 names it)."""
    out: dict[str, str] = {}
    name = ""
    for line in lines:
        match = start.match(line.strip())
        if match:
            name = match.group(1)
            out[name] = line.strip()[match.end() :].strip()
        elif name and line.strip():
            out[name] = f"{out[name]} {line.strip()}".strip()
    return out


@cache
def references(module: str) -> dict[str, str]:
    """The ``References`` section of a module's docstring.

    Parameters
    ----------
    module : str
        Dotted module name.

    Returns
    -------
    dict of str to str
        ``{"1": "Cambridge Centre for Alternative Finance, ..."}``, one line each.
    """
    return _entries(_sections(module_doc(module)).get("References", []), _CITED)


@cache
def default_reasons(module: str) -> dict[str, str]:
    """The reasons for defaults that a ``Defaults of ...`` section of a module gives.

    Parameters
    ----------
    module : str
        Dotted module name.

    Returns
    -------
    dict of str to str
        ``{field name: why its default is what it is}``; empty when there is no such section.
    """
    sections = _sections(module_doc(module))
    lines = next((v for k, v in sections.items() if k.startswith("Defaults of")), [])
    return _entries(lines, _DEFAULT)


class ReferenceNumbers:
    """One number for each cited reference across modules, in order of first use.

    Attributes
    ----------
    texts : list of str
        The references numbered so far; reference ``n`` is ``texts[n - 1]``.
    """

    def __init__(self) -> None:
        self.texts: list[str] = []
        self._index: dict[tuple[str, str], int] = {}

    def number(self, module: str, cited: str) -> int | None:
        """The number of reference ``[cited]`` of ``module``, or ``None`` if it has none.

        Parameters
        ----------
        module : str
            The module whose ``References`` section holds it.
        cited : str
            Its number there (``"1"``).

        Returns
        -------
        int or None
            Its number across modules.
        """
        text = references(module).get(cited)
        if text is None:
            return None
        if (module, cited) not in self._index:
            self.texts.append(text)
            self._index[(module, cited)] = len(self.texts)
        return self._index[(module, cited)]

    def cite(self, module: str, text: str) -> tuple[str, tuple[int, ...]]:
        """``text`` with its ``[n]`` renumbered across modules, and the numbers it cites.

        Parameters
        ----------
        module : str
            The module whose references ``text`` cites.
        text : str
            A description such as ``"default 0.95 [1]"``.

        Returns
        -------
        text : str
            The text with each known ``[n]`` replaced by its number across modules.
        numbers : tuple of int
            Those numbers, in order, each once.
        """
        found: list[int] = []

        def renumber(match: re.Match[str]) -> str:
            n = self.number(module, match.group(1))
            if n is None:
                return match.group(0)
            found.append(n)
            return f"[{n}]"

        return re.sub(r"\[(\d+)\]", renumber, text), tuple(dict.fromkeys(found))
