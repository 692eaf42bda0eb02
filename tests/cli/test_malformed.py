"""Every malformed file or option on the command line: one ``error:`` line, exit 2, no traceback.

Each case covers one class of issue 11 (encoding, types in the wrong place,
depth, size, numbers that validate but cannot run, percent as a whole number,
dates, CSV files, output folders, unsafe names, option values). The command
runs in this process through the console script's own entry
(:func:`simulator.cli.entry.run_app`): an uncaught exception fails the test
with its traceback, and stderr must be exactly one line starting ``error:``.
A case that also gives a reason checks that the line says it.

Before this: 13 of 100 malformed files and 8 of 41 option cases gave a
traceback, and 2 files were silently accepted.
"""

# The table of cases keeps one case a line, however long.
# ruff: noqa: E501
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cli import app
from simulator.cli.entry import run_app
from tests.support import PROJECT, SHARED

BASE = (PROJECT / "scenarios" / "baseline.toml").as_posix()
HISTORY = (SHARED / "data" / "btc_daily.csv").as_posix()


def _over(body: str) -> bytes:
    """A scenario extending the baseline with ``body`` added."""
    return f'extends = "{BASE}"\n{body}\n'.encode()


def _csv_paths(rows: str) -> dict[str, bytes]:
    scenario = _over(
        '[market.price]\nmodel = "csv"\npath_file = { value = "p.csv", note = "test" }\n'
    )
    return {"s.toml": scenario, "p.csv": rows.encode()}


def _earlier_result(folder: Path) -> None:
    folder.mkdir()
    (folder / "summary.csv").write_text("x\n")
    manifest = {"versions": {"btcsim": "0"}, "files": ["summary.csv", "manifest.json"]}
    (folder / "manifest.json").write_text(json.dumps(manifest))


@dataclass
class Case:
    """Files to write (name -> bytes), the arguments (``{tmp}`` is the folder), a reason."""

    args: list[str]
    files: dict[str, bytes] = field(default_factory=dict)
    says: str = ""
    setup: Callable[[Path], None] | None = None


