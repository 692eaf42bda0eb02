"""Reserve accounting: one day's purchases, sales, sell rules, cost basis and drawdown.

Small step functions on scalar floats, compiled with numba, that the fused
kernel (:mod:`simulator.engine.kernel`) calls per path and the numpy
reference (:mod:`simulator.engine.reference`) maps over the paths of a block,
so each rule is written once. Each function takes one reserve's state for one
path and returns the new state; the caller keeps the running totals.

Rules (DESIGN.md, "Reserve")::

    holdings(t+1) = holdings + bought + mined inflow - sold       (never negative)
    cost basis    = average cost: purchases and mined inflows add what they cost,
                    a sale removes the sold fraction of the basis
    position      = holdings x price + USD received from sales (kept as cash)
    drawdown      = 1 - index / running peak of index, on the flow-neutral index
                    index(t) = index(t-1) x (position(t) - inflow(t)) / position(t-1),
                    inflow = USD spent on purchases + mined BTC kept x price

Purchases buy a fixed BTC amount or spend a fixed USD amount per day, capped
by the programme's remaining budget. Scheduled sales are capped at the
holdings. A sell rule sells a fraction of the holdings on a day whose price is
above its threshold, at most once every so many days. A mining operation's
BTC is held, sold, or sold just enough to cover its cash cost; what is kept
enters its reserve at the cash the state paid for it that day.

Dust: selling to cover a day's cost pays it exactly (no residue of
``cash - cash / price * price``, which summed to a ~1e-10 USD cost basis for
a reserve that never paid anything), and a sale that would leave less than
one satoshi (:data:`SATOSHI_BTC`, the protocol's smallest unit) sells the
whole holding and clears the basis exactly. Without this, sales that add up
to the holdings in float arithmetic leave ~1e-13 BTC and a basis residue of
~1e-15 USD, which made ``prob_below_cost`` 100 % for a reserve that had sold
everything.

Drawdown is measured on the time-weighted return of the reserve's position
(BTC at the day's price plus the cash from its sales), as fund accounting
does [3]_: purchases and mined inflows are new money, not gains, and a sale
turns BTC into cash at the day's price, so it is neither a gain nor a loss.
Selling half of the holding at a constant price leaves the drawdown at 0,
where a drawdown of the BTC value alone would read 50 %.

References
----------
.. [1] DESIGN.md, section "Reserve" (``reserve.py``) and the mining disposal
   policies of section "Mining".
.. [2] IFRS Foundation, IAS 2 "Inventories", paragraph 25 (weighted average
   cost formula), for the average-cost basis.
.. [3] CFA Institute (2020), *Global Investment Performance Standards (GIPS)
   for Firms*, provisions 2.A.14-2.A.16 and the glossary entries "time-weighted
   return" and "external cash flow": returns that remove the effect of
   external cash flows.
"""

from __future__ import annotations

from numba import njit

from simulator.model.protocol import SAT_PER_BTC

__all__ = [
    "HOLD",
    "SELL_ALL",
    "SELL_TO_COVER",
    "NEVER_SOLD_DAY",
    "dispose_mined",
    "credit",
    "purchase",
    "scheduled_sale",
    "sell_rule_due",
    "sell_fraction",
    "COST_TOLERANCE",
    "SATOSHI_BTC",
    "update_flow_neutral_drawdown",
    "below_cost",
]

#: Disposal policies of a mining operation's BTC: keep all, sell all, sell to cover cash cost.
HOLD, SELL_ALL, SELL_TO_COVER = 0, 1, 2
#: "Last sale day" of a sell rule that has not sold yet [day]: far enough back
#: that any minimum gap has passed.
NEVER_SOLD_DAY = -(10**18)
#: Relative difference below which two USD amounts reached by different sums are
#: the same amount [-] (far above float rounding, ~1e-13, far below any real loss).
COST_TOLERANCE = 1e-9
#: One satoshi [BTC]: a sale leaving less than this sells the whole holding.
SATOSHI_BTC = 1.0 / SAT_PER_BTC


@njit(cache=True, nogil=True)
def dispose_mined(
    btc: float, cash_usd: float, price_usd: float, disposal: int
) -> tuple[float, float]:
    """BTC a mining operation sells on a day, and the cash cost left to pay.

    Parameters
    ----------
    btc : float
        BTC mined that day [BTC].
    cash_usd : float
        Cash cost of the day (energy and other opex) [USD].
    price_usd : float
        BTC price [USD/BTC].
    disposal : int
        :data:`HOLD`, :data:`SELL_ALL` or :data:`SELL_TO_COVER`.

    Returns
    -------
    sold : float
        BTC sold [BTC]: none, all, or ``min(btc, cash / price)``.
    paid : float
        Cash cost not covered by the sales, ``max(cash - sold * price, 0)`` [USD];
        exactly 0 when selling to cover covers it (``cash / price * price``
        differs from ``cash`` in the last bit, and those bits, summed over
        ten years, were the ~1e-10 USD "cost basis" of a reserve that never
        paid anything).
    """
    sold = 0.0
    if disposal == SELL_ALL:
        sold = btc
    elif disposal == SELL_TO_COVER:
        need = cash_usd / price_usd
        if need <= btc:  # covered: nothing left to pay (cash - need * price is float dust)
            return need, 0.0
        sold = btc
    return sold, max(cash_usd - sold * price_usd, 0.0)


@njit(cache=True, nogil=True)
def credit(
    holdings_btc: float, basis_usd: float, btc: float, cost_usd: float
) -> tuple[float, float]:
    """Holdings [BTC] and cost basis [USD] after adding ``btc`` [BTC] costing ``cost_usd`` [USD]."""
    return holdings_btc + btc, basis_usd + cost_usd


