"""Paths the tests share: the project's root, ``shared/`` beside it, the real daily history.

Importable from any test module as ``from support import ...`` (pytest puts
``tests/`` on ``sys.path`` because ``tests/conftest.py`` lives there).
"""

from __future__ import annotations

from pathlib import Path

#: The project's root (the folder with pyproject.toml).
PROJECT = Path(__file__).resolve().parents[1]
#: The read-only shared folder beside the project (DESIGN.md, seeds/, data/).
SHARED = PROJECT.parent / "shared"
#: Real daily Bitcoin history (Coin Metrics, CC BY-NC 4.0); never copied into the project.
REAL_HISTORY = SHARED / "data" / "btc_daily.csv"


def shipped_overrides(path: Path) -> list[str]:
    """Overrides a shipped scenario needs to load: ``from_history`` names the real history."""
    if path.stem == "from_history":
        return [f"scenario.start_from={REAL_HISTORY}"]
    return []
