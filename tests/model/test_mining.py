"""Tests for simulator.model.mining: known answers worked by hand, schedules, and properties."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.engine.schedule import build_schedule
from simulator.inputs.schema import Mining
from simulator.model import mining as m

START = dt.date(2025, 7, 17)  # day 0 is the day ending 2025-07-18 (start + 1 day)


def make_op(**overrides: Any) -> Mining:
    """A validated operation: 100 MW, nothing else counted unless overridden."""
    fields: dict[str, Any] = {
        "name": "state_mine",
        "power_mw": 100.0,
        "mining_share": 1.0,
        "uptime": 1.0,
        "pue": 1.0,
        "efficiency_j_per_th": 20.0,
        "electricity_usd_per_kwh": 0.05,
        "pool_fee": 0.0,
        "disposal": "sell_all",
    }
    fields.update(overrides)
    return Mining.model_validate(fields)


def day(d: dt.date) -> int:
    """Index of the simulated day that ends on ``d``: (d - START).days - 1."""
    return (d - START).days - 1


# --- the issue's case: 2,000 MW, 17.5 J/TH, 905 EH/s rest of network ---------------

POWER_MW = 2_000.0
PUE = 1.1
EFF = 17.5  # J/TH
REST_EHS = 905.0
BLOCKS_PER_DAY = 144.0  # difficulty in equilibrium: 86,400 s / 600 s
REWARD_BTC = 3.125 + 0.032  # subsidy + fees per block = 3.157 BTC


def test_issue_case_own_hashrate() -> None:
    # 2,000e6 W / (1.1 * 17.5 J/TH) = 2e9 / 19.25 = 103,896,103.9 TH/s = 103.9 EH/s
    own_ths = m.own_hashrate_ths(POWER_MW, 1.0, 1.0, PUE, EFF)
    assert own_ths == pytest.approx(2e9 / 19.25, rel=1e-12)
    assert own_ths / 1e6 == pytest.approx(103.896, abs=1e-3)


def test_issue_case_share_btc_energy_breakeven() -> None:
    own_ehs = m.own_hashrate_ths(POWER_MW, 1.0, 1.0, PUE, EFF) / 1e6  # 103.896 EH/s
    # a new entrant adds to the network: 905 + 103.896 = 1,008.896 EH/s
    total = m.total_network_ehs(REST_EHS, own_ehs, True)
    assert total == pytest.approx(1_008.896, abs=1e-3)
    # share = 103.896 / 1,008.896 = 0.10298 (10.3 %)
    share = m.network_share(own_ehs, total)
    assert share == pytest.approx(0.102980, abs=1e-6)
    # BTC/day = 0.10298 * 144 blocks * 3.157 BTC = 0.10298 * 454.608 = 46.815
    btc = m.btc_mined_per_day(share, BLOCKS_PER_DAY * REWARD_BTC, 0.0)
    assert btc == pytest.approx(46.815, abs=1e-3)
    assert btc == pytest.approx(46.8, abs=0.05)
    # energy = 2,000 MW * 24,000 kWh/MW/day * $0.05/kWh = $2,400,000 per day
    energy = m.energy_cost_usd_per_day(POWER_MW, 1.0, 1.0, 0.05)
    assert energy == pytest.approx(2.4e6, rel=1e-12)
    # break-even = $2.4M / 46.815 BTC = $51,266 per BTC (about $51.3k)
    breakeven = m.breakeven_price_usd(energy, btc)
    assert breakeven == pytest.approx(51_266, abs=1)
    assert breakeven == pytest.approx(51_300, rel=1e-3)


def test_pool_fee_scales_btc() -> None:
    # a 2 % pool fee keeps 98 %: 46.815 * 0.98 = 45.879
    btc = m.btc_mined_per_day(0.102980, BLOCKS_PER_DAY * REWARD_BTC, 0.02)
    assert btc == pytest.approx(0.102980 * 454.608 * 0.98, rel=1e-12)
    assert btc == pytest.approx(45.879, abs=1e-3)


def test_already_counted_fleet_does_not_dilute_itself() -> None:
    # adds_to_network = False: the 905 EH/s already includes the fleet, so
    # total = rest = 905 and share = 103.896 / 905 = 0.11480
    own_ehs = 2e9 / 19.25 / 1e6
    total = m.total_network_ehs(REST_EHS, own_ehs, False)
    assert total == REST_EHS
    assert m.network_share(own_ehs, total) == pytest.approx(own_ehs / 905.0, rel=1e-12)
    assert m.network_share(own_ehs, total) == pytest.approx(0.114802, abs=1e-6)


# --- hashprice ------------------------------------------------------------------


def test_hashprice_known_figure() -> None:
    # blocks/day for 1 PH/s = 1e15 H/s * 86,400 s / (D * 2^32 hashes per block)
    #   D * 2^32 = 126.41e12 * 4,294,967,296 = 5.42927e23 hashes
    #   8.64e19 / 5.42927e23 = 1.59138e-4 blocks/day per PH/s
    d = 126.41e12
    blocks_per_ph_day = 1e15 * 86_400 / (d * 2**32)
    assert blocks_per_ph_day == pytest.approx(1.59138e-4, rel=1e-5)
    # reward = 3.125 * 1.0132 = 3.16625 BTC/block; at $105,000:
    #   1.59138e-4 * 3.16625 * 105,000 = $52.906 per PH per day (published: about $52.9)
    reward = 3.125 * 1.0132
    hp = m.hashprice_usd_per_ph_day(d, reward, 105_000.0)
    assert hp == pytest.approx(blocks_per_ph_day * reward * 105_000.0, rel=1e-12)
    assert hp == pytest.approx(52.9, abs=0.05)


def test_hashprice_consistent_with_share() -> None:
    # 1 PH/s at equilibrium difficulty earns (1 PH / network) of 144 blocks:
    # network H = D * 2^32 / 600, so 144 * 1e15 / H = 1e15 * 86,400 / (D * 2^32).
    d = 126.41e12
    network_ph = d * 2**32 / 600 / 1e15  # 904,878 PH/s
    revenue = 144 * (1 / network_ph) * 3.2 * 100_000.0
    assert m.hashprice_usd_per_ph_day(d, 3.2, 100_000.0) == pytest.approx(revenue, rel=1e-12)


def test_formulas_vectorise() -> None:
    power = np.array([0.0, 1_000.0, 2_000.0])
    own = m.own_hashrate_ths(power, 1.0, 1.0, PUE, EFF)
    np.testing.assert_allclose(own, power * 1e6 / 19.25, rtol=1e-12)
    hp = m.hashprice_usd_per_ph_day(np.array([100e12, 200e12]), 3.125, 100_000.0)
    assert hp[0] == pytest.approx(2 * hp[1], rel=1e-12)  # twice the difficulty, half the pay


# --- build_schedule ---------------------------------------------------------------


def test_no_ramp_is_full_power_from_day_zero() -> None:
    # 100 MW / (1.0 * 20 J/TH) = 5e6 TH/s every day; energy 100 * 24,000 * 0.05 = $120,000
    sched = build_schedule(make_op(), START, 30)
    np.testing.assert_allclose(sched.own_ths, np.full(30, 5e6), rtol=1e-12)
    np.testing.assert_allclose(sched.energy_usd, np.full(30, 120_000.0), rtol=1e-12)
    for arr in (sched.opex_usd, sched.capex_usd, sched.depreciation_usd):
        assert arr.shape == (30,)
        np.testing.assert_array_equal(arr, 0.0)  # none counted by default here


def test_ramp_switches_on_the_right_day() -> None:
    # 25 % online from the day ending 2025-07-18 (index 0), 100 % from 2025-08-17:
    # (2025-08-17 - 2025-07-17) = 31 days, so index 31 - 1 = 30.
    ramp = [
        {"date": dt.date(2025, 8, 17), "fraction": 1.0},  # given out of order on purpose
        {"date": dt.date(2025, 7, 18), "fraction": 0.25},
    ]
    sched = build_schedule(make_op(ramp=ramp), START, 60)
    assert day(dt.date(2025, 8, 17)) == 30
    full = 5e6  # TH/s at 100 % online
    np.testing.assert_allclose(sched.own_ths[:30], 0.25 * full, rtol=1e-12)
    np.testing.assert_allclose(sched.own_ths[30:], full, rtol=1e-12)
    np.testing.assert_allclose(sched.energy_usd[:30], 0.25 * 120_000.0, rtol=1e-12)
    np.testing.assert_allclose(sched.energy_usd[30:], 120_000.0, rtol=1e-12)


def test_ramp_starting_later_leaves_power_off_before_it() -> None:
    # a ramp's first step dated 2025-07-27 -> index (10 - 1) = 9; days 0..8 are off.
    # A step dated on or before start applies from day 0; one past the horizon does nothing.
    ramp = [{"date": dt.date(2025, 7, 27), "fraction": 0.5}]
    sched = build_schedule(make_op(ramp=ramp), START, 20)
    np.testing.assert_array_equal(sched.own_ths[:9], 0.0)
    np.testing.assert_allclose(sched.own_ths[9:], 2.5e6, rtol=1e-12)
    early = [{"date": START, "fraction": 0.5}, {"date": dt.date(2030, 1, 1), "fraction": 1.0}]
    sched = build_schedule(make_op(ramp=early), START, 20)
    np.testing.assert_allclose(sched.own_ths, 2.5e6, rtol=1e-12)


def test_mining_share_and_uptime_scale_hashrate_and_energy() -> None:
    # 100 MW * 0.5 share * 0.9 uptime = 45 MW hashing:
    #   own = 45e6 W / (1.25 * 20 J/TH) = 45e6 / 25 = 1.8e6 TH/s
    #   energy = 45 MW * 24,000 kWh * $0.05 = $54,000 per day
    op = make_op(mining_share=0.5, uptime=0.9, pue=1.25)
    sched = build_schedule(op, START, 10)
    np.testing.assert_allclose(sched.own_ths, 1.8e6, rtol=1e-12)
    np.testing.assert_allclose(sched.energy_usd, 54_000.0, rtol=1e-12)


def test_refresh_changes_efficiency_from_its_day() -> None:
    # refresh on 2026-07-17: 365 days after start -> index 364; 20 -> 12.5 J/TH
    #   before: 100e6 / 20 = 5e6 TH/s; after: 100e6 / 12.5 = 8e6 TH/s; energy unchanged
    refresh = [{"date": dt.date(2026, 7, 17), "efficiency_j_per_th": 12.5}]
    sched = build_schedule(make_op(refreshes=refresh), START, 400)
    i = day(dt.date(2026, 7, 17))
    assert i == 364
    np.testing.assert_allclose(sched.own_ths[:i], 5e6, rtol=1e-12)
    np.testing.assert_allclose(sched.own_ths[i:], 8e6, rtol=1e-12)
    np.testing.assert_allclose(sched.energy_usd, 120_000.0, rtol=1e-12)


# Capex case: 100 MW, share 0.5, uptime 0.9, PUE 1.25, 20 J/TH, $15/TH, $500k/MW
#   nameplate TH = own / uptime = 50e6 W / (1.25 * 20) = 2e6 TH  -> ASICs 2e6 * 15 = $30M
#   infrastructure = 50 MW mining * $500,000 = $25M              -> day 0 capex $55M
#   refresh to 12.5 J/TH: 50e6 / (1.25 * 12.5) = 3.2e6 TH * 15   -> $48M on its day
CAPEX = {
    "mining_share": 0.5,
    "uptime": 0.9,
    "pue": 1.25,
    "asic_usd_per_th": 15.0,
    "infrastructure_usd_per_mw": 500_000.0,
}


def test_capex_at_start() -> None:
    sched = build_schedule(make_op(**CAPEX), START, 100)
    assert sched.capex_usd[0] == pytest.approx(55e6, rel=1e-12)
    np.testing.assert_array_equal(sched.capex_usd[1:], 0.0)


def test_capex_follows_ramp() -> None:
    # 25 % from index 0, 100 % from index 30: 0.25 * $55M, then the other 0.75 * $55M
    ramp = [
        {"date": dt.date(2025, 7, 18), "fraction": 0.25},
        {"date": dt.date(2025, 8, 17), "fraction": 1.0},
    ]
    sched = build_schedule(make_op(ramp=ramp, **CAPEX), START, 100)
    assert sched.capex_usd[0] == pytest.approx(13.75e6, rel=1e-12)
    assert sched.capex_usd[30] == pytest.approx(41.25e6, rel=1e-12)
    assert sched.capex_usd.sum() == pytest.approx(55e6, rel=1e-12)


def test_refresh_rebuys_whole_fleet() -> None:
    refresh = [{"date": dt.date(2026, 7, 17), "efficiency_j_per_th": 12.5}]
    sched = build_schedule(make_op(refreshes=refresh, **CAPEX), START, 800)
    # own after refresh = 45e6 / (1.25 * 12.5) = 2.88e6 TH/s
    np.testing.assert_allclose(sched.own_ths[364:], 2.88e6, rtol=1e-12)
    expected = np.zeros(800)
    expected[0] = 55e6
    expected[364] = 48e6  # whole new fleet, no new infrastructure
    np.testing.assert_allclose(sched.capex_usd, expected, rtol=1e-12, atol=1e-6)


def test_depreciation_is_straight_line_over_life() -> None:
    # default 4 years: life = round(4 * 365.25) = 1,461 days; $55M / 1,461 = $37,645.45/day
    life = 1_461
    sched = build_schedule(make_op(**CAPEX), START, 2_000)
    dep = sched.depreciation_usd
    np.testing.assert_allclose(dep[:life], 55e6 / life, rtol=1e-12)
    np.testing.assert_array_equal(dep[life:], 0.0)
    assert dep[:life].sum() == pytest.approx(sched.capex_usd[0], rel=1e-9)


def test_depreciation_sums_to_capex_with_refresh() -> None:
    # 1-year life = round(365.25) = 365 days; $55M at index 0, $48M at index 364:
    #   days 0..363: 55e6/365; day 364: (55e6 + 48e6)/365; days 365..728: 48e6/365; then 0
    refresh = [{"date": dt.date(2026, 7, 17), "efficiency_j_per_th": 12.5}]
    op = make_op(refreshes=refresh, depreciation_years=1.0, **CAPEX)
    sched = build_schedule(op, START, 1_000)
    dep = sched.depreciation_usd
    np.testing.assert_allclose(dep[:364], 55e6 / 365, rtol=1e-12)
    assert dep[364] == pytest.approx(103e6 / 365, rel=1e-12)
    np.testing.assert_allclose(dep[365:729], 48e6 / 365, rtol=1e-12)
    np.testing.assert_allclose(dep[729:], 0.0, atol=1e-6)
    assert dep.sum() == pytest.approx(sched.capex_usd.sum(), rel=1e-9)
    assert sched.capex_usd.sum() == pytest.approx(103e6, rel=1e-12)


def test_depreciation_truncated_by_short_horizon() -> None:
    # 100 days of a 1,461-day life: 100 * 55e6 / 1,461 = $3.7645M so far
    sched = build_schedule(make_op(**CAPEX), START, 100)
    assert sched.depreciation_usd.sum() == pytest.approx(100 * 55e6 / 1_461, rel=1e-12)


def test_other_opex_per_mw_year() -> None:
    # 100 MW * 0.5 share = 50 MW mining * $36,525/MW/yr / 365.25 = $5,000 per day
    # (not scaled by uptime: paid whether or not the machines run)
    op = make_op(mining_share=0.5, uptime=0.9, other_opex_usd_per_mw_year=36_525.0)
    sched = build_schedule(op, START, 10)
    np.testing.assert_allclose(sched.opex_usd, 5_000.0, rtol=1e-12)


def test_tiny_depreciation_life_is_at_least_one_day() -> None:
    # 0.001 yr * 365.25 = 0.365 -> round() = 0 days; expected: all capex on its own day
    sched = build_schedule(make_op(depreciation_years=0.001, **CAPEX), START, 10)
    np.testing.assert_allclose(sched.depreciation_usd, sched.capex_usd, rtol=1e-12)


def test_ramp_down_and_up_does_not_rebuy_machines() -> None:
    # 1.0 -> 0.5 -> 1.0 online: the machines switched off are the same ones switched back on
    ramp = [
        {"date": dt.date(2025, 7, 1), "fraction": 1.0},
        {"date": dt.date(2025, 7, 21), "fraction": 0.5},
        {"date": dt.date(2025, 7, 24), "fraction": 1.0},
    ]
    sched = build_schedule(make_op(ramp=ramp, **CAPEX), START, 10)
    assert sched.capex_usd[1:].sum() == 0.0
    assert sched.capex_usd[0] > 0


def test_zero_days_gives_empty_schedules() -> None:
    sched = build_schedule(make_op(**CAPEX), START, 0)
    assert sched.capex_usd.shape == (0,) and sched.depreciation_usd.shape == (0,)


# --- properties -------------------------------------------------------------------

pos = st.floats(min_value=1.0, max_value=1e4, allow_nan=False, allow_infinity=False)
frac = st.floats(min_value=0.01, max_value=1.0, allow_nan=False)
factor = st.floats(min_value=1.01, max_value=100.0, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    power=pos,
    share=frac,
    uptime=frac,
    pue=st.floats(min_value=1.0, max_value=3.0),
    eff=st.floats(min_value=5.0, max_value=100.0),
    k=factor,
)
def test_own_hashrate_proportionality(
    power: float, share: float, uptime: float, pue: float, eff: float, k: float
) -> None:
    base = m.own_hashrate_ths(power, share, uptime, pue, eff)
    assert base > 0
    assert m.own_hashrate_ths(k * power, share, uptime, pue, eff) == pytest.approx(k * base)
    assert m.own_hashrate_ths(power, share, uptime, pue, k * eff) == pytest.approx(base / k)
    assert m.own_hashrate_ths(power, share, uptime, k * pue, eff) == pytest.approx(base / k)


@settings(max_examples=200, deadline=None)
@given(
    rest=pos,
    own=st.floats(min_value=1e-3, max_value=1e4),
    k=factor,
    issued=st.floats(min_value=0.0, max_value=1e4),
    pool_fee=st.floats(min_value=0.0, max_value=0.99),
)
def test_share_bounded_and_increasing(
    rest: float, own: float, k: float, issued: float, pool_fee: float
) -> None:
    share = m.network_share(own, m.total_network_ehs(rest, own, True))
    more = m.network_share(k * own, m.total_network_ehs(rest, k * own, True))
    assert 0.0 < share < 1.0
    assert 0.0 < more < 1.0
    assert more > share
    btc = m.btc_mined_per_day(share, issued, pool_fee)
    assert 0.0 <= btc <= issued


def test_expected_revenue_known_answer() -> None:
    # 1 EH/s at difficulty 86,400e18 / 2^32 finds 86,400 * 1e18 / (D * 2^32) = 1 block/day;
    # reward 4 BTC/block, 25 % pool fee, 50,000 USD/BTC: 1 * 4 * 0.75 * 50,000 = 150,000 USD.
    difficulty = 86_400e18 / 2**32
    revenue = m.expected_revenue_usd_per_day(1.0, difficulty, 4.0, 0.25, 50_000.0)
    assert revenue == pytest.approx(150_000.0, rel=1e-15)
    # Twice the hashrate, twice the revenue (the network share cancels out).
    assert m.expected_revenue_usd_per_day(2.0, difficulty, 4.0, 0.25, 50_000.0) == pytest.approx(
        300_000.0, rel=1e-15
    )
