"""``btcsim init --start-from FILE``: a starter that starts from a history file's last full day."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from cli import app
from simulator.cli.entry import run_app
from simulator.inputs.scenario import load_scenario


def test_starter_reads_its_start_from_the_file(
    real_history_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "work").mkdir()
    history = os.path.relpath(real_history_file, tmp_path)
    assert run_app(app, ["init", "work/mine", "--start-from", history]) == 0
    path = tmp_path / "work" / "mine.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    # the path is written relative to the scenario file, as the loader reads it
    assert (path.parent / data["scenario"]["start_from"]).resolve() == real_history_file.resolve()
    assert data["scenario"]["start_date"] == "latest"
    written = {**data["chain"], **data["market"]["price"], **data["market"]["network"]}
    for key in ("start_height", "start_difficulty", "fees_btc_per_block", "start_usd", "start_ehs"):
        assert key not in written  # nothing written that would win over the file
    scenario = load_scenario(path)
    assert scenario.model.chain.start_height == 930_345
    assert scenario.counts()["data"] == 8


def test_a_bad_history_file_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run_app(app, ["init", "mine", "--start-from", "nope.csv"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "nope.csv" in err[0]
    assert list(tmp_path.iterdir()) == []
