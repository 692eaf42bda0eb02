"""Bad scenario input gives one line ``error: FILE: key: message`` and exit code 2.

Every case runs through the real CLI (Typer's CliRunner): no traceback, the
file and the dotted key are named, and the exit code is 2.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support import MINIMAL_SCENARIO, PROJECT, write_scenario
from typer.testing import CliRunner

from cli import app

ROOT = PROJECT
runner = CliRunner()

GOOD = MINIMAL_SCENARIO
write = write_scenario


def run_validate(path: Path, *extra: str) -> tuple[int, str]:
    result = runner.invoke(app, ["validate", str(path), *extra])
    return result.exit_code, result.output


def test_good_file_validates(tmp_path: Path) -> None:
    code, output = run_validate(write(tmp_path, GOOD))
    assert code == 0, output
    assert output.startswith("OK ")


CASES = [
    # (name, replace-this, with-this, expected key, expected words)
    ("toml syntax", "paths = 10", "paths = = 10", "", "(at line 6, column 9)"),
    (
        "unknown key",
        "power_mw = 100",
        "power_mw = 100\npower_mv = 5",
        "mining.plant.power_mv",
        "did you mean 'power_mw'",
    ),
    ("wrong type", "paths = 10", 'paths = "many"', "scenario.paths", "got 'many'"),
    ("zero power", "power_mw = 100", "power_mw = 0", "mining.plant.power_mw", "greater than 0"),
    (
        "negative efficiency",
        "power_mw = 100",
        "power_mw = 100\nefficiency_j_per_th = -3",
        "mining.plant.efficiency_j_per_th",
        "greater than 0",
    ),
    (
        "pue below one",
        "power_mw = 100",
        "power_mw = 100\npue = 0.9",
        "mining.plant.pue",
        "greater than or equal to 1",
    ),
    (
        "uptime above one",
        "power_mw = 100",
        "power_mw = 100\nuptime = 1.5",
        "mining.plant.uptime",
        "less than or equal to 1",
    ),
    (
        "uptime zero",
        "power_mw = 100",
        "power_mw = 100\nuptime = 0",
        "mining.plant.uptime",
        "greater than 0",
    ),
    ("paths zero", "paths = 10", "paths = 0", "scenario.paths", "greater than or equal to 1"),
    ("nan", "start_usd = 100000", "start_usd = nan", "market.price.start_usd", "finite"),
    ("infinity", "start_ehs = 900", "start_ehs = inf", "market.network.start_ehs", "finite"),
    (
        "unknown cite",
        "holdings_btc = 100",
        'holdings_btc = { cite = "el_salvador.reserve" }',
        "reserve.treasury.holdings_btc.cite",
        "did you mean 'el_salvador.reserve_btc'",
    ),
    (
        "bad date",
        "start_date = 2025-07-17",
        'start_date = "2025-13-01"',
        "scenario.start_date",
        "not a date",
    ),
    (
        "reserve missing",
        'reserve = "treasury"',
        'reserve = "tresury"',
        "mining.plant.reserve",
        "did you mean 'treasury'",
    ),
    (
        "missing key",
        "start_difficulty = 126.27e12",
        "",
        "chain.start_difficulty",
        "missing required key",
    ),
    ("unknown model", 'model = "gbm"', 'model = "garch"', "market.price.model", "'garch'"),
    (
        "bad value form",
        "holdings_btc = 100",
        'holdings_btc = { value = 1, nte = "x" }',
        "reserve.treasury.holdings_btc.nte",
        "did you mean 'note'",
    ),
    (
        "low above high",
        "holdings_btc = 100",
        "holdings_btc = { value = 1, low = 5, high = 2 }",
        "reserve.treasury.holdings_btc",
        "low must not exceed high",
    ),
    (
        "duplicate entity",
        '[[mining]]\nname = "plant"',
        '[[reserve]]\nname = "treasury"\n\n[[mining]]\nname = "plant"',
        "reserve.treasury.name",
        "used twice",
    ),
    (
        "cite a derived fact",
        "holdings_btc = 100",
        'holdings_btc = { cite = "btc_price.implied_usd" }',
        "reserve.treasury.holdings_btc",
        "write derive",
    ),
    (
        "bad entity name",
        'name = "plant"',
        'name = "Plant Two"',
        "mining.Plant Two.name",
        "use lowercase letters",
    ),
]


@pytest.mark.parametrize(("case", "old", "new", "key", "words"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_one_line(
    tmp_path: Path, case: str, old: str, new: str, key: str, words: str
) -> None:
    assert old in GOOD, case
    path = write(tmp_path, GOOD.replace(old, new, 1))
    code, output = run_validate(path)
    assert code == 2, output
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    line = lines[0]
    assert line.startswith(f"error: {path}: "), line
    if key:
        assert f": {key}: " in line, line
    assert words in line, line
    assert "Traceback" not in output


def test_missing_file(tmp_path: Path) -> None:
    code, output = run_validate(tmp_path / "nope.toml")
    assert code == 2
    assert output.strip() == f"error: {tmp_path / 'nope.toml'}: file not found"


def test_extends_cycle(tmp_path: Path) -> None:
    write(tmp_path, 'extends = "b.toml"\n' + GOOD, "a.toml")
    write(tmp_path, 'extends = "a.toml"\n', "b.toml")
    code, output = run_validate(tmp_path / "a.toml")
    assert code == 2
    assert "extends: cycle in extends (a.toml -> b.toml -> a.toml)" in output


def test_extends_missing_parent(tmp_path: Path) -> None:
    code, output = run_validate(write(tmp_path, 'extends = "base.toml"\n' + GOOD))
    assert code == 2
    assert "extends: file not found: base.toml" in output


def test_set_type_checked_like_file_values(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    result = runner.invoke(app, ["explain", str(path), "--set", "mining.plant.pue=0.5"])
    assert result.exit_code == 2
    assert ": mining.plant.pue: " in result.output


def test_set_unknown_entity(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    result = runner.invoke(app, ["explain", str(path), "--set", "mining.plnt.pue=1.2"])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: --set mining.plnt.pue=1.2: mining.plnt: no entity (did you mean 'plant'?)"
    )


def test_set_without_equals(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    result = runner.invoke(app, ["explain", str(path), "--set", "mining.plant.pue"])
    assert result.exit_code == 2
    assert "expected key=value" in result.output


def test_validate_reports_each_bad_file(tmp_path: Path) -> None:
    good = write(tmp_path, GOOD, "good.toml")
    bad = write(tmp_path, GOOD.replace("paths = 10", "paths = -1"), "bad.toml")
    result = runner.invoke(app, ["validate", str(good), str(bad)])
    assert result.exit_code == 2
    assert f"OK {good}" in result.output
    assert f"error: {bad}: scenario.paths:" in result.output
