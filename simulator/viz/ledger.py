"""Figures of the policy ledger: the state's net position, benchmark shares, local-currency value.

:func:`net_position_figure` draws the fan of one mining operation's
``net_fiscal_usd`` over time against zero and, when the operation sets
``power_sale_usd_per_kwh``, against what selling the same power would have
netted the state; :func:`benchmark_share_figure` each reserve's value as a
share of the scenario's benchmarks, their end years marked;
:func:`local_value_figure` a reserve's value in the ``[market.fx]`` currency
with the exchange rate under it. Every input is read from ``Result.inputs``,
so the figures draw a saved result as well as a fresh one.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simulator.model.ledger import KWH_PER_MWH, power_sale_value_usd
from simulator.results.result import Result
from simulator.viz.ledger_inputs import (
    BenchmarkInput,
    benchmarks,
    input_number,
    input_text,
    ledger_operations,
    local_reserves,
    reserve_names,
)
from simulator.viz.style import (
    VarInfo,
    add_footnote,
    format_axis,
    new_figure,
    provenance_lines,
    reserve_prefixes,
    value_text,
)
from simulator.viz.timeseries import (
    FAN_COLOR,
    GREEN,
    HALVING_COLOR,
    SECOND_COLOR,
    draw_fan,
    legend_row,
    panel_grid,
    paths_note,
    span,
    style_panel,
)

__all__ = [
    "BenchmarkInput",
    "benchmark_share_figure",
    "benchmarks",
    "input_number",
    "input_text",
    "ledger_operations",
    "local_reserves",
    "local_value_figure",
    "net_position_figure",
    "reserve_names",
]

#: Colours of the second and later benchmarks' median lines.
_OTHER_COLORS = ("#762a83", "#e08214", "#4d4d4d")
_NOTE = "#333333"


# -------------------------------------------------------------- net position
def net_position_figure(result: Result, op_name: str) -> Figure:
    """The state's net position from one mining operation over time.

    The fan of ``net_fiscal_usd`` (5-95 % and 25-75 % of paths, median), a
    zero line and, when the operation sets ``power_sale_usd_per_kwh`` (g),
    what selling the same power would have netted the state so far: the
    median cumulative energy ``E`` [MWh] x 1,000 kWh/MWh x (g - c_r), with
    ``c_r`` the cost-reflective tariff (the tariff charged when it is unset).

    Parameters
    ----------
    result : Result
        A result with the operation's ``net_fiscal_usd`` (and ``energy_mwh``).
    op_name : str
        Mining operation name.

    Returns
    -------
    Figure
        One axes; the line's label starts with ``"sell the power instead"``.

    Raises
    ------
    KeyError
        If the operation's net position is not recorded.
    """
    frame = result.series(op_name, "net_fiscal_usd")
    info = VarInfo("Net position", "USD")
    fig = new_figure(10.0, 6.4)
    grid, legend_ax = panel_grid(fig, 1)
    ax = grid[0, 0]
    handles = draw_fan(ax, frame, info, FAN_COLOR, log=False)
    zero = ax.axhline(0.0, color="black", linewidth=0.8, label="zero: no gain, no loss")
    handles.append(zero)
    pre, kwh = f"mining.{op_name}.", "USD/kWh"
    tariff = input_number(result, pre + "electricity_usd_per_kwh")
    reflective = input_number(result, pre + "cost_reflective_usd_per_kwh")
    reflective = tariff if reflective is None else reflective
    sale = input_number(result, pre + "power_sale_usd_per_kwh")
    rates = (
        f" ({value_text(tariff, kwh)}) - subsidy cost (cost-reflective "
        f"{value_text(reflective, kwh)} - tariff charged, x energy used)"
        if tariff is not None and reflective is not None
        else " - subsidy cost"
    )
    notes = [
        (
            f"Net position = margin at the tariff charged{rates} - depreciation of the capex + "
            "change in value of the BTC kept (at each date's price), cumulative from the start. "
            f"Bands: spread of {paths_note(result)}.",
            _NOTE,
        )
    ]
    if sale is not None and reflective is not None:
        energy = result.series(op_name, "energy_mwh")["p50"].to_numpy(dtype=np.float64)
        # its sale value less the cost of generating it, which the state bears either way
        instead = power_sale_value_usd(energy, sale) - energy * KWH_PER_MWH * reflective
        label = (
            f"sell the power instead at {value_text(sale, kwh)}, less its cost at "
            f"{value_text(reflective, kwh)}"
        )
        (line,) = ax.plot(frame.index.to_numpy(), instead, color=GREEN, linestyle="--",
                          linewidth=1.8, label=label)  # fmt: skip
        handles.append(line)
        notes.append(
            (
                f"Sell the power instead: the median energy used so far x 1,000 kWh/MWh x "
                f"(sale price {value_text(sale, kwh)} - cost-reflective tariff "
                f"{value_text(reflective, kwh)}), what selling the same power, generated at "
                "cost, would have netted the state. Mining beats it where the net position "
                "is above the line.",
                _NOTE,
            )
        )
    style_panel(ax, info, f"Net position of the state from {op_name} (cumulative)", False)
    legend_row(legend_ax, handles, ncols=3 if len(handles) > 4 else None)
    fig.suptitle(f"{result.scenario}: the state's net position from mining by {op_name}, "
                 f"{span(result)}")  # fmt: skip
    prefixes = (pre, "market.price.")
    add_footnote(fig, notes + provenance_lines(result.inputs, prefixes, registry=result.facts))
    return fig


# --------------------------------------------------------- benchmark shares
def _floor(ax: Axes, top: np.ndarray, unit: str, decades: float = 4.0) -> None:
    """Keep a log axis within ``decades`` below the largest of ``top``; ticks in ``unit``.

    An empty reserve's values near 0 would stretch the axis; the bands run off it instead.
    """
    finite = top[np.isfinite(top) & (top > 0)]
    if finite.size:
        low, high = ax.get_ylim()
        decade = 10.0 ** math.floor(math.log10(float(finite.max())) - decades)
        ax.set_ylim(max(low, 0.95 * decade), high)  # a labelled decade at the bottom
        format_axis(ax, unit, log=True)


def benchmark_share_figure(result: Result) -> Figure:
    """Each reserve's value as a share of each benchmark over time, end years marked.

    One panel per reserve: the fan of its value as a share of the first
    benchmark (log scale, per cent), the median share of every other
    benchmark, a line at 100 % (the value equals the first benchmark) and,
    for each benchmark with an ``end_year`` inside the horizon, a vertical
    line at the end of that year.

    Parameters
    ----------
    result : Result
        A result with at least one benchmark and one reserve.

    Returns
    -------
    Figure
        One axes per reserve; each end-year line's label reads like
        ``"Pakistan's IMF facility ends (2027, cited)"``.

    Raises
    ------
    ValueError
        If the result has no benchmark or no reserve.
    """
    marks = benchmarks(result)
    reserves = [r for r in reserve_names(result) if any(m.applies_to(r) for m in marks)]
    if not marks or not reserves:
        raise ValueError("benchmark_share_figure needs a benchmark and a reserve it applies to")
    fig = new_figure(10.0, 3.4 + 2.9 * len(reserves))
    grid, legend_ax = panel_grid(fig, len(reserves), legend_rows=2)
    axes = list(grid[:, 0])
    handles: list[Any] = []
    for i, (ax, reserve) in enumerate(zip(axes, reserves, strict=True)):
        ax.set_yscale("log")
        first, *others = [m for m in marks if m.applies_to(reserve)]
        frame = result.series(reserve, "value_usd")
        info = VarInfo("Share of benchmark", "%", scale=100.0 / first.value_usd, log=True)
        drawn = draw_fan(ax, frame, info, FAN_COLOR, log=True)
        for j, other in enumerate(others):
            (line,) = ax.plot(
                frame.index.to_numpy(),
                frame["p50"].to_numpy(dtype=np.float64) * 100.0 / other.value_usd,
                color=_OTHER_COLORS[j % len(_OTHER_COLORS)],
                linestyle="--",
                linewidth=1.5,
                label=f"median share of {other.label}",
            )
            drawn.append(line)
        par = ax.axhline(100.0, color="black", linewidth=0.8, label="100%: value = benchmark")
        style_panel(ax, info, f"{reserve}: value as a share of {first.label}", True)
        _floor(ax, frame["p95"].to_numpy(dtype=np.float64) * info.scale, "%")
        if i == 0:
            handles = drawn + [par]
    start, end = frame.index.min(), frame.index.max()
    notes: list[tuple[str, str]] = []
    for j, mark in enumerate(marks):
        what = f"{mark.label} = {value_text(mark.value_usd, 'USD')} ({mark.provenance or '?'})"
        what += f" for reserve {mark.reserve}" if mark.reserve else ""
        if mark.end_year is None:
            notes.append((f"Benchmark {what}, no end year.", _NOTE))
            continue
        when = pd.Timestamp(year=mark.end_year + 1, month=1, day=1)  # the end of end_year
        inside = start <= when <= end
        side = "" if inside else " (outside the horizon, not drawn)"
        notes.append((f"Benchmark {what}, ends with {mark.end_year}{side}.", _NOTE))
        if not inside:
            continue
        style = "-." if j == 0 else ":"
        for ax, reserve in zip(axes, reserves, strict=True):
            if not mark.applies_to(reserve):
                continue
            line = ax.axvline(when.to_datetime64(), color=HALVING_COLOR, linestyle=style,
                              linewidth=1.2)  # fmt: skip
        prov = f", {mark.end_provenance}" if mark.end_provenance else ""
        line.set_label(f"{mark.label} ends ({mark.end_year}{prov})")
        handles.append(line)
    legend_row(legend_ax, handles, ncols=3)
    fig.suptitle(f"{result.scenario}: reserve values against the benchmark, {span(result)}")
    notes.append(
        (
            f"Share = the reserve's value in USD / the benchmark; bands: spread of "
            f"{paths_note(result)}; a share near 0 (nothing held yet) is below the axis.",
            _NOTE,
        )
    )
    # what the shares rest on: the benchmarks, the reserves, the price and any mining feed
    prefixes = ("benchmark.", "scenario.benchmark", "reserve.", "market.price.", "mining.")
    add_footnote(fig, notes + provenance_lines(result.inputs, prefixes, registry=result.facts))
    return fig


# ------------------------------------------------------------ local currency
def local_value_figure(result: Result, reserve: str) -> Figure:
    """A reserve's value in the local currency over time, the exchange rate under it.

    Top: the fan of ``value_lcu`` (log scale) in the ``[market.fx]``
    currency; bottom: the fan of the exchange rate (local currency per USD)
    that turns the USD value (in the reserve figure) into it, path by path.

    Parameters
    ----------
    result : Result
        A result whose reserve has a ``value_lcu`` series.
    reserve : str
        Reserve name.

    Returns
    -------
    Figure
        Two axes (one without a recorded exchange rate).

    Raises
    ------
    KeyError
        If the reserve has no ``value_lcu`` series.
    """
    frame = result.series(reserve, "value_lcu")
    currency = input_text(result, "market.fx.currency") or "LCU"
    try:
        fx = result.series("market", "fx_lcu_per_usd")
    except KeyError:
        fx = None
    n = 2 if fx is not None else 1
    fig = new_figure(10.0, 3.4 + 2.9 * n)
    grid, legend_ax = panel_grid(fig, n, height_ratios=[1.4, 1.0][:n])
    axes = grid[:, 0]
    value = VarInfo(f"Value in {currency}", currency, log=True)
    axes[0].set_yscale("log")
    handles = draw_fan(axes[0], frame, value, FAN_COLOR, log=True)
    style_panel(axes[0], value, f"{reserve}: value in {currency}", True)
    _floor(axes[0], frame["p95"].to_numpy(dtype=np.float64), currency)
    if fx is not None:
        rate = VarInfo("Exchange rate", f"{currency}/USD")
        draw_fan(axes[1], fx, rate, SECOND_COLOR, log=False)
        style_panel(axes[1], rate, f"Exchange rate: {currency} per USD", False)
    legend_row(legend_ax, handles)
    fig.suptitle(f"{result.scenario}: reserve {reserve} in {currency}, {span(result)}")
    notes = [
        (
            f"Value in {currency} = holdings x BTC price x {currency} per USD on each path; "
            f"bands: spread of {paths_note(result)} (the percentiles of a product are not the "
            "products of the panels' percentiles); a value near 0 (nothing held yet) is "
            "below the axis.",
            _NOTE,
        )
    ]
    prefixes = ("market.fx.", *reserve_prefixes(result, reserve))
    add_footnote(fig, notes + provenance_lines(result.inputs, prefixes, registry=result.facts))
    return fig
