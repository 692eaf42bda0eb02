"""Building blocks of the time-series figures: panel grids, fan bands, date axes, halvings.

Fan bands shade the 5-95 % and 25-75 % ranges of the Monte Carlo paths at
each date and draw the median; they are not confidence intervals of an
estimate but the spread of outcomes under the scenario's assumptions.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from simulator.model.protocol import HALVING_INTERVAL
from simulator.results.result import PERCENTILES, Result
from simulator.viz.style import VarInfo, format_axis

__all__ = [
    "ALPHAS",
    "BANDS",
    "FAN_COLOR",
    "GREEN",
    "HALVING_COLOR",
    "LINESTYLES",
    "SCENARIO_COLORS",
    "SECOND_COLOR",
    "date_axis",
    "draw_fan",
    "halving_dates",
    "halving_note",
    "legend_row",
    "log_ready",
    "mark_halvings",
    "panel_grid",
    "panels",
    "path_matrix",
    "paths_note",
    "percentile_frame",
    "span",
    "style_panel",
    "title_legend",
]

#: Colour of a single fan (and of the first series in a panel).
FAN_COLOR = "#2166ac"
#: Colour of a second series drawn against the fan (cost basis, break-even, cash cost).
SECOND_COLOR = "#b2182b"
#: Colour of revenue.
GREEN = "#1b7837"
#: Colour of the halving lines and their labels.
HALVING_COLOR = "#6a3d9a"
#: One colour per scenario in overlays.
SCENARIO_COLORS = ("#2166ac", "#d6604d", "#1b7837", "#762a83", "#e08214", "#4d4d4d")
#: One line style per scenario in overlays.
LINESTYLES = ("-", "--", ":", "-.")
#: Percentile bands of a fan, outer first, and their opacities.
BANDS = ((5, 95), (25, 75))
ALPHAS = (0.15, 0.32)


def span(result: Result) -> str:
    """The dates a result covers, for titles: ``"2025-07-17 to 2035-07-17"``."""
    start, end = result.meta.get("start_date"), result.meta.get("end_date")
    return f"{start} to {end}" if start and end else f"to {end}"


def paths_note(result: Result) -> str:
    """``"2,000 paths"`` for titles and notes; says so when the bands were streamed."""
    paths = result.meta.get("paths")
    text = f"{paths:,} paths" if isinstance(paths, int) else "paths"
    if str(result.meta.get("percentiles", "")).startswith("streamed"):
        text += " (bands streamed, within one bin of exact)"
    return text


def panel_grid(
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


def legend_row(legend_ax: Axes, handles: Sequence[Any], ncols: int | None = None) -> None:
    """Fill the legend row of :func:`panel_grid` with ``handles`` (one line by default)."""
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


def date_axis(ax: Axes) -> None:
    """Concise date ticks (4 to 9) on the x axis."""
    locator = AutoDateLocator(minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def log_ready(v: np.ndarray, reference: np.ndarray | None = None) -> np.ndarray:
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
    """A column scaled for drawing; on a log axis see :func:`log_ready`.

    A band's ``lower`` edge at (or near) zero becomes 0 instead of a gap: the
    log axis clips it to its bottom, so the band reaches down out of view.
    """
    v = frame[column].to_numpy(dtype=np.float64) * info.scale
    if not log:
        return v
    ready = log_ready(v, frame["p95"].to_numpy(dtype=np.float64) * info.scale)
    return np.where(np.isnan(ready) & np.isfinite(v), 0.0, ready) if lower else ready


def draw_fan(
    ax: Axes,
    frame: pd.DataFrame,
    info: VarInfo,
    color: str,
    *,
    log: bool,
    bands: Sequence[tuple[int, int]] = BANDS,
    label: str = "",
    alphas: Sequence[float] | None = None,
    linestyle: str = "-",
) -> list[Any]:
    """Bands (one PolyCollection each) and the median line; returns legend handles."""
    x = frame.index.to_numpy()
    handles: list[Any] = []
    for (a, b), alpha in zip(bands, alphas or ALPHAS[-len(bands) :], strict=True):
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


def path_matrix(result: Result, entity: str, variable: str) -> np.ndarray | None:
    """Recorded paths ``(n_out, n_paths)`` of one variable, float64, or None if not kept."""
    if result.paths is None or (entity, variable) not in result.variables:
        return None
    return np.asarray(result.paths[result.variables.index((entity, variable))], dtype=np.float64)


def percentile_frame(dates: pd.Index, x: np.ndarray) -> pd.DataFrame:
    """Percentile frame over paths (axis 1) of ``x``, ignoring NaN and infinities."""
    x = np.where(np.isfinite(x), x, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        pct = np.nanpercentile(x, PERCENTILES, axis=1)
        mean = np.nanmean(x, axis=1)
    frame = pd.DataFrame({f"p{q}": pct[i] for i, q in enumerate(PERCENTILES)}, index=dates)
    frame["mean"] = mean
    return frame


def mark_halvings(axes: Sequence[Axes], result: Result, label_on: Axes | None) -> Line2D | None:
    """Dashed vertical lines at the halvings; the label goes on ``label_on``'s top edge."""
    found, nominal = halving_dates(result)
    if not found:
        return None
    text = "halving (nominal)" if nominal else "halving"
    handle = None
    for ax in axes:
        for _height, when in found:
            handle = ax.axvline(
                when.to_datetime64(), color=HALVING_COLOR, linestyle="--", linewidth=1, alpha=0.8
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
                color=HALVING_COLOR,
            )
    if handle is not None:
        handle.set_label(text)
    return handle


