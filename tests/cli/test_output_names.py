"""A scenario's name cannot make btcsim write or delete outside the results folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import PROJECT
from typer.testing import CliRunner

from cli import app
from simulator.inputs.scenario import load_scenario

runner = CliRunner()
BASELINE = PROJECT / "scenarios" / "baseline.toml"


@pytest.mark.parametrize("name", ["../../x", ".", "..", "/tmp/elsewhere", "a/b", "", ".hidden"])
def test_unsafe_scenario_names_are_refused_before_anything_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "keep.txt").write_text("mine")
    scenario = work / "s.toml"
    scenario.write_text(f'extends = "{BASELINE.as_posix()}"\n[scenario]\nname = "{name}"\n')
    monkeypatch.chdir(work)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = runner.invoke(app, ["run", str(scenario), "--paths", "10", "--years", "0.1"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "scenario.name" in lines[0]
    assert "Traceback" not in result.output
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_names_with_capitals_digits_dash_and_underscore_are_fine() -> None:
    s = load_scenario(BASELINE, ["scenario.name=Run-2_b"])
    assert s.name == "Run-2_b"
