"""Policy-ledger figures and the report's ledger section: arithmetic, marks, optional parts."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from support import PROJECT

from simulator import load_scenario, simulate
from simulator.results.result import Result
from simulator.viz.figures import figures_for_ledger
from simulator.viz.ledger import (
    benchmark_share_figure,
    benchmarks,
    local_value_figure,
    net_position_figure,
)
from simulator.viz.report import build_report
from simulator.viz.timeseries import panels

SCEN = PROJECT / "scenarios"
SMALL = ["scenario.paths=200", "scenario.horizon_years=3"]
OP = "mining.pakistan."


def _run(path: Path | str, extra: tuple[str, ...] = ()) -> tuple[object, Result]:
    scenario = load_scenario(path, [*SMALL, *extra])
    return scenario, simulate(scenario)


@pytest.fixture(scope="module")
def base() -> tuple[object, Result]:
    return _run(SCEN / "baseline.toml")


@pytest.fixture(scope="module")
def ai() -> tuple[object, Result]:
    return _run(SCEN / "pakistan_mining_and_ai.toml")


@pytest.fixture(scope="module")
def hold() -> tuple[object, Result]:
    return _run(SCEN / "el_salvador_hold.toml")


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Result]:
    """El Salvador's reserve without any benchmark: common.toml up to its [[benchmark]]."""
    folder = tmp_path_factory.mktemp("bare")
    common = (SCEN / "parts" / "common.toml").read_text(encoding="utf-8")
    (folder / "common.toml").write_text(common.split("[[benchmark]]")[0], encoding="utf-8")
    parts = [(folder / "common.toml").as_posix(), (SCEN / "parts" / "el_salvador.toml").as_posix()]
    scenario = folder / "bare.toml"
    scenario.write_text(f'extends = {parts!r}\n[scenario]\nname = "bare"\n'.replace("'", '"'))
    return _run(scenario)


def _with_input(result: Result, key: str, value: object) -> Result:
    inputs = result.inputs.copy()
    inputs.loc[inputs["key"] == key, "value"] = value
    return dataclasses.replace(result, inputs=inputs)


def _number(result: Result, key: str) -> float:
    return float(result.inputs.set_index("key").loc[key, "value"])


def _line(fig: Figure, start: str) -> np.ndarray:
    (ax,) = panels(fig)
    (line,) = [x for x in ax.get_lines() if x.get_label().startswith(start)]
    return np.asarray(line.get_ydata(), dtype=float)


# ------------------------------------------------------------ net position
@pytest.mark.parametrize("which", ["base", "ai"])
def test_net_position_fan_zero_and_sale_line(which: str, request: pytest.FixtureRequest) -> None:
    _, result = request.getfixturevalue(which)
    fig = net_position_figure(result, "pakistan")
    (ax,) = panels(fig)
    assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 2
    assert ax.get_ylabel() == "Net position [USD]"
    labels = [x.get_label() for x in ax.get_lines()]
    assert labels == [
        "median",
        "zero: no gain, no loss",
        "sell the power instead at 0.05 USD/kWh, less its cost at 0.12 USD/kWh",
    ]
    median = result.series("pakistan", "net_fiscal_usd")["p50"].to_numpy()
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), median)
    assert "pakistan" in fig.get_suptitle() and result.meta["end_date"] in fig.get_suptitle()
    notes = " ".join(t.get_text() for t in fig.texts)
    assert "margin at the tariff charged (0.08 USD/kWh) - subsidy cost" in notes
    assert "change in value of the BTC kept" in notes


