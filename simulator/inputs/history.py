"""Real Bitcoin history: read daily CSV files into one standard frame.

Three layouts are recognised from the header row:

``coinmetrics``
    The Coin Metrics community network-data file (``csv/btc.csv`` of
    ``coinmetrics/data``): ``time, PriceUSD, HashRate [TH/s], IssTotNtv,
    FeeTotNtv, BlkCnt, SplyCur`` and (in older files) ``DiffMean``. Other
    columns are ignored.
``btcsim``
    The renamed Coin Metrics columns used by ``shared/data/btc_daily.csv``:
    ``date, price_usd, hashrate_ths, difficulty, issuance_btc, fees_btc,
    blocks, supply_btc``.
``plain``
    ``date, price_usd`` and optionally ``hashrate_ehs`` (or ``hashrate_ths``).

Every layout maps to the same frame: a daily :class:`pandas.DatetimeIndex`
named ``date`` (sorted, no duplicates) and the columns of
:data:`STANDARD_COLUMNS` that the file provides, in SI-style units named by
suffix. Rows without a price (Coin Metrics' first 18 months) are dropped.
Missing days are allowed but reported in ``frame.attrs["gaps"]``.

History files and the ``csv`` models' path files (:func:`load_paths`) are read
by :mod:`simulator.inputs.csv_files`, with the same rules for both: a regular
file of at most 64 MiB, UTF-8, one value per header field, dates strictly
increasing. Every problem is one :class:`HistoryError` line naming the file
and the line.

This module reads files; it sits at the edge with the CLI (DESIGN.md s. 1)
and no model module imports it.

References
----------
.. [1] Coin Metrics, "Community network data" (CC BY-NC 4.0),
   https://github.com/coinmetrics/data, field definitions in its docs:
   ``HashRate`` is the mean hash rate of the day in TH/s,
   ``IssTotNtv`` the new BTC issued, ``FeeTotNtv`` the fees in BTC.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.inputs.csv_files import parse_dates, read_table
from simulator.inputs.errors import HistoryError

__all__ = [
    "HistoryError",
    "STANDARD_COLUMNS",
    "load_history",
    "parse_window",
    "select_window",
    "find_gaps",
    "load_paths",
    "summarize",
]

#: Standard columns and their units, in the order they appear in a frame.
STANDARD_COLUMNS: dict[str, str] = {
    "price_usd": "USD/BTC, close at the end of the day (00:00 UTC next day)",
    "hashrate_ehs": "EH/s, mean hash rate of the day",
    "difficulty": "-, mean difficulty of the day's blocks",
    "issuance_btc": "BTC/day, new coins (block subsidies), fees excluded",
    "fees_btc": "BTC/day, transaction fees paid to miners",
    "blocks": "blocks/day",
    "supply_btc": "BTC, supply at the end of the day",
}

_TH_PER_EH = 1e6
#: Standard columns that must be > 0; the others (counts of coins and blocks) must be >= 0.
_POSITIVE = frozenset({"price_usd", "hashrate_ehs", "difficulty"})
_RANGE = {True: "must be > 0", False: "must be >= 0"}
# source column -> (standard column, factor to the standard unit)
_LAYOUTS: dict[str, tuple[str, dict[str, tuple[str, float]]]] = {
    "coinmetrics": (
        "time",
        {
            "PriceUSD": ("price_usd", 1.0),
            "HashRate": ("hashrate_ehs", 1 / _TH_PER_EH),
            "DiffMean": ("difficulty", 1.0),
            "IssTotNtv": ("issuance_btc", 1.0),
            "FeeTotNtv": ("fees_btc", 1.0),
            "BlkCnt": ("blocks", 1.0),
            "SplyCur": ("supply_btc", 1.0),
        },
    ),
    "btcsim": (
        "date",
        {
            "price_usd": ("price_usd", 1.0),
            "hashrate_ths": ("hashrate_ehs", 1 / _TH_PER_EH),
            "hashrate_ehs": ("hashrate_ehs", 1.0),
            "difficulty": ("difficulty", 1.0),
            "issuance_btc": ("issuance_btc", 1.0),
            "fees_btc": ("fees_btc", 1.0),
            "blocks": ("blocks", 1.0),
            "supply_btc": ("supply_btc", 1.0),
        },
    ),
}


def _layout(columns: list[str], shown: str) -> tuple[str, str, dict[str, tuple[str, float]]]:
    if "time" in columns and "PriceUSD" in columns:
        date_col, mapping = _LAYOUTS["coinmetrics"]
        return "coinmetrics", date_col, mapping
    if "date" in columns and "price_usd" in columns:
        date_col, mapping = _LAYOUTS["btcsim"]
        rich = {"issuance_btc", "blocks"} <= set(columns)
        return ("btcsim" if rich else "plain"), date_col, mapping
    found = ", ".join(columns[:8]) + (", ..." if len(columns) > 8 else "")
    raise HistoryError(
        shown,
        "missing columns: expected Coin Metrics (time, PriceUSD, ...) or "
        f"date, price_usd[, hashrate_ehs] (got {found})",
    )


def _kept(columns: list[str], shown: str) -> list[str]:
    """The date column and the mapped columns of the header's layout (the rest is not kept)."""
    _, date_col, mapping = _layout(columns, shown)
    return [date_col, *(src for src in mapping if src in columns)]