def halving_note(result: Result) -> str:
    """A footnote sentence on the halvings: nominal dates, or none within the horizon."""
    found, nominal = halving_dates(result)
    if found:
        return (
            " Halving dates are nominal (144 blocks a day from the start height)."
            if nominal
            else ""
        )
    return f" No halving before {result.meta.get('end_date')}."


def title_legend(ax: Axes, items: Sequence[tuple[str, str]]) -> None:
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


def style_panel(ax: Axes, info: VarInfo, title: str, log: bool) -> None:
    """Title, unit label, number ticks, date axis and grid of one time-series panel."""
    ax.set_title(title, fontsize=10, loc="left")
    ax.set_ylabel(f"{info.label} [{info.unit}]" if info.unit != "-" else info.label)
    format_axis(ax, info.unit, log)
    date_axis(ax)
    ax.grid(alpha=0.3)


def halving_dates(result: Result) -> tuple[list[tuple[int, pd.Timestamp]], bool]:
    """Halvings within the horizon: ``[(height, date), ...]`` and whether they are nominal.

    The first day the simulated median height reaches each multiple of
    210,000 when a ``height`` variable is recorded; otherwise the nominal
    schedule of 144 blocks a day from the scenario's start height (nominal:
    True). Empty when neither is known.
    """
    p = result.percentiles
    start = pd.Timestamp(result.meta.get("start_date") or p["date"].min())
    end = pd.Timestamp(result.meta.get("end_date") or p["date"].max())
    for name in ("height", "chain_height", "height_blocks"):
        rows = p[(p["entity"] == "market") & (p["variable"] == name)]
        if not rows.empty:
            heights = rows["p50"].to_numpy()
            first = int(heights[0] // HALVING_INTERVAL + 1) * HALVING_INTERVAL
            out = []
            for h in range(first, int(np.nanmax(heights)) + 1, HALVING_INTERVAL):
                out.append((h, pd.Timestamp(rows["date"].to_numpy()[np.argmax(heights >= h)])))
            return out, False
    got = result.inputs[result.inputs["key"] == "chain.start_height"]["value"]
    try:
        height = float(got.iloc[0])
    except (IndexError, TypeError, ValueError):
        return [], True
    out = []
    h = (int(height) // HALVING_INTERVAL + 1) * HALVING_INTERVAL
    while (when := start + pd.Timedelta(days=(h - height) / 144.0)) <= end:
        out.append((h, when.normalize()))
        h += HALVING_INTERVAL
    return out, True
