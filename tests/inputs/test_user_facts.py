"""The user's own facts files: the same form and provenance as the built-in registry.

The fixture ``tests/fixtures/facts/user_facts.toml`` holds invented sources
(marked as a fixture): a later figure that supersedes the built-in
``el_salvador.reserve_btc`` (6,238 -> 6,300 BTC), a new tariff fact with a
stated range (0.07-0.11 USD/kWh) and a derived fact over both kinds.
"""

# The tables of cases keep one case a line, however long.
# ruff: noqa: E501
from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import pytest
from support import PROJECT

from simulator.analysis.sensitivity import plan_sensitivity
from simulator.analysis.variants import variant
from simulator.inputs.errors import FactsFileError, ScenarioError
from simulator.inputs.facts import Fact, load_facts, registry_from_dict
from simulator.inputs.scenario import load_scenario
from simulator.inputs.user_facts import load_user_facts, read_facts_file

FIXTURES = PROJECT / "tests" / "fixtures" / "facts"
FACTS = FIXTURES / "user_facts.toml"
SCENARIO = FIXTURES / "scenario.toml"
BASELINE = PROJECT / "scenarios" / "baseline.toml"

#: A minimal valid facts file of one invented (fixture) fact.
ONE = """
[[fact]]
id = "fixture.one_usd"
value = 10
unit = "USD"
as_of = 2025-08-01
claim = "(fixture) An invented figure."
canonical_rule = "(fixture) The only statement."

[[fact.sources]]
outlet = "Fixture Outlet (invented)"
headline = "Invented headline"
published = 2025-08-01
figure = "$10"
qualifier = "exact"
stated = 10
"""


