"""Figure footnotes name the facts file a user-cited input comes from.

The fixture ``tests/fixtures/facts/scenario.toml`` cites invented facts (a test
fixture) from ``user_facts.toml``: a tariff with a stated range and a later
reserve count that supersedes the built-in one.
"""

from __future__ import annotations

import dataclasses

import pytest
from support import PROJECT

from simulator import load_scenario, simulate
from simulator.results.result import Result
from simulator.viz.entities import mining_figure, reserve_figure
from simulator.viz.sources import cite_input
from simulator.viz.style import provenance_lines

SCENARIO = PROJECT / "tests" / "fixtures" / "facts" / "scenario.toml"


@pytest.fixture(scope="module")
def result() -> Result:
    return simulate(load_scenario(SCENARIO, ["scenario.paths=50", "scenario.horizon_years=1"]))


def _row(result: Result, key: str):  # noqa: ANN202 - a pandas row
    return result.inputs.set_index("key", drop=False).loc[key]


def test_a_user_fact_is_cited_with_its_outlet_and_file(result: Result) -> None:
    assert result.facts is not None
    tariff = cite_input(_row(result, "mining.pakistan.electricity_usd_per_kwh"), result.facts)
    assert tariff == "Fixture Energy Review (invented) 2025-08-01, from facts file user_facts.toml"
    reserve = cite_input(_row(result, "reserve.el_salvador.holdings_btc"), result.facts)
    assert reserve == (
        "Fixture Gazette (invented) 2025-09-01, from facts file user_facts.toml; "
        "supersedes 6,238 of the built-in registry"
    )
    price = cite_input(_row(result, "market.price.start_usd"), result.facts)
    assert price.endswith(", from facts file user_facts.toml")  # a built-in formula over it


def test_without_the_registry_the_rows_own_source_is_used(result: Result) -> None:
    # A result loaded from disk has no registry: the built-in one does not cite these rows
    # the same way, so the footnote falls back to the row's own source, file included.
    loaded = dataclasses.replace(result, facts=None)
    text = cite_input(_row(loaded, "mining.pakistan.electricity_usd_per_kwh"), None)
    assert text.startswith("Fixture Energy Review (invented), 'Invented tariff report")
    reserve = cite_input(_row(loaded, "reserve.el_salvador.holdings_btc"), None)
    assert reserve.startswith("Fixture Gazette (invented)")  # not the built-in Crypto.news ...


def test_footnotes_of_the_figures_name_the_file(result: Result) -> None:
    lines = provenance_lines(result.inputs, ("mining.pakistan.",), registry=result.facts)
    assert "from facts file user_facts.toml" in lines[0][0]
    for fig in (mining_figure(result, "pakistan"), reserve_figure(result, "el_salvador")):
        text = " ".join(t.get_text() for t in fig.texts).replace("\n", " ")
        assert "user_facts.toml" in text
