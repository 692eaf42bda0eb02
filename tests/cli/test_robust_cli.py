"""``btcsim robust``: bad input gives one line and exit 2; a tiny real run writes its files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app

runner = CliRunner()
SCENARIOS = Path(__file__).parents[2] / "scenarios"
HOLD = str(SCENARIOS / "el_salvador_hold.toml")
ACCUMULATE = str(SCENARIOS / "el_salvador_accumulate.toml")


def _run(args: list[str]) -> tuple[int, str]:
    result = runner.invoke(app, ["robust", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ([HOLD, "--metric", "el_salvador.value_usd"], "at least 2"),
        ([HOLD, ACCUMULATE], "--metric: missing"),
        ([HOLD, ACCUMULATE, "--metric", "el_salvador.cost_basis_usd"], "not scored"),
        ([HOLD, ACCUMULATE, "--metric", "el_salvador.nope"], "no metric 'nope'"),
        ([HOLD, ACCUMULATE, "--metric", "el_salvador.value_usd", "--stat", "p7"], "--stat"),
        (
            [str(SCENARIOS / "baseline.toml"), HOLD, "--metric", "mining.pakistan.margin_usd"],
            "not in policy el_salvador_hold",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path: Path, args: list[str], needle: str) -> None:
    code, text = _run([*args, "--samples", "2", "--paths", "2", "--out", str(tmp_path / "o")])
    assert code == 2, text
    assert text.startswith("error:") and needle in text and len(text.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_tiny_run_on_the_el_salvador_policies_writes_its_files(tmp_path: Path) -> None:
    out = tmp_path / "r"
    args = [HOLD, ACCUMULATE, "--metric", "el_salvador.value_usd", "--satisfice", "1e9"]
    args += ["--samples", "5", "--paths", "4", "--years", "1", "--backend", "serial"]
    code, text = _run([*args, "--out", str(out), "--plot"])
    assert code == 0, text
    assert "max regret" in text and "el_salvador_accumulate" in text
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "btcsim robust" and manifest["samples"] == 5
    for name in ("samples.csv", "summary.csv", "robust_regret.png"):
        assert (out / name).exists() and name in manifest["files"]
    summary = (out / "summary.csv").read_text(encoding="utf-8")
    assert "satisfice_share" in summary and "p90_regret" in summary


def test_an_input_missing_in_a_policy_is_named_and_not_sampled(tmp_path: Path) -> None:
    # the baseline's Pakistani plant is not in el_salvador_hold: its tariff is not sampled
    baseline = str(SCENARIOS / "baseline.toml")
    args = [baseline, HOLD, "--metric", "el_salvador.value_usd", "--years", "1"]
    args += ["--samples", "40", "--paths", "2", "--backend", "serial"]
    code, text = _run([*args, "--out", str(tmp_path / "t")])
    assert code == 0, text
    assert "Not sampled (not in every policy):" in text
    assert "mining.pakistan.electricity_usd_per_kwh" in " ".join(text.split())
    code, text = _run([*args, "--out", str(tmp_path / "j"), "--json"])
    assert code == 0, text
    data = json.loads(text)
    reasons = {s["key"]: s["reason"] for s in data["skipped"]}
    tariff = "mining.pakistan.electricity_usd_per_kwh"
    assert reasons[tariff] == "not in every policy (missing in el_salvador_hold)"
    assert tariff not in data["inputs_varied"] and "market.price.start_usd" in data["inputs_varied"]
    assert [row["policy"] for row in data["summary"]] == ["baseline", "el_salvador_hold"]
    assert data["out"] == str(tmp_path / "j")
