"""The policy ledger on the command line: run's ledger table, compare's subsidy note, explain."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from support import PROJECT
from typer.testing import CliRunner

from cli import app
from simulator.results.format import format_number

runner = CliRunner()
SCEN = PROJECT / "scenarios"
SMALL = ["--set", "scenario.paths=200", "--set", "scenario.horizon_years=2"]


def test_run_prints_a_ledger_per_operation_and_the_benchmark(tmp_path: Path) -> None:
    got = runner.invoke(
        app, ["run", str(SCEN / "baseline.toml"), *SMALL, "--out", str(tmp_path / "r")]
    )
    assert got.exit_code == 0, got.output
    text = got.output
    assert "ledger of mining pakistan" in text
    for name in ("energy_twh", "emissions_tco2", "energy_cost_usd", "subsidy_cost_usd",
                 "net_fiscal_usd", "power_sale_value_usd", "prob_net_fiscal_positive"):  # fmt: skip
        assert name in text, name
    assert "tariff charged 0.08 USD/kWh, cost-reflective 0.12" in text
    assert (
        "benchmark Pakistan's IMF facility: 7 bn USD (cited) for reserve pakistan, ends 2027"
        in text
    )
    assert re.search(r"value_lcu\s+│ PKR", text)
    # the summary file holds the ledger too, with the arithmetic of the subsidy:
    # (0.12 - 0.08) USD/kWh x energy [kWh]
    s = pd.read_csv(tmp_path / "r" / "summary.csv")
    row = lambda m: s[(s.entity == "pakistan") & (s.metric == m)].iloc[0]  # noqa: E731
    kwh = row("energy_twh").p50 * 1e9
    assert row("subsidy_cost_usd").p50 == pytest.approx(0.04 * kwh, rel=1e-9)


def _compare(tmp_path: Path, *names: str) -> tuple[str, pd.DataFrame]:
    out = tmp_path / "_".join(names)
    files = [str(SCEN / f"{n}.toml") for n in names]
    got = runner.invoke(app, ["compare", *files, *SMALL, "--out", str(out)])
    assert got.exit_code == 0, got.output
    return got.output, pd.read_csv(out / "comparison.csv")


def _note(output: str) -> str:
    return next(line for line in output.splitlines() if line.startswith("Subsidy of"))


@pytest.mark.parametrize("reverse", [False, True], ids=["subsidised-first", "reflective-first"])
def test_compare_of_the_tariffs_says_what_the_subsidy_costs_and_buys(
    tmp_path: Path, reverse: bool
) -> None:
    names = ["pakistan_subsidised_tariff", "pakistan_cost_reflective_tariff"]
    a, b = names[::-1] if reverse else names
    output, table = _compare(tmp_path, a, b)
    note = _note(output)
    row = lambda m: table[table.metric == m].iloc[0]  # noqa: E731
    sub = row("subsidy_cost_usd")
    assert sub["pakistan_cost_reflective_tariff.p50"] == 0.0  # no gap: no subsidy
    # the gap (0.12 - 0.05 USD/kWh) x the energy, whichever scenario comes first
    extra = sub[f"{a}.p50"] - sub[f"{b}.p50"]
    assert f"(revenue the utility gives up): A's is {format_number(abs(extra), 'USD')} USD" in note
    assert ("more than B's" in note) == (not reverse)
    held = table[(table.metric == "holdings_btc") & (table.entity == "pakistan")].iloc[0]
    btc = held[f"{a}.p50"] - held[f"{b}.p50"]
    word = "more" if btc >= 0 else "less"
    assert f"reserve pakistan holds {format_number(abs(btc), 'BTC')} BTC {word} in A" in note
    net = row("net_fiscal_usd")
    gain = net[f"{a}.p50"] - net[f"{b}.p50"]
    word = "higher" if gain >= 0 else "lower"
    assert f"is {format_number(abs(gain), 'USD')} USD {word} in A" in note
    assert "Only the tariff charged differs" in note


def test_compare_without_the_operation_in_both_has_no_subsidy_note(tmp_path: Path) -> None:
    output, _ = _compare(tmp_path, "baseline", "el_salvador_hold")
    assert "Subsidy of" not in output and "n/a USD" not in output


def test_compare_with_more_than_the_tariff_different_states_no_cause(tmp_path: Path) -> None:
    output, _ = _compare(tmp_path, "baseline", "pakistan_mining_and_ai")
    note = _note(output)
    assert "A's is" in note and "Only the tariff charged differs" not in note


def test_explain_lists_every_ledger_input_with_its_provenance() -> None:
    got = runner.invoke(app, ["explain", str(SCEN / "pakistan_mining_and_ai.toml"), "--json"])
    assert got.exit_code == 0, got.output
    rows = {r["key"]: r for r in json.loads(got.output)["inputs"]}
    for key in (
        "mining.pakistan.cost_reflective_usd_per_kwh",
        "mining.pakistan.emission_factor_tco2_per_mwh",
        "mining.pakistan.power_sale_usd_per_kwh",
        "mining.pakistan.ai.revenue_usd_per_mw_year",
        "mining.pakistan.ai.capex_usd_per_mw",
        "mining.pakistan.ai.opex_usd_per_mw_year",
        "mining.pakistan.ai.utilisation",
        "market.fx.start_lcu_per_usd",
        "market.fx.expected_growth_per_year",
    ):
        assert rows[key]["provenance"] == "assumption", key
        assert rows[key]["source"].startswith("assumption") or "articles" in rows[key]["source"]
    assert rows["benchmark.imf_facility.value_usd"]["provenance"] == "cited"
    assert rows["benchmark.imf_facility.end_year"]["provenance"] == "cited"


def test_run_gives_each_reserves_share_of_the_benchmark_in_its_end_year(tmp_path: Path) -> None:
    out = tmp_path / "r"
    sets = ["--set", "scenario.paths=200", "--set", "scenario.horizon_years=3"]
    got = runner.invoke(app, ["run", str(SCEN / "baseline.toml"), *sets, "--out", str(out)])
    assert got.exit_code == 0, got.output
    line = next(x for x in got.output.splitlines() if x.startswith("benchmark "))
    # the median value on the last output day of 2027 over the cited 7 bn USD
    pct = pd.read_csv(out / "percentiles.csv")
    value = pct[(pct.entity == "pakistan") & (pct.variable == "value_usd")]
    last = value[value.date.str[:10] <= "2027-12-31"].iloc[-1]
    assert str(last.date)[:10] == "2027-12-31"
    share = last.p50 / 7e9
    assert "median share on 2027-12-31: pakistan" in line and "el_salvador" not in line
    found = re.search(r"pakistan (\d+\.?\d*)%", line)
    assert found is not None
    assert float(found.group(1)) / 100 == pytest.approx(share, rel=5e-3)  # 3 digits printed
