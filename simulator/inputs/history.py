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


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _dates(column: pd.Series, name: str, shown: str) -> pd.DatetimeIndex:
    """Parse ``YYYY-MM-DD`` (optionally followed by a time: ``T...`` or a space)."""
    text = column.str.strip()
    rest = text.str[10:]
    ok_rest = (rest == "") | rest.str.startswith("T") | rest.str.startswith(" ")
    dates = pd.to_datetime(text.str[:10].where(ok_rest), format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        bad = column.iloc[int(np.flatnonzero(dates.isna().to_numpy())[0])]
        raise HistoryError(shown, f"{name}: not a date (got {bad!r}, expected YYYY-MM-DD)")
    return pd.DatetimeIndex(dates, name="date")


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
        If the file is missing or unreadable, lacks the date or price column,
        has unparseable or duplicate dates, dates out of order, or a price
        (or hashrate) that is not a positive number.
    """
    path = Path(path)
    shown = str(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, index_col=False)
    except FileNotFoundError:
        raise HistoryError(shown, "file not found") from None
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise HistoryError(shown, f"cannot read CSV ({_one_line(exc)})") from None
    except pd.errors.EmptyDataError:
        raise HistoryError(shown, "the file is empty") from None
    fmt, date_col, mapping = _layout([str(c).strip() for c in raw.columns], shown)
    raw.columns = [str(c).strip() for c in raw.columns]
    price_col = next(src for src, (std, _) in mapping.items() if std == "price_usd")
    raw = raw[raw[price_col].str.strip() != ""]
    if raw.empty:
        raise HistoryError(shown, "no rows with a price")
    index = _dates(raw[date_col], date_col, shown)
    if index.has_duplicates:
        raise HistoryError(
            shown, f"{date_col}: duplicate date {index[index.duplicated()][0].date()}"
        )
    if not index.is_monotonic_increasing:
        i = int(np.flatnonzero(np.diff(index.values) < np.timedelta64(0))[0])
        raise HistoryError(
            shown,
            f"{date_col}: dates out of order ({index[i].date()} before {index[i + 1].date()})",
        )
    frame = pd.DataFrame(index=index)
    for src, (std, factor) in mapping.items():
        if src not in raw.columns or std in frame.columns:
            continue
        text = raw[src].str.strip()
        values = pd.to_numeric(text.where(text != ""), errors="coerce").to_numpy(np.float64)
        # Blank cells are allowed (Coin Metrics leaves early fields empty); text that
        # is not a number, and infinities, are errors.
        bad = (np.isnan(values) & (text != "").to_numpy()) | np.isinf(values)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise HistoryError(
                shown, f"{src}: not a number on {index[row].date()} (got {raw[src].iloc[row]!r})"
            )
        frame[std] = values * factor
    for std in ("price_usd", "hashrate_ehs"):
        if std in frame.columns and (frame[std] <= 0).any():
            day = frame.index[np.flatnonzero((frame[std] <= 0).to_numpy())[0]].date()
            raise HistoryError(
                shown, f"{std}: must be > 0 (got {frame.loc[str(day), std]} on {day})"
            )
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
        Indexed by ``date`` (sorted, unique); one float column per path.

    Raises
    ------
    HistoryError
        Missing file or column, bad or duplicate dates, non-positive values.
    """
    path = Path(path)
    shown = str(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, index_col=False)
    except FileNotFoundError:
        raise HistoryError(shown, "file not found") from None
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise HistoryError(shown, f"cannot read CSV ({_one_line(exc)})") from None
    raw.columns = [str(c).strip() for c in raw.columns]
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
    index = _dates(raw[date_col], date_col, shown)
    if index.has_duplicates:
        raise HistoryError(
            shown, f"{date_col}: duplicate date {index[index.duplicated()][0].date()}"
        )
    frame = pd.DataFrame(index=index)
    for c in values:
        numbers = pd.to_numeric(raw[c].str.strip(), errors="coerce").to_numpy(dtype=np.float64)
        bad_rows = np.flatnonzero(~np.isfinite(numbers) | (numbers <= 0))
        if len(bad_rows):
            r = int(bad_rows[0])
            raise HistoryError(
                shown,
                f"{c}: must be a positive number (got {raw[c].iloc[r]!r} on {index[r].date()})",
            )
        frame[c] = numbers
    if len(frame) < 2:
        raise HistoryError(shown, "need at least two dated rows")
    return frame.sort_index()


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