@njit(cache=True, nogil=True)
def purchase(
    btc_per_day: float, usd_per_day: float, price_usd: float, budget_usd: float
) -> tuple[float, float]:
    """BTC a purchase programme buys on a day and the USD it spends.

    Parameters
    ----------
    btc_per_day : float
        BTC to buy that day [BTC]; when > 0 it takes precedence over ``usd_per_day``.
    usd_per_day : float
        USD to spend that day [USD].
    price_usd : float
        BTC price [USD/BTC].
    budget_usd : float
        Budget the programme has left [USD] (``inf``: none).

    Returns
    -------
    btc : float
        BTC bought [BTC], scaled down pro rata when the budget binds.
    usd : float
        USD spent [USD], at most ``budget_usd``.
    """
    if btc_per_day > 0.0:
        btc = btc_per_day
        usd = btc * price_usd
    else:
        usd = usd_per_day
        btc = usd / price_usd
    if usd > budget_usd:
        btc = btc * budget_usd / usd if usd > 0.0 else 0.0
        usd = budget_usd
    return btc, usd


@njit(cache=True, nogil=True)
def scheduled_sale(holdings_btc: float, basis_usd: float, btc: float) -> tuple[float, float, float]:
    """Sell ``btc`` [BTC], capped at the holdings; the basis falls pro rata.

    Returns
    -------
    holdings_btc : float
        Holdings after the sale [BTC].
    basis_usd : float
        Cost basis after the sale, ``basis * (1 - sold / holdings)`` [USD].
    sold : float
        BTC sold, ``min(btc, holdings)``, or 0 if that is not positive [BTC];
        the whole holding (and a basis of exactly 0) when the sale would
        leave less than :data:`SATOSHI_BTC`.
    """
    sell = min(btc, holdings_btc)
    if sell <= 0.0:
        return holdings_btc, basis_usd, 0.0
    if holdings_btc - sell < SATOSHI_BTC:  # all of it (or all but float dust)
        return 0.0, 0.0, holdings_btc
    return holdings_btc - sell, basis_usd - basis_usd * sell / holdings_btc, sell


@njit(cache=True, nogil=True)
def sell_rule_due(
    price_usd: float,
    above_usd: float,
    day: int,
    last_day: int,
    min_days_between: int,
    holdings_btc: float,
) -> bool:
    """Whether a sell rule sells today.

    True when the price [USD/BTC] is above the threshold [USD/BTC], at least
    ``min_days_between`` [days] have passed since the rule's last sale (day
    ``last_day``, :data:`NEVER_SOLD_DAY` if none) and the reserve holds BTC.
    """
    return price_usd > above_usd and day - last_day >= min_days_between and holdings_btc > 0


@njit(cache=True, nogil=True)
def sell_fraction(
    holdings_btc: float, basis_usd: float, fraction: float
) -> tuple[float, float, float]:
    """Sell a fraction [-] of the holdings; the basis falls by the same fraction.

    Returns
    -------
    holdings_btc : float
        Holdings after the sale [BTC].
    basis_usd : float
        Cost basis after the sale [USD].
    sold : float
        BTC sold, ``fraction * holdings`` [BTC]; the whole holding (and a
        basis of exactly 0) when the sale would leave less than
        :data:`SATOSHI_BTC`.
    """
    sold = fraction * holdings_btc
    if holdings_btc - sold < SATOSHI_BTC:
        return 0.0, 0.0, holdings_btc
    return holdings_btc - sold, basis_usd - basis_usd * fraction, sold


@njit(cache=True, nogil=True)
def update_flow_neutral_drawdown(
    position_usd: float,
    inflow_usd: float,
    previous_usd: float,
    index: float,
    peak: float,
    max_drawdown: float,
) -> tuple[float, float, float]:
    r"""One day of the flow-neutral (time-weighted) value index and its drawdown.

    .. math::

        I_t = I_{t-1}\,\frac{P_t - F_t}{P_{t-1}}, \qquad
        D = \max_t \Big(1 - \frac{I_t}{\max_{s \le t} I_s}\Big)

    where :math:`P` is the position (holdings x price + cash from sales) and
    :math:`F_t` the day's inflow (purchases and mined BTC kept, at the day's
    price). A day that starts with nothing held (:math:`P_{t-1} \le 0`) has
    no return: the index stays.

    Parameters
    ----------
    position_usd : float
        Position at the end of the day, :math:`P_t` [USD].
    inflow_usd : float
        The day's external inflow, :math:`F_t` [USD].
    previous_usd : float
        Position at the end of the day before, :math:`P_{t-1}` [USD].
    index, peak : float
        The index :math:`I_{t-1}` [-] and its running peak [-] before the day.
    max_drawdown : float
        Largest drawdown so far [-].

    Returns
    -------
    index, peak, max_drawdown : float
        After the day.
    """
    if previous_usd > 0.0:
        index = index * max(position_usd - inflow_usd, 0.0) / previous_usd
    if index > peak:
        return index, index, max_drawdown
    if peak > 0.0:
        return index, peak, max(max_drawdown, 1.0 - index / peak)
    return index, peak, max_drawdown


@njit(cache=True, nogil=True)
def below_cost(holdings_btc: float, basis_usd: float, price_usd: float) -> bool:
    """Whether the reserve's value, holdings [BTC] * price [USD/BTC], is below its basis [USD].

    Below by more than :data:`COST_TOLERANCE` of the basis: at a constant
    price the basis of BTC bought is the same amount as their value, summed
    in another order, and the last bits must not decide "below cost".
    """
    return holdings_btc * price_usd < basis_usd * (1.0 - COST_TOLERANCE)
