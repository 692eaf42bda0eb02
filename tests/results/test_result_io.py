"""Result.save then Result.load gives back the same tables and metadata."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from support import PROJECT

from simulator.inputs.scenario import load_scenario
from simulator.results.result import Result
from simulator.results.simulate import simulate


def test_save_then_load_round_trips(tmp_path: Path) -> None:
    scenario = load_scenario(
        PROJECT / "scenarios" / "baseline.toml",
        ["scenario.paths=64", "scenario.horizon_years=1", "scenario.freq=W"],
    )
    result = simulate(scenario, backend="serial")
    back = Result.load(result.save(tmp_path / "run"))
    assert back.scenario == result.scenario == "baseline"
    pd.testing.assert_frame_equal(back.summary, result.summary, check_exact=True)
    pd.testing.assert_frame_equal(
        back.percentiles, result.percentiles, check_exact=True, check_dtype=False
    )
    assert list(back.inputs.key) == list(result.inputs.key)
    assert list(back.inputs.provenance) == list(result.inputs.provenance)
    assert back.meta == json.loads(json.dumps(result.meta, default=str))
    # the recorded variables first, then those derived from them (emissions so far)
    assert back.variables[: len(result.variables)] == result.variables and back.variables
    assert {v for _, v in back.variables[len(result.variables) :]} == {"emissions_tco2"}
    assert back.metric("el_salvador", "value_usd") == result.metric("el_salvador", "value_usd")
    assert back.paths is None and back.path_metrics is None


def test_load_names_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "summary.csv").write_text("scenario\n")
    with pytest.raises(FileNotFoundError, match="no percentiles.csv, inputs.csv, manifest.json"):
        Result.load(tmp_path)
