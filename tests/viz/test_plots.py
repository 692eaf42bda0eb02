"""Figures: structure, units, provenance footnotes, saving, and no pyplot state."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

from simulator import load_facts, load_scenario, simulate
from simulator import viz as plots
from simulator.analysis.compare import compare
from simulator.analysis.sensitivity import sensitivity
from simulator.analysis.sweep import sweep
from simulator.results.format import format_compact
from simulator.viz.style import PROVENANCE_COLORS, CompactFormatter, value_text
from simulator.viz.timeseries import halving_dates, panels

SMALL = ["scenario.paths=200", "scenario.horizon_years=1"]


@pytest.fixture(scope="module")
def result():
    """Baseline over 3 years (monthly output, so a halving falls inside), paths kept."""
    scenario = load_scenario(
        "scenarios/baseline.toml", ["scenario.paths=200", "scenario.horizon_years=3"]
    )
    return simulate(scenario, keep_paths=True)


@pytest.fixture(scope="module")
def no_paths(result):
    return dataclasses.replace(result, paths=None)


@pytest.fixture(scope="module")
def comparison():
    return compare(
        [
            load_scenario("scenarios/el_salvador_hold.toml", SMALL),
            load_scenario("scenarios/el_salvador_accumulate.toml", SMALL),
        ]
    )


@pytest.fixture(scope="module")
def grid_sweep():
    return sweep(
        "scenarios/baseline.toml",
        [
            "mining.pakistan.electricity_usd_per_kwh=0.05,0.08",
            "mining.pakistan.efficiency_j_per_th=12,17.5,22",
        ],
        overrides=SMALL,
    )


@pytest.fixture(scope="module")
def sens():
    return sensitivity(load_scenario("scenarios/el_salvador_hold.toml", SMALL))


def polys(ax):
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


def footnote(fig: Figure) -> list[tuple[str, str]]:
    """Footnote lines top to bottom as (text, colour), wrapped lines joined."""
    lines: list[tuple[str, str]] = []
    notes = [t for t in fig.texts if t.get_text() != fig.get_suptitle()]
    for t in sorted(notes, key=lambda t: -t.get_position()[1]):
        text, colour = t.get_text(), to_hex(t.get_color())
        if text.startswith("    ") and lines:
            lines[-1] = (lines[-1][0] + " " + text.strip(), lines[-1][1])
        else:
            lines.append((text, colour))
    return lines


# ------------------------------------------------------------------ formats
def test_compact_numbers():
    assert format_compact(1_234_567, "USD") == "1.235 M"
    assert format_compact(1.2e6, "USD/BTC") == "1.2 M"  # ticks: suffixes in every unit
    assert format_compact(-2.5e9, "USD") == "-2.5 bn"
    assert format_compact(6238, "BTC") == "6,238"
    assert format_compact(2000, "MW") == "2,000"
    assert format_compact(12_345, "EH/s") == "12,345"
    assert format_compact(999_999, "USD") == "999,999"
    assert format_compact(999_999_999, "USD") == "1 bn"
    assert format_compact(45, "%") == "45%"
    assert format_compact(float("nan"), "USD") == "n/a"


def test_value_text_in_the_cli_style():
    assert value_text(6238, "BTC") == "6,238 BTC"
    assert value_text(395e6, "USD") == "395 M USD"
    assert value_text(0.08, "USD/kWh") == "0.08 USD/kWh"
    assert value_text(3_233_124.0, "USD/BTC") == "3,233,124 USD/BTC"
    assert value_text(0.55, "1/yr") == "55%/yr"
    assert value_text(float("nan"), "USD") == "none"


def test_axis_ticks_share_one_suffix():
    fmt = CompactFormatter("USD")
    locs = [0.0, 1.5e6, 3e6, 4.5e6, 6e6]
    fmt.set_locs(locs)
    assert [fmt(x) for x in locs] == ["0", "1.5 M", "3 M", "4.5 M", "6 M"]
    fmt = CompactFormatter("BTC")
    locs = [0.0, 4000.0, 8000.0, 12000.0]
    fmt.set_locs(locs)
    assert [fmt(x) for x in locs] == ["0", "4,000", "8,000", "12,000"]
    fmt = CompactFormatter("USD")
    locs = [-2e9, 0.0, 2e9, 4e9]
    fmt.set_locs(locs)
    assert [fmt(x) for x in locs] == ["-2 bn", "0", "2 bn", "4 bn"]
    fmt = CompactFormatter("%")
    fmt.set_locs([0.0, 50.0, 100.0])
    assert [fmt(x) for x in (0.0, 50.0, 100.0)] == ["0%", "50%", "100%"]
    log = CompactFormatter("USD/BTC", log=True)
    assert [log(x) for x in (1e4, 1e5, 1e6, 2e7)] == ["10,000", "100,000", "1 M", "20 M"]


# -------------------------------------------------------------------- fans
def test_fan_chart_bands_median_and_sample_paths(result):
    fig = plots.fan_chart(result, "price_usd", sample_paths=3)
    (ax,) = panels(fig)
    assert len(polys(ax)) == 2  # 5-95 % and 25-75 %
    assert len(ax.get_lines()) == 1 + 3  # median + sample paths
    assert ax.get_yscale() == "log"  # prices default to log
    assert "[USD/BTC]" in ax.get_ylabel()
    title = fig.get_suptitle()
    assert result.scenario in title and result.meta["end_date"] in title
    assert ax.xaxis.get_major_formatter().__class__.__name__ == "ConciseDateFormatter"
    median = ax.get_lines()[0].get_ydata()
    np.testing.assert_allclose(median, result.series("market", "price_usd")["p50"])


def test_fan_chart_scale_option_units_and_halvings(result, no_paths):
    fig = plots.fan_chart(result, "network_hashrate_ehs")
    (ax,) = panels(fig)
    assert ax.get_yscale() == "linear" and "[EH/s]" in ax.get_ylabel()
    assert len(polys(ax)) == 2 and len(ax.get_lines()) == 1
    (ax,) = panels(plots.fan_chart(result, "network_hashrate_ehs", log=True))
    assert ax.get_yscale() == "log"
    (ax,) = panels(plots.fan_chart(result, "price_usd", log=False))
    assert ax.get_yscale() == "linear"
    (ax,) = panels(plots.fan_chart(result, "network_hashrate_ehs", halvings=True))
    assert len(ax.get_lines()) == 1 + 1  # median + the 2028 halving
    assert any("halving (nominal)" in t.get_text() for t in ax.texts)
    (ax,) = panels(plots.fan_chart(no_paths, "price_usd", sample_paths=5))
    assert len(ax.get_lines()) == 1  # no paths kept: no sample paths
    (ax,) = panels(plots.fan_chart(result, "value_usd", "el_salvador"))
    assert ax.get_yscale() == "log" and "[USD]" in ax.get_ylabel()
    with pytest.raises(KeyError):
        plots.fan_chart(result, "no_such_variable")


def test_halving_dates_follow_the_nominal_schedule(result):
    found, nominal = halving_dates(result)
    start_height = 906_013  # chain.start_height of the baseline
    assert nominal
    assert [h for h, _ in found] == [1_050_000]
    expected = pd.Timestamp("2025-07-17") + pd.Timedelta(days=(1_050_000 - start_height) / 144)
    assert abs(found[0][1] - expected) <= pd.Timedelta(days=1)


def test_overlay_has_one_band_and_one_median_per_scenario(comparison):
    results = comparison.results
    fig = plots.overlay_chart(results, "el_salvador", ["value_usd", "holdings_btc"])
    axes = panels(fig)
    assert len(axes) == 2
    for ax in axes:
        assert len(polys(ax)) == len(results)
        assert len(ax.get_lines()) == len(results)
    assert axes[0].get_yscale() == "log" and axes[1].get_yscale() == "linear"
    assert "[BTC]" in axes[1].get_ylabel()
    legend = [t.get_text() for a in fig.axes if a.get_legend() for t in a.get_legend().texts]
    assert all(any(r.scenario in t for t in legend) for r in results)
    assert all(r.scenario in fig.get_suptitle() for r in results)


# ------------------------------------------------------------------ mining
def test_mining_figure_panels_units_and_halvings(result, no_paths):
    fig = plots.mining_figure(result, "pakistan")
    axes = panels(fig)
    assert len(axes) == 4
    labels = [a.get_ylabel() for a in axes]
    assert "[BTC/day]" in labels[0] and "[USD/day]" in labels[1]
    assert "[USD/BTC]" in labels[2] and "[%]" in labels[3]
    assert axes[2].get_yscale() == "log"
    assert len(polys(axes[1])) == 2  # revenue and cash cost bands (from the paths)
    assert len(polys(axes[2])) == 3  # price fan (2) + break-even band
    for ax in axes:  # the 2028 halving is marked on every panel (a dashed vertical line)
        dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
        assert len(dashed) == 1 and len(set(dashed[0].get_xdata())) == 1
    assert "pakistan" in fig.get_suptitle() and result.meta["end_date"] in fig.get_suptitle()
    # without the paths the revenue panel falls back to the cumulative margin, and says so
    fig = plots.mining_figure(no_paths, "pakistan")
    assert panels(fig)[1].get_title(loc="left") == "Cumulative margin"
    assert any("keep_paths" in text for text, _ in footnote(fig))


# ----------------------------------------------------------------- reserve
def test_reserve_figure_probability_below_cost(result):
    fig = plots.reserve_figure(result, "pakistan")
    axes = panels(fig)
    assert len(axes) == 3
    assert "[BTC]" in axes[0].get_ylabel() and "[USD]" in axes[1].get_ylabel()
    assert axes[1].get_yscale() == "log"
    assert any(line.get_label() == "cost basis (median)" for line in axes[1].get_lines())
    prob = axes[2].get_lines()[0].get_ydata()
    i_val = result.variables.index(("pakistan", "value_usd"))
    i_basis = result.variables.index(("pakistan", "cost_basis_usd"))
    from_paths = (result.paths[i_val] < result.paths[i_basis]).mean(axis=1) * 100
    np.testing.assert_allclose(prob, from_paths, atol=1.0)  # float32 ties at most
    assert 0 < prob[-1] <= 100


def test_reserve_probability_from_paths_or_omitted(result):
    p = result.percentiles
    without = dataclasses.replace(result, percentiles=p[p["variable"] != "below_cost"])
    axes = panels(plots.reserve_figure(without, "pakistan"))
    assert len(axes) == 3  # computed from the kept paths
    i_val = result.variables.index(("pakistan", "value_usd"))
    i_basis = result.variables.index(("pakistan", "cost_basis_usd"))
    expected = (result.paths[i_val] < result.paths[i_basis]).mean(axis=1) * 100
    np.testing.assert_allclose(axes[2].get_lines()[0].get_ydata(), expected)
    bare = dataclasses.replace(without, paths=None)
    fig = plots.reserve_figure(bare, "pakistan")
    assert len(panels(fig)) == 2
    assert any("omitted" in text for text, _ in footnote(fig))


def test_footnote_names_cited_sources_and_counts_assumptions(result):
    fig = plots.reserve_figure(result, "el_salvador")
    row = result.inputs[result.inputs["key"] == "reserve.el_salvador.holdings_btc"].iloc[0]
    assert row["provenance"] == "cited"
    source = load_facts().get(row["fact_id"]).sources[0]
    notes = footnote(fig)
    cited = [t for t, c in notes if c == PROVENANCE_COLORS["cited"]]
    assert any(source.outlet in t and source.published.isoformat() in t for t in cited)
    assert any("6,238 BTC" in t for t in cited)
    assumed = [t for t, c in notes if c == PROVENANCE_COLORS["assumption"]]
    assert assumed and "Assumptions:" in assumed[0]
    notes = [t for t in fig.texts if t.get_text() != fig.get_suptitle()]
    assert all(not t.get_parse_math() for t in notes)  # a "$" in a source name is not maths


# ---------------------------------------------------------- tornado & sweep
def test_tornado_bars_by_provenance(sens):
    table = sens.table
    fig = plots.tornado_chart(sens, hide_zero=False, max_rows=100)
    (ax,) = panels(fig)
    bars = ax.containers[0].patches
    assert len(bars) == len(table)
    colour = {p: to_hex(b.get_facecolor()) for p, b in zip(table["provenance"], bars, strict=True)}
    assert {"cited", "assumption"} <= set(colour)
    assert colour["cited"] != colour["assumption"]
    assert colour["cited"] == PROVENANCE_COLORS["cited"]
    hatched = [b.get_hatch() for p, b in zip(table["provenance"], bars, strict=True)]
    provs = table["provenance"].tolist()
    assert all((h == "//") == (p == "assumption") for h, p in zip(hatched, provs, strict=True))
    for bar, (_, row) in zip(bars, table.iterrows(), strict=True):
        lo, hi = sorted((row["metric_low"], row["metric_high"]))
        assert bar.get_x() == pytest.approx(lo) and bar.get_width() == pytest.approx(hi - lo)
    legend = [t.get_text() for t in ax.get_legend().texts]
    assert any(t.startswith("cited") for t in legend)
    assert any(t.startswith("assumption") for t in legend)
    assert "[USD]" in ax.get_xlabel()
    # by default inputs without any effect are left out (and counted in the note)
    fig = plots.tornado_chart(sens)
    assert len(panels(fig)[0].containers[0].patches) == int((table["swing"] > 0).sum())


def test_sweep_heatmap_matches_the_pivot(grid_sweep):
    fig = plots.sweep_heatmap(grid_sweep)
    (ax,) = panels(fig)
    (image,) = [a for a in ax.get_children() if isinstance(a, AxesImage)]
    assert image.get_array().shape == grid_sweep.heatmap.shape
    np.testing.assert_allclose(image.get_array(), grid_sweep.heatmap.to_numpy(dtype=float))
    assert "[USD/kWh]" in ax.get_ylabel() and "[J/TH]" in ax.get_xlabel()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["12", "17.5", "22"]
    assert len(ax.texts) == grid_sweep.heatmap.size  # every cell carries its value
    assert "baseline" in fig.get_suptitle()
    assert list(plots.figures_for_sweep(grid_sweep)) == ["sweep_heatmap"]


def test_one_key_sweep_is_a_line_chart():
    one = sweep(
        "scenarios/baseline.toml",
        ["mining.pakistan.electricity_usd_per_kwh=0.05,0.08,0.11"],
        overrides=SMALL,
    )
    with pytest.raises(ValueError):
        plots.sweep_heatmap(one)
    figures = plots.figures_for_sweep(one)
    (ax,) = panels(figures["sweep"])
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), [0.05, 0.08, 0.11])
    assert len(polys(ax)) == 1 and "[USD]" in ax.get_ylabel()


# ---------------------------------------------------------------- the sets
def test_standard_sets(result, comparison, sens):
    figures = plots.figures_for_result(result)
    assert set(figures) == {
        "price",
        "network",
        "reserve_el_salvador",
        "reserve_pakistan",
        "mining_pakistan",
    }
    assert all(isinstance(f, Figure) for f in figures.values())
    assert len(panels(figures["price"])[0].get_lines()) == 1 + 5  # sample paths when kept
    compared = plots.figures_for_comparison(comparison)
    assert set(compared) == {"compare_el_salvador"}  # common random numbers: no market overlay
    base = simulate(load_scenario("scenarios/el_salvador_hold.toml", SMALL))
    tornado = plots.figures_for_sensitivity(sens, base)
    assert set(tornado) == {"tornado"}
    assert base.meta["end_date"] in tornado["tornado"].get_suptitle()


def test_save_figures_writes_pngs(result, tmp_path: Path):
    figures = {"price": plots.fan_chart(result, "price_usd"), "odd name/x": Figure()}
    written = plots.save_figures(figures, tmp_path / "figs")
    assert [p.name for p in written] == ["price.png", "odd_name_x.png"]
    for path in written:
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == ["odd_name_x.png", "price.png"]


def test_no_pyplot_state(result, comparison, sens, grid_sweep):
    names = [m.name for m in pkgutil.iter_modules(plots.__path__, "simulator.viz.")]
    assert len(names) >= 8  # style, timeseries, fans, entities, analysis, figures, report...
    for module in [plots, *map(importlib.import_module, names)]:
        source = inspect.getsource(module)
        assert not re.search(
            r"import\s+matplotlib\.pyplot|from\s+matplotlib\s+import\s+pyplot", source
        )
    plots.figures_for_result(result)
    plots.figures_for_comparison(comparison)
    plots.figures_for_sweep(grid_sweep)
    plots.figures_for_sensitivity(sens)
    import matplotlib.pyplot as plt

    assert plt.get_fignums() == []


def test_dates_on_x_axis(result):
    (ax,) = panels(plots.fan_chart(result, "price_usd"))
    lo, hi = ax.get_xlim()
    import matplotlib.dates as mdates

    start, end = mdates.num2date(lo).date(), mdates.num2date(hi).date()
    assert start <= dt.date(2025, 7, 18) and end >= dt.date(2028, 7, 17)