def test_sale_line_is_energy_times_the_price_gap(base: tuple[object, Result]) -> None:
    _, result = base
    g = _number(result, OP + "power_sale_usd_per_kwh")
    c_r = _number(result, OP + "cost_reflective_usd_per_kwh")
    assert (g, c_r) == (0.05, 0.12)
    energy_mwh = float(result.series("pakistan", "energy_mwh")["p50"].iloc[-1])
    expected = energy_mwh * 1000.0 * (g - c_r)  # MWh x kWh/MWh x USD/kWh = USD
    assert expected < 0  # selling below cost loses money too
    last = _line(net_position_figure(result, "pakistan"), "sell the power")[-1]
    assert last == pytest.approx(expected, rel=1e-9)
    # the same as the summary: power_sale_value_usd - energy at the cost-reflective tariff
    sold = result.metric("pakistan", "power_sale_value_usd")
    twh = result.metric("pakistan", "energy_twh")
    assert last == pytest.approx(sold - twh * 1e9 * c_r, rel=1e-5)


def test_cost_reflective_defaults_to_the_tariff_and_no_sale_no_line(
    base: tuple[object, Result],
) -> None:
    _, result = base
    c = _number(result, OP + "electricity_usd_per_kwh")
    energy_mwh = float(result.series("pakistan", "energy_mwh")["p50"].iloc[-1])
    for unset in (None, float("nan"), ""):  # after a run, read back, or from a CSV
        fig = net_position_figure(
            _with_input(result, OP + "cost_reflective_usd_per_kwh", unset), "pakistan"
        )
        last = _line(fig, "sell the power")[-1]
        assert last == pytest.approx(energy_mwh * 1000.0 * (0.05 - c), rel=1e-9)
    fig = net_position_figure(_with_input(result, OP + "power_sale_usd_per_kwh", None), "pakistan")
    (ax,) = panels(fig)
    assert [x.get_label() for x in ax.get_lines()] == ["median", "zero: no gain, no loss"]


# -------------------------------------------------------------- benchmarks
def test_benchmark_share_fan_and_end_of_2027(base: tuple[object, Result]) -> None:
    _, result = base
    (imf,) = benchmarks(result)
    assert (imf.value_usd, imf.end_year, imf.provenance) == (7e9, 2027, "cited")
    assert imf.reserve == "pakistan"  # Pakistan's yardstick, not El Salvador's
    fig = benchmark_share_figure(result)
    axes = panels(fig)
    assert len(axes) == 1  # pakistan only
    for ax, reserve in zip(axes, ("pakistan",), strict=True):
        assert ax.get_yscale() == "log" and "[%]" in ax.get_ylabel()
        value = result.series(reserve, "value_usd")["p50"].to_numpy()
        median = np.asarray(ax.get_lines()[0].get_ydata(), dtype=float)
        shown = np.isfinite(median)  # an empty reserve (0 BTC) is a gap on the log axis
        assert shown[-1] and (value[~shown] == 0).all()
        np.testing.assert_allclose(median[shown], value[shown] * 100.0 / 7e9, rtol=1e-12)
        (end,) = [x for x in ax.get_lines() if x.get_linestyle() == "-."]
        assert set(pd.to_datetime(end.get_xdata())) == {pd.Timestamp("2028-01-01")}
    legend = [t.get_text() for a in fig.axes if a.get_legend() for t in a.get_legend().texts]
    assert "Pakistan's IMF facility ends (2027, cited)" in legend


def test_short_form_benchmark_comes_first_and_saved_results_read_the_same(
    base: tuple[object, Result], tmp_path: Path
) -> None:
    short = ("scenario.benchmark_usd=1e9", "scenario.benchmark_label=budget")
    _, result = _run(SCEN / "baseline.toml", short)
    first, second = benchmarks(result)
    assert (first.name, first.label, first.value_usd, first.end_year, first.reserve) == (
        "benchmark",
        "budget",
        1e9,
        None,
        None,  # the short form applies to every reserve
    )
    assert (second.name, second.reserve) == ("imf_facility", "pakistan")
    el_salvador, pakistan = panels(benchmark_share_figure(result))
    labels = lambda ax: [x.get_label() for x in ax.get_lines()]  # noqa: E731
    assert "median share of Pakistan's IMF facility" in labels(pakistan)
    assert "median share of Pakistan's IMF facility" not in labels(el_salvador)
    for reserve in ("el_salvador", "pakistan"):  # the first benchmark of each: the budget
        assert result.metric(reserve, "value_share_of_benchmark") == pytest.approx(
            result.metric(reserve, "value_usd") / 1e9, rel=1e-6
        )
    loaded = Result.load(base[1].save(tmp_path / "saved"))  # inputs come back as text
    assert benchmarks(loaded) == benchmarks(base[1])
    assert set(figures_for_ledger(loaded)) == set(figures_for_ledger(base[1]))


