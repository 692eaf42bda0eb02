"""Starter scenarios for ``btcsim init``: the templates in ``scenarios/templates/``.

Each template is a standalone scenario (no ``extends``, so every key is in
sight) that validates and runs as written: it starts on the articles' date
with the chain values of the shipped scenarios, cites built-in facts where
they fit and writes every other value as an assumption whose note says what
to replace it with. :func:`starter_text` gives a template with the user's
scenario name in place of its own.
"""

from __future__ import annotations

import json
from pathlib import Path

from simulator.inputs.errors import ScenarioError, did_you_mean
from simulator.inputs.shipped import shipped_dir

__all__ = [
    "DEFAULT_TEMPLATE",
    "TEMPLATES",
    "starter_target",
    "starter_text",
    "template_path",
]

#: The templates, each with what it models.
TEMPLATES: dict[str, str] = {
    "reserve": "a national reserve that buys and sells",
    "mining": "a state mining operation that keeps its BTC in a reserve",
    "both": "a reserve, and a mining operation feeding another one",
}
#: The template ``btcsim init`` writes without ``--template``.
DEFAULT_TEMPLATE = "both"
_NAME_RULE = "use letters, digits, _ and - (it names the results folder, so no / or .)"


def template_path(kind: str) -> Path:
    """The shipped template file of ``kind``.

    Parameters
    ----------
    kind : str
        One of :data:`TEMPLATES`.

    Returns
    -------
    Path
        ``scenarios/templates/KIND.toml`` inside the installed package.

    Raises
    ------
    ScenarioError
        For an unknown kind.
    """
    if kind not in TEMPLATES:
        hint = did_you_mean(kind, TEMPLATES) or f" (one of {', '.join(TEMPLATES)})"
        raise ScenarioError("--template", "", f"no template {kind!r}{hint}")
    return shipped_dir() / "templates" / f"{kind}.toml"


def _check_name(name: str, shown: str) -> None:
    """Refuse a scenario name that the schema would refuse."""
    from pydantic import TypeAdapter, ValidationError

    from simulator.inputs.schema_types import ScenarioName

    try:
        TypeAdapter(ScenarioName).validate_python(name, strict=True)
    except ValidationError:
        raise ScenarioError(shown, "", f"not a scenario name: {_NAME_RULE}") from None


def starter_target(name: str) -> tuple[Path, str]:
    """The file ``btcsim init NAME`` writes and the scenario name inside it.

    Parameters
    ----------
    name : str
        ``NAME`` (writes ``NAME.toml``) or ``NAME.toml``, possibly in a folder
        (``scenarios/mine``).

    Returns
    -------
    path : Path
        The file to write.
    scenario : str
        The file's stem, the scenario's ``[scenario] name``.

    Raises
    ------
    ScenarioError
        ``NAME: not a scenario name: ...`` unless the stem is letters, digits,
        ``_`` and ``-`` (at most 80 characters).
    """
    path = Path(name)
    stem = path.name.removesuffix(".toml") if path.name.endswith(".toml") else path.name
    _check_name(stem, name)
    return (path if path.name.endswith(".toml") else path.with_name(f"{stem}.toml")), stem


def starter_text(kind: str, scenario: str, start_from: str | None = None) -> str:
    """The text of template ``kind`` with ``scenario`` as its ``[scenario] name``.

    Parameters
    ----------
    kind : str
        One of :data:`TEMPLATES`.
    scenario : str
        A valid scenario name (see :func:`starter_target`).
    start_from : str, optional
        A history file, as the scenario file will name it (relative to its
        folder): the start keys are left out and read from it
        (``start_from``, ``start_date = "latest"``).

    Returns
    -------
    str
        TOML text.

    Raises
    ------
    ScenarioError
        For an unknown kind or a bad name.
    """
    _check_name(scenario, scenario)
    text = template_path(kind).read_text(encoding="utf-8")
    own = f'name = "starter_{kind}"'
    if text.count(own) != 1:  # pragma: no cover - tests/inputs/test_starter.py checks
        raise RuntimeError(f"template {kind} must hold {own} once")
    text = text.replace(own, f'name = "{scenario}"'.ljust(len(own)))  # comments stay aligned
    return text if start_from is None else _from_history(text, start_from)


#: The keys ``scenario.start_from`` fills, by table: a starter that reads them
#: from a history file must not write them (a written value would win).
FROM_HISTORY_KEYS = {
    "scenario": ("start_date",),
    "market.price": ("start_usd",),
    "market.network": ("start_ehs",),
    "chain": ("start_height", "start_difficulty", "epoch_elapsed_days", "fees_btc_per_block"),
}


def _from_history(text: str, start_from: str) -> str:
    """``text`` with the start keys taken out and ``start_from`` / ``"latest"`` written in."""
    header = (
        "# It starts on the articles' date (2025-07-17) with the chain values the shipped\n"
        "# scenarios use. "
    )
    text = text.replace(
        header,
        "# It starts on the last full day of scenario.start_from, a history file that gives\n"
        "# the price, chain, hashrate and fees (labelled data). ",
        1,
    )
    lines, table = [], ""
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("["):
            table = stripped.strip("[]").split("]")[0].strip()
        key = line.split("=", 1)[0].strip() if "=" in line and not line[:1].isspace() else ""
        if key in FROM_HISTORY_KEYS.get(table, ()):
            if table == "scenario":
                path = json.dumps(start_from)
                lines.append(f"start_from = {path}   # history file the start is read from\n")
                lines.append('start_date = "latest"            # its last full day (or a date)\n')
            continue
        lines.append(line)
    return "".join(lines)
