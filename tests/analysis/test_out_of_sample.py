"""Out-of-sample check: calibrate on data to 2022-12-31, simulate to 2025-06-30.

Each model is calibrated with ``calibrate_price``, its TOML snippet is pasted
into a scenario that starts at the real close of 2022-12-31, 10,000 paths run
through the full engine, and the real close of 2025-06-30 is placed in the
simulated distribution. The README reports the printed percentiles
(``python -m pytest tests/test_out_of_sample.py -s``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import REAL_HISTORY

from simulator import load_scenario, simulate
from simulator.analysis.calibrate.run import calibrate_price

DATA = REAL_HISTORY
START, END = dt.date(2022, 12, 31), dt.date(2025, 6, 30)


@pytest.mark.parametrize(
    ("model", "first"),
    [("gbm", dt.date(2014, 1, 1)), ("gbm", None), ("powerlaw", None)],
    ids=["gbm_2014_2022", "gbm_2010_2022", "powerlaw_2010_2022"],
)
def test_real_2025_price_within_calibrated_distribution(
    real_history: pd.DataFrame, tmp_path: Path, model: str, first: dt.date | None
) -> None:
    cal = calibrate_price(real_history, model, first, START)
    assert cal.window.endswith(":2022-12-31")  # nothing after the cut-off is used
    n_days = (END - START).days  # 912 days: 2023-01-01 .. 2025-06-30
    s0 = float(real_history.loc[str(START), "price_usd"])
    height = 930_345 - int(real_history.loc["2023-01-01":, "blocks"].sum())
    scenario = tmp_path / f"oos_{model}.toml"
    snippet = cal.to_toml().replace("[market.price]\n", f"[market.price]\nstart_usd = {s0}\n")
    scenario.write_text(
        f'[scenario]\nname = "oos_{model}"\nstart_date = {START}\n'
        f'horizon_years = {n_days / 365.25!r}\npaths = 10000\nseed = 7\nfreq = "M"\n'
        f"[chain]\nstart_height = {height}\n"
        f"start_difficulty = {float(real_history.loc[str(START), 'difficulty'])}\n"
        '[market.network]\nmodel = "constant"\nstart_ehs = 250\n' + snippet
    )
    result = simulate(load_scenario(scenario), keep_paths=True)
    assert result.meta["end_date"] == str(END)
    assert result.paths is not None
    final = result.paths[result.variables.index(("market", "price_usd")), -1].astype(float)
    real = float(real_history.loc[str(END), "price_usd"])
    percentile = 100.0 * float(np.mean(final < real))
    p1, p50, p99 = np.percentile(final, [1, 50, 99])
    print(
        f"\n{model} calibrated on {cal.window}: "
        + ", ".join(f"{e.key} {e.value:.4g}" for e in cal.estimates)
        + f"\n  simulated 2025-06-30: p1 {p1:,.0f}  median {p50:,.0f}  p99 {p99:,.0f} USD;"
        f" real {real:,.0f} USD sits at percentile {percentile:.1f}"
    )
    assert np.isfinite(final).all() and len(final) == 10_000
    assert p1 <= real <= p99, f"real price outside the 1st-99th percentile ({percentile:.1f})"
