"""Tests for simulator.model.protocol: known answers from Bitcoin Core plus properties."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.model import protocol as p

TOTAL_SAT = 2_099_999_997_690_000  # Bitcoin Core subsidy_limit_test: nSum == 2099999997690000
MAX_H = 7_000_000  # past era 33 (6,930,000), where the subsidy has already reached 0


def brute_issued(h0: int, h1: int) -> int:
    """Subsidy of blocks h0 .. h1-1 by counting blocks per era, independent of protocol."""
    total = 0
    for e in range(h0 // 210_000, (h1 - 1) // 210_000 + 1 if h1 > h0 else 0):
        lo, hi = max(h0, e * 210_000), min(h1, (e + 1) * 210_000)
        reward = (5_000_000_000 >> e) if e < 64 else 0
        total += (hi - lo) * reward
    return total


# --- subsidy ---------------------------------------------------------------


def test_total_supply_matches_bitcoin_core():
    # Closed form: 210,000 * sum_{e=0}^{32} (5e9 >> e) = 2,099,999,997,690,000 sat,
    # 2,310,000 sat short of 21e6 BTC because each shift truncates.
    assert p.cumulative_issuance_sat(64 * 210_000) == TOTAL_SAT
    assert p.cumulative_issuance_sat(10**9) == TOTAL_SAT
    # Bitcoin Core's loop: for (h = 0; h < 14e6; h += 1000) nSum += GetBlockSubsidy(h) * 1000;
    # the same sum taken per era (subsidy is constant within an era):
    assert sum(p.subsidy_sat(e * 210_000) * 210_000 for e in range(65)) == TOTAL_SAT
    assert sum(int(s) * 1000 for s in p.subsidy_sat(np.arange(0, 14_000_000, 1000))) == TOTAL_SAT
    assert p.ERA_START_ISSUED_SAT[-1] == TOTAL_SAT
    assert len(p.ERA_START_ISSUED_SAT) == p.MAX_HALVINGS + 2
    assert len(p.ERA_SUBSIDY_SAT) == p.MAX_HALVINGS + 1 and p.ERA_SUBSIDY_SAT[-1] == 0
    assert p.ERA_SUBSIDY_SAT.dtype == np.int64 and p.ERA_START_ISSUED_SAT.dtype == np.int64


@pytest.mark.parametrize(
    ("height", "sat"),
    [
        (0, 5_000_000_000),  # 50 BTC
        (209_999, 5_000_000_000),  # last block of era 0
        (210_000, 2_500_000_000),  # 25 BTC, first halving
        (839_999, 625_000_000),  # 6.25 BTC = 5e9 >> 3
        (840_000, 312_500_000),  # 3.125 BTC = 5e9 >> 4 (April 2024 halving)
        (1_049_999, 312_500_000),
        (1_050_000, 156_250_000),  # 1.5625 BTC = 5e9 >> 5
        (64 * 210_000, 0),  # 64 halvings: Core returns 0 (shift would be undefined)
        (10**12, 0),
    ],
)
def test_subsidy_known_values(height, sat):
    assert p.subsidy_sat(height) == sat
    assert isinstance(p.subsidy_sat(height), int)
    assert p.subsidy_btc(height) == sat / 1e8


def test_last_nonzero_subsidy_is_one_sat():
    # 5e9 >> 32 = 1 (2**32 = 4,294,967,296 <= 5e9 < 2**33), 5e9 >> 33 = 0.
    nonzero = [e for e in range(65) if p.subsidy_sat(p.halving_height(e)) > 0]
    assert nonzero[-1] == 32
    assert p.subsidy_sat(32 * 210_000) == 1 and p.subsidy_sat(33 * 210_000 - 1) == 1
    assert p.subsidy_sat(33 * 210_000) == 0


def test_subsidy_vectorised_and_fractional():
    h = np.array([0, 209_999, 210_000, 840_000])
    out = p.subsidy_sat(h)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, [5_000_000_000, 5_000_000_000, 2_500_000_000, 312_500_000])
    # fractional height -> block floor(h)
    np.testing.assert_array_equal(p.subsidy_sat(np.array([209_999.999, 210_000.0])), out[1:3])
    assert p.subsidy_btc(np.array([840_000])).dtype == np.float64


def test_eras():
    assert p.era(0) == 0 and p.era(209_999) == 0 and p.era(210_000) == 1
    assert p.era(209_999.9999) == 0 and p.era(840_000.5) == 4
    np.testing.assert_array_equal(p.era(np.array([0, 420_000, 906_013])), [0, 2, 4])
    assert p.halving_height(4) == 840_000
    np.testing.assert_array_equal(p.halving_height(np.array([0, 5])), [0, 1_050_000])
    assert p.next_halving_height(906_013) == 1_050_000
    assert p.next_halving_height(840_000) == 1_050_000  # strictly after the current era
    assert p.next_halving_height(839_999.5) == 840_000
    assert p.next_halving_height(0) == 210_000
    with pytest.raises(ValueError):
        p.halving_height(1.5)


@pytest.mark.parametrize(
    "fn",
    [p.subsidy_sat, p.subsidy_btc, p.era, p.next_halving_height, p.cumulative_issuance_sat],
)
def test_negative_height_raises(fn):
    with pytest.raises(ValueError):
        fn(-1)
    with pytest.raises(ValueError):
        fn(np.array([0.0, -0.5]))
    with pytest.raises(ValueError):
        fn(np.nan)


def test_issued_invalid_arguments():
    with pytest.raises(ValueError):
        p.issued_sat(-1, 10)
    with pytest.raises(ValueError):
        p.issued_sat(10, 5)  # h1 < h0
    with pytest.raises(ValueError):
        p.halving_height(-1)


# --- issuance --------------------------------------------------------------


def test_issued_across_halving_matches_block_by_block_sum():
    # 839,990..839,999 at 6.25 BTC and 840,000..840,009 at 3.125 BTC:
    # 10 * 625,000,000 + 10 * 312,500,000 = 9,375,000,000 sat = 93.75 BTC
    by_block = sum(p.subsidy_sat(h) for h in range(839_990, 840_010))
    assert by_block == 9_375_000_000
    assert p.issued_sat(839_990, 840_010) == by_block
    assert p.issued_btc(839_990, 840_010) == 93.75


def test_issued_known_cumulative():
    # First four eras: 210,000 * (50 + 25 + 12.5 + 6.25) BTC = 19,687,500 BTC at height 840,000
    assert p.cumulative_issuance_sat(840_000) == 19_687_500 * 10**8
    assert p.cumulative_issuance_sat(0) == 0


def test_issued_vectorised_types():
    h0 = np.array([0, 839_990, 1_000_000])
    h1 = np.array([210_000, 840_010, 1_000_000])
    out = p.issued_sat(h0, h1)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, [210_000 * 5_000_000_000, 9_375_000_000, 0])
    assert p.issued_sat(h0.astype(float), h1).dtype == np.float64
    assert p.issued_btc(h0, h1).dtype == np.float64


@settings(max_examples=300)
@given(st.integers(0, MAX_H), st.integers(0, MAX_H))
def test_issued_matches_per_era_count(a, b):
    h0, h1 = min(a, b), max(a, b)
    assert p.issued_sat(h0, h1) == brute_issued(h0, h1)


@given(st.integers(0, MAX_H), st.integers(0, 3_000))
def test_issued_matches_brute_force_small_window(h0, n):
    assert p.issued_sat(h0, h0 + n) == sum(int(s) for s in p.subsidy_sat(np.arange(h0, h0 + n)))


@given(st.lists(st.integers(0, MAX_H), min_size=3, max_size=3))
def test_issued_additive(hs):
    a, b, c = sorted(hs)
    assert p.issued_sat(a, b) + p.issued_sat(b, c) == p.issued_sat(a, c)


@given(st.lists(st.floats(0, MAX_H), min_size=2, max_size=50))
def test_cumulative_monotone(hs):
    h = np.sort(np.array(hs))
    c = p.cumulative_issuance_sat(h)
    assert np.all(np.diff(c) >= 0)
    ci = p.cumulative_issuance_sat(np.floor(h).astype(np.int64))
    assert np.all(np.diff(ci) >= 0)


@given(st.integers(0, MAX_H), st.floats(0, 1, exclude_max=True))
def test_fractional_height_interpolates_within_block(k, frac):
    # C(k + f) = C(k) + f * subsidy(k)
    c = p.cumulative_issuance_sat(np.float64(k) + frac)
    expected = p.cumulative_issuance_sat(k) + frac * p.subsidy_sat(k)
    assert isinstance(c, float)
    assert c == pytest.approx(expected, rel=1e-15, abs=1e-3)


def test_fractional_heights_across_halving():
    # half of block 839,999 (6.25 BTC) + half of block 840,000 (3.125 BTC)
    assert p.issued_sat(839_999.5, 840_000.5) == 0.5 * 625_000_000 + 0.5 * 312_500_000
    # continuity at an era boundary
    c = p.cumulative_issuance_sat(np.array([839_999.999999, 840_000.0, 840_000.000001]))
    assert np.ptp(c) < 1e4  # < 1e-4 BTC across 2e-6 blocks


# --- difficulty and hashrate -----------------------------------------------


def test_hashrate_real_world():
    # 126.27e12 * 2**32 / 600 = 126.27e12 * 4,294,967,296 / 600 = 9.0388e20 H/s = 903.9 EH/s
    h = p.hashrate_hs_from_difficulty(126.27e12)
    assert h == pytest.approx(126.27e12 * 4_294_967_296 / 600, rel=1e-15)
    assert h / 1e18 == pytest.approx(903.9, abs=0.05)


@given(st.floats(1.0, 1e18))
def test_hashrate_difficulty_round_trip(d):
    h = p.hashrate_hs_from_difficulty(d)
    assert p.difficulty_from_hashrate_hs(h) == pytest.approx(d, rel=1e-12)
    assert p.hashrate_hs_from_difficulty(p.difficulty_from_hashrate_hs(h)) == pytest.approx(
        h, rel=1e-12
    )


@given(st.floats(1.0, 1e18))
def test_blocks_per_day_at_equilibrium(d):
    # 86,400 s/day / 600 s/block = 144 blocks/day
    bpd = p.expected_blocks_per_day(p.hashrate_hs_from_difficulty(d), d)
    assert bpd == pytest.approx(144.0, rel=1e-14)


def test_blocks_per_day_scales_with_hashrate():
    d = np.array([1e12, 126.27e12])
    h = p.hashrate_hs_from_difficulty(d)
    np.testing.assert_allclose(p.expected_blocks_per_day(2 * h, d), [288.0, 288.0], rtol=1e-14)


@pytest.mark.parametrize(
    ("duration_s", "factor"),
    [
        (14 * 86_400, 1.0),  # 2016 * 600 s = 1,209,600 s = 2 weeks
        (7 * 86_400, 2.0),  # blocks came twice as fast
        (86_400, 4.0),  # would be 14, clamped to 4
        (70 * 86_400, 0.25),  # would be 0.2, clamped to 1/4
        (0.0, 4.0),  # degenerate timespans clamp like Core's nActualTimespan
    ],
)
def test_retarget_factor(duration_s, factor):
    assert p.retarget_factor(duration_s) == factor
    assert p.next_difficulty(100.0, duration_s) == 100.0 * factor


def test_retarget_vectorised():
    week = 7 * 86_400
    t = np.array([2 * week, week, 86_400, 10 * week, 1.5 * 2 * week])
    out = p.retarget_factor(t)
    np.testing.assert_allclose(out, [1.0, 2.0, 4.0, 0.25, 1 / 1.5], rtol=1e-15)
    d = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    np.testing.assert_allclose(p.next_difficulty(d, t), d * out, rtol=1e-15)
    with pytest.raises(ValueError):
        p.retarget_factor(math.nan)


@given(st.floats(1.0, 1e9))
def test_retarget_factor_bounds(t):
    f = p.retarget_factor(t)
    assert 0.25 <= f <= 4.0
    assert f == pytest.approx(min(max(1_209_600 / t, 0.25), 4.0), rel=1e-15)


def test_btc_era_tables_are_the_sat_tables_in_btc() -> None:
    # One definition: the float tables are the satoshi tables / 1e8, read-only,
    # and the chain and the engine's reference use these very objects.
    from simulator.engine import reference
    from simulator.model import chain

    np.testing.assert_array_equal(p.ERA_SUBSIDY_BTC, p.ERA_SUBSIDY_SAT / p.SAT_PER_BTC)
    np.testing.assert_array_equal(p.ERA_START_ISSUED_BTC, p.ERA_START_ISSUED_SAT / p.SAT_PER_BTC)
    assert p.ERA_SUBSIDY_BTC[0] == 50.0 and p.ERA_SUBSIDY_BTC[4] == 3.125
    assert p.ERA_START_ISSUED_BTC[1] == 50.0 * 210_000
    assert not p.ERA_SUBSIDY_BTC.flags.writeable and not p.ERA_START_ISSUED_BTC.flags.writeable
    assert chain.ERA_SUBSIDY_BTC is p.ERA_SUBSIDY_BTC
    assert reference.ERA_START_ISSUED_BTC is p.ERA_START_ISSUED_BTC
    # The compiled per-position subsidy reads the same table: 3.125 BTC in era 4.
    assert chain.subsidy_at(4 * 210_000 + 0.5) == 3.125
    assert chain.next_halving(4 * 210_000 + 0.5) == 5 * 210_000
