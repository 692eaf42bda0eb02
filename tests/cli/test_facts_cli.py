"""Facts files of your own on the command line: ``btcsim facts check``, ``--facts``, bad files.

Every command that loads scenarios takes ``--facts FILE``; a scenario names
its own with ``facts = [...]``. A bad facts file gives one line
``error: FILE: fact.ID.FIELD: message`` and exit code 2, through the console
script's own entry (:func:`simulator.cli.entry.run_app`), and nothing is
written. The sources in these files and in ``tests/fixtures/facts/`` are
invented (test fixtures).
"""

# The table of cases keeps one case a line, however long.
# ruff: noqa: E501
from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cli import app
from simulator.cli.entry import run_app
from tests.support import PROJECT

BASE = (PROJECT / "scenarios" / "baseline.toml").as_posix()
FIXTURE = PROJECT / "tests" / "fixtures" / "facts" / "user_facts.toml"
SCENARIO = PROJECT / "tests" / "fixtures" / "facts" / "scenario.toml"

#: A valid facts file (invented, a fixture): a cited fact with two sources and a derived one.
GOOD = """\
[[fact]]
id = "fixture.amount_btc"
value = 10
unit = "BTC"
as_of = 2025-08-01
claim = "(fixture) An invented amount."
canonical_rule = "(fixture) Prefer the exact figure."
low = 8
high = 12

[[fact.sources]]
outlet = "Fixture Outlet A (invented)"
headline = "Invented headline A"
url = "https://example.org/a"
published = 2025-08-01
figure = "10"
qualifier = "exact"
stated = 10

[[fact.sources]]
outlet = "Fixture Outlet B (invented)"
title = "Invented report B"
published = 2025-07-30
figure = "8 to 12"
qualifier = "range"
stated = [8, 12]

[[derived]]
id = "fixture.amount_usd"
formula = "fixture.amount_btc * btc_price.implied_usd"
unit = "USD"
claim = "(fixture) The amount at the implied price."
"""


def _bad(old: str, new: str) -> dict[str, bytes]:
    assert old in GOOD, old
    return {"f.toml": GOOD.replace(old, new, 1).encode()}


def _scenario(facts: str) -> bytes:
    return f'extends = "{BASE}"\nfacts = {facts}\n'.encode()


def _fifo(tmp: Path) -> None:
    os.mkfifo(tmp / "f.toml")


@dataclass
class Case:
    """Files to write (name -> bytes), the arguments (``{tmp}`` is the folder), what the line says."""

    args: list[str]
    files: dict[str, bytes] = field(default_factory=dict)
    says: str = ""
    setup: Callable[[Path], None] | None = None


