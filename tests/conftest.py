"""Fixtures shared by every test: the real daily history, read once per session."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from support import REAL_HISTORY


@pytest.fixture(scope="session")
def real_history_file() -> Path:
    """``../shared/data/btc_daily.csv``; the test skips, saying why, where it is absent.

    ``.ci/run`` refuses to run without the file, so CI never skips these tests.
    """
    if not REAL_HISTORY.is_file():
        pytest.skip(
            f"real history not found at {REAL_HISTORY} (it lives in shared/, beside the project)"
        )
    return REAL_HISTORY


@pytest.fixture(scope="session")
def real_history(real_history_file: Path) -> pd.DataFrame:
    """The real history as :func:`simulator.inputs.history.load_history` reads it (read only)."""
    from simulator.inputs.history import load_history

    return load_history(real_history_file)
