"""Read a dated CSV file safely: a regular file, of bounded size, UTF-8, one value per header field.

History files and the ``csv`` models' path files are both read through
:func:`read_table` and their dates through :func:`parse_dates`, so the two
kinds of file accept and reject the same things and say so in the same words:
every problem is one :class:`~simulator.inputs.errors.HistoryError` line naming
the file and, where there is one, the line (and column) at fault.

The rules:

* Only a regular file is read (not a directory, a FIFO, ``/dev/zero``), and
  only up to :data:`MAX_BYTES`, so a wrong path cannot make btcsim read until
  memory runs out.
* The text is UTF-8 (a leading UTF-8 byte-order mark, as spreadsheet programs
  write, is allowed); a UTF-16 file, a latin-1 byte or a NUL byte is an error
  naming its line and column.
* Every record has as many fields as the header (pandas' default reader would
  drop extra values with a warning, or fill missing ones with blanks); blank
  lines are skipped, as pandas skips them. Header names are stripped of
  spaces, and must be present and distinct.
* Dates are ``YYYY-MM-DD`` (optionally followed by a time), strictly
  increasing: the first line out of order, or repeating a date, is named.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import stat
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.inputs.errors import HistoryError

__all__ = ["MAX_BYTES", "parse_dates", "read_table"]

#: Largest file read [byte]: 64 MiB. The rule: 50 years of daily rows
#: (18,263) of about 3.6 kB each (a full Coin Metrics row, some 180 columns of
#: 20 characters) fit under it. The shipped ``btc_daily.csv`` (15 years, 8
#: columns) is 0.6 MB, about a hundredth of the cap.
MAX_BYTES = 64 * 1024 * 1024

#: Chooses the columns to keep from the stripped header names (may raise HistoryError).
Choose = Callable[[list[str]], Sequence[str]]

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def _mib(n_bytes: int) -> str:
    return f"{n_bytes / 2**20:.1f} MiB"


def _read_bytes(path: Path, shown: str) -> bytes:
    """The file's bytes, after checking that it is a regular file of at most MAX_BYTES."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise HistoryError(shown, "file not found") from None
    except OSError as exc:
        raise HistoryError(shown, f"cannot read file ({exc.strerror or exc})") from None
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a plain file")
        raise HistoryError(shown, f"not a regular file ({kind}); give a CSV file")
    too_big = f"larger than the {_mib(MAX_BYTES)} a daily CSV file may be"
    if info.st_size > MAX_BYTES:
        raise HistoryError(shown, f"{_mib(info.st_size)}, {too_big}")
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)  # the size can lie (/proc) or grow meanwhile
    except OSError as exc:
        raise HistoryError(shown, f"cannot read file ({exc.strerror or exc})") from None
    if len(data) > MAX_BYTES:
        raise HistoryError(shown, f"more than {_mib(MAX_BYTES)}, {too_big}")
    return data


def _where(data: bytes, at: int) -> str:
    """``line L, column C`` of byte offset ``at`` (C counts characters, from 1)."""
    start = data.rfind(b"\n", 0, at) + 1
    column = len(data[start:at].decode("utf-8", errors="replace")) + 1
    line = data.count(b"\n", 0, at) + 1
    return f"line {line}, column {column}"


