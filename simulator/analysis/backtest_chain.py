"""Halving dates of a backtest: when the simulated and the real chain reach each halving.

The chain's start state (height, difficulty, time into the epoch) is read by
:mod:`simulator.inputs.chain_state`; :func:`halving_dates` dates the halvings
that the simulated and the real chain of
:func:`simulator.analysis.backtest.run_backtest` cross in the window.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import pandas as pd

from simulator.model.protocol import HALVING_INTERVAL

__all__ = ["Halving", "halving_dates"]


class Halving(NamedTuple):
    """A halving inside the window.

    Attributes
    ----------
    height : int
        Height of the first block of the new era [blocks].
    sim_date : datetime.date or None
        Day on which the simulated chain mined that block.
    real_date : datetime.date or None
        First full post-halving day in the data: the first day whose
        ``issuance_btc / blocks`` equals the new subsidy (the day before is
        the mixed day; e.g. 2024-04-20, with 2024-04-19 mixed, and 2020-05-12,
        with block 630,000 mined late on 2020-05-11).
    """

    height: int
    sim_date: dt.date | None
    real_date: dt.date | None


def halving_dates(
    daily: pd.DataFrame, start_height: int, subsidy_per_block: pd.Series
) -> list[Halving]:
    """Halvings crossed by the simulated or the real chain during the window.

    Parameters
    ----------
    daily : pandas.DataFrame
        Daily backtest frame with ``sim_height`` and ``real_height`` [blocks].
    start_height : int
        Height at the end of the day before the window [blocks].
    subsidy_per_block : pandas.Series
        Real issuance per block [BTC] (unused: both dates follow the heights).

    Returns
    -------
    list of Halving
        Each halving height above ``start_height`` reached by either chain.
    """
    top = max(daily["sim_height"].iloc[-1], daily["real_height"].iloc[-1])
    out = []
    for height in range(
        (start_height // HALVING_INTERVAL + 1) * HALVING_INTERVAL, int(top) + 1, HALVING_INTERVAL
    ):
        crossed = daily.index[daily["sim_height"].to_numpy() >= height]
        sim_date = crossed[0].date() if len(crossed) else None
        # The same rule for the real chain: the day its height (start + real blocks)
        # reaches the halving height, in the data's own day buckets.
        reached = daily.index[daily["real_height"].to_numpy() >= height]
        real_date = reached[0].date() if len(reached) else None
        out.append(Halving(height, sim_date, real_date))
    return out
