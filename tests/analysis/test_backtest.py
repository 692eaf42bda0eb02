"""Backtest and network calibration on the real Coin Metrics history."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from support import REAL_HISTORY

from simulator.analysis.backtest import BacktestResult, height_from_supply, run_backtest
from simulator.analysis.calibrate.network import fit_network_economic
from simulator.inputs.schema import Mining

DATA = REAL_HISTORY
FIRST, LAST = dt.date(2020, 1, 1), dt.date(2025, 6, 30)


@pytest.fixture(scope="module")
def replay(real_history: pd.DataFrame) -> BacktestResult:
    return run_backtest(real_history, FIRST, LAST)


def test_monthly_issuance_within_3_percent(replay: BacktestResult) -> None:
    months = replay.monthly.loc["2021-01":"2025-05"]
    months = months[months.index != pd.Period("2024-04", "M")]
    assert len(months) == 52
    assert months["issuance_error_pct"].abs().max() < 3.0  # measured 1.42 % (2021-04)
    assert months["reward_error_pct"].abs().max() < 3.0  # measured 1.66 % (2021-04)
    assert replay.monthly.loc["2024-04", "halving"]
    assert replay.monthly["halving"].sum() == 2  # 2020-05 and 2024-04


def test_halvings_dated(replay: BacktestResult) -> None:
    halvings = {h.height: h for h in replay.halvings}
    assert sorted(halvings) == [630_000, 840_000]
    h2024 = halvings[840_000]
    # Real dates by the data's block counts: block 840,000 falls in Coin Metrics'
    # 2024-04-19 bucket (data README), block 630,000 was mined on 2020-05-11.
    assert h2024.real_date == dt.date(2024, 4, 19)
    assert h2024.sim_date is not None
    assert abs((h2024.sim_date - h2024.real_date).days) <= 2  # measured: same day
    h2020 = halvings[630_000]
    assert h2020.real_date == dt.date(2020, 5, 11)
    assert h2020.sim_date is not None
    assert abs((h2020.sim_date - h2020.real_date).days) <= 2  # measured: same day


def test_difficulty_tracks(replay: BacktestResult) -> None:
    error = replay.difficulty_error
    assert error["median"] < 0.02  # measured 0.56 %
    assert error["median_steady"] <= error["median"]
    assert error["max"] < 0.5  # 27 % on 2021-07-02: retarget days apart after the China ban
    daily = replay.daily
    assert daily.index[0] == pd.Timestamp(FIRST) and daily.index[-1] == pd.Timestamp(LAST)
    assert daily["retarget_day"].sum() == pytest.approx(len(daily) / 14, rel=0.25)


def test_start_state(real_history: pd.DataFrame, replay: BacktestResult) -> None:
    # the file's blocks add up to 930,345 at the end of 2025-12-31
    since = int(real_history.loc["2020-01-01":, "blocks"].sum())
    assert replay.start_height == 930_345 - since
    assert replay.start_height_method.startswith("supply on 2010-07-18")
    assert replay.start_difficulty == real_history.loc["2019-12-31", "difficulty"]
    assert replay.epoch_elapsed_days is not None and 0 < replay.epoch_elapsed_days < 14
    # supply alone reads low by unclaimed subsidies: 26 blocks at the end of 2025
    last = real_history.index[-1]
    inferred = height_from_supply(float(real_history.loc[last, "supply_btc"]), last.date())
    assert inferred == 930_345 - 26
    # without blocks up to the start (a gap), the supply of the day before is used
    gappy = real_history.drop(pd.Timestamp("2015-06-01"))
    result = run_backtest(gappy, dt.date(2023, 1, 1), dt.date(2023, 3, 31))
    assert result.start_height_method == "supply that day"
    exact = 930_345 - int(real_history.loc["2023-01-01":, "blocks"].sum())
    assert -15 <= result.start_height - exact <= 0
    given = run_backtest(
        real_history, dt.date(2023, 1, 1), dt.date(2023, 3, 31), start_height=exact
    )
    assert given.start_height == exact and given.start_height_method == "given"


def test_start_on_the_day_after_a_retarget(real_history: pd.DataFrame) -> None:
    # 2025-06-29 holds blocks of two epochs (README): start from the new difficulty
    result = run_backtest(real_history, dt.date(2025, 6, 30), dt.date(2025, 9, 30))
    assert (
        real_history.loc["2025-06-29", "difficulty"] != real_history.loc["2025-06-30", "difficulty"]
    )
    assert result.start_difficulty == real_history.loc["2025-06-30", "difficulty"]
    assert result.epoch_elapsed_days is not None and result.epoch_elapsed_days < 1.0
    assert result.difficulty_error["median"] < 0.02


def test_operation_known_answer(real_history: pd.DataFrame) -> None:
    op = Mining(
        name="state",
        power_mw=100.0,
        efficiency_j_per_th=20.0,
        electricity_usd_per_kwh=0.05,
        disposal="sell_all",
    )
    result = run_backtest(real_history, dt.date(2024, 1, 1), dt.date(2024, 12, 31), op)
    day = result.daily.loc["2024-06-15"]
    # 100 MW x 1e6 W/MW x 0.95 uptime / (1.1 PUE x 20 J/TH) = 4,318,181.8 TH/s = 4.318 EH/s
    own = 100e6 * 0.95 / (1.1 * 20.0) / 1e6
    assert day["own_hashrate_ehs"] == pytest.approx(own, rel=1e-12)
    # share of the real network (the op is part of it), of the day's simulated reward, less 2 %
    share = own / day["real_hashrate_ehs"]
    assert day["network_share"] == pytest.approx(share, rel=1e-12)
    reward = day["sim_issuance_btc"] + day["sim_fees_btc"]
    assert day["btc_mined"] == pytest.approx(share * reward * 0.98, rel=1e-12)
    # about 4.3 EH/s of ~600 EH/s (0.7 %) of ~460 BTC/day: about 3.2 BTC/day
    assert 2.0 < day["btc_mined"] < 5.0
    assert day["revenue_usd"] == pytest.approx(day["btc_mined"] * day["price_usd"], rel=1e-12)
    # 100 MW x 0.95 x 24,000 kWh/MW/day x USD 0.05 = USD 114,000 a day
    assert day["energy_usd"] == pytest.approx(114_000.0, rel=1e-12)
    # the chain is the same with or without the operation
    plain = run_backtest(real_history, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    np.testing.assert_array_equal(plain.daily["sim_height"], result.daily["sim_height"])


def test_backtest_errors(real_history: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="the file covers 2010-07-18..2025-12-31"):
        run_backtest(real_history, dt.date(2025, 1, 1), dt.date(2026, 3, 1))
    with pytest.raises(ValueError, match="needs data from 2010-07-17"):
        run_backtest(real_history, dt.date(2010, 7, 18), dt.date(2010, 12, 31))
    with pytest.raises(ValueError, match="ends before it starts"):
        run_backtest(real_history, dt.date(2024, 1, 1), dt.date(2023, 1, 1))
    with pytest.raises(ValueError, match="needs the column"):
        run_backtest(real_history.drop(columns="blocks"), FIRST, LAST)
    with pytest.raises(ValueError, match="smoothing_days must be >= 1"):
        run_backtest(real_history, FIRST, LAST, smoothing_days=0)
    gappy = real_history.drop(pd.Timestamp("2021-03-01"))
    with pytest.raises(ValueError, match="missing days"):
        run_backtest(gappy, FIRST, LAST)


def test_network_calibration_on_history(real_history: pd.DataFrame) -> None:
    fit = fit_network_economic(real_history, dt.date(2019, 1, 1), dt.date(2025, 6, 30))
    est = fit.frame().set_index("key")
    assert fit.n_obs == 338
    # 2019-2025 does not identify the adjustment speed (beta = 0.004 +- 0.005 a week), but
    # it rules out fast adjustment: the 95 % lower end of the half-life is ~340 days
    assert est.loc["adjustment_half_life_days", "low"] > 200
    assert any("not identified" in c for c in fit.comments)
    assert 1.0 <= est.loc["all_in_cost_factor", "value"] <= 20.0
    assert 0.2 < est.loc["noise_volatility_per_year", "value"] < 0.5  # measured 0.35
    assert 0.08 < est.loc["max_growth_per_month", "value"] < 0.25  # measured 0.14
    # 2016-2025 identifies it: half-life ~430 days, all-in factor ~1.5
    longer = fit_network_economic(real_history, dt.date(2016, 1, 1), dt.date(2025, 6, 30))
    est = longer.frame().set_index("key")
    assert 250 < est.loc["adjustment_half_life_days", "value"] < 700
    assert 1.0 < est.loc["all_in_cost_factor", "value"] < 3.0
    assert not any("not identified" in c for c in longer.comments)
