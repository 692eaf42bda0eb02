"""Keys the chosen market model does not read: ``--set`` warns, ``--vary`` refuses.

The baseline's network is the economic model since December 2026, so an old
``--set market.network.growth_per_year=0.5`` would otherwise change nothing
without a word.
"""

from __future__ import annotations

from pathlib import Path

from support import PROJECT
from typer.testing import CliRunner

from cli import app

runner = CliRunner()
BASELINE = str(PROJECT / "scenarios" / "baseline.toml")


def test_set_of_an_unread_key_warns(tmp_path: Path) -> None:
    args = ["run", BASELINE, "--paths", "50", "--quiet", "--out", str(tmp_path / "o")]
    result = runner.invoke(app, [*args, "--set", "market.network.growth_per_year=0.5"])
    assert result.exit_code == 0, result.output
    assert "warning: --set market.network.growth_per_year: the economic model of baseline" in (
        result.output
    )
    read = runner.invoke(app, [*args[:-1], str(tmp_path / "p"), "--set",
                               "market.network.adjustment_half_life_days=400"])  # fmt: skip
    assert read.exit_code == 0 and "warning" not in read.output


def test_vary_of_an_unread_key_is_refused(tmp_path: Path) -> None:
    args = ["sweep", BASELINE, "--vary", "market.network.growth_per_year=0,0.5", "--paths", "50"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "s")])
    assert result.exit_code == 2
    assert "--vary market.network.growth_per_year: the economic model does not read it" in (
        result.output
    )
    assert not (tmp_path / "s").exists()
    # Swept together with the model, some combinations read it: allowed.
    both = [*args, "--vary", "market.network.model=growth,economic", "--out", str(tmp_path / "t")]
    assert runner.invoke(app, both).exit_code == 0


def test_unread_key_written_in_the_file_warns_but_inherited_ones_do_not(tmp_path: Path) -> None:
    mine = tmp_path / "g.toml"
    mine.write_text(
        f'extends = "{BASELINE}"\n[scenario]\nname = "g"\n'
        "[market.network]\ngrowth_per_year = 0.3\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["validate", str(mine)])
    assert result.exit_code == 0, result.output
    assert "market.network.growth_per_year: the economic model does not read it" in (
        result.output.replace("\n", " ")
    )
    # The power-law variant inherits the baseline's GBM drift without writing it: no warning.
    shipped = PROJECT / "scenarios" / "price_models" / "powerlaw.toml"
    quiet = runner.invoke(app, ["validate", str(shipped)])
    assert quiet.exit_code == 0 and "warning" not in quiet.output
