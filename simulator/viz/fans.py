"""Fan charts of one run and overlays of several scenarios, over time.

A fan shades the 5-95 % and 25-75 % ranges of the Monte Carlo paths at each
date and draws the median: the spread of outcomes under the scenario's
assumptions, not a confidence interval. Under a fan chart a footnote lists
the cited inputs behind it with their outlets and dates and counts the
assumed ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from simulator.results.result import Result
from simulator.viz.style import (
    add_footnote,
    new_figure,
    provenance_lines,
    reserve_prefixes,
    var_info,
)
from simulator.viz.timeseries import (
    FAN_COLOR,
    LINESTYLES,
    SCENARIO_COLORS,
    draw_fan,
    legend_row,
    mark_halvings,
    panel_grid,
    path_matrix,
    paths_note,
    span,
    style_panel,
)

__all__ = ["fan_chart", "overlay_chart"]


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
    grid, legend_ax = panel_grid(fig, 1)
    ax = grid[0, 0]
    if use_log:
        ax.set_yscale("log")
    handles = draw_fan(ax, frame, info, FAN_COLOR, log=use_log)
    paths = path_matrix(result, entity, variable)
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
        line = mark_halvings([ax], result, ax)
        if line is not None:
            handles.append(line)
    who = "" if entity == "market" else f"{entity} "
    style_panel(ax, info, f"{who}{info.label} ({paths_note(result)})", use_log)
    fig.suptitle(f"{result.scenario}: {who}{info.label}, {span(result)}")
    legend_row(legend_ax, handles)
    if footnote:
        prefixes: tuple[str, ...] = ("market.price.",)
        if variable == "network_hashrate_ehs":
            prefixes = ("market.network.", "chain.")
        elif entity != "market" and variable in ("holdings_btc", "value_usd", "cost_basis_usd"):
            prefixes = reserve_prefixes(result, entity)
        elif entity != "market":
            prefixes = (f"mining.{entity}.", "market.", "chain.")
        add_footnote(fig, provenance_lines(result.inputs, prefixes, registry=result.facts))
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
    grid, legend_ax = panel_grid(fig, len(names), legend_rows=-(-(len(results) + 1) // 3))
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
            color = SCENARIO_COLORS[i % len(SCENARIO_COLORS)]
            style = LINESTYLES[i % len(LINESTYLES)]
            drawn = draw_fan(
                ax, frame, info, color, log=use_log, bands=[band], alphas=[0.12], linestyle=style
            )
            if result.scenario not in labelled:
                labelled.add(result.scenario)
                drawn[-1].set_label(f"{result.scenario} (median)")
                handles.append(drawn[-1])
        who = "" if entity == "market" else f"{entity}: "
        style_panel(ax, info, f"{who}{info.label}", use_log)
    handles.append(Patch(facecolor="#888888", alpha=0.3, label=f"{band[0]}-{band[1]} % of paths"))
    legend_row(legend_ax, handles, ncols=min(len(handles), 3))
    end = max((str(r.meta.get("end_date")) for r in results), default="")
    scenarios = " vs ".join(r.scenario for r in results)
    fig.suptitle(f"{scenarios}: {entity}, to {end}")
    add_footnote(fig, list(notes))
    return fig
