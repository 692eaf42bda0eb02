"""The scenarios shipped inside the package, found by name from any folder.

The repository's ``scenarios/`` folder is installed as the data package
``simulator.scenarios`` (see ``pyproject.toml``), so an installed btcsim can
run ``btcsim run`` or ``btcsim run scenarios/el_salvador_hold.toml`` from any
folder: a scenario path that does not exist where the user is resolves to the
shipped file of the same name.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["BASELINE", "NOT_SCENARIOS", "find_scenario", "shipped_dir", "shipped_scenarios"]

#: The flagship scenario, as the user spells it.
BASELINE = Path("scenarios") / "baseline.toml"


def shipped_dir() -> Path:
    """Folder of the shipped scenarios (the repository's ``scenarios/`` when installed editable)."""
    return Path(str(files("simulator.scenarios")))


#: Folders of the shipped scenarios that hold no scenario of their own: the shared pieces
#: (``parts/``) and the starters of ``btcsim init`` (``templates/``).
NOT_SCENARIOS = frozenset({"parts", "templates"})


def shipped_scenarios() -> list[Path]:
    """Shipped scenario files, sorted, without the shared pieces and the starters."""
    root = shipped_dir()
    return sorted(
        p for p in root.rglob("*.toml") if not NOT_SCENARIOS & set(p.relative_to(root).parts)
    )


def find_scenario(path: str | Path) -> Path:
    """``path`` if it exists, else the shipped scenario it names, else ``path`` unchanged.

    ``scenarios/NAME.toml``, ``NAME.toml`` and ``NAME`` all name the shipped
    ``NAME.toml`` (``price_models/t`` a file in a subfolder).

    Parameters
    ----------
    path : str or Path
        As the user wrote it.

    Returns
    -------
    Path
        A path to read; a missing one is reported by whoever opens it.
    """
    given = Path(path)
    if given.exists() or given.is_absolute():
        return given
    parts = given.parts[1:] if given.parts[:1] == ("scenarios",) else given.parts
    if not parts:
        return given
    candidate = shipped_dir().joinpath(*parts)
    if candidate.suffix != ".toml":
        candidate = candidate.with_name(candidate.name + ".toml")
    return candidate if candidate.is_file() else given
