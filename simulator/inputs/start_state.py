"""Start a scenario from the real state on a day of a history file.

:func:`start_state` reads a history file (any layout of
:func:`simulator.inputs.history.load_history`) and returns, for each scenario
key it fills, the value at the end of the chosen day, its unit and where it
came from (file name, column as named in the file, day or window):

=============================  ==========  =============================================
key                            unit        from
=============================  ==========  =============================================
``scenario.start_date``        (date)      the day: ``"latest"`` or a date in the file
``market.price.start_usd``     USD/BTC     the day's close
``chain.start_height``         blocks      :func:`~simulator.inputs.chain_state.estimate_height`
``chain.start_difficulty``     (none)      :func:`~simulator.inputs.chain_state.difficulty_at_end`
``chain.epoch_elapsed_days``   days        from the block counts, when the file allows it
``market.network.start_ehs``   EH/s        mean of the daily hashrate over the 7 days
                                           to the day
``chain.fees_btc_per_block``   BTC/block   the fees over the 30 days to the day divided
                                           by their blocks
=============================  ==========  =============================================

Rules:

* The last full day (``"latest"``) is the last row on which every column the
  start state reads on the day (price, hashrate, difficulty, fees, blocks) is
  filled in and the block count is above zero. The Coin Metrics file ends
  with the current, unfinished day, on which only the ``ReferenceRate``
  columns are filled (2026-03-23 in the snapshot of that day); its blank
  ``PriceUSD`` already drops it, and a day whose chain columns lag its price
  is passed over by this rule. A low block count alone does not mark a day
  as unfinished: full days have had as few as 58 blocks (2021-06-27).
* The hashrate: the file's daily hashrate (``HashRate``, ``hashrate_ths`` or
  ``hashrate_ehs``), which Coin Metrics derives from the day's blocks and
  difficulty and which is noisy, averaged over the 7 days to the day. It is
  the whole network measured, taken as the rest of the network at the start:
  an operation that adds to the network comes on top of it.
* The fees per block: the fees paid over the 30 days to the day divided by
  the blocks found in them, so each block counts once (a slow day weighs
  less than in a mean of the daily ratios).
* A Coin Metrics file without ``DiffMean`` (its current free file) gets the
  difficulty back from Coin Metrics' own definition of the hashrate:
  ``HashRate x 1e12 x 86400 / (BlkCnt x 2^32)`` (see ``shared/data/README.md``).

Every problem with the file is one :class:`~simulator.inputs.errors.HistoryError`
line naming it: a missing column (named as the layout names it), a day
outside the file or missing from it, a blank value on the day or in a
window, too few days for a window, or a height the file cannot give.

References
----------
.. [1] Coin Metrics, community network data (CC BY-NC 4.0), field
   definitions: ``HashRate`` is ``DiffMean x BlkCnt x 2^32 / 86400`` [H/s];
   https://github.com/coinmetrics/data.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from simulator.inputs.chain_state import (
    GENESIS,
    HeightEstimate,
    difficulty_at_end,
    epoch_elapsed_at,
    estimate_height,
)
from simulator.inputs.errors import HistoryError
from simulator.inputs.history import load_history
from simulator.model.protocol import HASHES_PER_DIFFICULTY, RETARGET_INTERVAL, SECONDS_PER_DAY

__all__ = [
    "FEE_WINDOW_DAYS",
    "HASHRATE_WINDOW_DAYS",
    "StartState",
    "StartValue",
    "start_state",
]

#: Days in the trailing mean of the network hashrate [days].
HASHRATE_WINDOW_DAYS = 7
#: Days in the trailing fees per block [days].
FEE_WINDOW_DAYS = 30

_H_PER_EH = 1e18
#: The columns read on the start day; the height may also need supply_btc.
_ON_THE_DAY = ("price_usd", "hashrate_ehs", "difficulty", "fees_btc", "blocks")
_COINMETRICS = {
    "price_usd": "PriceUSD",
    "hashrate_ehs": "HashRate",
    "difficulty": "DiffMean",
    "issuance_btc": "IssTotNtv",
    "fees_btc": "FeeTotNtv",
    "blocks": "BlkCnt",
    "supply_btc": "SplyCur",
}


class StartValue(NamedTuple):
    """One scenario input read from the file.

    Attributes
    ----------
    value : datetime.date, int or float
        The value, in ``unit``.
    unit : str
        Its unit, as the scenario schema states it (``""``: a date or a pure number).
    source : str
        ``"FILE, COLUMN(S) DAY or WINDOW"``, e.g.
        ``"btc_daily.csv, hashrate_ths 7-day mean 2025-12-25..2025-12-31"``.
    """

    value: dt.date | int | float
    unit: str
    source: str


@dataclass(frozen=True)
class StartState:
    """The real state at the end of a day of a history file.

    Attributes
    ----------
    day : datetime.date
        The start day: its end is the start of the run.
    file : str
        The file's name (no folder).
    values : dict of str to StartValue
        By dotted scenario key (see the module docstring), in that order;
        ``chain.epoch_elapsed_days`` only if the file gives it.
    """

    day: dt.date
    file: str
    values: dict[str, StartValue]


def _columns(path: Path, fmt: str) -> dict[str, str]:
    """Standard column -> the name the file gives it (the first header names a layout maps)."""
    if fmt == "coinmetrics":
        return dict(_COINMETRICS)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = next(row for row in csv.reader(handle) if "".join(row).strip())
    names = {name.strip() for name in header}
    hashrate = next((n for n in ("hashrate_ths", "hashrate_ehs") if n in names), "hashrate_ehs")
    return {"hashrate_ehs": hashrate} | {
        std: std
        for std in ("price_usd", "difficulty", "issuance_btc", "fees_btc", "blocks", "supply_btc")
    }


def _checked(frame: pd.DataFrame, fmt: str, names: dict[str, str], shown: str) -> pd.DataFrame:
    """The frame with a difficulty column, after checking that the columns are there."""
    derive = fmt == "coinmetrics" and "difficulty" not in frame.columns
    wanted = [c for c in _ON_THE_DAY if not (derive and c == "difficulty")]
    if frame.index[0].date() != GENESIS:
        wanted.append("supply_btc")  # the height from the supply (see estimate_height)
    missing = [names[c] for c in wanted if c not in frame.columns]
    if missing:
        plain = fmt != "coinmetrics" and names["hashrate_ehs"] in missing
        also = " (or hashrate_ths)" if plain else ""
        raise HistoryError(
            shown,
            f"to start from this file it needs the column(s) {', '.join(missing)}{also}; "
            f"the {fmt} layout read has {', '.join(names[c] for c in frame.columns)}",
        )
    if not derive:
        return frame
    blocks = frame["blocks"].to_numpy()
    out = frame.copy()
    out["difficulty"] = np.divide(
        frame["hashrate_ehs"].to_numpy() * _H_PER_EH * SECONDS_PER_DAY,
        blocks * HASHES_PER_DIFFICULTY,
        out=np.full(len(frame), np.nan),
        where=blocks > 0,
    )
    return out


def _full(frame: pd.DataFrame) -> np.ndarray:
    """True on full days: every column read on the day filled in and some blocks found."""
    filled = frame[list(_ON_THE_DAY)].notna().all(axis=1).to_numpy()
    return filled & (frame["blocks"].fillna(0.0).to_numpy() > 0)


def _day(
    frame: pd.DataFrame, when: Literal["latest"] | dt.date, names: dict[str, str], shown: str
) -> pd.Timestamp:
    """The start day, checked: in the file, a row of it, and full."""
    full = _full(frame)
    if isinstance(when, str):
        if when != "latest":
            raise ValueError(f"when must be 'latest' or a date (got {when!r})")
        if not full.any():
            raise HistoryError(shown, "no full day: every row lacks a value the start state needs")
        return frame.index[int(np.flatnonzero(full)[-1])]
    day = pd.Timestamp(when.year, when.month, when.day)
    first, last = frame.index[0].date(), frame.index[-1].date()
    if not frame.index[0] <= day <= frame.index[-1]:
        raise HistoryError(shown, f"{day.date()} is outside the file, which covers {first}..{last}")
    if day not in frame.index:
        raise HistoryError(
            shown, f"{day.date()} is missing from the file (a gap in {first}..{last})"
        )
    row = frame.loc[day]
    blank = [names[c] for c in _ON_THE_DAY if pd.isna(row[c])]
    if blank:
        raise HistoryError(shown, f"{', '.join(blank)} blank on {day.date()}; pick another day")
    if not full[frame.index.get_indexer([day])[0]]:
        raise HistoryError(shown, f"no blocks on {day.date()}; pick another day")
    return day


def _window(
    frame: pd.DataFrame,
    day: pd.Timestamp,
    columns: list[str],
    n_days: int,
    what: str,
    names: dict[str, str],
    shown: str,
) -> tuple[pd.DataFrame, str]:
    """The ``n_days`` rows to ``day``, all present and filled in, and the window as text."""
    start = day - pd.Timedelta(days=n_days - 1)
    span = f"{start.date()}..{day.date()}"
    part = frame.loc[start:day, columns]
    if len(part) < n_days:
        raise HistoryError(
            shown,
            f"the {what} to {day.date()} needs the {n_days} days {span}; the file has "
            f"{len(part)} of them (it covers {frame.index[0].date()}..{frame.index[-1].date()})",
        )
    blank = part.isna().any(axis=1).to_numpy()
    if blank.any():
        i = int(np.flatnonzero(blank)[0])
        column = next(names[c] for c in columns if pd.isna(part[c].iloc[i]))
        raise HistoryError(
            shown, f"{column} is blank on {part.index[i].date()}, in the {what} {span}"
        )
    return part, span


def _height_text(height: HeightEstimate, day: dt.date, names: dict[str, str]) -> str:
    """Where the height came from, in the file's column names."""
    blocks, supply = names["blocks"], names["supply_btc"]
    if height.route == "genesis":
        return f"sum of {blocks} {GENESIS}..{day}"
    if height.route == "anchor":
        return f"{supply} on {height.anchor} plus {blocks} to {day}"
    return f"{supply} on {day} (reads low by unclaimed subsidies)"


