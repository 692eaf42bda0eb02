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


#: A small valid scenario (a reserve fed by a 100 MW plant, one year) for error tests.
MINIMAL_SCENARIO = """
[scenario]
name = "t"
start_date = 2025-07-17
horizon_years = 1
paths = 10

[market.price]
model = "gbm"
start_usd = 100000
volatility_per_year = 0.5

[market.network]
model = "constant"
start_ehs = 900

[chain]
start_height = 906013
start_difficulty = 126.27e12

[[reserve]]
name = "treasury"
holdings_btc = 100

[[mining]]
name = "plant"
power_mw = 100
electricity_usd_per_kwh = 0.05
reserve = "treasury"
"""


def write_scenario(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    """Write scenario ``text`` to ``tmp_path / name`` (UTF-8) and return the path."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path