def _decode(data: bytes, shown: str) -> str:
    """UTF-8 text of ``data``, without a leading UTF-8 byte-order mark."""
    for bom, name in _WIDE_BOMS:
        if data.startswith(bom):
            raise HistoryError(shown, f"{name} text, not UTF-8; save the file as UTF-8")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    nul = data.find(b"\0")
    if nul >= 0:
        raise HistoryError(
            shown, f"{_where(data, nul)}: a NUL byte: not CSV text (a binary or UTF-16 file?)"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        where, byte = _where(data, exc.start), data[exc.start]
        raise HistoryError(
            shown, f"{where}: not UTF-8 text (byte 0x{byte:02x}); save the file as UTF-8"
        ) from None


def _header(names: list[str], line: int, shown: str) -> list[str]:
    names = [n.strip() for n in names]
    for i, name in enumerate(names):
        if not name:
            raise HistoryError(shown, f"line {line}: header field {i + 1} has no name")
        if name in names[:i]:
            raise HistoryError(shown, f"line {line}: column {name!r} appears twice in the header")
    return names


def read_table(path: str | Path, choose: Choose | None = None) -> pd.DataFrame:
    """Read a CSV file with a header row into a frame of text cells.

    Parameters
    ----------
    path : str or pathlib.Path
        The CSV file.
    choose : callable, optional
        Given the header names (stripped of spaces), returns the names of the
        columns to keep; it may raise :class:`HistoryError` (e.g. for a
        missing column). Default: keep every column.

    Returns
    -------
    pandas.DataFrame
        One text column per kept header name, cells unchanged (not stripped);
        the index, named ``line``, is the file line on which each record starts.

    Raises
    ------
    HistoryError
        If the file is missing, not a regular file, larger than
        :data:`MAX_BYTES`, not UTF-8 text or not valid CSV (an unclosed quote),
        if the header has an empty or repeated name, or if a record has more or
        fewer fields than the header. The file is empty if it has no header.
    """
    shown = str(path)
    text = _decode(_read_bytes(Path(path), shown), shown)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    keep: list[int] = []
    columns: list[list[str]] = []
    lines: list[int] = []
    while True:
        line = reader.line_num + 1  # each record starts on the line after the last one read
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise HistoryError(shown, f"line {line}: cannot read CSV ({exc})") from None
        if len(row) <= 1 and not "".join(row).strip():
            continue  # a blank line, skipped as pandas skips it
        if header is None:
            header = _header(row, line, shown)
            kept = list(choose(header)) if choose is not None else header
            keep = [header.index(name) for name in kept]
            columns = [[] for _ in keep]
            continue
        if len(row) != len(header):
            fields = f"{len(row)} field" + ("s" if len(row) != 1 else "")
            raise HistoryError(shown, f"line {line}: {fields}, header has {len(header)}")
        for cells, i in zip(columns, keep, strict=True):
            cells.append(row[i])
        lines.append(line)
    if header is None:
        raise HistoryError(shown, "the file is empty")
    index = pd.Index(np.asarray(lines, dtype=np.int64), name="line")
    return pd.DataFrame(
        {
            header[i]: pd.Series(cells, index=index, dtype=str)
            for i, cells in zip(keep, columns, strict=True)
        },
        index=index,
    )


def parse_dates(column: pd.Series, shown: str) -> pd.DatetimeIndex:
    """Parse a date column of :func:`read_table` and check that the dates increase.

    Parameters
    ----------
    column : pandas.Series
        Text cells ``YYYY-MM-DD``, optionally followed by a time (``T...`` or
        a space and anything), indexed by file line; its name is the column's.
    shown : str
        The file, for messages.

    Returns
    -------
    pandas.DatetimeIndex
        The days, named ``date``: strictly increasing.

    Raises
    ------
    HistoryError
        Naming the line of the first cell that is not a date, or of the first
        date that repeats or comes before the one above it.
    """
    name = column.name
    text = column.str.strip()
    rest = text.str[10:]
    ok_rest = (rest == "") | rest.str.startswith("T") | rest.str.startswith(" ")
    dates = pd.to_datetime(text.str[:10].where(ok_rest), format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        row = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise HistoryError(
            shown,
            f"line {column.index[row]}: {name}: not a date "
            f"(got {column.iloc[row]!r}, expected YYYY-MM-DD)",
        )
    index = pd.DatetimeIndex(dates, name="date")
    step = np.diff(index.values)
    if (step <= np.timedelta64(0)).any():
        i = int(np.flatnonzero(step <= np.timedelta64(0))[0])
        before, day = index[i].date(), index[i + 1].date()
        where = f"line {column.index[i + 1]}: {name}"
        if day == before:
            raise HistoryError(
                shown, f"{where}: duplicate date {day} (also on line {column.index[i]})"
            )
        raise HistoryError(
            shown, f"{where}: dates out of order ({before} before {day}); sort the rows by date"
        )
    return index
