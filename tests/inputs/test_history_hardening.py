"""History and path CSV files that are not what they should be: one clean line each (issue 11).

Every case here failed before :mod:`simulator.inputs.csv_files`: pandas read
FIFOs and ``/dev/zero`` until memory ran out, printed ``ParserWarning`` lines
and dropped values for rows with extra fields, filled short rows with blanks,
read duplicate header names as ``x.1``, and ``load_paths`` sorted unsorted
dates silently while ``load_history`` rejected them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import PROJECT
from typer.testing import CliRunner

from cli import app
from simulator.inputs import csv_files
from simulator.inputs.history import HistoryError, load_history, load_paths

runner = CliRunner()
CSV_MODEL = PROJECT / "scenarios" / "price_models" / "csv.toml"
PLAIN = "date,price_usd,hashrate_ehs\n2024-01-01,100,500\n2024-01-02,101,510\n"


def write(tmp_path: Path, text: str | bytes, name: str = "h.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def one_error(load: object, path: Path, *args: str) -> str:
    """The message of the HistoryError ``load(path)`` raises, with no warning on the way."""
    assert callable(load)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a ParserWarning would now fail the test
        with pytest.raises(HistoryError) as info:
            load(path, *args)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    assert "\n" not in message
    return message[len(f"{path}: ") :]


LOADERS = [load_history, load_paths]


# ----------------------------------------------------------- not a regular file, size
@pytest.mark.parametrize("load", LOADERS)
def test_a_directory_is_refused(tmp_path: Path, load: object) -> None:
    folder = tmp_path / "d.csv"
    folder.mkdir()
    assert one_error(load, folder) == "not a regular file (a directory); give a CSV file"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
@pytest.mark.parametrize("load", LOADERS)
def test_a_fifo_is_not_opened(tmp_path: Path, load: object) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    done = threading.Event()

    def unblock() -> None:
        # Before the fix the reader blocked in open(); this writer lets it go on (to a
        # wrong answer) instead of hanging the test run.
        while not done.wait(0.05):
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                continue  # no reader yet
            return

    writer = threading.Thread(target=unblock, daemon=True)
    writer.start()
    try:
        message = one_error(load, fifo)
    finally:
        done.set()
        writer.join()
    assert message == "not a regular file (a named pipe); give a CSV file"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_dev_zero_is_refused_without_reading_it() -> None:
    # In a child with 2 GiB of address space: before the fix it read /dev/zero until
    # MemoryError; now it stops at os.stat.
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
        "from simulator.inputs.history import HistoryError, load_history\n"
        "try:\n    load_history('/dev/zero')\n"
        "except HistoryError as exc:\n    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout == "/dev/zero: not a regular file (a character device); give a CSV file\n"


@pytest.mark.parametrize("load", LOADERS)
def test_a_file_over_the_size_cap_is_refused_unread(tmp_path: Path, load: object) -> None:
    big = tmp_path / "big.csv"
    with open(big, "wb") as handle:  # sparse: no disk used
        handle.truncate(csv_files.MAX_BYTES + 1)
    assert one_error(load, big) == "64.0 MiB, larger than the 64.0 MiB a daily CSV file may be"


def test_the_cap_holds_when_the_size_on_disk_lies(monkeypatch: pytest.MonkeyPatch) -> None:
    status = Path("/proc/self/status")  # a regular file whose st_size is 0
    if not status.is_file() or status.stat().st_size != 0:
        pytest.skip("needs Linux /proc")
    monkeypatch.setattr(csv_files, "MAX_BYTES", 100)
    assert one_error(load_history, status).startswith("more than 0.0 MiB, larger than")


def test_the_size_cap_leaves_room_for_fifty_years_of_the_real_layout(
    real_history_file: Path,
) -> None:
    # The rule behind MAX_BYTES: 50 years of daily rows fit with a wide margin.
    rows = sum(1 for _ in real_history_file.open()) - 1
    per_row = real_history_file.stat().st_size / rows
    assert 50 * 366 * per_row * 20 < csv_files.MAX_BYTES  # 20x wider rows still fit


def test_a_missing_file_and_a_path_through_a_file(tmp_path: Path) -> None:
    assert one_error(load_history, tmp_path / "no.csv") == "file not found"
    plain = write(tmp_path, PLAIN)
    assert one_error(load_paths, plain / "x.csv").startswith("cannot read file (")


# ----------------------------------------------------------------------- encoding
@pytest.mark.parametrize("load", LOADERS)
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            "date,price_usd\n2024-01-01,1\n2024-01-02,2 é\n".encode("latin-1"),
            "line 3, column 14: not UTF-8 text (byte 0xe9); save the file as UTF-8",
        ),
        (PLAIN.encode("utf-16"), "UTF-16 text, not UTF-8; save the file as UTF-8"),
        (PLAIN.encode("utf-32"), "UTF-32 text, not UTF-8; save the file as UTF-8"),
        (
            PLAIN.encode("utf-16-le"),
            "line 1, column 2: a NUL byte: not CSV text (a binary or UTF-16 file?)",
        ),
        (bytes(range(256)) * 4, "line 1, column 1: a NUL byte: not CSV text"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(1, 256)), "line 1, column 1: not UTF-8 text"),
    ],
    ids=["latin-1", "utf-16", "utf-32", "utf-16-no-bom", "binary", "png"],
)
def test_text_that_is_not_utf8(tmp_path: Path, load: object, data: bytes, message: str) -> None:
    assert one_error(load, write(tmp_path, data)).startswith(message)


def test_a_utf8_byte_order_mark_is_allowed(tmp_path: Path) -> None:
    frame = load_history(write(tmp_path, PLAIN.encode("utf-8-sig")))
    assert frame.attrs["format"] == "plain" and len(frame) == 2


# ------------------------------------------------------------- fields per record
@pytest.mark.parametrize("load", LOADERS)
@pytest.mark.parametrize(
    ("text", "message"),
    [
        # First data row: pandas warned and dropped the 5 (index_col=False).
        ("date,price_usd\n2024-01-01,1,5\n2024-01-02,2\n", "line 2: 3 fields, header has 2"),
        ("date,price_usd\n2024-01-01,1\n2024-01-02,2,5\n", "line 3: 3 fields, header has 2"),
        # Too few: pandas filled the row with blanks.
        (
            "date,price_usd,hashrate_ehs\n2024-01-01,1,5\n2024-01-02,2\n",
            "line 3: 2 fields, header has 3",
        ),
        # Blank lines count in the line numbers but are skipped, as pandas skips them.
        ("\ndate,price_usd\n\n2024-01-01,1\n  \n2024-01-02\n", "line 6: 1 field, header has 2"),
        # A quoted field with a line break counts from the line it starts on.
        (
            'date,price_usd\n2024-01-01,"1\n2"\n2024-01-02,2,3\n',
            "line 4: 3 fields, header has 2",
        ),
        ('date,price_usd\n2024-01-01,1\n2024-01-02,"2\n', "line 3: cannot read CSV ("),
        ('date,price_usd\n2024-01-01,"1"x\n', "line 2: cannot read CSV ("),
    ],
)
def test_records_must_match_the_header(
    tmp_path: Path, load: object, text: str, message: str
) -> None:
    assert one_error(load, write(tmp_path, text)).startswith(message)


@pytest.mark.parametrize("load", LOADERS)
@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("date,price_usd,price_usd", "line 1: column 'price_usd' appears twice in the header"),
        ("date, price_usd,price_usd ", "line 1: column 'price_usd' appears twice in the header"),
        ("date,price_usd,", "line 1: header field 3 has no name"),
    ],
)
def test_header_names_are_present_and_distinct(
    tmp_path: Path, load: object, header: str, message: str
) -> None:
    text = f"{header}\n2024-01-01,1,2\n2024-01-02,2,3\n"
    assert one_error(load, write(tmp_path, text)) == message


def test_a_record_split_by_a_quoted_line_break_still_reads(tmp_path: Path) -> None:
    path = write(tmp_path, 'date,"price\nusd"\n2024-01-01,1\n2024-01-02,2\n')
    assert list(load_paths(path).columns) == ["price\nusd"]


def test_crlf_line_endings_read_like_lf(tmp_path: Path) -> None:
    lf = load_history(write(tmp_path, PLAIN, "lf.csv"))
    crlf = load_history(write(tmp_path, PLAIN.replace("\n", "\r\n").encode(), "crlf.csv"))
    pd.testing.assert_frame_equal(lf, crlf)


# ----------------------------------------------------------------- dates, values
@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "date,base\n2025-07-17,1\n2030-07-17,3\n2027-07-17,2\n",
            "line 4: date: dates out of order (2030-07-17 before 2027-07-17); sort the rows",
        ),
        (
            "date,base\n2025-07-17,1\n2027-07-17,2\n2027-07-17,3\n",
            "line 4: date: duplicate date 2027-07-17 (also on line 3)",
        ),
        ("date,base\n2025-07-17,1\n2027-02-30,2\n", "line 3: date: not a date (got '2027-02-30'"),
        (
            "date,base\n2025-07-17,1\n2027-01-01,nan\n",
            "line 3: base: must be a positive number (got 'nan' on 2027-01-01)",
        ),
        (
            "date,base\n2025-07-17,1\n2027-01-01,-inf\n",
            "line 3: base: must be a positive number (got '-inf'",
        ),
        ("date,base\n2025-07-17,1\n2027-01-01,\n", "line 3: base: must be a positive number"),
        ("date,base\n", "need at least two dated rows"),
        ("", "the file is empty"),
    ],
)
def test_path_csv_rows(tmp_path: Path, text: str, message: str) -> None:
    assert one_error(load_paths, write(tmp_path, text)).startswith(message)


def test_a_path_csv_with_many_paths_reads_without_a_warning(tmp_path: Path) -> None:
    # pandas warned "DataFrame is highly fragmented" when 100+ columns were added one by one.
    names = [f"p{i}" for i in range(150)]
    rows = [
        f"{day},{','.join(str(i + 1) for i in range(150))}" for day in ("2025-07-17", "2036-01-01")
    ]
    path = write(tmp_path, "date," + ",".join(names) + "\n" + "\n".join(rows) + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = load_paths(path)
    assert list(frame.columns) == names and frame["p149"].tolist() == [150.0, 150.0]


def test_path_and_history_files_share_the_date_rules(tmp_path: Path) -> None:
    unsorted = write(tmp_path, "date,price_usd\n2024-01-02,1\n2024-01-01,2\n")
    assert one_error(load_paths, unsorted) == one_error(load_history, unsorted)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "date,price_usd\n2024-01-01,1\n2024-01-02,abc\n",
            "line 3: price_usd: not a number on 2024-01-02 (got 'abc')",
        ),
        (
            "date,price_usd\n2024-01-01,1\n2024-01-02,NaN\n",
            "line 3: price_usd: not a number on 2024-01-02 (got 'NaN')",
        ),
        (
            "date,price_usd\n2024-01-01,1\n2024-01-02,-3\n",
            "line 3: price_usd: must be > 0 on 2024-01-02 (got '-3')",
        ),
        (
            "date,price_usd,fees_btc\n2024-01-01,1,0\n2024-01-02,2,-0.5\n",
            "line 3: fees_btc: must be >= 0 on 2024-01-02 (got '-0.5')",
        ),
        (
            "date,price_usd,difficulty\n2024-01-01,1,0\n",
            "line 2: difficulty: must be > 0 on 2024-01-01 (got '0')",
        ),
        # Coin Metrics: rows without a price are dropped, lines still count in the file.
        (
            "time,PriceUSD,HashRate\n2010-07-17,,1\n2010-07-18,0.1,x\n",
            "line 3: HashRate: not a number on 2010-07-18 (got 'x')",
        ),
        (
            "time,PriceUSD\n2010-07-18,0.1\n2010-07-20,0.1\n2010-07-19,0.1\n",
            "line 4: time: dates out of order (2010-07-20 before 2010-07-19)",
        ),
        ("date,price_usd\n", "no rows with a price"),
        ("\n\n", "the file is empty"),
    ],
)
def test_history_rows(tmp_path: Path, text: str, message: str) -> None:
    assert one_error(load_history, write(tmp_path, text)).startswith(message)


def test_extra_columns_of_a_history_file_are_checked_but_not_kept(tmp_path: Path) -> None:
    text = "date,price_usd,note\n2024-01-01,1,hi\n2024-01-02,2,é\n"
    frame = load_history(write(tmp_path, text))
    assert list(frame.columns) == ["price_usd"]
    assert frame["price_usd"].tolist() == [1.0, 2.0]


def test_the_real_file_reads_as_pandas_reads_it(real_history_file: Path) -> None:
    # The hardened reader gives the same numbers as a plain pandas read of the file.
    frame = load_history(real_history_file)
    ref = pd.read_csv(real_history_file, index_col="date", parse_dates=["date"])
    assert (frame.index == ref.index).all()
    np.testing.assert_array_equal(frame["price_usd"], ref["price_usd"])
    np.testing.assert_array_equal(frame["hashrate_ehs"], ref["hashrate_ths"] * (1 / 1e6))
    for column in ("difficulty", "issuance_btc", "fees_btc", "blocks", "supply_btc"):
        np.testing.assert_array_equal(frame[column], ref[column].astype(np.float64))


# -------------------------------------------------------------- through the CLI
def _scenario(tmp_path: Path, section: str, csv_text: str) -> Path:
    write(tmp_path, csv_text, "path.csv")
    scenario = tmp_path / "s.toml"
    body = f'extends = "{CSV_MODEL}"\n[market.{section}]\n'
    if section == "network":
        body += 'model = "csv"\n'
    scenario.write_text(body + 'path_file = "path.csv"\n')
    return scenario


@pytest.mark.parametrize("section", ["price", "network"])
def test_unsorted_path_csv_is_an_error_in_a_scenario(tmp_path: Path, section: str) -> None:
    column = "base" if section == "price" else "hashrate_ehs"
    text = f"date,{column}\n2025-07-17,900\n2036-01-01,990\n2030-01-01,950\n"
    scenario = _scenario(tmp_path, section, text)
    result = runner.invoke(app, ["validate", str(scenario)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {scenario}: market.{section}.path_file: line 4: date: dates out of order "
        f"(2036-01-01 before 2030-01-01); sort the rows by date (file {tmp_path / 'path.csv'})\n"
    )


def _btcsim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("btcsim") or str(Path(sys.executable).with_name("btcsim"))
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    return subprocess.run(
        [exe, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300, check=False
    )


def test_commands_print_one_line_and_no_warning(tmp_path: Path) -> None:
    # A real process, so that a pandas ParserWarning would reach stderr as a user sees it.
    bad = write(tmp_path, "date,price_usd\n2024-01-01,1,5\n2024-01-02,2\n", "bad.csv")
    scenario = _scenario(tmp_path, "price", "date,base\n2025-07-17,1,5\n2036-01-01,2\n")
    runs = {
        "backtest": ("backtest", bad.name, "--from", "2020-01-01", "--to", "2020-06-30"),
        "calibrate": ("calibrate", bad.name, "--model", "t"),
        "history": ("history", "summary", bad.name),
        "run": ("run", scenario.name, "--paths", "10"),
    }
    for name, args in runs.items():
        done = _btcsim(*args, cwd=tmp_path)
        assert done.returncode == 2, (name, done.stderr)
        assert done.stdout == "", name
        shown = bad.name if name != "run" else f"{scenario.name}: market.price.path_file"
        tail = " (file path.csv)" if name == "run" else ""
        expected = f"error: {shown}: line 2: 3 fields, header has 2{tail}\n"
        assert done.stderr == expected, (name, done.stderr)  # one line: no warning, no traceback
