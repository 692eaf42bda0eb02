"""Unknown keys: "did you mean" in files and in ``--set`` alike, else the valid keys there.

Before this (issue 12): a misspelling with no close match said only ``unknown
key``; ``extend = ...`` got no hint; ``remove = true`` in a file that extends
nothing was an "unknown key" although it is a valid key elsewhere.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support import PROJECT

from simulator.inputs.errors import KEYS_SHOWN, MAX_KEYS_LISTED, ScenarioError, key_hint
from simulator.inputs.scenario import load_scenario
from simulator.inputs.schema import Chain, Mining

BASE = (PROJECT / "scenarios" / "baseline.toml").as_posix()


def _error(
    tmp_path: Path, body: str, sets: tuple[str, ...] = (), standalone: bool = False
) -> ScenarioError:
    """The error of loading ``body`` (added to a file extending the baseline, unless standalone)."""
    path = tmp_path / "s.toml"
    path.write_text(body if standalone else f'extends = "{BASE}"\n{body}\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, sets)
    return info.value


def test_key_hint_prefers_the_close_match() -> None:
    assert key_hint("pathz", ["paths", "seed"]) == " (did you mean 'paths'?)"


def test_key_hint_lists_a_short_level_in_full() -> None:
    assert key_hint("xyz", ["a", "b", "c"]) == " (valid keys: a, b, c)"


def test_key_hint_shortens_a_long_level_and_says_where_the_rest_are() -> None:
    keys = [f"key_{i}" for i in range(MAX_KEYS_LISTED + 5)]
    hint = key_hint("zzz", keys, "btcsim schema mining.NAME")
    assert hint.count(",") == KEYS_SHOWN - 1
    assert hint.endswith(f"and {len(keys) - KEYS_SHOWN} more: btcsim schema mining.NAME)")
    assert key_hint("zzz", []) == ""


@pytest.mark.parametrize(
    ("body", "key", "words"),
    [
        ("[chain]\nxyz = 1", "chain.xyz", "valid keys: " + ", ".join(Chain.model_fields)),
        ("[scenario]\npathz = 3", "scenario.pathz", "did you mean 'paths'?"),
        ("extend = 1", "extend", "did you mean 'extends'?"),
        ('[[reserve]]\nname = "el_salvador"\nremov = true', "reserve.el_salvador.remov",
         "did you mean 'remove'?"),
        ('[[mining]]\nname = "pakistan"\ntariff = 0.1', "mining.pakistan.tariff",
         f"and {len(Mining.model_fields) + 1 - KEYS_SHOWN} more: btcsim schema mining.pakistan"),
        ("[markt]\nx = 1", "markt", "did you mean 'market'?"),
    ],
)  # fmt: skip
def test_unknown_key_in_a_file(tmp_path: Path, body: str, key: str, words: str) -> None:
    exc = _error(tmp_path, body)
    assert exc.key == key, exc
    assert words in exc.message, exc


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("scenario.pathz=3", "did you mean 'paths'?"),
        ("chain.tariff=3", "valid keys: start_height, start_difficulty"),
        ("mining.pakistan.tarif=3", "and 13 more: btcsim schema mining.pakistan"),
    ],
)
def test_unknown_key_in_set_gets_the_same_hints(tmp_path: Path, text: str, words: str) -> None:
    exc = _error(tmp_path, "", (text,))
    assert exc.file == f"--set {text}", exc
    assert words in exc.message, exc


def test_remove_in_a_file_that_extends_nothing_says_why(tmp_path: Path) -> None:
    body = (PROJECT / "scenarios" / "templates" / "reserve.toml").read_text()
    body = body.replace('name = "el_salvador"', 'name = "el_salvador"\nremove = true')
    exc = _error(tmp_path, body, standalone=True)
    assert exc.key == "reserve.el_salvador.remove", exc
    assert "only in a file that extends another" in exc.message, exc


def test_several_problems_stay_on_one_line(tmp_path: Path) -> None:
    exc = _error(tmp_path, "[scenario]\npathz = 3\n[chain]\nxyz = 1")
    text = str(exc)
    assert "\n" not in text
    assert "scenario.pathz: unknown key (did you mean 'paths'?)" in text
    assert "; also chain.xyz: unknown key (valid keys:" in text
