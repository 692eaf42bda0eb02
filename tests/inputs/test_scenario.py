"""Scenario loading: shipped files, extends, overrides, provenance, and the CLI views."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import PROJECT, shipped_overrides
from typer.testing import CliRunner

from cli import app
from simulator.inputs.scenario import load_scenario, read_merged

ROOT = PROJECT
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
runner = CliRunner()


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_shipped_scenarios_validate(path: Path) -> None:
    scenario = load_scenario(path, shipped_overrides(path))
    assert scenario.name == path.stem
    # every assumption written in a shipped file carries a note saying why
    for item in scenario.inputs.values():
        if item.provenance == "assumption" and not item.is_default:
            is_label = item.key.endswith(
                (".model", ".reserve", ".date", ".fraction", ".label", ".currency")
            )
            is_label |= item.key.startswith("scenario.")
            assert is_label or item.source != "no note given", item.key


def test_required_scenarios_shipped() -> None:
    names = {p.stem for p in SCENARIOS}
    assert {
        "baseline",
        "el_salvador_hold",
        "el_salvador_accumulate",
        "pakistan_subsidised_tariff",
        "pakistan_cost_reflective_tariff",
        "pakistan_mining_and_ai",
    } <= names


def test_baseline_provenance() -> None:
    s = load_scenario(ROOT / "scenarios" / "baseline.toml")
    holdings = s.inputs["reserve.el_salvador.holdings_btc"]
    assert (holdings.value, holdings.unit, holdings.provenance) == (6238, "BTC", "cited")
    assert "Crypto.news" in holdings.source
    price = s.inputs["market.price.start_usd"]
    assert price.provenance == "derived"
    assert price.value == pytest.approx(745e6 / 6238, rel=1e-12)  # 119,429.30 USD/BTC
    assert s.inputs["mining.pakistan.power_mw"].provenance == "cited"
    assert s.inputs["mining.pakistan.efficiency_j_per_th"].provenance == "assumption"
    assert s.inputs["protocol.halving_interval_blocks"].provenance == "protocol"
    counts = s.counts()
    assert counts["cited"] == 4 and counts["derived"] == 2 and counts["protocol"] == 5
    assert sum(counts.values()) == len(s.inputs)


def test_extends_merges_entities_by_name() -> None:
    data = read_merged(ROOT / "scenarios" / "pakistan_subsidised_tariff.toml")
    (op,) = data["mining"]
    assert op["electricity_usd_per_kwh"]["value"] == 0.05  # from the variant
    assert op["power_mw"] == {"cite": "pakistan.mining_power_mw"}  # from parts/pakistan.toml
    assert data["scenario"]["name"] == "pakistan_subsidised_tariff"
    assert data["scenario"]["horizon_years"] == 10  # from parts/common.toml


def test_remove_entity_in_variant(tmp_path: Path) -> None:
    base = ROOT / "scenarios" / "baseline.toml"
    (tmp_path / "v.toml").write_text(
        f'extends = "{base}"\n[[reserve]]\nname = "el_salvador"\nremove = true\n'
    )
    s = load_scenario(tmp_path / "v.toml")
    assert [r.name for r in s.model.reserve] == ["pakistan"]


def test_override_addresses_entity_by_name() -> None:
    path = ROOT / "scenarios" / "baseline.toml"
    s = load_scenario(path, ["mining.pakistan.efficiency_j_per_th=15", "scenario.paths=50"])
    assert s.model.mining[0].efficiency_j_per_th == 15.0
    assert s.model.scenario.paths == 50
    item = s.inputs["mining.pakistan.efficiency_j_per_th"]
    assert item.provenance == "assumption" and item.source == "set on the command line"


def test_defaults_listed_as_assumptions() -> None:
    s = load_scenario(ROOT / "scenarios" / "el_salvador_hold.toml")
    item = s.inputs["scenario.freq"]
    assert item.is_default and item.provenance == "assumption"
    assert item.source.startswith("btcsim default")


def test_explain_cli_groups_by_provenance() -> None:
    result = runner.invoke(app, ["explain", str(ROOT / "scenarios" / "baseline.toml")])
    assert result.exit_code == 0, result.output
    text = result.output
    for title in ("cited (4)", "derived (2)", "protocol (5)"):
        assert title in text
    assert "el_salvador.reserve_btc: Crypto.news 2025-07-17" in text
    assert text.strip().splitlines()[-1].startswith("4 cited, 2 derived, 5 protocol, ")


def test_explain_json() -> None:
    path = str(ROOT / "scenarios" / "baseline.toml")
    result = runner.invoke(app, ["explain", path, "--json", "--set", "mining.pakistan.pue=1.2"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    rows = {r["key"]: r for r in data["inputs"]}
    assert rows["mining.pakistan.pue"]["value"] == 1.2
    assert rows["reserve.el_salvador.holdings_btc"]["fact_id"] == "el_salvador.reserve_btc"
    assert data["counts"]["cited"] == 4


def test_facts_cli_list_and_detail() -> None:
    listing = runner.invoke(app, ["facts"])
    assert listing.exit_code == 0
    assert "el_salvador.reserve_btc" in listing.output
    detail = runner.invoke(app, ["facts", "el_salvador.reserve_btc", "--json"])
    data = json.loads(detail.output)
    assert data["value"] == 6238 and len(data["sources"]) >= 4
    bad = runner.invoke(app, ["facts", "el_salvador.reserve"])
    assert bad.exit_code == 2
    assert "el_salvador.reserve_btc" in bad.output


@pytest.mark.parametrize("command", ["facts", "validate", "explain"])
def test_help_has_example(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Example: btcsim" in result.output


@pytest.mark.parametrize(
    ("name", "disposal"), [("pakistan_hold", "hold"), ("pakistan_sell_all", "sell_all")]
)
def test_policy_variants_change_only_the_disposal(name: str, disposal: str) -> None:
    # the levers `btcsim robust` compares with the baseline (README: "robust")
    base = load_scenario(ROOT / "scenarios" / "baseline.toml")
    lever = load_scenario(ROOT / "scenarios" / "policies" / f"{name}.toml")
    assert lever.name == name and lever.model.mining[0].disposal == disposal
    key = "mining.pakistan.disposal"
    assert lever.inputs[key].source.startswith("policy lever")
    differ = {k for k in base.inputs if base.inputs[k].value != lever.inputs[k].value} - {
        "scenario.name"
    }
    assert differ == {key}
