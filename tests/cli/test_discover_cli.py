"""``btcsim discover``: bad input gives one line and exit 2; a tiny real run writes its files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import MINIMAL_SCENARIO, write_scenario
from typer.testing import CliRunner

from cli import app

pytest.importorskip("ema_workbench")
runner = CliRunner()
RANGED = MINIMAL_SCENARIO.replace(
    "electricity_usd_per_kwh = 0.05",
    "electricity_usd_per_kwh = { value = 0.05, low = 0.02, high = 0.12, note = 'test' }",
)


def _run(args: list[str]) -> tuple[int, str]:
    result = runner.invoke(app, ["discover", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--below", "0"], "--metric: missing"),
        (["--metric", "plant.margin_usd"], "--below/--above: missing"),
        (["--metric", "plant.margin_usd", "--below", "0", "--above", "1"], "not both"),
        (["--metric", "plant.margin_usd", "--below", "0", "--samples", "0"], "--samples"),
        (["--metric", "plant.margin_usd", "--below", "0", "--vary", "chain.x"], "no such input"),
        (
            ["--metric", "plant.margin_usd", "--below", "0", "--vary", "chain.fees_btc_per_blok"],
            "did you mean 'chain.fees_btc_per_block'",
        ),
        (
            ["--metric", "plant.margin_usd", "--below", "0", "--vary", "chain.fees_btc_per_block"],
            "cannot be varied",
        ),
        (["--metric", "plant.margin_usd", "--below", "0", "--method", "tree"], "--method"),
        (["--metric", "plant.nope_usd", "--below", "0"], "plant.nope_usd"),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path: Path, extra: list[str], needle: str) -> None:
    path = write_scenario(tmp_path, RANGED)
    code, text = _run([str(path), *extra, "--out", str(tmp_path / "o")])
    assert code == 2, text
    assert text.startswith("error:") and needle in text and len(text.strip().splitlines()) == 1


def test_no_input_with_a_range(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, MINIMAL_SCENARIO)
    code, text = _run([str(path), "--metric", "plant.margin_usd", "--below", "0"])
    assert code == 2 and "no input has a range" in text


def test_never_fails_is_said_plainly_exit_0(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, RANGED)
    args = [str(path), "--metric", "plant.margin_usd", "--below", "-1e15"]
    code, text = _run([*args, "--samples", "4", "--paths", "4", "--out", str(tmp_path / "o")])
    assert code == 0, text
    assert "the plan never fails inside these ranges" in " ".join(text.split())


@pytest.mark.parametrize("method", ["prim", "cart"])
def test_always_fails_is_said_plainly_exit_0(tmp_path: Path, method: str) -> None:
    # ema_workbench's PRIM asserts on an outcome with one class: this crashed before
    path = write_scenario(tmp_path, RANGED)
    args = [str(path), "--metric", "plant.margin_usd", "--above", "-1e15", "--method", method]
    code, text = _run([*args, "--samples", "4", "--paths", "4", "--out", str(tmp_path / "o")])
    assert code == 0, text
    assert "fails on every sample inside these ranges" in " ".join(text.split())
    assert "always above" in text and "of 1 inputs" in text


def test_tiny_run_on_the_baseline_writes_its_files(tmp_path: Path) -> None:
    out = tmp_path / "d"
    baseline = str(Path(__file__).parents[2] / "scenarios" / "baseline.toml")
    args = [baseline, "--metric", "pakistan.margin_usd", "--below", "0"]
    args += ["--samples", "40", "--paths", "8", "--set", "scenario.horizon_years=1"]
    code, text = _run([*args, "--out", str(out), "--plot"])
    assert code == 0, text
    assert "coverage" in text and "density" in text and "Chosen box" in text
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["samples"] == 40 and manifest["kind"] == "btcsim discover"
    for name in ("box.csv", "trajectory.csv", "discover_tradeoff.png"):
        assert (out / name).exists() and name in manifest["files"]
    assert any(f.startswith("samples.") for f in manifest["files"])


def test_cart_as_json(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, RANGED)
    args = [str(path), "--metric", "plant.margin_usd", "--below", "1e6", "--method", "cart"]
    code, text = _run(
        [*args, "--samples", "30", "--paths", "4", "--json", "--out", str(tmp_path / "o")]
    )
    assert code == 0, text
    data = json.loads(text)
    assert data["method"] == "cart" and data["choice_rule"].startswith("the CART leaf")
    assert 0 < data["bad_samples"] < 30 and data["box"]["restricted"]
    limits = data["box"]["limits"][0]
    assert limits["key"].endswith("electricity_usd_per_kwh")
    assert limits["full_low"] == 0.02 and limits["full_high"] == 0.12
    assert "leaves.csv" in data["files"] and "trajectory.csv" not in data["files"]


def test_cart_with_fewer_than_twenty_samples(tmp_path: Path) -> None:
    # EMA's CART asks scikit-learn for leaves of int(0.05 n) = 0 samples below n = 20
    path = write_scenario(tmp_path, RANGED)
    args = [str(path), "--metric", "plant.margin_usd", "--below", "1e6", "--method", "cart"]
    code, text = _run([*args, "--samples", "12", "--paths", "4", "--out", str(tmp_path / "o")])
    assert code == 0, text
    assert "Leaf" in text and "coverage" in text


def test_json_has_no_nan(capsys: pytest.CaptureFixture[str]) -> None:
    from simulator.cli.common import emit_json

    emit_json({"a": float("nan"), "b": [1.5, float("inf")], "c": {"d": -float("inf")}})
    assert json.loads(capsys.readouterr().out) == {"a": None, "b": [1.5, None], "c": {"d": None}}