# ---------------------------------------------------------- local currency
def test_local_value_in_pkr(base: tuple[object, Result]) -> None:
    _, result = base
    fig = local_value_figure(result, "pakistan")
    top, rate = panels(fig)
    assert top.get_ylabel() == "Value in PKR [PKR]" and top.get_yscale() == "log"
    assert rate.get_ylabel() == "Exchange rate [PKR/USD]"
    lcu = result.series("pakistan", "value_lcu")["p50"].to_numpy()
    drawn = np.asarray(top.get_lines()[0].get_ydata(), dtype=float)
    np.testing.assert_allclose(drawn[np.isfinite(drawn)], lcu[np.isfinite(drawn)])
    with pytest.raises(KeyError):
        local_value_figure(result, "el_salvador")  # USD reserve: no value_lcu


def test_sets_of_figures(base, ai, hold, bare) -> None:
    full = {"net_position_pakistan", "benchmark_share", "local_value_pakistan"}
    assert set(figures_for_ledger(base[1])) == full
    assert set(figures_for_ledger(ai[1])) == full
    assert figures_for_ledger(hold[1]) == {}  # El Salvador alone: no yardstick of its own
    assert figures_for_ledger(bare[1]) == {} and benchmarks(bare[1]) == []
    with pytest.raises(ValueError):
        benchmark_share_figure(bare[1])


# ------------------------------------------------------------------ report
@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Leave out the standard figures (built and tested in test_report.py) for speed."""
    monkeypatch.setattr("simulator.viz.report.figures_for_result", lambda result: {})


@pytest.mark.usefixtures("quick")
@pytest.mark.parametrize("which", ["base", "ai"])
def test_report_has_the_ledger_section(which: str, request: pytest.FixtureRequest) -> None:
    scenario, result = request.getfixturevalue(which)
    page = build_report([result], [scenario])
    ledger = page[page.index("<h3>Policy ledger</h3>") : page.index("<h3>Inputs</h3>")]
    assert "<h4>mining pakistan</h4>" in ledger and "Tariff charged 0.08 USD/kWh" in ledger
    for name in ("energy_twh", "emissions_tco2", "subsidy_cost_usd", "net_fiscal_usd",
                 "mining_vs_power_sale_usd", "prob_mining_beats_power_sale"):  # fmt: skip
        assert f"<td>{name}</td>" in ledger
    assert (" ± " in ledger) and "<td>PKR</td>" in ledger  # value_lcu in rupees
    assert ("<td>ai_net_usd_per_mw</td>" in ledger) is (which == "ai")
    for key in ("net_position_pakistan", "benchmark_share", "local_value_pakistan"):
        assert f'<img alt="{key}" src="data:image/png;base64,' in ledger
    assert page.count("<img ") == 3


@pytest.mark.usefixtures("quick")
def test_report_without_the_optional_parts(hold, bare) -> None:
    short = ("scenario.benchmark_usd=1e9", "scenario.benchmark_label=budget")
    scenario, result = _run(SCEN / "el_salvador_hold.toml", short)
    page = build_report([result], [scenario])
    assert "<h3>Policy ledger</h3>" in page and page.count("<img ") == 1
    assert 'alt="benchmark_share"' in page and "net_position" not in page
    assert "local_value" not in page and "<h4>mining" not in page
    page = build_report([bare[1]], [bare[0]])
    assert "Policy ledger" not in page and page.count("<img ") == 0
    assert "<h3>Inputs</h3>" in page
