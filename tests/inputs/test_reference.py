"""The scenario reference: complete, true to the schema, current in docs/, examples that load.

The reference (:mod:`simulator.inputs.reference`) is checked against the
pydantic models walked independently here; the JSON Schema of a file against
the shipped scenarios and the loader (with :mod:`jsonschema`, when installed).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from support import PROJECT

from simulator.inputs.errors import InputError, ScenarioError
from simulator.inputs.market_schema import MARKET_SECTIONS
from simulator.inputs.reference import FILE_KEYS, pattern_of, scenario_reference
from simulator.inputs.reference_doc import REGENERATE, markdown
from simulator.inputs.reference_examples import EXAMPLES, FORMS_EXAMPLE
from simulator.inputs.reference_schema import file_schema
from simulator.inputs.scenario import load_scenario
from simulator.inputs.scenario_files import read_merged
from simulator.inputs.schema import Scenario
from simulator.inputs.start_from import apply_start_from

DOC = PROJECT / "docs" / "scenario-reference.md"
BASE = (PROJECT / "scenarios" / "baseline.toml").as_posix()
REF = scenario_reference()
SHIPPED = sorted(p for p in (PROJECT / "scenarios").rglob("*.toml") if not {"parts"} & set(p.parts))


def _fields(model: type[BaseModel], key: str = "") -> Iterator[tuple[str, type[BaseModel], str]]:
    """``(dotted key, model, field)`` of every field, walked apart from the reference."""
    for name, info in model.model_fields.items():
        dotted = f"{key}.{name}" if key else name
        yield dotted, model, name
        args = typing.get_args(info.annotation) or (info.annotation,)
        for sub in (a for a in args if isinstance(a, type) and issubclass(a, BaseModel)):
            listed = typing.get_origin(info.annotation) is list
            child = f"{dotted}.NAME" if not key and listed else dotted + ("[]" if listed else "")
            yield from _fields(sub, child)


FIELDS = list(_fields(Scenario))


# ------------------------------------------------------------------ the catalogue
def test_every_field_of_every_model_is_in_the_reference_once() -> None:
    keys = [k.key for k in REF.keys()]
    assert len(keys) == len(set(keys))
    expected = {f for f, _, _ in FIELDS} | {"extends", "facts", "scenario.start_from"}
    expected |= {"reserve.NAME.remove", "mining.NAME.remove", "benchmark.NAME.remove"}
    assert set(keys) == expected


def test_every_table_is_there_including_the_lists_of_tables() -> None:
    tables = {t.key for t in REF.tables}
    lists = ("market.price.shocks", "reserve.NAME.purchases", "reserve.NAME.sales",
             "reserve.NAME.sell_rules", "mining.NAME.ramp", "mining.NAME.refreshes")  # fmt: skip
    assert {f"{key}[]" for key in lists} <= tables


def test_every_key_has_a_meaning_and_every_number_says_its_unit_or_none() -> None:
    for key in REF.keys():
        assert key.meaning.strip(), key.key
        assert "plausible" not in key.meaning, key.key  # the range is kept apart
    units = {k.key: k.unit for k in REF.keys()}
    assert units["mining.NAME.power_mw"] == "MW"
    assert units["reserve.NAME.purchases[].btc_per_day"] == "BTC/day"  # physical(), not the suffix
    assert units["reserve.NAME.purchases[].usd_per_month"] == "USD/month"
    assert units["market.price.volatility_per_year"] == "1/sqrt(yr)"


@pytest.mark.parametrize(("dotted", "model", "name"), FIELDS, ids=[f[0] for f in FIELDS])
def test_each_key_matches_its_field(dotted: str, model: type[BaseModel], name: str) -> None:
    info = model.model_fields[name]
    key = next(k for k in REF.keys() if k.key == dotted)
    assert key.required == info.is_required()
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    rule = extra.get("plausible")
    if rule is None:
        assert key.plausible == () and key.why == ""
    else:
        low, high, _, why = rule
        assert key.plausible == (low, high) and key.why == why
    if not info.is_required():
        default = info.get_default(call_default_factory=True)
        if default in (None, []):
            assert key.default == "none"
        else:
            assert tomllib.loads(f"v = {key.default}")["v"] == default


def test_limits_include_hard_bounds_rates_dates_and_names() -> None:
    keys = {k.key: k for k in REF.keys()}
    assert keys["mining.NAME.pool_fee"].limits == ">= 0, < 1"
    assert keys["mining.NAME.pool_fee"].plausible == (None, 0.5)
    assert keys["market.network.growth_per_year"].rate_limit == 5.0
    assert keys["market.network.max_growth_per_month"].rate_limit == 1.0
    assert keys["market.price.target_return_per_year"].rate_limit == 5.0  # optional rate
    assert keys["market.price.target_return_per_year"].limits.startswith("> -5")
    assert "2009-01-03 to 2100-01-01" in keys["scenario.start_date"].limits
    assert "2009-01-03 to 2200-01-01" in keys["reserve.NAME.sales[].date"].limits
    assert "^[a-z][a-z0-9_]*$" in keys["mining.NAME.name"].limits
    assert keys["mining.NAME.disposal"].choices == ("hold", "sell_all", "sell_to_cover")


def test_references_are_resolved_and_numbered_once() -> None:
    keys = {k.key: k for k in REF.keys()}
    assert keys["mining.NAME.uptime"].refs == (1,)
    assert REF.references[0].startswith("Cambridge Centre for Alternative Finance")
    assert "Antminer S21" in REF.references[keys["mining.NAME.efficiency_j_per_th"].refs[0] - 1]
    assert len(set(REF.references)) == len(REF.references)
    for key in REF.keys():
        for n in map(int, re.findall(r"\[(\d+)\]", key.meaning)):
            assert 1 <= n <= len(REF.references), key.key


def test_economic_defaults_carry_their_reasons_from_the_model_module() -> None:
    network = REF.table("market.network")
    reasons = {k.name: k.default_reason for k in network.keys if k.default_reason}
    assert set(reasons) == {
        "marginal_efficiency_j_per_th", "efficiency_improvement_per_year",
        "marginal_electricity_usd_per_kwh", "all_in_cost_factor", "adjustment_half_life_days",
        "max_growth_per_month",
    }  # fmt: skip
    assert "CBECI" in reasons["marginal_electricity_usd_per_kwh"]
    assert any("Nerlove" in REF.references[n - 1] for n in network.refs)


def test_market_keys_name_the_models_that_read_them() -> None:
    for table_key, section in MARKET_SECTIONS.items():
        for key in REF.table(table_key).keys:
            reads = {m for m, e in section.models.items() if key.name in section.common | e.reads}
            assert set(key.read_by) == reads, key.key


def test_entity_names_are_plain_and_every_other_value_takes_the_value_forms() -> None:
    keys = {k.key: k for k in REF.keys()}
    assert not keys["mining.NAME.name"].forms and not keys["reserve.NAME.name"].forms
    assert keys["mining.NAME.ramp[].fraction"].forms and keys["scenario.start_date"].forms
    assert not keys["mining.NAME.ramp"].forms  # a list of tables
    assert set(FILE_KEYS) == {"extends", "facts", "remove", "start_from"}


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("mining.pakistan.ramp.0.fraction", "mining.NAME.ramp[].fraction"),
        ("mining.NAME.ramp[].fraction", "mining.NAME.ramp[].fraction"),
        ("reserve.el_salvador", "reserve.NAME"),
        ("chain", "chain"),
    ],
)
def test_pattern_of(text: str, pattern: str) -> None:
    assert pattern_of(text) == pattern


def test_select_a_table_a_key_and_an_unknown_one() -> None:
    assert [t.key for t in REF.select("mining")] == [
        "mining.NAME", "mining.NAME.refreshes[]", "mining.NAME.ramp[]", "mining.NAME.ai"
    ]  # fmt: skip
    (only,) = REF.select("mining.pakistan.power_mw")
    assert [k.name for k in only.keys] == ["power_mw"]
    assert [t.key for t in REF.select("reserve.x.purchases")] == ["reserve.NAME.purchases[]"]
    with pytest.raises(ScenarioError, match=r"did you mean 'start_height'"):
        REF.select("chain.start_hieght")
    with pytest.raises(ScenarioError, match=r"valid keys: start_height, start_difficulty"):
        REF.select("chain.xyz")


# ------------------------------------------------------------------ the document
def test_the_committed_reference_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == markdown(), f"stale: run {REGENERATE}"


def test_the_document_covers_every_table_and_key() -> None:
    text = markdown()
    for table in REF.tables:
        assert f"## `{table.title}`" in text or not table.key, table.key
        for key in table.keys:
            assert f"| `{key.key}` |" in text, key.key
    assert "## Value forms" in text and "## References" in text


def test_the_readme_links_the_reference() -> None:
    assert "docs/scenario-reference.md" in (PROJECT / "README.md").read_text(encoding="utf-8")


def _example_file(tmp_path: Path, text: str) -> Path:
    body = text.replace('"baseline.toml"', f'"{BASE}"')
    if not re.search(r"^extends\s*=", body, re.M):
        body = f'extends = "{BASE}"\n{body}'
    path = tmp_path / "example.toml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize("table", [*EXAMPLES, "value forms"])
def test_every_example_loads_on_top_of_the_baseline(tmp_path: Path, table: str) -> None:
    text = FORMS_EXAMPLE if table == "value forms" else EXAMPLES[table]
    scenario = load_scenario(_example_file(tmp_path, text))
    if table not in ("", "value forms"):  # the example sets keys of its own table
        names = {k.name for k in REF.table(table).keys}
        assert any(re.search(rf"\b{n}\b", text) for n in names - {"name"}), table
        assert scenario.inputs  # and the run has inputs


def test_every_table_has_an_example() -> None:
    assert set(EXAMPLES) == {t.key for t in REF.tables}


# ------------------------------------------------------------------ the JSON Schema
jsonschema = pytest.importorskip("jsonschema")
SCHEMA = file_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _json(node: Any) -> Any:
    """TOML data as JSON data: dates as ISO strings."""
    if isinstance(node, dict):
        return {k: _json(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_json(v) for v in node]
    return node.isoformat() if isinstance(node, dt.date) else node


def _errors(data: Any) -> list[str]:
    return [e.message for e in VALIDATOR.iter_errors(_json(data))]


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    json.dumps(SCHEMA)  # plain JSON: no NaN, no infinities
    assert not re.search(r"\b(NaN|Infinity)\b", json.dumps(SCHEMA))
    assert '"gt"' not in json.dumps(SCHEMA)  # pydantic's constrained optionals fixed


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_files_and_their_merges_follow_the_schema(
    path: Path, real_history_file: Path
) -> None:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    assert _errors(raw) == []
    merged = read_merged(path)
    if merged.get("scenario", {}).get("start_date") == "latest":  # from_history: needs a file
        assert any("start_usd" in e for e in _errors(merged))  # the start comes from the file
        merged["scenario"]["start_from"] = str(real_history_file)
        merged, _ = apply_start_from(merged, str(path))
        merged["scenario"]["start_from"] = str(real_history_file)
    assert _errors(merged) == []


def _starter() -> dict[str, Any]:
    return tomllib.loads((PROJECT / "scenarios" / "templates" / "both.toml").read_text())


MUTATIONS = {
    "unknown key": lambda d: d["chain"].update(xyz=1),
    "unknown key in a value form": lambda d: d["mining"][0].update(pue={"value": 1.1, "nte": "x"}),
    "two forms at once": lambda d: d["mining"][0].update(pue={"value": 1.1, "cite": "x"}),
    "above the plausible range": lambda d: d["mining"][0].update(power_mw=1e300),
    "inside a value form, too": lambda d: d["mining"][0].update(power_mw={"value": 1e300}),
    "a rate typed as a percent": lambda d: d["market"]["network"].update(growth_per_year=25),
    "a bad choice": lambda d: d["market"]["price"].update(model="gmb"),
    "an entity name in a value form": lambda d: d["reserve"][0].update(name={"value": "x"}),
    "remove without extends": lambda d: d["reserve"][0].update(remove=True),
    "a missing table": lambda d: d.pop("chain"),
    "a list item missing a key": lambda d: d["mining"][0]["ramp"][0].pop("fraction"),
    "a boolean for a number": lambda d: d["chain"].update(start_height=True),
}


def _toml(node: Any) -> str:
    """TOML text of data as inline tables (enough for these tests)."""
    if isinstance(node, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in node.items()) + " }"
    if isinstance(node, list):
        return "[" + ", ".join(_toml(v) for v in node) + "]"
    if isinstance(node, bool):
        return "true" if node else "false"
    if isinstance(node, str):
        return json.dumps(node)
    return node.isoformat() if isinstance(node, dt.date) else repr(node)


@pytest.mark.parametrize("name", list(MUTATIONS))
def test_the_schema_refuses_what_the_loader_refuses(name: str, tmp_path: Path) -> None:
    data = _starter()
    path = tmp_path / "s.toml"
    path.write_text("".join(f"{k} = {_toml(v)}\n" for k, v in data.items()))
    load_scenario(path)  # the serialisation is faithful
    assert _errors(data) == []
    MUTATIONS[name](data)
    assert _errors(data), name
    path.write_text("".join(f"{k} = {_toml(v)}\n" for k, v in data.items()))
    with pytest.raises(InputError):
        load_scenario(path)


def test_facts_files_are_a_path_or_a_list_of_paths() -> None:
    data = _starter()
    assert _errors({**data, "facts": "my_facts.toml"}) == []
    assert _errors({**data, "facts": ["a.toml", "b.toml"]}) == []
    assert _errors({**data, "facts": 3})
    assert _errors({"extends": "a.toml", "facts": ["a.toml"]}) == []


def test_a_file_that_extends_needs_only_what_it_changes() -> None:
    assert _errors({"extends": "baseline.toml", "mining": [{"name": "pakistan", "pue": 1.2}]}) == []
    assert _errors({"extends": ["a.toml"], "reserve": [{"name": "x", "remove": True}]}) == []
    assert _errors({"extends": "a.toml", "mining": [{"pue": 1.2}]})  # entities need their name
    assert _errors({"extends": "a.toml", "mining": [{"name": "p", "ramp": [{"fraction": 1}]}]})