def _write(tmp_path: Path, text: str, name: str = "facts.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# ------------------------------------------------------------- the registry
def test_a_later_figure_supersedes_the_built_in_fact_and_keeps_it_visible() -> None:
    reg = load_user_facts([FACTS])
    fact = reg.get("el_salvador.reserve_btc")
    builtin = load_facts().get("el_salvador.reserve_btc")
    assert isinstance(fact, Fact) and isinstance(builtin, Fact)
    assert fact.value == 6300.0 and fact.as_of.isoformat() == "2025-09-01"
    assert fact.origin == str(FACTS) and fact.supersedes == builtin
    # the earlier figure stays in the sources, marked, and in the spread
    assert [s.figure for s in fact.own_sources()] == ["6,300"]
    assert len(fact.sources) == 1 + len(builtin.sources)
    assert all(s.superseded and s.origin is None for s in fact.sources[1:])
    assert fact.spread == (6000.0, 6300.0)  # built-in 6,000 .. 6,240 and the new 6,300
    assert "[facts file user_facts.toml]" in fact.citation()
    assert "supersedes 6,238 BTC of the built-in registry" in fact.citation()
    # the built-in registry itself is untouched
    assert load_facts().get("el_salvador.reserve_btc").value == 6238.0


def test_built_in_formulas_use_the_superseding_figure() -> None:
    reg = load_user_facts([FACTS])
    price = reg.get("btc_price.implied_usd")
    assert price.value == pytest.approx(745e6 / 6300)  # 118,253.97 USD/BTC, not 745e6 / 6238
    assert price.origin is None and price.input_files == (str(FACTS),)
    assert price.citation().endswith("(inputs from facts file user_facts.toml)")
    # a formula that does not read the superseded fact says nothing about the file
    assert "facts file" not in reg.get("el_salvador.cost_basis_usd").citation()


def test_user_derived_fact_over_user_and_built_in_facts() -> None:
    value = load_user_facts([FACTS]).get("fixture.reserve_value_at_implied_price_usd")
    assert value.provenance == "derived" and value.origin == str(FACTS)
    assert value.value == pytest.approx(6300 * 745e6 / 6300)  # = 745e6
    assert "[facts file user_facts.toml]" in value.citation()


def test_a_user_source_names_title_and_url() -> None:
    reg = load_user_facts([FACTS])
    tariff = reg.get("fixture.pakistan_tariff_usd_per_kwh")
    assert isinstance(tariff, Fact) and tariff.spread == (0.07, 0.11)
    (src,) = tariff.sources
    assert src.headline == "Invented tariff report for a btcsim test fixture" and src.seed is None
    reserve = reg.get("el_salvador.reserve_btc")
    assert isinstance(reserve, Fact)
    assert reserve.sources[0].url == "https://example.org/btcsim-fixture/reserve"


def test_the_record_of_a_file_holds_its_sha256_and_counts() -> None:
    layer, record = read_facts_file(FACTS)
    assert record.sha256 == hashlib.sha256(FACTS.read_bytes()).hexdigest()
    assert (record.cited, record.derived) == (2, 1)
    assert record.supersedes == ("el_salvador.reserve_btc",)
    assert record.record() == {"path": str(FACTS), "sha256": record.sha256}
    assert load_user_facts([FACTS, FACTS]).files == (record,)  # one file, read once


def test_no_files_is_the_built_in_registry() -> None:
    assert load_user_facts([]) is load_facts()
    assert not any(
        "facts file" in f.citation() for f in (load_facts().get(i) for i in load_facts())
    )


@pytest.mark.parametrize(
    ("text", "key", "says"),
    [
        (ONE.replace("fixture.one_usd", "el_salvador.reserve_btc"), "fact.el_salvador.reserve_btc.id", "already has"),
        (ONE.replace('claim = "', 'supersedes = "fixture.one_usd"\nsupersedes_reason = "later"\nclaim = "'), "fact.fixture.one_usd.supersedes", "no earlier fact"),
        (ONE.replace('claim = "', 'supersedes = "el_salvador.reserve_btc"\nsupersedes_reason = "later"\nclaim = "'), "fact.fixture.one_usd.supersedes", "keeps its id"),
        (ONE.replace("fixture.one_usd", "el_salvador.reserve_btc").replace('claim = "', 'supersedes = "el_salvador.reserve_btc"\nclaim = "'), "fact.el_salvador.reserve_btc.supersedes_reason", "together"),
        (ONE.replace("fixture.one_usd", "el_salvador.reserve_btc").replace('claim = "', 'supersedes = "el_salvador.reserve_btc"\nsupersedes_reason = "later"\nclaim = "'), "fact.el_salvador.reserve_btc.unit", "same unit"),
        (ONE.replace("fixture.one_usd", "btc_price.implied_usd"), "fact.btc_price.implied_usd.id", "derived fact"),
        (ONE + '\n[[derived]]\nid = "el_salvador.cost_basis_usd"\nformula = "fixture.one_usd * 2"\nunit = "USD"\nclaim = "x"\n', "derived.el_salvador.cost_basis_usd.id", "never supersedes"),
        (ONE + '\n[[derived]]\nid = "fixture.two"\nformula = "fixture.one_usd * 2"\nunit = "USD"\nclaim = "x"\nsupersedes = "fixture.one_usd"\n', "derived.fixture.two.supersedes", "only a cited fact"),
        (ONE.replace('headline = "Invented headline"\n', ""), "fact.fixture.one_usd.sources[0].headline", "headline"),
        (ONE.replace('headline = "Invented headline"', 'headline = "A"\ntitle = "B"'), "fact.fixture.one_usd.sources[0].title", "not both"),
        (ONE.replace('headline = "Invented headline"', 'headline = "A"\nurl = "example.org/x"'), "fact.fixture.one_usd.sources[0].url", "https://"),
    ],
    ids=["taken id", "supersedes nothing", "supersedes another id", "no reason", "other unit",
         "a derived id", "derived clash", "derived supersedes", "no headline", "headline and title",
         "bad url"],
)  # fmt: skip
def test_cross_file_rules(tmp_path: Path, text: str, key: str, says: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(FactsFileError) as info:
        load_user_facts([path])
    message = str(info.value)
    assert message.startswith(f"{path}: {key}: "), message
    assert says in message


def test_a_later_file_can_supersede_an_earlier_one(tmp_path: Path) -> None:
    first = _write(tmp_path, ONE, "a.toml")
    later = ONE.replace("value = 10", "value = 12").replace("stated = 10", "stated = 12")
    later = later.replace(
        'claim = "', 'supersedes = "fixture.one_usd"\nsupersedes_reason = "later"\nclaim = "'
    )
    second = _write(tmp_path, later, "b.toml")
    fact = load_user_facts([first, second]).get("fixture.one_usd")
    assert isinstance(fact, Fact) and fact.value == 12.0 and fact.spread == (10.0, 12.0)
    assert "supersedes 10 USD of the facts file a.toml" in fact.citation()
    with pytest.raises(FactsFileError, match="already has"):  # both new, no supersedes
        load_user_facts([first, _write(tmp_path, ONE, "c.toml")])


def test_the_built_in_registry_keeps_its_rule_every_source_names_its_seed() -> None:
    data = {
        "fact": [
            {"id": "x.a", "value": 1, "unit": "BTC", "as_of": "2025-07-17", "claim": "c",
             "canonical_rule": "r",
             "sources": [{"outlet": "O", "published": "2025-07-17", "figure": "1",
                          "qualifier": "exact", "headline": "H"}]}
        ]
    }  # fmt: skip
    with pytest.raises(FactsFileError, match=r"fact\.x\.a\.sources\[0\]\.seed: .*seed article"):
        registry_from_dict(data, "reg.toml")


# ------------------------------------------------------------- in scenarios
def test_a_scenario_cites_user_facts_relative_to_its_file() -> None:
    s = load_scenario(SCENARIO)
    holdings = s.inputs["reserve.el_salvador.holdings_btc"]
    assert (holdings.value, holdings.provenance, holdings.low, holdings.high) == (
        6300.0, "cited", 6000.0, 6300.0,
    )  # fmt: skip
    assert "[facts file user_facts.toml]" in holdings.source
    tariff = s.inputs["mining.pakistan.electricity_usd_per_kwh"]
    assert (tariff.value, tariff.provenance, tariff.fact_id) == (
        0.09, "cited", "fixture.pakistan_tariff_usd_per_kwh",
    )  # fmt: skip
    assert s.fact_origin(tariff.key) == "facts file user_facts.toml"
    assert s.fact_origin("market.price.start_usd") == "inputs from facts file user_facts.toml"
    assert s.fact_origin("mining.pakistan.power_mw") == ""
    assert [f.path for f in s.facts_files] == [str(FACTS)]  # relative to the scenario file


def test_facts_are_inherited_through_extends_relative_to_the_file_that_wrote_them(
    tmp_path: Path,
) -> None:
    extra = _write(tmp_path, ONE, "mine.toml")
    child = tmp_path / "sub" / "child.toml"
    child.parent.mkdir()
    child.write_text(
        f'extends = "{SCENARIO.as_posix()}"\nfacts = "../mine.toml"\n'
        '[scenario]\nname = "child"\n[[reserve]]\nname = "pakistan"\n'
        'cost_basis_usd = { cite = "fixture.one_usd" }\n',
        encoding="utf-8",
    )
    s = load_scenario(child)
    assert [Path(f.path).resolve() for f in s.facts_files] == [FACTS, extra]
    assert s.inputs["reserve.pakistan.cost_basis_usd"].value == 10.0
    assert s.inputs["reserve.el_salvador.holdings_btc"].value == 6300.0  # the parent's file


def test_facts_given_on_the_command_line_come_after_the_scenarios_own(tmp_path: Path) -> None:
    s = load_scenario(BASELINE, facts=[FACTS])
    assert s.inputs["reserve.el_salvador.holdings_btc"].value == 6300.0
    assert s.inputs["market.price.start_usd"].value == pytest.approx(745e6 / 6300)
    assert len(load_scenario(SCENARIO, facts=[FACTS]).facts_files) == 1  # the same file once
    assert load_scenario(BASELINE).facts_files == ()
    assert "facts" not in load_scenario(BASELINE).raw


def test_a_scenario_without_facts_files_is_unchanged() -> None:
    s = load_scenario(BASELINE)
    assert s.inputs["reserve.el_salvador.holdings_btc"].value == 6238.0
    assert all("facts file" not in i.source for i in s.inputs.values())
    assert s.registry is load_facts()


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("facts = 5", "facts: expected a facts file path or a list of them"),
        ('facts = ["nope.toml"]', "facts: file not found: nope.toml"),
        ('facts = [""]', "facts: expected"),
    ],
)
def test_bad_facts_key(tmp_path: Path, body: str, says: str) -> None:
    path = tmp_path / "s.toml"
    path.write_text(f'extends = "{BASELINE.as_posix()}"\n{body}\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match=says):
        load_scenario(path)


def test_set_cannot_add_facts_files() -> None:
    with pytest.raises(ScenarioError, match=r"--set facts=x.toml: facts: .*--facts FILE"):
        load_scenario(BASELINE, ["facts=x.toml"])


def test_variants_keep_the_user_facts() -> None:
    base = load_scenario(SCENARIO)
    v = variant(base, ["scenario.paths=10"], "v")
    assert v.inputs["reserve.el_salvador.holdings_btc"].value == 6300.0
    assert v.facts_files == base.facts_files


def test_sensitivity_swings_a_user_fact_over_its_stated_range() -> None:
    plan = plan_sensitivity(load_scenario(SCENARIO), "pakistan.margin_usd", paths=10)
    key = "mining.pakistan.electricity_usd_per_kwh"
    (item,) = [i for i in plan.items if i.key == key]
    assert (item.provenance, item.low, item.high) == ("cited", 0.07, 0.11)
    swung = [v.model.mining[0].electricity_usd_per_kwh for v in plan.variants if key in v.name]
    assert swung == [0.07, 0.11]
    holdings = next(i for i in plan.items if i.key == "reserve.el_salvador.holdings_btc")
    assert (holdings.low, holdings.high) == (6000.0, 6300.0)  # superseded figure in the spread
