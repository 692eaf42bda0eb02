"""Known answers of the reserve step functions of :mod:`simulator.model.reserve`.

The numbers are chosen so that every result is exact in binary floating point
(powers of two and small integers), so the checks use ``==``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.model import reserve as rsv


def test_dispose_hold_sells_nothing_and_leaves_the_cash_cost() -> None:
    # 2 BTC mined, 30,000 USD cash cost at 40,000 USD/BTC: nothing sold, 30,000 unpaid.
    assert rsv.dispose_mined(2.0, 30_000.0, 40_000.0, rsv.HOLD) == (0.0, 30_000.0)


def test_dispose_sell_all() -> None:
    # All 2 BTC sold for 80,000 USD > 30,000 cost: paid = max(30,000 - 80,000, 0) = 0.
    assert rsv.dispose_mined(2.0, 30_000.0, 40_000.0, rsv.SELL_ALL) == (2.0, 0.0)


def test_dispose_sell_to_cover_when_the_btc_covers_the_cost() -> None:
    # Cost 30,000 / 40,000 USD/BTC = 0.75 BTC sold (< 2 mined); 30,000 - 0.75 * 40,000 = 0 left.
    assert rsv.dispose_mined(2.0, 30_000.0, 40_000.0, rsv.SELL_TO_COVER) == (0.75, 0.0)


def test_dispose_sell_to_cover_when_the_btc_falls_short() -> None:
    # Cost 100,000 / 40,000 = 2.5 BTC > 2 mined: sell min(2, 2.5) = 2 BTC for 80,000,
    # leaving 100,000 - 80,000 = 20,000 USD to pay.
    assert rsv.dispose_mined(2.0, 100_000.0, 40_000.0, rsv.SELL_TO_COVER) == (2.0, 20_000.0)


def test_credit_adds_btc_and_its_cost() -> None:
    # 10 BTC costing 500,000 plus 0.5 BTC costing 20,000: 10.5 BTC, 520,000 USD.
    assert rsv.credit(10.0, 500_000.0, 0.5, 20_000.0) == (10.5, 520_000.0)


def test_purchase_btc_per_day_is_priced_at_the_day() -> None:
    # 0.5 BTC at 40,000 USD/BTC = 20,000 USD, budget unlimited.
    assert rsv.purchase(0.5, 0.0, 40_000.0, math.inf) == (0.5, 20_000.0)


def test_purchase_usd_per_day_buys_usd_over_price() -> None:
    # 10,000 USD / 40,000 USD/BTC = 0.25 BTC; the 1e6 budget does not bind.
    assert rsv.purchase(0.0, 10_000.0, 40_000.0, 1e6) == (0.25, 10_000.0)


def test_purchase_capped_by_the_budget() -> None:
    # 1 BTC would cost 40,000 but only 10,000 is left: btc = 1 * 10,000 / 40,000 = 0.25.
    assert rsv.purchase(1.0, 0.0, 40_000.0, 10_000.0) == (0.25, 10_000.0)
    # An exhausted budget buys nothing.
    assert rsv.purchase(1.0, 0.0, 40_000.0, 0.0) == (0.0, 0.0)


def test_scheduled_sale_removes_the_basis_pro_rata() -> None:
    # Sell 2 of 8 BTC with basis 400,000: basis - 400,000 * 2 / 8 = 300,000; 6 BTC left.
    assert rsv.scheduled_sale(8.0, 400_000.0, 2.0) == (6.0, 300_000.0, 2.0)


def test_scheduled_sale_is_capped_at_the_holdings() -> None:
    # Sell 100 of 8 BTC: min(100, 8) = 8 sold, basis 400,000 - 400,000 * 8 / 8 = 0.
    assert rsv.scheduled_sale(8.0, 400_000.0, 100.0) == (0.0, 0.0, 8.0)


def test_scheduled_sale_of_an_empty_reserve_changes_nothing() -> None:
    # min(5, 0) = 0 is not positive: no sale, and no 0/0 for the basis.
    assert rsv.scheduled_sale(0.0, 0.0, 5.0) == (0.0, 0.0, 0.0)
    assert rsv.scheduled_sale(8.0, 400_000.0, 0.0) == (8.0, 400_000.0, 0.0)


def test_sell_rule_due() -> None:
    # Price 160,000 > 150,000, 30 days since the last sale >= 20, holdings 1 BTC: sells.
    assert rsv.sell_rule_due(160_000.0, 150_000.0, 40, 10, 20, 1.0)
    # Only 19 days since the last sale (29 - 10) < 20: waits.
    assert not rsv.sell_rule_due(160_000.0, 150_000.0, 29, 10, 20, 1.0)
    # Price not above the threshold (equal): no sale.
    assert not rsv.sell_rule_due(150_000.0, 150_000.0, 40, 10, 20, 1.0)
    # Empty reserve: no sale.
    assert not rsv.sell_rule_due(160_000.0, 150_000.0, 40, 10, 20, 0.0)
    # Never sold: day 0 - NEVER_SOLD_DAY = 10**18 days have passed.
    assert rsv.sell_rule_due(160_000.0, 150_000.0, 0, rsv.NEVER_SOLD_DAY, 30, 1.0)


def test_sell_fraction() -> None:
    # Sell 0.25 of 8 BTC = 2 BTC; basis 400,000 - 400,000 * 0.25 = 300,000.
    assert rsv.sell_fraction(8.0, 400_000.0, 0.25) == (6.0, 300_000.0, 2.0)


def test_flow_neutral_drawdown_step() -> None:
    step = rsv.update_flow_neutral_drawdown
    # Price up 20 %: position 100 -> 120, no inflow; index 1 x 120 / 100 = 1.2 is a new peak.
    assert step(120.0, 0.0, 100.0, 1.0, 1.0, 0.125) == (1.2, 1.2, 0.125)
    # Price down 25 % from the peak: index 1.2 x 90 / 120 = 0.9, drawdown 1 - 0.9 / 1.2 = 0.25.
    index, peak, dd = step(90.0, 0.0, 120.0, 1.2, 1.2, 0.125)
    assert (index, peak) == (pytest.approx(0.9), 1.2) and dd == pytest.approx(0.25)
    # A purchase of 50 at an unchanged price: position 100 -> 150 with inflow 50, no return.
    assert step(150.0, 50.0, 100.0, 0.8, 1.0, 0.2) == (0.8, 1.0, 0.2)
    # A sale turns BTC into cash: the position (BTC + cash) is unchanged, so is the index.
    assert step(100.0, 0.0, 100.0, 0.8, 1.0, 0.2) == (0.8, 1.0, 0.2)
    # A day that starts with nothing held has no return (and no 0/0).
    assert step(0.0, 0.0, 0.0, 1.0, 1.0, 0.0) == (1.0, 1.0, 0.0)
    assert step(40.0, 40.0, 0.0, 1.0, 1.0, 0.0) == (1.0, 1.0, 0.0)


def test_sale_of_everything_leaves_no_dust() -> None:
    # Regression: 0.1 x 3 in floats is 0.30000000000000004, and selling "the rest"
    # left basis - basis x sell / holdings = ~1e-16 USD, so 0 BTC was "below cost".
    hold, basis, _ = rsv.scheduled_sale(0.3, 1_000.0, 0.1)
    hold, basis, _ = rsv.scheduled_sale(hold, basis, 0.1)
    hold, basis, sold = rsv.scheduled_sale(hold, basis, 0.1)
    assert (hold, basis) == (0.0, 0.0) and sold > 0.0
    assert not rsv.below_cost(hold, basis, 50_000.0)
    # A sale leaving less than one satoshi (1e-8 BTC) sells all of it.
    assert rsv.scheduled_sale(1.0, 500.0, 1.0 - 4e-9) == (0.0, 0.0, 1.0)
    # A sell rule's fraction that leaves under a satoshi sells all of it too.
    assert rsv.sell_fraction(1.5e-8, 7.0, 0.5) == (0.0, 0.0, 1.5e-8)
    # Leaving one satoshi or more keeps the pro rata rule: 2 sat - 1 sat = 1 sat.
    assert rsv.sell_fraction(2e-8, 8.0, 0.5) == (1e-8, 4.0, 1e-8)


def test_below_cost() -> None:
    # 2 BTC at 40,000 = 80,000 < basis 100,000: below cost; at 60,000 = 120,000: not.
    assert rsv.below_cost(2.0, 100_000.0, 40_000.0)
    assert not rsv.below_cost(2.0, 100_000.0, 60_000.0)


def test_plain_python_and_compiled_agree() -> None:
    # The compiled functions and their Python source give the same bits.
    args = (3.0, 1e5 / 3.0, 71_234.5, rsv.SELL_TO_COVER)
    assert rsv.dispose_mined(*args) == rsv.dispose_mined.py_func(*args)
    args2 = (7.0, 123_456.7, 2.5)
    assert rsv.scheduled_sale(*args2) == rsv.scheduled_sale.py_func(*args2)
    assert np.array_equal(
        rsv.purchase(0.0, 1e4, 65_432.1, 5e3), rsv.purchase.py_func(0.0, 1e4, 65_432.1, 5e3)
    )
