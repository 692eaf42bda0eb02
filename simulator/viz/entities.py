"""Figures of one reserve or one mining operation over time, halvings marked.

:func:`mining_figure` shows BTC mined per day, revenue against cash cost, the
break-even price against the price fan and the share of the network;
:func:`reserve_figure` holdings, value against cost basis and the chance of
being below cost. Footnotes give the cited inputs behind each and count the
assumptions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simulator.results.result import Result
from simulator.viz.style import (
    VarInfo,
    add_footnote,
    new_figure,
    provenance_lines,
    reserve_prefixes,
    var_info,
)
from simulator.viz.timeseries import (
    FAN_COLOR,
    GREEN,
    SECOND_COLOR,
    draw_fan,
    halving_note,
    legend_row,
    log_ready,
    mark_halvings,
    panel_grid,
    path_matrix,
    paths_note,
    percentile_frame,
    span,
    style_panel,
    title_legend,
)

__all__ = ["mining_figure", "reserve_figure"]


# ------------------------------------------------------------------ mining
def _revenue_cost(result: Result, op: str) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Per-path daily revenue and cash cost [USD/day] as percentile frames (needs paths)."""
    btc = path_matrix(result, op, "btc_per_day")
    price = path_matrix(result, "market", "price_usd")
    breakeven = path_matrix(result, op, "breakeven_price_usd")
    if btc is None or price is None or breakeven is None:
        return None
    dates = result.series(op, "btc_per_day").index
    with np.errstate(invalid="ignore"):
        cost = np.where(btc > 0, breakeven * btc, np.nan)
    return percentile_frame(dates, btc * price), percentile_frame(dates, cost)


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
    axes, legend_ax = panel_grid(fig, 2, 2)
    ax_btc, ax_rev, ax_px, ax_share = axes[0, 0], axes[0, 1], axes[1, 0], axes[1, 1]
    info = var_info("btc_per_day")
    handles = draw_fan(ax_btc, result.series(operation, "btc_per_day"), info, FAN_COLOR, log=False)
    style_panel(ax_btc, info, "BTC mined per day", False)

    split = _revenue_cost(result, operation)
    usd_day = VarInfo("Revenue, cash cost", "USD/day")
    if split is not None:
        draw_fan(ax_rev, split[0], usd_day, GREEN, log=False, bands=[(25, 75)])
        draw_fan(ax_rev, split[1], usd_day, SECOND_COLOR, log=False, bands=[(25, 75)])
        title_legend(ax_rev, [("revenue", GREEN), ("cash cost", SECOND_COLOR)])
        style_panel(ax_rev, usd_day, "Per day", False)
    else:
        margin = var_info("margin_usd")
        draw_fan(ax_rev, result.series(operation, "margin_usd"), margin, FAN_COLOR, log=False)
        ax_rev.axhline(0.0, color="black", linewidth=0.8)
        style_panel(ax_rev, VarInfo("Revenue - cash cost", "USD"), "Cumulative margin", False)

    price_info = var_info("price_usd")
    ax_px.set_yscale("log")
    draw_fan(ax_px, result.series("market", "price_usd"), price_info, FAN_COLOR, log=True)
    be = var_info("breakeven_price_usd")
    draw_fan(
        ax_px, result.series(operation, "breakeven_price_usd"), be, SECOND_COLOR, log=True,
        bands=[(25, 75)],
    )  # fmt: skip
    title_legend(ax_px, [("BTC price", FAN_COLOR), ("break-even", SECOND_COLOR)])
    style_panel(ax_px, VarInfo("Price", "USD/BTC"), "Price vs break-even", True)

    share = var_info("network_share")
    draw_fan(ax_share, result.series(operation, "network_share"), share, FAN_COLOR, log=False)
    style_panel(ax_share, share, "Share of network hashrate", False)

    line = mark_halvings(list(axes.flat), result, ax_btc)
    if line is not None:
        handles.append(line)
    prefixes = (f"mining.{operation}.", "market.", "chain.")
    notes = provenance_lines(result.inputs, prefixes, registry=result.facts)
    notes.append(
        (
            f"Bands: spread of {paths_note(result)} (red and green series: 25-75 %). "
            "Break-even = cash cost (energy + other opex) per BTC mined that day."
            + _undefined_note(result, operation)
            + (
                ""
                if split is not None
                else " Revenue and cash cost per day need the paths ("
                + (
                    "a streamed run keeps none"
                    if str(result.meta.get("percentiles", "")).startswith("streamed")
                    else "simulate with keep_paths=True"
                )
                + "); the cumulative margin is shown instead."
            )
            + halving_note(result),
            "#333333",
        )
    )
    legend_row(legend_ax, handles)
    fig.suptitle(f"{result.scenario}: mining by {operation}, {span(result)}")
    add_footnote(fig, notes)
    return fig


def _undefined_note(result: Result, operation: str) -> str:
    """Footnote text when the break-even price is undefined (nothing mined) on some paths."""
    p = result.percentiles
    rows = p[(p.entity == operation) & (p.variable == "breakeven_price_usd")]
    if "defined_share" not in rows or rows.empty or (rows["defined_share"] >= 1).all():
        return ""
    worst = 1.0 - float(rows["defined_share"].min())
    return (
        f" On up to {worst:.0%} of paths a day mined nothing (not yet online, or shut down): "
        "its break-even is undefined and counts as infinite, so a band stops where it "
        "reaches those paths."
    )


# ----------------------------------------------------------------- reserve
def _below_cost(result: Result, reserve: str) -> pd.Series | None:
    """Share of paths whose value is below the cost basis at each date, or None."""
    try:
        return result.series(reserve, "below_cost")["mean"]
    except KeyError:
        pass
    value = path_matrix(result, reserve, "value_usd")
    basis = path_matrix(result, reserve, "cost_basis_usd")
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
    grid, legend_ax = panel_grid(fig, n, height_ratios=[1, 1.4, 0.8][:n])
    axes = grid[:, 0]
    info = var_info("holdings_btc")
    handles = draw_fan(axes[0], result.series(reserve, "holdings_btc"), info, FAN_COLOR, log=False)
    style_panel(axes[0], info, "Holdings", False)

    value = var_info("value_usd")
    axes[1].set_yscale("log")
    draw_fan(axes[1], result.series(reserve, "value_usd"), value, FAN_COLOR, log=True)
    basis_frame = result.series(reserve, "cost_basis_usd")
    basis = basis_frame["p50"].to_numpy(dtype=np.float64)
    (basis_line,) = axes[1].plot(
        basis_frame.index.to_numpy(),
        log_ready(basis),
        color="black",
        linestyle="--",
        linewidth=1.4,
        label="cost basis (median)",
    )
    handles.append(basis_line)
    style_panel(axes[1], value, "Value in USD against cost basis", True)

    if prob is not None:
        ax = axes[2]
        ax.plot(prob.index.to_numpy(), prob.to_numpy() * 100.0, color=SECOND_COLOR, linewidth=1.8)
        ax.set_ylim(-3, 103)
        style_panel(ax, var_info("below_cost"), "Probability that value < cost basis", False)
    legend_row(legend_ax, handles)
    fig.suptitle(f"{result.scenario}: reserve {reserve}, {span(result)}")
    notes = provenance_lines(
        result.inputs, reserve_prefixes(result, reserve), registry=result.facts
    )
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