CHECK = ["facts", "check", "{tmp}/f.toml"]
RUN = ["run", "{tmp}/s.toml", "--paths", "20", "--out", "{tmp}/out"]
F = "{tmp}/f.toml: "
CASES: dict[str, Case] = {
    # the file itself
    "not UTF-8": Case(CHECK, {"f.toml": GOOD.replace("(fixture) An invented", "caf\xe9 invented").encode("latin-1")}, F + "not a UTF-8 text file (byte 0xe9 on line 6"),
    "UTF-16": Case(CHECK, {"f.toml": GOOD.encode("utf-16")}, F + "not a UTF-8 text file (UTF-16"),
    "a directory": Case(CHECK, setup=lambda t: (t / "f.toml").mkdir(), says=F + "is a directory, not a facts file"),
    "a pipe": Case(CHECK, setup=_fifo, says=F + "not a regular file"),
    "missing": Case(CHECK, says=F + "file not found"),
    "too big": Case(CHECK, {"f.toml": b"# " + b"x" * (1 << 20) + b"\n"}, F + "larger than 1 MiB: a facts file"),
    "too deep": Case(CHECK, {"f.toml": ("x = " + "[" * 40 + "]" * 40 + "\n").encode()}, F + "tables and arrays nested deeper than 32"),
    "TOML syntax": Case(CHECK, {"f.toml": b"[[fact]\nid = 1\n"}, F + "TOML syntax error"),
    # one entry
    "missing source": Case(CHECK, _bad(GOOD[GOOD.index("[[fact.sources]]") : GOOD.index("[[derived]]")], ""), F + "fact.fixture.amount_btc.sources: every fact needs at least one source"),
    "bad qualifier": Case(CHECK, _bad('qualifier = "exact"', 'qualifier = "roughly"'), F + "fact.fixture.amount_btc.sources[0].qualifier: 'roughly' is not one of"),
    "bad date": Case(CHECK, _bad("published = 2025-07-30", 'published = "30 July"'), F + "fact.fixture.amount_btc.sources[1].published: expected a date"),
    "value outside its range": Case(CHECK, _bad("value = 10", "value = 20"), F + "fact.fixture.amount_btc.value: canonical value 20 lies outside [8, 12]"),
    "range not the sources'": Case(CHECK, _bad("low = 8", "low = 7"), F + "fact.fixture.amount_btc.low: spread [7, 12] should be [8, 12]"),
    "unknown key": Case(CHECK, _bad('unit = "BTC"', 'unit = "BTC"\ncolour = "red"'), F + "fact.fixture.amount_btc: unknown key(s) 'colour'"),
    "bad url": Case(CHECK, _bad('url = "https://example.org/a"', 'url = "example.org/a"'), F + "fact.fixture.amount_btc.sources[0].url: expected a web address"),
    "no headline or title": Case(CHECK, _bad('headline = "Invented headline A"\n', ""), F + "fact.fixture.amount_btc.sources[0].headline: name the source"),
    "formula names an unknown id": Case(CHECK, _bad("btc_price.implied_usd", "btc_price.implied_eur"), F + "derived.fixture.amount_usd.formula: input 'btc_price.implied_eur' is not in the registry (did you mean 'btc_price.implied_usd'?)"),
    "cycle among derived": Case(CHECK, _bad("fixture.amount_btc * btc_price", "fixture.amount_usd * btc_price"), F + "derived.fixture.amount_usd.formula: circular definition"),
    "unsafe formula": Case(CHECK, _bad("fixture.amount_btc * btc_price.implied_usd", "__import__('os')"), F + "derived.fixture.amount_usd.formula"),
    "duplicate id in the file": Case(CHECK, _bad('id = "fixture.amount_usd"', 'id = "fixture.amount_btc"'), F + "derived.fixture.amount_btc.id: duplicate id"),
    "an id of the built-in registry": Case(CHECK, _bad('id = "fixture.amount_btc"', 'id = "el_salvador.reserve_btc"'), F + "fact.el_salvador.reserve_btc.id: the built-in registry already has 'el_salvador.reserve_btc' (6,238 BTC); to replace it"),
    "supersedes nothing": Case(CHECK, _bad('claim = "(fixture) An invented amount."', 'claim = "x"\nsupersedes = "fixture.amount_btc"\nsupersedes_reason = "later"'), F + "fact.fixture.amount_btc.supersedes: there is no earlier fact"),
    "supersedes without a reason": Case(CHECK, _bad('id = "fixture.amount_btc"', 'id = "el_salvador.reserve_btc"\nsupersedes = "el_salvador.reserve_btc"'), F + "fact.el_salvador.reserve_btc.supersedes_reason: give supersedes"),
    # through the commands that load scenarios
    "run: the scenario's facts file is bad": Case(RUN, {"s.toml": _scenario('["f.toml"]'), **_bad('qualifier = "exact"', 'qualifier = "roughly"')}, F + "fact.fixture.amount_btc.sources[0].qualifier"),
    "run: facts is not a list of paths": Case(RUN, {"s.toml": _scenario("5")}, "{tmp}/s.toml: facts: expected a facts file path or a list of them (got 5)"),
    "run: the scenario's facts file is missing": Case(RUN, {"s.toml": _scenario('["nope.toml"]')}, "{tmp}/s.toml: facts: file not found: nope.toml"),
    "run --facts missing": Case(["run", BASE, "--facts", "{tmp}/nope.toml", "--paths", "20", "--out", "{tmp}/out"], says="{tmp}/nope.toml: file not found"),
    "run --set facts=": Case(["run", BASE, "--set", "facts=x.toml", "--paths", "20", "--out", "{tmp}/out"], says="--set facts=x.toml: facts: facts files are added with --facts FILE"),
    "validate --facts bad": Case(["validate", BASE, "--facts", "{tmp}/f.toml"], _bad("value = 10", "value = 20"), F + "fact.fixture.amount_btc.value"),
    "explain --facts bad": Case(["explain", BASE, "--facts", "{tmp}/f.toml"], _bad("value = 10", "value = 20"), F + "fact.fixture.amount_btc.value"),
    "compare --facts bad": Case(["compare", BASE, BASE, "--facts", "{tmp}/f.toml", "--out", "{tmp}/out"], _bad("value = 10", "value = 20"), F + "fact.fixture.amount_btc.value"),
    "sweep --facts bad": Case(["sweep", BASE, "--vary", "mining.pakistan.pue=1.1,1.2", "--facts", "{tmp}/f.toml", "--out", "{tmp}/out"], _bad("value = 10", "value = 20"), F + "fact.fixture.amount_btc.value"),
    "sensitivity --facts bad": Case(["sensitivity", BASE, "--facts", "{tmp}/f.toml", "--out", "{tmp}/out"], _bad("value = 10", "value = 20"), F + "fact.fixture.amount_btc.value"),
    "report --facts bad": Case(["report", BASE, "--facts", "{tmp}/f.toml", "--out", "{tmp}/r.html"], _bad("value = 10", "value = 20"), F + "fact.fixture.amount_btc.value"),
    "facts ID --facts bad": Case(["facts", "el_salvador.reserve_btc", "--facts", "{tmp}/f.toml"], _bad("value = 10", "value = 20"), F + "fact.fixture.amount_btc.value"),
    # the facts command itself
    "facts check without a file": Case(["facts", "check"], says="btcsim facts check: give the facts files to check"),
    "facts with two ids": Case(["facts", "el_salvador.reserve_btc", "x.y"], says="btcsim facts: one fact id at a time"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
def test_a_bad_facts_file_gives_one_error_line_and_exit_2(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    case = CASES[name]
    for file, data in case.files.items():
        (tmp_path / file).write_bytes(data)
    if case.setup is not None:
        case.setup(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    monkeypatch.chdir(tmp_path)
    code = run_app(app, [a.replace("{tmp}", str(tmp_path)) for a in case.args])
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert code == 2, captured
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    assert "Traceback" not in captured.err + captured.out
    assert case.says.replace("{tmp}", str(tmp_path)) in lines[0], lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_there_are_at_least_12_bad_file_cases() -> None:
    assert (
        sum(c.args[:2] == ["facts", "check"] and bool(c.files or c.setup) for c in CASES.values())
        >= 12
    )


# ----------------------------------------------------------------- facts check
def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = run_app(app, [str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_facts_check_prints_ok_and_counts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["facts", "check", FIXTURE], capsys)
    digest = hashlib.sha256(FIXTURE.read_bytes()).hexdigest()
    assert (code, err) == (0, "")
    assert out == (
        f"OK {FIXTURE}: 2 cited (superseding el_salvador.reserve_btc), 1 derived; "
        f"sha256 {digest[:12]}\n"
    )
    code, out, _ = _run(["facts", "check", FIXTURE, "--json"], capsys)
    (record,) = json.loads(out)
    assert record == {"path": str(FIXTURE), "sha256": digest, "cited": 2, "derived": 1,
                      "supersedes": ["el_salvador.reserve_btc"]}  # fmt: skip


def test_facts_check_several_files_in_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "f.toml"
    other.write_text(GOOD, encoding="utf-8")
    code, out, _ = _run(["facts", "check", FIXTURE, other], capsys)
    assert code == 0 and out.splitlines()[1].startswith(f"OK {other}: 1 cited, 1 derived; sha256 ")


def test_facts_id_still_shows_one_fact(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["facts", "el_salvador.reserve_btc"], capsys)
    assert code == 0 and out.startswith("el_salvador.reserve_btc = 6,238 BTC  (cited")
    assert "facts file" not in out and "superseded" not in out
    code, out, _ = _run(["facts", "el_salvador.reserve_btc", "--facts", FIXTURE], capsys)
    assert code == 0 and out.startswith(
        "el_salvador.reserve_btc = 6,300 BTC  (cited, as of 2025-09-01)"
    )
    assert "from: facts file user_facts.toml" in out
    assert "supersedes: 6,238 BTC of the built-in registry" in out and "(superseded)" in out
    code, out, _ = _run(["facts", "el_salvador.reserve_btc", "--facts", FIXTURE, "--json"], capsys)
    data = json.loads(out)
    assert data["file"] == str(FIXTURE) and data["supersedes"]["value"] == 6238.0
    assert data["sources"][0]["url"] == "https://example.org/btcsim-fixture/reserve"
    assert data["sources"][1]["superseded"] is True and "origin" not in data["sources"][1]


def test_facts_list_names_the_file_of_each_fact(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["facts", "--facts", FIXTURE], capsys)
    assert code == 0 and "and from facts file user_facts.toml" in out
    row = next(line for line in out.splitlines() if "fixture.pakistan_tariff" in line)
    assert "user_facts.toml" in row
    code, out, _ = _run(["facts"], capsys)
    assert "user_facts" not in out and " from " not in out.splitlines()[0]


# --------------------------------------------------------- in every command
def _inputs(folder: Path) -> dict[str, dict[str, str]]:
    with open(folder / "inputs.csv", encoding="utf-8") as fh:
        return {row["key"]: row for row in csv.DictReader(fh)}


def test_run_records_the_facts_files_and_names_them_in_the_inputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, _, err = _run(
        ["run", SCENARIO, "--paths", "20", "--years", "1", "--out", out, "-q"], capsys
    )
    assert (code, err) == (0, "")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    digest = hashlib.sha256(FIXTURE.read_bytes()).hexdigest()
    assert manifest["file"] == str(SCENARIO)
    assert manifest["facts_files"] == [{"path": str(FIXTURE), "sha256": digest}]
    inputs = _inputs(out)
    tariff = inputs["mining.pakistan.electricity_usd_per_kwh"]
    assert (tariff["provenance"], tariff["fact_id"], tariff["low"], tariff["high"]) == (
        "cited", "fixture.pakistan_tariff_usd_per_kwh", "0.07", "0.11",
    )  # fmt: skip
    assert tariff["source"].endswith("[facts file user_facts.toml]")
    manifested = {i["key"]: i for i in manifest["inputs"]}
    assert manifested["reserve.el_salvador.holdings_btc"]["value"] == 6300.0
    assert "supersedes 6,238 BTC" in manifested["reserve.el_salvador.holdings_btc"]["source"]


def test_run_facts_option_on_a_shipped_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["run", BASE, "--facts", FIXTURE, "--paths", "20", "--years", "1", "--out", out, "-q"]
    assert _run(args, capsys)[0] == 0
    assert _inputs(out)["reserve.el_salvador.holdings_btc"]["value"] == "6300.0"
    assert json.loads((out / "manifest.json").read_text())["facts_files"][0]["path"] == str(FIXTURE)


def test_validate_and_explain_show_the_facts_files(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["validate", SCENARIO], capsys)
    assert code == 0 and out.strip().endswith(f"; facts files: {FIXTURE})")
    code, out, _ = _run(["explain", SCENARIO], capsys)
    assert code == 0 and f"facts file {FIXTURE} (sha256 " in out
    assert out.count("user_facts.toml]") >= 2  # the tariff and the reserve (table cells wrap)
    code, out, _ = _run(["explain", BASE, "--facts", FIXTURE, "--json"], capsys)
    data = json.loads(out)
    assert [f["path"] for f in data["facts_files"]] == [str(FIXTURE)]
    code, out, _ = _run(["explain", BASE, "--json"], capsys)
    assert json.loads(out)["facts_files"] == []


def test_compare_names_the_file_in_the_inputs_diff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cmp"
    args = ["compare", BASE, SCENARIO, "--paths", "20", "--years", "1", "--out", out]
    code, stdout, err = _run(args, capsys)
    assert (code, err) == (0, "")
    assert "6,300 (cited, facts file user_facts.toml)" in stdout
    assert "0.09 (cited, facts file user_facts.toml)" in stdout
    with open(out / "inputs_diff.csv", encoding="utf-8") as fh:
        rows = {r["key"]: r for r in csv.DictReader(fh)}
    row = rows["mining.pakistan.electricity_usd_per_kwh"]
    assert row["baseline.provenance"] == "assumption"
    assert row["fixture_user_facts.provenance"] == "cited"
    assert row["fixture_user_facts.source"].endswith("[facts file user_facts.toml]")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["scenarios"][1]["file"] == str(SCENARIO)
    assert [f["path"] for f in manifest["scenarios"][1]["facts_files"]] == [str(FIXTURE)]
    assert manifest["scenarios"][0]["facts_files"] == []


def test_sweep_reads_the_facts_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sweep"
    args = ["sweep", BASE, "--facts", FIXTURE, "--vary", "mining.pakistan.pue=1.1,1.2",
            "--paths", "20", "--years", "1", "--out", out, "-q"]  # fmt: skip
    assert _run(args, capsys)[0] == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [f["path"] for f in manifest["facts_files"]] == [str(FIXTURE)]


def test_sensitivity_swings_the_user_fact_and_names_its_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sens"
    args = ["sensitivity", SCENARIO, "--metric", "pakistan.margin_usd", "--paths", "20",
            "--years", "1", "--top", "100", "--out", out]  # fmt: skip
    code, stdout, err = _run(args, capsys)
    assert (code, err) == (0, "")
    with open(out / "sensitivity.csv", encoding="utf-8") as fh:
        rows = {r["key"]: r for r in csv.DictReader(fh)}
    tariff = rows["mining.pakistan.electricity_usd_per_kwh"]
    assert (tariff["provenance"], float(tariff["low"]), float(tariff["high"])) == (
        "cited",
        0.07,
        0.11,
    )
    assert float(tariff["swing"]) > 0  # a dearer tariff lowers the margin
    assert "mining.pakistan.electricity_usd_per_kwh (cited, facts file user_facts.toml)." in stdout
    assert "cited (facts file" in stdout  # the table's provenance column
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [f["path"] for f in manifest["facts_files"]] == [str(FIXTURE)]


def test_report_shows_the_user_facts_with_their_file_and_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "r.html"
    args = ["report", SCENARIO, "--paths", "20", "--years", "1", "--out", page, "-q"]
    assert _run(args, capsys)[0] == 0
    html = page.read_text(encoding="utf-8")
    assert '<a href="https://example.org/btcsim-fixture/reserve">' in html
    assert f"from facts file <code>{FIXTURE}</code>" in html
    assert "supersedes 6,238 BTC of the built-in registry" in html
    assert "(superseded; built-in registry)" in html
    assert f"{FIXTURE} (SHA-256 {hashlib.sha256(FIXTURE.read_bytes()).hexdigest()})" in html