def find_gaps(index: pd.DatetimeIndex) -> list[tuple[dt.date, dt.date, int]]:
    """Missing runs of days in a sorted daily index.

    Returns
    -------
    list of (first_missing, last_missing, n_days)
        One entry per run of consecutive missing days [day].
    """
    if len(index) < 2:
        return []
    step = np.diff(index.values).astype("timedelta64[D]").astype(np.int64)
    gaps = []
    for i in np.flatnonzero(step > 1):
        first = (index[i] + pd.Timedelta(days=1)).date()
        last = (index[i + 1] - pd.Timedelta(days=1)).date()
        gaps.append((first, last, int(step[i] - 1)))
    return gaps


def load_history(path: str | Path) -> pd.DataFrame:
    """Read a daily history CSV into the standard frame.

    Parameters
    ----------
    path : str or pathlib.Path
        A Coin Metrics, btcsim or plain CSV file (see the module docstring).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``date`` (daily, sorted, unique), with the columns of
        :data:`STANDARD_COLUMNS` the file provides. ``attrs`` holds
        ``source`` (the file name), ``format`` and ``gaps`` (see
        :func:`find_gaps`).

    Raises
    ------
    HistoryError
        If the file cannot be read as CSV (see
        :func:`simulator.inputs.csv_files.read_table`: not a regular file,
        too big, not UTF-8, a record with more or fewer fields than the
        header), lacks the date or price column, has unparseable or duplicate
        dates or dates out of order, or a value that is not a number or is out
        of range (price, hashrate and difficulty > 0, the counts >= 0). The
        message names the line.
    """
    path = Path(path)
    shown = str(path)
    raw = read_table(path, lambda columns: _kept(columns, shown))
    fmt, date_col, mapping = _layout(list(raw.columns), shown)
    price_col = next(src for src, (std, _) in mapping.items() if std == "price_usd")
    raw = raw[raw[price_col].str.strip() != ""]
    if raw.empty:
        raise HistoryError(shown, "no rows with a price")
    index = parse_dates(raw[date_col], shown)
    frame = pd.DataFrame(index=index)
    for src, (std, factor) in mapping.items():
        if src not in raw.columns or std in frame.columns:
            continue
        text = raw[src].str.strip()
        values = pd.to_numeric(text.where(text != ""), errors="coerce").to_numpy(np.float64)
        # Blank cells are allowed (Coin Metrics leaves early fields empty); text that
        # is not a number, infinities and values out of range are errors.
        bad = (np.isnan(values) & (text != "").to_numpy()) | np.isinf(values)
        low = values <= 0 if std in _POSITIVE else values < 0
        if (bad | low).any():
            row = int(np.flatnonzero(bad | low)[0])  # the first line at fault
            what = "not a number" if bad[row] else _RANGE[std in _POSITIVE]
            raise HistoryError(
                shown,
                f"line {raw.index[row]}: {src}: {what} on {index[row].date()} "
                f"(got {raw[src].iloc[row]!r})",
            )
        frame[std] = values * factor
    frame = frame[[c for c in STANDARD_COLUMNS if c in frame.columns]]
    frame.attrs.update(source=path.name, format=fmt, gaps=find_gaps(index))
    return frame


def parse_window(text: str) -> tuple[dt.date | None, dt.date | None]:
    """Parse ``"YYYY-MM-DD:YYYY-MM-DD"``; either side may be empty (open end).

    Raises
    ------
    ValueError
        If a side is not a date or the window ends before it starts.
    """
    first, sep, last = text.partition(":")
    if not sep:
        raise ValueError(f"expected FROM:TO such as 2018-01-01:2025-06-30 (got {text!r})")
    try:
        a = dt.date.fromisoformat(first.strip()) if first.strip() else None
        b = dt.date.fromisoformat(last.strip()) if last.strip() else None
    except ValueError:
        raise ValueError(
            f"not a date window, expected YYYY-MM-DD:YYYY-MM-DD (got {text!r})"
        ) from None
    if a and b and b < a:
        raise ValueError(f"the window ends before it starts (got {text!r})")
    return a, b


