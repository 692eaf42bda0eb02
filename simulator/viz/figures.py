"""Figures of results, comparisons, sweeps and sensitivity analyses (matplotlib).

Every function returns a :class:`matplotlib.figure.Figure` built directly
with its own Agg canvas; nothing goes through ``pyplot``, so building figures
leaves no global state behind and works without a display. Save them with
:func:`save_figures`.

Standard sets, one function per command:

* :func:`figures_for_result` -- ``price`` (fan chart, log scale),
  ``network`` (hashrate fan with halvings), ``reserve_NAME`` per reserve
  (holdings, value against cost basis, probability of being below cost) and
  ``mining_NAME`` per operation (BTC per day, revenue against cash cost,
  break-even price against the price fan, share of the network).
* :func:`figures_for_comparison` -- per entity, scenarios overlaid (median
  and one band each).
* :func:`figures_for_sweep` -- a heat map for a two-key grid, else a line chart.
* :func:`figures_for_sensitivity` -- the tornado chart (and Sobol indices).

Fan charts shade the 5-95 % and 25-75 % ranges of the Monte Carlo paths at
each date and draw the median; they are not confidence intervals of an
estimate but the spread of outcomes under the scenario's assumptions. Under
each result figure a footnote lists the cited inputs behind it with their
outlets and dates (green) and counts the assumed ones (orange).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from simulator.results.files import write_file_atomic
from simulator.results.result import PERCENTILES, Result
from simulator.viz.analysis import sobol_chart, sweep_chart, sweep_heatmap, tornado_chart
from simulator.viz.style import (
    PROVENANCE_COLORS,
    VarInfo,
    add_footnote,
    format_axis,
    halving_dates,
    new_figure,
    provenance_lines,
    value_text,
    var_info,
)

if TYPE_CHECKING:
    from simulator.analysis.compare import Comparison
    from simulator.analysis.sensitivity import Sensitivity
    from simulator.analysis.sweep import Sweep

__all__ = [
    "fan_chart",
    "overlay_chart",
    "mining_figure",
    "reserve_figure",
    "tornado_chart",
    "sweep_heatmap",
    "sweep_chart",
    "sobol_chart",
    "figures_for_result",
    "figures_for_comparison",
    "figures_for_sweep",
    "figures_for_sensitivity",
    "save_figures",
    "panels",
    "DPI",
]

DPI = 120
_FAN_COLOR = "#2166ac"
_SECOND_COLOR = "#b2182b"
_HALVING_COLOR = "#6a3d9a"
_GREEN = "#1b7837"
_SCENARIO_COLORS = ("#2166ac", "#d6604d", "#1b7837", "#762a83", "#e08214", "#4d4d4d")
_BANDS = ((5, 95), (25, 75))
_ALPHAS = (0.15, 0.32)
_LINESTYLES = ("-", "--", ":", "-.")


# --------------------------------------------------------------- building
def _span(result: Result) -> str:
    start, end = result.meta.get("start_date"), result.meta.get("end_date")
    return f"{start} to {end}" if start and end else f"to {end}"


def _paths_note(result: Result) -> str:
    paths = result.meta.get("paths")
    return f"{paths:,} paths" if isinstance(paths, int) else "paths"


def _grid(
    fig: Figure,
    nrows: int,
    ncols: int = 1,
    height_ratios: Sequence[float] | None = None,
    legend_rows: int = 1,
) -> tuple[np.ndarray, Axes]:
    """Panels sharing the date axis under a thin legend row (an axes labelled ``legend``).

    A dedicated row keeps the legend off the data and clear of the suptitle
    (constrained layout does not stack an "outside" figure legend under one).
    """
    ratios = list(height_ratios or [1.0] * nrows)
    inches_per_ratio = max(fig.get_figheight() - 1.6, 1.0) / sum(ratios)
    legend_in = 0.1 + 0.22 * legend_rows
    grid = fig.add_gridspec(nrows + 1, ncols, height_ratios=[legend_in / inches_per_ratio, *ratios])
    legend_ax = fig.add_subplot(grid[0, :], label="legend")
    legend_ax.set_axis_off()
    axes = np.empty((nrows, ncols), dtype=object)
    for i in range(nrows):
        for j in range(ncols):
            ax = fig.add_subplot(grid[i + 1, j], sharex=axes[0, 0] if i or j else None)
            if i < nrows - 1:
                ax.tick_params(labelbottom=False)
            axes[i, j] = ax
    return axes, legend_ax


def _legend(legend_ax: Axes, handles: Sequence[Any], ncols: int | None = None) -> None:
    legend_ax.legend(
        handles=list(handles),
        loc="center",
        ncols=ncols or len(handles),
        frameon=False,
        fontsize=8.5,
        borderaxespad=0.0,
    )


def panels(fig: Figure) -> list[Axes]:
    """The data axes of a figure (without the legend row and colour bars)."""
    return [a for a in fig.axes if a.get_label() not in ("legend", "<colorbar>")]


def _date_axis(ax: Axes) -> None:
    locator = AutoDateLocator(minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def _log_ready(v: np.ndarray, reference: np.ndarray | None = None) -> np.ndarray:
    """Values for a log axis, with non-positive values and float32 crumbs as gaps.

    Crumbs are values below a millionth of the reference's largest value (a
    cost basis of 1e-9 USD left by float32 rounding would stretch the axis
    over twenty decades).
    """
    ref = v if reference is None else reference
    top = np.nanmax(ref) if np.isfinite(ref).any() else np.nan
    floor = top * 1e-6 if np.isfinite(top) and top > 0 else 0.0
    with np.errstate(invalid="ignore"):
        return np.where(v > floor, v, np.nan)


def _values(
    frame: pd.DataFrame, column: str, info: VarInfo, log: bool, lower: bool = False
) -> np.ndarray:
    """A column scaled for drawing; on a log axis see :func:`_log_ready`.

    A band's ``lower`` edge at (or near) zero becomes 0 instead of a gap: the
    log axis clips it to its bottom, so the band reaches down out of view.
    """
    v = frame[column].to_numpy(dtype=np.float64) * info.scale
    if not log:
        return v
    ready = _log_ready(v, frame["p95"].to_numpy(dtype=np.float64) * info.scale)
    return np.where(np.isnan(ready) & np.isfinite(v), 0.0, ready) if lower else ready


def _draw_fan(
    ax: Axes,
    frame: pd.DataFrame,
    info: VarInfo,
    color: str,
    *,
    log: bool,
    bands: Sequence[tuple[int, int]] = _BANDS,
    label: str = "",
    alphas: Sequence[float] | None = None,
    linestyle: str = "-",
) -> list[Any]:
    """Bands (one PolyCollection each) and the median line; returns legend handles."""
    x = frame.index.to_numpy()
    handles: list[Any] = []
    for (a, b), alpha in zip(bands, alphas or _ALPHAS[-len(bands) :], strict=True):
        handles.append(
            ax.fill_between(
                x,
                _values(frame, f"p{a}", info, log, lower=True),
                _values(frame, f"p{b}", info, log),
                facecolor=to_rgba(color, alpha),
                edgecolor=to_rgba(color, 0.55) if alphas else "none",
                linewidth=0.6 if alphas else 0.0,
                label=f"{label}{a}-{b} % of paths",
            )
        )
    (line,) = ax.plot(
        x,
        _values(frame, "p50", info, log),
        color=color,
        linewidth=1.8,
        linestyle=linestyle,
        label=f"{label}median",
    )
    return handles + [line]


def _path_matrix(result: Result, entity: str, variable: str) -> np.ndarray | None:
    """Recorded paths ``(n_out, n_paths)`` of one variable, float64, or None if not kept."""
    if result.paths is None or (entity, variable) not in result.variables:
        return None
    return np.asarray(result.paths[result.variables.index((entity, variable))], dtype=np.float64)


def _percentiles(dates: pd.Index, x: np.ndarray) -> pd.DataFrame:
    """Percentile frame over paths (axis 1) of ``x``, ignoring NaN and infinities."""
    x = np.where(np.isfinite(x), x, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        pct = np.nanpercentile(x, PERCENTILES, axis=1)
        mean = np.nanmean(x, axis=1)
    frame = pd.DataFrame({f"p{q}": pct[i] for i, q in enumerate(PERCENTILES)}, index=dates)
    frame["mean"] = mean
    return frame


def _mark_halvings(axes: Sequence[Axes], result: Result, label_on: Axes | None) -> Line2D | None:
    """Dashed vertical lines at the halvings; the label goes on ``label_on``'s top edge."""
    found, nominal = halving_dates(result)
    if not found:
        return None
    text = "halving (nominal)" if nominal else "halving"
    handle = None
    for ax in axes:
        for _height, when in found:
            handle = ax.axvline(
                when.to_datetime64(), color=_HALVING_COLOR, linestyle="--", linewidth=1, alpha=0.8
            )
    if label_on is not None:
        for height, when in found:
            label_on.annotate(
                f"{text}\n{height:,}",
                xy=(when.to_datetime64(), 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(3, -3),
                textcoords="offset points",
                va="top",
                fontsize=7,
                color=_HALVING_COLOR,
            )
    if handle is not None:
        handle.set_label(text)
    return handle


def _halving_note(result: Result) -> str:
    found, nominal = halving_dates(result)
    if found:
        return (
            " Halving dates are nominal (144 blocks a day from the start height)."
            if nominal
            else ""
        )
    return f" No halving before {result.meta.get('end_date')}."


def _title_legend(ax: Axes, items: Sequence[tuple[str, str]]) -> None:
    """A small legend in the panel's title row, right-aligned (off the data)."""
    ax.legend(
        handles=[Line2D([], [], color=c, linewidth=2, label=t) for t, c in items],
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncols=len(items),
        frameon=False,
        fontsize=8,
        borderaxespad=0.1,
        handlelength=1.5,
    )


def _panel(ax: Axes, info: VarInfo, title: str, log: bool) -> None:
    ax.set_title(title, fontsize=10, loc="left")
    ax.set_ylabel(f"{info.label} [{info.unit}]" if info.unit != "-" else info.label)
    format_axis(ax, info.unit, log)
    _date_axis(ax)
    ax.grid(alpha=0.3)


# ------------------------------------------------------------ fan & overlay
def fan_chart(
    result: Result,
    variable: str,
    entity: str = "market",
    *,
    log: bool | None = None,
    sample_paths: int = 0,
    halvings: bool = False,
    footnote: bool = True,
) -> Figure:
    """Fan chart of one recorded variable over time.

    Draws two bands (5-95 % and 25-75 % of paths, one PolyCollection each),
    the median line and, optionally, a few individual paths.

    Parameters
    ----------
    result : Result
        A simulation result.
    variable : str
        A recorded variable, e.g. ``"price_usd"`` or ``"value_usd"``.
    entity : str
        ``"market"``, a reserve or a mining operation.
    log : bool, optional
        Log-scale y axis; default on for prices and USD values.
    sample_paths : int
        Individual paths to draw (needs ``Result.paths``; evenly spread
        through the path index, so the choice is deterministic).
    halvings : bool
        Mark the halvings within the horizon (dashed lines).
    footnote : bool
        List the cited inputs behind the chart and count the assumptions.

    Returns
    -------
    Figure

    Raises
    ------
    KeyError
        If the variable is not recorded for ``entity``.
    """
    frame = result.series(entity, variable)
    info = var_info(variable)
    use_log = info.log if log is None else log
    fig = new_figure(10.0, 6.0)
    grid, legend_ax = _grid(fig, 1)
    ax = grid[0, 0]
    if use_log:
        ax.set_yscale("log")
    handles = _draw_fan(ax, frame, info, _FAN_COLOR, log=use_log)
    paths = _path_matrix(result, entity, variable)
    if sample_paths > 0 and paths is not None:
        picks = np.unique(np.linspace(0, paths.shape[1] - 1, sample_paths).astype(int))
        for i, k in enumerate(picks):
            v = paths[:, k] * info.scale
            ax.plot(
                frame.index.to_numpy(),
                np.where(v > 0, v, np.nan) if use_log else v,
                color="#444444",
                linewidth=0.6,
                alpha=0.55,
                label="sample paths" if i == 0 else "_nolegend_",
            )
        handles.append(ax.get_lines()[-len(picks)])
    if halvings:
        line = _mark_halvings([ax], result, ax)
        if line is not None:
            handles.append(line)
    who = "" if entity == "market" else f"{entity} "
    _panel(ax, info, f"{who}{info.label} ({_paths_note(result)})", use_log)
    fig.suptitle(f"{result.scenario}: {who}{info.label}, {_span(result)}")
    _legend(legend_ax, handles)
    if footnote:
        prefixes: tuple[str, ...] = ("market.price.",)
        if variable == "network_hashrate_ehs":
            prefixes = ("market.network.", "chain.")
        elif entity != "market" and variable in ("holdings_btc", "value_usd", "cost_basis_usd"):
            prefixes = _reserve_prefixes(result, entity)
        elif entity != "market":
            prefixes = (f"mining.{entity}.", "market.", "chain.")
        add_footnote(fig, provenance_lines(result.inputs, prefixes))
    return fig


def overlay_chart(
    results: Sequence[Result],
    entity: str,
    variables: str | Sequence[str],
    *,
    band: tuple[int, int] = (25, 75),
    log: bool | None = None,
    notes: Sequence[tuple[str, str]] = (),
) -> Figure:
    """Several scenarios on one chart: per scenario a median line and one band.

    Parameters
    ----------
    results : sequence of Result
        The scenarios (the first is the reference).
    entity : str
        ``"market"``, a reserve or a mining operation.
    variables : str or sequence of str
        One panel per variable, stacked with a shared date axis.
    band : (int, int)
        Percentiles of the band (one of 5, 25, 50, 75, 95).
    log : bool, optional
        Log-scale y axes; default per variable (on for prices and USD values).
    notes : sequence of (text, colour)
        Footnote lines (e.g. which inputs differ, by provenance).

    Returns
    -------
    Figure
        Each axes holds one band and one median line per scenario that has
        the variable.
    """
    names = [variables] if isinstance(variables, str) else list(variables)
    fig = new_figure(10.0, 2.2 + 3.6 * len(names))
    grid, legend_ax = _grid(fig, len(names), legend_rows=-(-(len(results) + 1) // 3))
    axes = grid[:, 0]
    handles: list[Any] = []
    labelled: set[str] = set()
    for ax, variable in zip(axes, names, strict=True):
        info = var_info(variable)
        use_log = info.log if log is None else log
        if use_log:
            ax.set_yscale("log")
        for i, result in enumerate(results):
            try:
                frame = result.series(entity, variable)
            except KeyError:
                continue
            color = _SCENARIO_COLORS[i % len(_SCENARIO_COLORS)]
            style = _LINESTYLES[i % len(_LINESTYLES)]
            drawn = _draw_fan(
                ax, frame, info, color, log=use_log, bands=[band], alphas=[0.12], linestyle=style
            )
            if result.scenario not in labelled:
                labelled.add(result.scenario)
                drawn[-1].set_label(f"{result.scenario} (median)")
                handles.append(drawn[-1])
        who = "" if entity == "market" else f"{entity}: "
        _panel(ax, info, f"{who}{info.label}", use_log)
    handles.append(Patch(facecolor="#888888", alpha=0.3, label=f"{band[0]}-{band[1]} % of paths"))
    _legend(legend_ax, handles, ncols=min(len(handles), 3))
    end = max((str(r.meta.get("end_date")) for r in results), default="")
    scenarios = " vs ".join(r.scenario for r in results)
    fig.suptitle(f"{scenarios}: {entity}, to {end}")
    add_footnote(fig, list(notes))
    return fig


# ------------------------------------------------------------------ mining
def _revenue_cost(result: Result, op: str) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Per-path daily revenue and cash cost [USD/day] as percentile frames (needs paths)."""
    btc = _path_matrix(result, op, "btc_per_day")
    price = _path_matrix(result, "market", "price_usd")
    breakeven = _path_matrix(result, op, "breakeven_price_usd")
    if btc is None or price is None or breakeven is None:
        return None
    dates = result.series(op, "btc_per_day").index
    with np.errstate(invalid="ignore"):
        cost = np.where(btc > 0, breakeven * btc, np.nan)
    return _percentiles(dates, btc * price), _percentiles(dates, cost)


def mining_figure(result: Result, operation: str) -> Figure:
    """Mining economics of one operation over time, halvings marked.

    Panels: BTC mined per day; revenue against cash cost per day (from the
    recorded paths; without them the cumulative margin, and the panel title
    says so); the break-even price band against the BTC price fan (log
    scale); the operation's share of network hashrate.

    Parameters
    ----------
    result : Result
        A result with the operation (``keep_paths=True`` for the revenue panel).
    operation : str
        Mining operation name.

    Returns
    -------
    Figure
        Four axes.
    """
    fig = new_figure(12.0, 8.8)
    axes, legend_ax = _grid(fig, 2, 2)
    ax_btc, ax_rev, ax_px, ax_share = axes[0, 0], axes[0, 1], axes[1, 0], axes[1, 1]
    info = var_info("btc_per_day")
    handles = _draw_fan(
        ax_btc, result.series(operation, "btc_per_day"), info, _FAN_COLOR, log=False
    )
    _panel(ax_btc, info, "BTC mined per day", False)

    split = _revenue_cost(result, operation)
    usd_day = VarInfo("Revenue, cash cost", "USD/day")
    if split is not None:
        _draw_fan(ax_rev, split[0], usd_day, _GREEN, log=False, bands=[(25, 75)])
        _draw_fan(ax_rev, split[1], usd_day, _SECOND_COLOR, log=False, bands=[(25, 75)])
        _title_legend(ax_rev, [("revenue", _GREEN), ("cash cost", _SECOND_COLOR)])
        _panel(ax_rev, usd_day, "Per day", False)
    else:
        margin = var_info("margin_usd")
        _draw_fan(ax_rev, result.series(operation, "margin_usd"), margin, _FAN_COLOR, log=False)
        ax_rev.axhline(0.0, color="black", linewidth=0.8)
        _panel(ax_rev, VarInfo("Revenue - cash cost", "USD"), "Cumulative margin", False)

    price_info = var_info("price_usd")
    ax_px.set_yscale("log")
    _draw_fan(ax_px, result.series("market", "price_usd"), price_info, _FAN_COLOR, log=True)
    be = var_info("breakeven_price_usd")
    _draw_fan(
        ax_px, result.series(operation, "breakeven_price_usd"), be, _SECOND_COLOR, log=True,
        bands=[(25, 75)],
    )  # fmt: skip
    _title_legend(ax_px, [("BTC price", _FAN_COLOR), ("break-even", _SECOND_COLOR)])
    _panel(ax_px, VarInfo("Price", "USD/BTC"), "Price vs break-even", True)

    share = var_info("network_share")
    _draw_fan(ax_share, result.series(operation, "network_share"), share, _FAN_COLOR, log=False)
    _panel(ax_share, share, "Share of network hashrate", False)

    line = _mark_halvings(list(axes.flat), result, ax_btc)
    if line is not None:
        handles.append(line)
    notes = provenance_lines(result.inputs, (f"mining.{operation}.", "market.", "chain."))
    notes.append(
        (
            f"Bands: spread of {_paths_note(result)} (red and green series: 25-75 %). "
            "Break-even = cash cost (energy + other opex) per BTC mined that day."
            + (
                ""
                if split is not None
                else " Revenue and cash cost per day need the paths (simulate with "
                "keep_paths=True); the cumulative margin is shown instead."
            )
            + _halving_note(result),
            "#333333",
        )
    )
    _legend(legend_ax, handles)
    fig.suptitle(f"{result.scenario}: mining by {operation}, {_span(result)}")
    add_footnote(fig, notes)
    return fig


# ----------------------------------------------------------------- reserve
def _reserve_prefixes(result: Result, reserve: str) -> tuple[str, ...]:
    """Input key prefixes behind a reserve: its own, the price and mining that feeds it."""
    keys = result.inputs["key"].astype(str)
    feeders = keys[keys.str.match(r"mining\.[^.]+\.reserve$") & (result.inputs["value"] == reserve)]
    return (f"reserve.{reserve}.", *(k.rsplit(".", 1)[0] + "." for k in feeders), "market.price.")


def _below_cost(result: Result, reserve: str) -> pd.Series | None:
    """Share of paths whose value is below the cost basis at each date, or None."""
    try:
        return result.series(reserve, "below_cost")["mean"]
    except KeyError:
        pass
    value = _path_matrix(result, reserve, "value_usd")
    basis = _path_matrix(result, reserve, "cost_basis_usd")
    if value is None or basis is None:
        return None
    index = result.series(reserve, "value_usd").index
    return pd.Series((value < basis).mean(axis=1), index=index)


def reserve_figure(result: Result, reserve: str) -> Figure:
    """A reserve over time: holdings, value against cost basis, chance of being below cost.

    The probability panel is the share of paths whose value is below their
    cost basis at each date (the recorded ``below_cost`` variable, or from
    ``Result.paths``); when neither is available the panel is left out and a
    note says so.

    Parameters
    ----------
    result : Result
        A result with the reserve.
    reserve : str
        Reserve name.

    Returns
    -------
    Figure
        Three axes (two without the probability data).
    """
    prob = _below_cost(result, reserve)
    n = 3 if prob is not None else 2
    fig = new_figure(10.0, 3.2 + 2.7 * n)
    grid, legend_ax = _grid(fig, n, height_ratios=[1, 1.4, 0.8][:n])
    axes = grid[:, 0]
    info = var_info("holdings_btc")
    handles = _draw_fan(
        axes[0], result.series(reserve, "holdings_btc"), info, _FAN_COLOR, log=False
    )
    _panel(axes[0], info, "Holdings", False)

    value = var_info("value_usd")
    axes[1].set_yscale("log")
    _draw_fan(axes[1], result.series(reserve, "value_usd"), value, _FAN_COLOR, log=True)
    basis_frame = result.series(reserve, "cost_basis_usd")
    basis = basis_frame["p50"].to_numpy(dtype=np.float64)
    (basis_line,) = axes[1].plot(
        basis_frame.index.to_numpy(),
        _log_ready(basis),
        color="black",
        linestyle="--",
        linewidth=1.4,
        label="cost basis (median)",
    )
    handles.append(basis_line)
    _panel(axes[1], value, "Value in USD against cost basis", True)

    if prob is not None:
        ax = axes[2]
        ax.plot(prob.index.to_numpy(), prob.to_numpy() * 100.0, color=_SECOND_COLOR, linewidth=1.8)
        ax.set_ylim(-3, 103)
        _panel(ax, var_info("below_cost"), "Probability that value < cost basis", False)
    _legend(legend_ax, handles)
    fig.suptitle(f"{result.scenario}: reserve {reserve}, {_span(result)}")
    notes = provenance_lines(result.inputs, _reserve_prefixes(result, reserve))
    if prob is None:
        notes.insert(
            0,
            (
                "Probability-below-cost panel omitted: this result has neither the "
                "below_cost variable nor kept paths (simulate with keep_paths=True).",
                "#b2182b",
            ),
        )
    add_footnote(fig, notes)
    return fig


# ------------------------------------------------------------------- sets
def _entities_with(result: Result, variable: str) -> list[str]:
    p = result.percentiles
    return list(dict.fromkeys(p.loc[p["variable"] == variable, "entity"]))


def figures_for_result(result: Result) -> dict[str, Figure]:
    """The standard figures of one run, keyed by file stem.

    ``price`` (fan chart, log scale, 5 sample paths when paths were kept),
    ``network`` (hashrate fan with halvings), ``reserve_NAME`` per reserve and
    ``mining_NAME`` per mining operation.
    """
    figures = {
        "price": fan_chart(result, "price_usd", sample_paths=5 if result.paths is not None else 0),
        "network": fan_chart(result, "network_hashrate_ehs", halvings=True),
    }
    for name in _entities_with(result, "holdings_btc"):
        if name != "market":
            figures[f"reserve_{_stem(name)}"] = reserve_figure(result, name)
    for name in _entities_with(result, "btc_per_day"):
        figures[f"mining_{_stem(name)}"] = mining_figure(result, name)
    return figures


def _diff_notes(
    comparison: Comparison, prefixes: tuple[str, ...], limit: int = 6
) -> list[tuple[str, str]]:
    """Footnote: whether market draws are shared, then the differing inputs by provenance.

    Only inputs whose key starts with one of ``prefixes`` are listed; the
    others are counted.
    """
    notes = [(comparison.crn_message() + ".", "#333333")]
    shown = elsewhere = 0
    diff = comparison.inputs_diff
    for _, row in diff.iterrows():
        parts, provs, real = [], [], False
        for name in comparison.names:
            prov = str(row.get(f"{name}.provenance", "absent"))
            value = row.get(f"{name}.value")
            text = "absent" if prov == "absent" else value_text(value, row.get("unit"))
            real = real or text not in ("absent", "none")
            provs.append(prov)
            parts.append(f"{name} = {text}" + ("" if prov == "absent" else f" ({prov})"))
        if not real:  # only defaults that are unset (None) where present
            continue
        if not str(row["key"]).startswith(prefixes):
            elsewhere += 1
            continue
        shown += 1
        if shown > limit:
            continue
        cited = any(p in ("cited", "derived") for p in provs)
        color = PROVENANCE_COLORS["cited" if cited else "assumption"]
        notes.append((f"Differs: {row['key']}: " + "; ".join(parts), color))
    if shown > limit or elsewhere:
        more = max(shown - limit, 0) + elsewhere
        notes.append((f"+{more} more differing inputs in inputs_diff.csv", "#333333"))
    return notes


def figures_for_comparison(comparison: Comparison) -> dict[str, Figure]:
    """Overlays of the compared scenarios: per reserve, per mining operation and the market.

    ``compare_RESERVE`` (value and holdings), ``compare_mining_OP`` (BTC mined
    and cumulative margin) and, only when the scenarios do not share market
    draws, ``compare_market`` (price and hashrate). The footnote gives the
    inputs that differ with their provenance.
    """
    results = comparison.results
    common = ("scenario.", "market.", "chain.")

    def notes(entity: str, mining: bool = False) -> list[tuple[str, str]]:
        if mining:
            own: tuple[str, ...] = (f"mining.{entity}.",)
        else:
            own = tuple(p for r in results for p in _reserve_prefixes(r, entity))
        return _diff_notes(comparison, own + common)

    figures: dict[str, Figure] = {}
    if not comparison.common_random_numbers:
        figures["compare_market"] = overlay_chart(
            results, "market", ["price_usd", "network_hashrate_ehs"], notes=notes("market")
        )
    reserves = list(dict.fromkeys(n for r in results for n in _entities_with(r, "holdings_btc")))
    for name in reserves:
        figures[f"compare_{_stem(name)}"] = overlay_chart(
            results, name, ["value_usd", "holdings_btc"], notes=notes(name)
        )
    ops = list(dict.fromkeys(n for r in results for n in _entities_with(r, "btc_per_day")))
    for name in ops:
        figures[f"compare_mining_{_stem(name)}"] = overlay_chart(
            results, name, ["btc_mined_btc", "margin_usd"], notes=notes(name, mining=True)
        )
    return figures


def figures_for_sweep(sweep: Sweep) -> dict[str, Figure]:
    """``sweep_heatmap`` for a two-key grid sweep, else ``sweep`` (a line chart)."""
    if sweep.heatmap is not None:
        return {"sweep_heatmap": sweep_heatmap(sweep)}
    return {"sweep": sweep_chart(sweep)}


def figures_for_sensitivity(sens: Sensitivity, base: Result | None = None) -> dict[str, Figure]:
    """``tornado`` (and ``sobol`` when Sobol indices were estimated).

    Parameters
    ----------
    sens : Sensitivity
        The analysis.
    base : Result, optional
        The base run: adds the horizon date to the titles and the sources of
        cited inputs to the tornado's footnote.
    """
    horizon = str(base.meta.get("end_date")) if base is not None else None
    inputs = base.inputs if base is not None else None
    figures = {"tornado": tornado_chart(sens, inputs=inputs, horizon=horizon)}
    if sens.sobol is not None:
        figures["sobol"] = sobol_chart(sens, horizon=horizon)
    return figures


# ------------------------------------------------------------------- save
def _stem(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", name).strip("_") or "figure"


def save_figures(figures: dict[str, Figure], directory: str | Path, dpi: int = DPI) -> list[Path]:
    """Write each figure to ``DIRECTORY/NAME.png``; return the paths written.

    Each file is written to a temporary name and moved into place, so a
    reader never sees a half-written PNG. Names are made file-system safe.

    Parameters
    ----------
    figures : dict of str to Figure
        As returned by the ``figures_for_*`` functions.
    directory : str or Path
        Created if missing.
    dpi : int
        Resolution.

    Returns
    -------
    list of Path
    """
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, fig in figures.items():
        if not isinstance(fig.canvas, FigureCanvasAgg):
            FigureCanvasAgg(fig)
        path = target / f"{_stem(name)}.png"
        written.append(write_file_atomic(path, partial(fig.savefig, format="png", dpi=dpi)))
    return written
