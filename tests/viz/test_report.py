"""HTML report: content and escaping, every figure decoded in headless Chromium, CLI, atomicity."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pytest
import typer
from browser import chromium, missing_browser
from support import PROJECT
from typer.testing import CliRunner

from simulator import load_facts, load_scenario
from simulator.analysis.compare import compare
from simulator.cli.report import report_cmd
from simulator.inputs.facts import Fact
from simulator.viz.figures import figures_for_comparison, figures_for_ledger, figures_for_result
from simulator.viz.report import build_report, run_for_report, write_report

SCEN = PROJECT / "scenarios"
FILES = [SCEN / "pakistan_subsidised_tariff.toml", SCEN / "pakistan_cost_reflective_tariff.toml"]
SMALL = ["scenario.paths=300", "scenario.horizon_years=1"]
TARIFF = "mining.pakistan.electricity_usd_per_kwh"
# A src/href/url() or @import that reaches for a network resource (http:, https: or //host).
REMOTE = re.compile(
    r"""(?:\b(?:src|href)\s*=\s*["']?|url\(\s*["']?|@import\s+["']?)\s*(?:https?:)?//"""
)

runner = CliRunner()
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)
app.command("report")(report_cmd)


@app.callback()
def _root() -> None:
    """Stand-in for btcsim until cli.py registers the command."""


@pytest.fixture(scope="module")
def ran():
    scenarios = [load_scenario(f, SMALL) for f in FILES]
    results, comparison = run_for_report(scenarios)
    return scenarios, results, comparison


@pytest.fixture(scope="module")
def page(ran) -> str:
    scenarios, results, comparison = ran
    return build_report(results, scenarios, comparison, command="btcsim report ...")


# -------------------------------------------------------------------- browser
def test_every_figure_loads_in_headless_chromium(ran, page: str, tmp_path: Path) -> None:
    scenarios, results, comparison = ran
    expected = sum(len(figures_for_result(r)) + len(figures_for_ledger(r)) for r in results)
    expected += len(figures_for_comparison(comparison))
    assert expected > 0 and page.count("<img ") == expected
    why = missing_browser()  # .ci/run installs Chromium; a test never installs packages
    if why:
        pytest.skip(why)
    binary = chromium()
    assert binary is not None
    target = write_report(tmp_path / "report.html", page)
    command = [
        binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", "--virtual-time-budget=5000",
        target.resolve().as_uri(),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    body = re.search(r"<body\b[^>]*>", done.stdout)
    assert body is not None, done.stdout[:500]
    loaded = re.search(r'data-images-loaded="(\d+)"', body.group(0))
    total = re.search(r'data-images-total="(\d+)"', body.group(0))
    assert loaded and total, f"the load script did not run: {body.group(0)}"
    assert int(loaded.group(1)) == int(total.group(1)) == expected


# -------------------------------------------------------------------- content
def test_report_is_self_contained(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert REMOTE.search('<img src="https://x/a.png">') and REMOTE.search("url( '//cdn/x.css')")
    assert not REMOTE.search(page), REMOTE.search(page)
    assert "<link" not in page and not re.search(r"<script[^>]*\bsrc=", page)
    sources = re.findall(r'<img [^>]*src="([^"]*)"', page)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)


def test_report_content(ran, page: str) -> None:
    scenarios, results, comparison = ran
    for s in scenarios:
        assert html.escape(s.model.scenario.question) in page
        assert html.escape(s.model.scenario.description) in page
    assert all(r.paths is not None for r in results)  # sample paths in the price charts
    fact = load_facts().get("pakistan.mining_power_mw")
    assert isinstance(fact, Fact)
    outlets = {src.outlet for src in fact.sources}
    assert any(f"<b>{html.escape(o)}</b>" in page for o in outlets)
    assert html.escape(scenarios[0].inputs["mining.pakistan.pue"].source) in page
    assert "formula: <code>" in page  # the derived start price
    assert "btcsim default</span>" in page  # defaults are marked
    cited, assumptions = page.index("Cited figures ("), page.index("Assumptions (")
    assert cited < page.index("mining.pakistan.power_mw", cited) < assumptions
    assert assumptions < page.index("mining.pakistan.pue", assumptions)
    for heading in ("Run settings", "Key results at", "breakeven_price_usd", "Comparison"):
        assert heading in page
    assert "common random numbers" in page and "Inputs that differ (1)" in page
    assert page.count(f"<code>{TARIFF}</code>") == 3  # two assumption tables and the diff


def test_comparison_is_what_compare_computes(ran) -> None:
    scenarios, _, comparison = ran
    reference = compare(scenarios)
    assert comparison.table.equals(reference.table)
    assert comparison.inputs_diff.equals(reference.inputs_diff)
    assert comparison.common_random_numbers is reference.common_random_numbers is True


def test_text_is_escaped(ran, monkeypatch: pytest.MonkeyPatch) -> None:
    _, results, _ = ran
    monkeypatch.setattr("simulator.viz.report.figures_for_result", lambda result: {})  # speed
    evil = '<img src=x onerror="alert(1)"> & <b>'
    scenarios = [load_scenario(f, [*SMALL, f"scenario.description={evil}"]) for f in FILES[:1]]
    page = build_report(results[:1], scenarios)
    assert html.escape(evil) in page and evil not in page
    assert "Comparison" not in page


# ------------------------------------------------------------------- CLI, files
def _one_error_line(output: str) -> str:
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), output
    return lines[0]


def test_cli_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "report.html"
    args = ["report", str(FILES[0]), "--paths", "100", "--years", "1", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    # price, network, reserve and mining; the ledger's net position, benchmark share and PKR value
    assert f"Wrote {out}" in result.output and "7 figures" in result.output
    text = out.read_text(encoding="utf-8")
    assert text.count("data:image/png;base64,") == 7 and "Comparison" not in text
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]  # no temporary file left
    assert oct(out.stat().st_mode & 0o777) != oct(0o600)


def test_cli_bad_input_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    bad = tmp_path / "bad.toml"
    bad.write_text(f'extends = ["{FILES[0].as_posix()}"]\n[scenario]\nhorizon_years = -1\n')
    for args in (
        [str(bad)],
        [str(tmp_path / "missing.toml")],
        [str(FILES[0]), str(FILES[0])],  # duplicate names: found before anything runs
        [str(FILES[0]), "--set", "scenario.nope=1"],
        [str(FILES[0]), "--backend", "nope"],
    ):
        result = runner.invoke(app, ["report", *args, "--paths", "50", "--out", str(out)])
        assert result.exit_code == 2, result.output
        _one_error_line(result.output)
        assert list(tmp_path.iterdir()) == [bad]
    folder = tmp_path / "folder"
    folder.mkdir()
    result = runner.invoke(app, ["report", str(FILES[0]), "--out", str(folder)])
    assert result.exit_code == 2 and "is a folder" in _one_error_line(result.output)
    result = runner.invoke(app, ["report", str(FILES[0]), "--out", str(bad / "r.html")])
    assert result.exit_code == 2 and "is not a folder" in _one_error_line(result.output)


def test_write_report_is_atomic(tmp_path: Path) -> None:
    out = write_report(tmp_path / "r.html", "<p>old</p>")
    with pytest.raises(UnicodeEncodeError):
        write_report(out, "<p>new \ud800</p>")  # fails half-way through writing
    assert out.read_text() == "<p>old</p>"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]