def select_window(
    frame: pd.DataFrame, first: dt.date | None, last: dt.date | None, min_days: int = 30
) -> pd.DataFrame:
    """Rows of ``frame`` from ``first`` to ``last`` inclusive (``None`` = open).

    Raises
    ------
    ValueError
        If fewer than ``min_days`` rows fall in the window; the message gives
        the file's date range.
    """
    part = frame.loc[
        (pd.Timestamp(first) if first else frame.index[0]) : (
            pd.Timestamp(last) if last else frame.index[-1]
        )
    ]
    if len(part) < min_days:
        have = f"{frame.index[0].date()}..{frame.index[-1].date()}"
        window = f"the window {first}:{last}" if first or last else "the file"
        raise ValueError(
            f"{window} holds {len(part)} days of data "
            f"(need at least {min_days}; the file covers {have})"
        )
    return part


def load_paths(path: str | Path, column: str | None = None) -> pd.DataFrame:
    """Read dated path values: a ``date`` column and one column per named path.

    Parameters
    ----------
    path : str or pathlib.Path
        CSV with a ``date`` (or Coin Metrics ``time``) column and positive
        numeric columns (e.g. ``bear, base, bull`` [USD/BTC] or
        ``hashrate_ehs`` [EH/s]).
    column : str, optional
        Keep only this column.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``date`` (strictly increasing, as in the file); one float
        column per path.

    Raises
    ------
    HistoryError
        If the file cannot be read as CSV (as for :func:`load_history`), a
        column is missing, a date is bad, repeated or out of order (the rows
        are not sorted for you, as history files are not), a value is not a
        positive number, or there are fewer than two rows. The message names
        the line.
    """
    shown = str(path)
    raw = read_table(path)
    date_col = next((c for c in ("date", "time") if c in raw.columns), None)
    if date_col is None:
        raise HistoryError(shown, f"missing column: date (got {', '.join(raw.columns)})")
    values = [c for c in raw.columns if c != date_col]
    if column is not None:
        if column not in values:
            raise HistoryError(shown, f"no column {column!r} (columns: {', '.join(values)})")
        values = [column]
    if not values:
        raise HistoryError(shown, "no value columns beside the date")
    index = parse_dates(raw[date_col], shown)  # the same date rules as load_history
    columns: dict[str, np.ndarray] = {}
    for c in values:
        numbers = pd.to_numeric(raw[c].str.strip(), errors="coerce").to_numpy(dtype=np.float64)
        bad_rows = np.flatnonzero(~np.isfinite(numbers) | (numbers <= 0))
        if len(bad_rows):
            r = int(bad_rows[0])
            raise HistoryError(
                shown,
                f"line {raw.index[r]}: {c}: must be a positive number "
                f"(got {raw[c].iloc[r]!r} on {index[r].date()})",
            )
        columns[c] = numbers
    if len(index) < 2:
        raise HistoryError(shown, "need at least two dated rows")
    return pd.DataFrame(columns, index=index)  # at once: no fragmentation warning


def summarize(frame: pd.DataFrame) -> pd.DataFrame:
    """Year-by-year statistics of a history frame.

    For each calendar year: days of data, first and last close [USD/BTC],
    annualised drift of daily log returns (mean x 365.25) [1/year],
    annualised volatility (sd x sqrt(365.25)) [1/sqrt(year)], and, when the
    file has hashrate, the mean hashrate of the year's last and first 30 days
    [EH/s] and their ratio minus one as the hashrate growth [-]. Returns
    spanning a gap are left out.

    References
    ----------
    .. [1] Campbell, J. Y., Lo, A. W. & MacKinlay, A. C. (1997). *The
       Econometrics of Financial Markets*. Princeton. Ch. 1 (annualising
       moments of log returns).
    """
    price = frame["price_usd"]
    step = frame.index.to_series().diff().dt.days
    logret = np.log(price).diff().where(step == 1)
    rows = []
    for year, part in frame.groupby(frame.index.year):
        r = logret.loc[part.index].dropna()
        row: dict[str, float | int] = {
            "year": int(year),
            "days": len(part),
            "first_usd": float(part["price_usd"].iloc[0]),
            "last_usd": float(part["price_usd"].iloc[-1]),
            "drift_per_year": float(r.mean() * 365.25) if len(r) > 1 else np.nan,
            "volatility_per_year": float(r.std(ddof=1) * np.sqrt(365.25)) if len(r) > 1 else np.nan,
        }
        if "hashrate_ehs" in part:
            h = part["hashrate_ehs"]
            first, last = float(h.iloc[:30].mean()), float(h.iloc[-30:].mean())
            row.update(
                hashrate_first_ehs=first, hashrate_last_ehs=last, hashrate_growth=last / first - 1
            )
        rows.append(row)
    return pd.DataFrame(rows)