def start_state(path: str | Path, when: Literal["latest"] | dt.date = "latest") -> StartState:
    """The real state at the end of a day of a history file, with units and sources.

    Parameters
    ----------
    path : str or pathlib.Path
        A history file in a layout of :func:`simulator.inputs.history.load_history`
        with price, hashrate, fees, blocks and, unless its rows start at
        genesis, supply (and difficulty, except a Coin Metrics file).
    when : "latest" or datetime.date, default "latest"
        The start day: the last full day of the file (see the module
        docstring) or a full day in it.

    Returns
    -------
    StartState
        The day and, by dotted scenario key, each value with its unit and source.

    Raises
    ------
    HistoryError
        If the file cannot be read (see ``load_history``), lacks a column,
        the day is outside the file, missing from it or has a blank value or
        no blocks, a window does not fit in the file or has a blank value, or
        the height or difficulty cannot be inferred. The message is one line
        naming the file.
    ValueError
        If ``when`` is a string other than ``"latest"``.
    """
    path = Path(path)
    shown = str(path)
    frame = load_history(path)
    fmt, name = str(frame.attrs["format"]), str(frame.attrs["source"])
    names = _columns(path, fmt)
    if fmt == "coinmetrics" and "difficulty" not in frame.columns:
        names["difficulty"] = f"difficulty from {names['hashrate_ehs']} and {names['blocks']}"
    frame = _checked(frame, fmt, names, shown)
    day = _day(frame, when, names, shown)
    # Unfinished days after it would hide a retarget on it (see difficulty_at_end).
    frame = frame[_full(frame) | (frame.index <= day)]
    date = day.date()
    try:
        height = estimate_height(frame, day)
        exact = height.height if height.exact else None
        difficulty = difficulty_at_end(frame["difficulty"], frame["blocks"], day, exact)
    except ValueError as exc:
        raise HistoryError(shown, str(exc)) from None
    hashes, hash_span = _window(
        frame, day, ["hashrate_ehs"], HASHRATE_WINDOW_DAYS, "7-day hashrate mean", names, shown
    )
    fees, fee_span = _window(
        frame, day, ["fees_btc", "blocks"], FEE_WINDOW_DAYS, "30-day fees per block", names, shown
    )
    diff_name = names["difficulty"]
    diff_text = {
        "day": f"{diff_name} on {date}",
        "next": f"{diff_name} on {date + dt.timedelta(days=1)} (a retarget inside {date})",
        "split": f"{diff_name} and {names['blocks']} on {date - dt.timedelta(days=1)}..{date} "
        f"(the new epoch's blocks of a retarget inside {date})",
    }[difficulty.route]
    picked = f"last full day ({date})" if isinstance(when, str) else f"{date} as given"
    values = {
        "scenario.start_date": StartValue(date, "", f"{name}, {picked}"),
        "market.price.start_usd": StartValue(
            float(frame.at[day, "price_usd"]), "USD/BTC", f"{name}, {names['price_usd']} on {date}"
        ),
        "chain.start_height": StartValue(
            height.height, "blocks", f"{name}, {_height_text(height, date, names)}"
        ),
        "chain.start_difficulty": StartValue(difficulty.value, "", f"{name}, {diff_text}"),
    }
    elapsed = epoch_elapsed_at(frame, day, height.height) if height.exact else None
    if elapsed is not None:
        after = height.height + 1  # the epoch began when the block before its first was found
        since = after - after % RETARGET_INTERVAL - 1
        values["chain.epoch_elapsed_days"] = StartValue(
            elapsed, "days", f"{name}, {names['blocks']} to {date} since block {since:,} was found"
        )
    values["market.network.start_ehs"] = StartValue(
        float(hashes["hashrate_ehs"].mean()),
        "EH/s",
        f"{name}, {names['hashrate_ehs']} {HASHRATE_WINDOW_DAYS}-day mean {hash_span}",
    )
    values["chain.fees_btc_per_block"] = StartValue(
        float(fees["fees_btc"].sum() / fees["blocks"].sum()),
        "BTC/block",
        f"{name}, {names['fees_btc']} / {names['blocks']} over the {FEE_WINDOW_DAYS} days "
        f"{fee_span}",
    )
    return StartState(day=date, file=name, values=values)
