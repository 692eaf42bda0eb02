"""The starters of ``btcsim init``: standalone, every key commented, every assumption noted.

The templates are read as TOML and through the loader: every input the loaded
scenario has is written in the file (no btcsim default except the unset one
of two alternatives), every assumption's note says what to replace it with,
every line that sets a key has a comment, and the comment of a key with a
unit names it as ``[UNIT]``. Cited values name only built-in facts.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from simulator.inputs.errors import ScenarioError
from simulator.inputs.facts import load_facts
from simulator.inputs.reference import scenario_reference
from simulator.inputs.scenario import load_scenario
from simulator.inputs.shipped import shipped_scenarios
from simulator.inputs.starter import (
    DEFAULT_TEMPLATE,
    TEMPLATES,
    starter_target,
    starter_text,
    template_path,
)

KEY_LINE = re.compile(r"^\s*([a-z_]+)\s*=")
UNITS = {k.key: k.unit for k in scenario_reference().keys()}


def _write(tmp_path: Path, kind: str, name: str = "mine") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(starter_text(kind, name), encoding="utf-8")
    return path


def test_templates_ship_in_the_scenarios_package_and_are_not_listed_as_scenarios() -> None:
    for kind in TEMPLATES:
        assert template_path(kind).is_file()
        assert template_path(kind).parent.name == "templates"
    assert DEFAULT_TEMPLATE in TEMPLATES
    assert not any("templates" in p.parts for p in shipped_scenarios())


@pytest.mark.parametrize("kind", TEMPLATES)
def test_a_starter_is_standalone_and_loads_with_its_new_name(tmp_path: Path, kind: str) -> None:
    text = starter_text(kind, "my-case_2")
    assert not re.search(r"^extends\s*=", text, re.M)
    scenario = load_scenario(_write(tmp_path, kind, "my-case_2"))
    assert scenario.name == "my-case_2"
    assert tomllib.loads(text)["scenario"]["name"] == "my-case_2"


@pytest.mark.parametrize("kind", TEMPLATES)
def test_every_input_is_written_and_every_assumption_says_what_to_replace(
    tmp_path: Path, kind: str
) -> None:
    scenario = load_scenario(_write(tmp_path, kind))
    for item in scenario.inputs.values():
        if item.is_default:  # only the other one of two alternatives (btc_per_day, usd_per_month)
            assert item.value is None and item.key.endswith("usd_per_month"), item
        elif item.provenance == "assumption":
            assert "replace" in item.source.lower(), item


def _table_of(header: str, array: bool) -> str:
    """The reference's key of a table header: ``[[reserve.sales]]`` is ``reserve.NAME.sales[]``."""
    parts = header.split(".")
    if parts[0] in ("reserve", "mining", "benchmark"):
        return ".".join([parts[0], "NAME", *parts[1:]]) + ("[]" if len(parts) > 1 else "")
    return header + ("[]" if array else "")


@pytest.mark.parametrize("kind", TEMPLATES)
def test_every_key_has_a_comment_with_its_unit(kind: str) -> None:
    text = template_path(kind).read_text(encoding="utf-8")
    table = ""
    for line in text.splitlines():
        header = re.match(r"^(\[\[?)([a-z_.]+)\]", line)
        if header:
            table = _table_of(header.group(2), header.group(1) == "[[")
            continue
        match = KEY_LINE.match(line)
        if not match:
            continue
        key = f"{table}.{match.group(1)}"
        assert key in UNITS, key
        assert "#" in line, line
        comment = line.rpartition("#")[2].strip()
        assert comment, f"{kind}: no comment on {key}"
        if UNITS[key]:
            assert f"[{UNITS[key]}]" in comment, f"{kind}: {key} does not say [{UNITS[key]}]"


@pytest.mark.parametrize("kind", TEMPLATES)
def test_cited_values_name_built_in_facts_only(kind: str) -> None:
    text = template_path(kind).read_text(encoding="utf-8")
    ids = set(load_facts().ids())
    cited = re.findall(r'\{ (?:cite|derive) = "([^"]+)" \}', text)
    assert cited and set(cited) <= ids


@pytest.mark.parametrize(
    ("name", "path", "scenario"),
    [("mine", "mine.toml", "mine"), ("mine.toml", "mine.toml", "mine"),
     ("sub/Case-2", "sub/Case-2.toml", "Case-2")],
)  # fmt: skip
def test_starter_target(name: str, path: str, scenario: str) -> None:
    assert starter_target(name) == (Path(path), scenario)


@pytest.mark.parametrize("name", ["", "my case", "a.b", "../", ".toml", "-x", "é", "x" * 81])
def test_a_bad_name_is_refused(name: str) -> None:
    with pytest.raises(ScenarioError, match="not a scenario name"):
        starter_target(name)


def test_an_unknown_template_is_refused() -> None:
    with pytest.raises(ScenarioError, match="did you mean 'mining'"):
        template_path("minig")
