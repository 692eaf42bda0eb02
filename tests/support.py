"""Paths the tests share: the project's root, ``shared/`` beside it, the real daily history.

Importable from any test module as ``from support import ...`` (pytest puts
``tests/`` on ``sys.path`` because ``tests/conftest.py`` lives there).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

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


#: Key (entity, metric) rows of the baseline's summary that the variance-reduction
#: tests compare with plain Monte Carlo.
KEY_METRICS = (
    ("el_salvador", "value_usd"),
    ("el_salvador", "prob_below_cost"),
    ("pakistan", "margin_usd"),
    ("pakistan", "btc_mined_btc"),
    ("market", "price_usd"),
    ("market", "network_hashrate_ehs"),
)


def check_within_4_se(method: Any, plain: Any) -> int:
    """Assert each key median and mean of ``method`` within 4 combined errors of ``plain``.

    Both are summaries indexed by (entity, metric) from independent draws, so
    a difference has sd sqrt(se_a^2 + se_b^2). A probability has no median.
    Returns the number of estimates checked.
    """
    checked = 0
    for key in KEY_METRICS:
        for stat in ("p50", "mean"):
            a, b = method.loc[key], plain.loc[key]
            if math.isnan(b[stat]):
                continue
            se = math.hypot(a[f"{stat}_se"], b[f"{stat}_se"])
            assert se > 0, key
            assert abs(a[stat] - b[stat]) <= 4 * se, (key, stat, a[stat], b[stat], se)
            checked += 1
    return checked