RUN = ["run", "{tmp}/s.toml", "--paths", "20", "--out", "{tmp}/out"]
DEEP = "x = " + "[" * 5000 + "]" * 5000
CASES: dict[str, Case] = {
    # encoding
    "binary file": Case(RUN, {"s.toml": bytes(range(256)) * 4}, "UTF-8"),
    "latin-1": Case(RUN, {"s.toml": _over('[scenario]\ndescription = "caf\xe9"').replace(b"\xc3\xa9", b"\xe9")}, "UTF-8"),
    "utf-16": Case(RUN, {"s.toml": _over("").decode().encode("utf-16")}, "UTF"),
    "extends target latin-1": Case(RUN, {"s.toml": b'extends = "b.toml"\n', "b.toml": b'# r\xe9sum\xe9\n'}, "b.toml"),
    "a folder as scenario": Case(["run", "{tmp}", "--paths", "20"], says="is a directory"),
    "missing file": Case(["run", "{tmp}/nope.toml"], says="nope.toml"),
    "toml syntax": Case(RUN, {"s.toml": b"[scenario\nname = 1\n"}, "TOML syntax error"),
    # types in the wrong place
    "low is a list": Case(RUN, {"s.toml": _over("[market.network]\ngrowth_per_year = { value = 0.2, low = [], high = 0.3 }")}, "low"),
    "reserve = 5": Case(RUN, {"s.toml": _over("reserve = 5")}, "reserve"),
    "mining = true": Case(RUN, {"s.toml": _over("mining = true")}, "mining"),
    "--set reserve=5": Case([*RUN, "--set", "reserve=5"], {"s.toml": _over("")}, "--set"),
    "entity name a table": Case(RUN, {"s.toml": _over("[[mining]]\nname = { a = 1 }")}, "name"),
    "entity name an array": Case(RUN, {"s.toml": _over('[[reserve]]\nname = ["a"]')}, "name"),
    # depth
    "deep arrays": Case(RUN, {"s.toml": _over(DEEP)}, "deeper than 32"),
    "deep inline tables": Case(RUN, {"s.toml": _over("x = " + "{a = " * 3000 + "1" + "}" * 3000)}, "deeper than 32"),
    "deep dotted key": Case(RUN, {"s.toml": _over(".".join(["k"] * 3000) + " = 1")}, "deeper than 32"),
    "--set with thousands of parts": Case([*RUN, "--set", ".".join(["k"] * 5000) + "=1"], {"s.toml": _over("")}, "deeper than 32"),
    # size, refused before allocating
    "--paths 1000000 daily": Case([*RUN, "--paths", "1000000", "--freq", "D", "--set", 'scenario.percentiles="exact"'], {"s.toml": _over("")}, "--paths"),
    "schema maximum paths": Case(["run", "{tmp}/s.toml", "--set", "scenario.paths=10000000", "--set", 'scenario.percentiles="exact"'], {"s.toml": _over("")}, "memory"),
    "history is /dev/zero": Case(["backtest", "/dev/zero", "--from", "2020-01-01", "--to", "2020-02-01"], says="regular file"),
    # numbers that validate but cannot run
    "start_ehs 1e300": Case(RUN, {"s.toml": _over("[market.network]\nstart_ehs = 1e300")}, "start_ehs"),
    "growth 1e300": Case(RUN, {"s.toml": _over("[market.network]\ngrowth_per_year = 1e300")}, "growth_per_year"),
    "power 1e300": Case(RUN, {"s.toml": _over('[[mining]]\nname = "pakistan"\npower_mw = 1e300')}, "power_mw"),
    "efficiency 1e-300": Case(RUN, {"s.toml": _over('[[mining]]\nname = "pakistan"\nefficiency_j_per_th = 1e-300')}, "efficiency_j_per_th"),
    "start date 9999": Case(RUN, {"s.toml": _over("[scenario]\nstart_date = 9999-06-01")}, "start_date"),
    "price nan": Case(RUN, {"s.toml": _over("[market.price]\nstart_usd = nan")}, "start_usd"),
    # percent written as a whole number
    "growth 25": Case(RUN, {"s.toml": _over("[market.network]\ngrowth_per_year = 25")}, "0.25"),
    "fees growth 20": Case(RUN, {"s.toml": _over("[chain]\nfees_growth_per_year = 20")}, "0.2"),
    # dates
    "sale before start": Case(RUN, {"s.toml": _over('[[reserve]]\nname = "el_salvador"\nsales = [{ date = 2020-01-01, btc = 1 }]')}, "date"),
    "unsorted path csv": Case(RUN, _csv_paths("date,a\n2026-01-01,100000\n2025-12-01,90000\n"), "order"),
    "csv extra field": Case(RUN, _csv_paths("date,a\n2025-12-01,90000,7\n"), "line 2"),
    # output folders, checked before the run
    "--out under /proc": Case(["run", "--paths", "20", "--out", "/proc/btcsim"], says="/proc"),
    "--out under a file": Case(["run", "--paths", "20", "--out", "{tmp}/f.txt/out"], {"f.txt": b"x"}, "file"),
    "--out is a file": Case(["run", "--paths", "20", "--out", "{tmp}/f.txt"], {"f.txt": b"x"}, "not a folder"),
    "--out empty": Case(["run", "--paths", "20", "--out", ""], says="folder name"),
    "--out .": Case(["run", "--paths", "20", "--out", "."], says="folder name"),
    "--out too long": Case(["run", "--paths", "20", "--out", "{tmp}/" + "x" * 300], says="too long"),
    "--out earlier result": Case(["run", "--paths", "20", "--out", "{tmp}/r"], setup=lambda t: _earlier_result(t / "r"), says="--overwrite"),
    "--out foreign with --overwrite": Case(["run", "--paths", "20", "--out", "{tmp}/mine", "--overwrite"], {"mine/notes.txt": b"mine"}, "did not write"),
    "report over a foreign file": Case(["report", BASE, "--paths", "20", "--out", "{tmp}/mine.html"], {"mine.html": b"<p>mine</p>"}, "never replaced"),
    "calibrate over a foreign file": Case(["calibrate", HISTORY, "--out", "{tmp}/notes.toml"], {"notes.toml": b"x = 1\n"}, "never replaced"),
    "backtest into a foreign folder": Case(["backtest", HISTORY, "--from", "2020-01-01", "--to", "2020-02-01", "--out", "{tmp}/mine"], {"mine/notes.txt": b"x"}, "did not write"),
    # unsafe scenario names
    "name ../../x": Case(RUN, {"s.toml": _over('[scenario]\nname = "../../x"')}, "scenario.name"),
    "name .": Case(RUN, {"s.toml": _over('[scenario]\nname = "."')}, "scenario.name"),
    "name absolute": Case(RUN, {"s.toml": _over('[scenario]\nname = "/tmp/x"')}, "scenario.name"),
    # start_from (issue 12)
    "latest without start_from": Case(RUN, {"s.toml": _over('[scenario]\nstart_date = "latest"')}, "needs a history file"),
    "start_from missing file": Case(RUN, {"s.toml": _over('[scenario]\nstart_from = "nope.csv"')}, "file not found"),
    "start_from not a path": Case(RUN, {"s.toml": _over("[scenario]\nstart_from = 5")}, "expected a file path"),
    "start_from date outside": Case([*RUN, "--set", f"scenario.start_from={HISTORY}", "--set", "scenario.start_date=2040-01-01"], {"s.toml": _over("")}, "outside the file"),
    "start_from a folder": Case(RUN, {"s.toml": _over('[scenario]\nstart_from = "."')}, "start_from"),
    # option values
    "--paths 0": Case(["run", "--paths", "0"], says="--paths"),
    "--paths abc": Case(["run", "--paths", "abc"], says="--paths"),
    "--years -1": Case(["run", "--years", "-1"], says="horizon_years"),
    "--freq X": Case(["run", "--freq", "X"], says="--freq"),
    "--backend nope": Case(["run", "--backend", "nope"], says="--backend"),
    "unknown option": Case(["run", "--bogus"], says="--bogus"),
    "unknown command": Case(["frobnicate"], says="frobnicate"),
    "--set without =": Case(["run", "--set", "scenario.paths"], says="--set"),
    "--set unknown key": Case(["run", "--set", "scenario.pathz=3"], says="pathz"),
    "compare one file": Case(["compare", BASE], says="at least two"),
    "sweep bad vary": Case(["sweep", BASE, "--vary", "mining.pakistan.pue=a:b"], says="--vary"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
def test_malformed_input_gives_one_error_line_and_exit_2(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    case = CASES[name]
    for file, data in case.files.items():
        (tmp_path / file).parent.mkdir(exist_ok=True)
        (tmp_path / file).write_bytes(data)
    if case.setup is not None:
        case.setup(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    snapshot = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    monkeypatch.chdir(tmp_path)
    code = run_app(app, [a.replace("{tmp}", str(tmp_path)) for a in case.args])
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert code == 2, captured
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    assert "Traceback" not in captured.err + captured.out
    assert case.says in lines[0], lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written, ...
    assert not any(p.is_dir() and "btcsim" in p.name for p in tmp_path.rglob(".*"))  # or hidden
    assert not (tmp_path / "results").exists()
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")} == snapshot  # nor changed


def test_there_are_at_least_40_cases() -> None:
    assert len(CASES) >= 40
