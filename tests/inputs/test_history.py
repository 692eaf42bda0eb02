"""History files: the three CSV layouts, their errors, the yearly summary and the CLI."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest
from support import REAL_HISTORY
from typer.testing import CliRunner

from cli import app
from simulator.inputs.history import (
    HistoryError,
    load_history,
    load_paths,
    parse_window,
    select_window,
    summarize,
)

DATA = REAL_HISTORY
runner = CliRunner()


def write(tmp_path: Path, text: str, name: str = "h.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


COINMETRICS = """time,AdrActCnt,BlkCnt,FeeTotNtv,HashRate,IssTotNtv,PriceUSD,SplyCur
2009-01-03,1,1,0,0.000007,50,,50
2010-07-17,5,150,0.1,0.0015,7500,,3400000
2010-07-18,5,172,0.79,0.00155,8600,0.08584,3447800
2010-07-19,6,174,0.05,0.00157,8700,0.0808,3456500
"""


def test_coinmetrics_layout_maps_names_and_units(tmp_path: Path) -> None:
    frame = load_history(write(tmp_path, COINMETRICS))
    assert frame.attrs["format"] == "coinmetrics"
    # Rows without PriceUSD are dropped (Coin Metrics' first 18 months).
    assert [d.date() for d in frame.index] == [dt.date(2010, 7, 18), dt.date(2010, 7, 19)]
    assert list(frame.columns) == [
        "price_usd",
        "hashrate_ehs",
        "issuance_btc",
        "fees_btc",
        "blocks",
        "supply_btc",
    ]
    # HashRate is TH/s: 0.00155 TH/s = 0.00155 / 1e6 EH/s.
    assert frame["hashrate_ehs"].iloc[0] == pytest.approx(1.55e-9)
    assert frame["blocks"].iloc[1] == 174


def test_plain_layout_with_hashrate(tmp_path: Path) -> None:
    path = write(
        tmp_path, "date,price_usd,hashrate_ehs\n2024-01-01,42000,500\n2024-01-02,43000,510\n"
    )
    frame = load_history(path)
    assert frame.attrs["format"] == "plain"
    assert frame.attrs["gaps"] == []
    assert frame.loc["2024-01-02", "hashrate_ehs"] == 510.0


def test_real_file_reads_whole_and_matches_readme(real_history_file: Path) -> None:
    frame = load_history(real_history_file)
    assert frame.attrs["format"] == "btcsim"
    assert len(frame) == 5646 and frame.attrs["gaps"] == []
    # Data README: June 2025 mean about 868 EH/s; 2025-12-31 close 87,516.98.
    assert frame.loc["2025-06", "hashrate_ehs"].mean() == pytest.approx(868, rel=0.01)
    assert frame.loc["2025-12-31", "price_usd"] == pytest.approx(87516.9780376972)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("day,close\n2024-01-01,1\n", "missing columns: expected Coin Metrics"),
        ("date,price_usd\n2024-01-02,1\n2024-01-01,2\n", "dates out of order (2024-01-02 before"),
        ("date,price_usd\n2024-01-01,1\n2024-01-01,2\n", "duplicate date 2024-01-01"),
        ("date,price_usd\n2024-01-01,1\n2024-01-02,-3\n", "price_usd: must be > 0"),
        ("date,price_usd\n2024-01-01,1\n2024-13-02,3\n", "not a date (got '2024-13-02'"),
        ("date,price_usd\n2024-01-01,1\n2024-01-02,abc\n", "not a number on 2024-01-02"),
        ("date,price_usd,hashrate_ehs\n2024-01-01,1,0\n", "hashrate_ehs: must be > 0"),
        (
            "date,price_usd\n2024-01-01,1\n2024-01-02,inf\n",
            "not a number on 2024-01-02 (got 'inf')",
        ),
        ("date,price_usd,hashrate_ehs\n2024-01-01,1,abc\n", "hashrate_ehs: not a number on"),
        ("date,price_usd\n2024-01-01xyz,1\n", "not a date (got '2024-01-01xyz'"),
        ('date,price_usd\n2024-01-01,"1\n', "cannot read CSV"),
    ],
)
def test_bad_history_files(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(HistoryError, match=None) as info:
        load_history(path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)
    assert "\n" not in str(info.value)  # one line on the command line


def test_gaps_are_reported(tmp_path: Path) -> None:
    rows = ["2024-01-01", "2024-01-02", "2024-01-05", "2024-01-06", "2024-01-08"]
    path = write(tmp_path, "date,price_usd\n" + "".join(f"{d},100\n" for d in rows))
    gaps = load_history(path).attrs["gaps"]
    assert gaps == [
        (dt.date(2024, 1, 3), dt.date(2024, 1, 4), 2),
        (dt.date(2024, 1, 7), dt.date(2024, 1, 7), 1),
    ]


def test_summary_known_answer(tmp_path: Path) -> None:
    # Prices 100, 110, 121 on three days: two log returns of ln(1.1) = 0.0953102.
    # Drift = 0.0953102 x 365.25 = 34.812; sd = 0 so volatility = 0.
    path = write(tmp_path, "date,price_usd\n2024-03-01,100\n2024-03-02,110\n2024-03-03,121\n")
    years = summarize(load_history(path))
    row = years.iloc[0]
    assert row.year == 2024 and row.days == 3
    assert row.drift_per_year == pytest.approx(math.log(1.1) * 365.25)
    assert row.volatility_per_year == pytest.approx(0.0, abs=1e-12)
    assert (row.first_usd, row.last_usd) == (100.0, 121.0)


def test_summary_skips_returns_across_gaps(tmp_path: Path) -> None:
    # 100 -> 200 spans a two-day gap and must not count as a daily return.
    text = "date,price_usd\n2024-03-01,100\n2024-03-02,100\n2024-03-05,200\n2024-03-06,200\n"
    row = summarize(load_history(write(tmp_path, text))).iloc[0]
    assert row.drift_per_year == pytest.approx(0.0, abs=1e-12)


def test_windows() -> None:
    assert parse_window("2018-01-01:2025-06-30") == (dt.date(2018, 1, 1), dt.date(2025, 6, 30))
    assert parse_window(":2022-12-31") == (None, dt.date(2022, 12, 31))
    for bad in ("2018-01-01", "2018-01-01:2017-01-01", "x:y"):
        with pytest.raises(ValueError):
            parse_window(bad)


def test_select_window_reports_the_file_range(tmp_path: Path) -> None:
    path = write(tmp_path, "date,price_usd\n2024-01-01,1\n2024-01-02,2\n")
    frame = load_history(path)
    with pytest.raises(ValueError, match=r"holds 0 days .* covers 2024-01-01\.\.2024-01-02"):
        select_window(frame, dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    assert len(select_window(frame, None, None, min_days=2)) == 2


def test_load_paths(tmp_path: Path) -> None:
    path = write(tmp_path, "date,bear,bull\n2025-07-17,100,100\n2030-07-17,50,400\n")
    frame = load_paths(path)
    assert list(frame.columns) == ["bear", "bull"]
    assert list(load_paths(path, "bull").columns) == ["bull"]
    with pytest.raises(HistoryError, match="no column 'base'"):
        load_paths(path, "base")
    bad = write(tmp_path, "date,x\n2025-07-17,1\n2030-07-17,0\n", "bad.csv")
    with pytest.raises(HistoryError, match="x: must be a positive number"):
        load_paths(bad)


def test_cli_history_summary(tmp_path: Path) -> None:
    text = "date,price_usd\n" + "".join(f"2024-01-{d:02d},{100 + d}\n" for d in range(1, 11))
    path = write(tmp_path, text)
    result = runner.invoke(app, ["history", "summary", str(path)])
    assert result.exit_code == 0, result.output
    assert "2024-01-01 to 2024-01-10, 10 days" in result.output
    assert "gaps: none" in result.output
    missing = runner.invoke(app, ["history", "summary", str(tmp_path / "no.csv")])
    assert missing.exit_code == 2
    assert missing.output.strip() == f"error: {tmp_path / 'no.csv'}: file not found"


def test_cli_history_summary_json_real_file(real_history_file: Path) -> None:
    import json

    result = runner.invoke(app, ["history", "summary", str(real_history_file), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    years = {y["year"]: y for y in data["years"]}
    # 2024: first close 44,049 (2024-01-01) and last 93,390 (2024-12-31), per the file.
    assert years[2024]["first_usd"] == pytest.approx(44049, rel=1e-3)
    assert np.isfinite(years[2025]["volatility_per_year"])
    assert 0.2 < years[2025]["volatility_per_year"] < 0.8
