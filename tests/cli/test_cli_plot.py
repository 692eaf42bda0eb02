"""--plot on run, compare, sweep and sensitivity writes PNG figures next to the CSVs."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import PROJECT
from typer.testing import CliRunner

from cli import app

ROOT = PROJECT
SCEN = ROOT / "scenarios"
runner = CliRunner()
SMALL = ["--paths", "200", "--years", "1", "--quiet", "--plot"]
PNG = b"\x89PNG\r\n\x1a\n"


def _pngs(folder: Path) -> set[str]:
    names = set()
    for p in folder.glob("*.png"):
        assert p.read_bytes()[:8] == PNG and p.stat().st_size > 10_000
        names.add(p.stem)
    return names


def test_run_plot(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", str(SCEN / "baseline.toml"), *SMALL, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert _pngs(out) == {
        "price",
        "network",
        "reserve_el_salvador",
        "reserve_pakistan",
        "mining_pakistan",
        "net_position_pakistan",  # the policy ledger's figures
        "benchmark_share",
        "local_value_pakistan",
    }
    assert (out / "summary.csv").is_file()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            [
                "compare",
                str(SCEN / "pakistan_subsidised_tariff.toml"),
                str(SCEN / "pakistan_cost_reflective_tariff.toml"),
            ],
            {"compare_pakistan", "compare_mining_pakistan"},
        ),
        (
            [
                "sweep",
                str(SCEN / "pakistan_subsidised_tariff.toml"),
                "--vary",
                "mining.pakistan.electricity_usd_per_kwh=0.04,0.08",
                "--vary",
                "mining.pakistan.pue=1.05,1.2",
            ],
            {"sweep_heatmap"},
        ),
        (
            [
                "sensitivity",
                str(SCEN / "pakistan_subsidised_tariff.toml"),
                "--metric",
                "pakistan.margin_usd",
            ],
            {"tornado"},
        ),
    ],  # fmt: skip
    ids=["compare", "sweep", "sensitivity"],
)
def test_commands_plot(tmp_path: Path, args: list[str], expected: set[str]) -> None:
    out = tmp_path / "o"
    result = runner.invoke(app, [*args, *SMALL, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert _pngs(out) >= expected
