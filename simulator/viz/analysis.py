"""Analysis charts: sensitivity tornado, sweep heat map and line chart, Sobol indices.

Like every figure of :mod:`simulator.viz`, each is a
:class:`matplotlib.figure.Figure` built directly, never through ``pyplot``. Bars
and notes are drawn by provenance (cited green, assumption orange and hatched).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from simulator.results.format import format_compact
from simulator.viz.style import (
    PROVENANCE_COLORS,
    STAT_NAMES,
    CompactFormatter,
    add_footnote,
    format_axis,
    metric_label,
    new_figure,
    provenance_legend,
    provenance_lines,
    value_text,
)

if TYPE_CHECKING:
    from simulator.analysis.sensitivity import Sensitivity
    from simulator.analysis.sweep import Sweep
    from simulator.analysis.variants import MetricRef
    from simulator.results.result import Result

__all__ = ["tornado_chart", "sweep_heatmap", "sweep_chart", "sobol_chart"]


def tornado_chart(
    sens: Sensitivity,
    *,
    max_rows: int = 20,
    hide_zero: bool = True,
    inputs: pd.DataFrame | None = None,
    horizon: str | None = None,
    registry: Any = None,
) -> Figure:
    """Tornado chart: per input, a bar from the metric at its low to its high value.

    Bars are ranked by swing (largest on top), coloured by provenance (cited
    green, derived light green, assumption orange and hatched) and labelled
    with the input values at each end; a dashed line marks the base value.

    Parameters
    ----------
    sens : Sensitivity
        From :func:`simulator.analysis.sensitivity.sensitivity`.
    max_rows : int
        Largest swings shown.
    hide_zero : bool
        Leave out inputs whose swing is zero (counted in a note).
    inputs : pandas.DataFrame, optional
        The base run's ``Result.inputs``: adds the sources of cited inputs as a footnote.
    horizon : str, optional
        Horizon date for the title.
    registry : FactRegistry, optional
        The registry the base run was resolved with (``Result.facts``), so
        the footnote names the facts files of user-cited inputs.

    Returns
    -------
    Figure
    """
    table = sens.table
    zero = table[~(table["swing"] > 0)] if hide_zero else table.iloc[:0]
    rows = table.drop(zero.index).head(max_rows)
    n = len(rows)
    fig = new_figure(11.0, max(3.8, 1.6 + 0.36 * n))
    ax = fig.add_subplot()
    unit = sens.metric_unit
    scale, shown_unit = (100.0, "%") if unit == "probability" else (1.0, unit)
    lo = rows["metric_low"].to_numpy(dtype=float) * scale
    hi = rows["metric_high"].to_numpy(dtype=float) * scale
    left, right = np.fmin(lo, hi), np.fmax(lo, hi)
    y = np.arange(n)[::-1]
    provs = rows["provenance"].astype(str).tolist()
    bars = ax.barh(
        y,
        right - left,
        left=left,
        height=0.6,
        color=[PROVENANCE_COLORS.get(p, "#888888") for p in provs],
        edgecolor="white",
    )
    for patch, prov in zip(bars.patches, provs, strict=True):
        if prov == "assumption":
            patch.set_hatch("//")
    base = float(sens.base_value) * scale
    ax.axvline(base, color="black", linestyle="--", linewidth=1)
    for yi, (_, r), a, b in zip(y, rows.iterrows(), lo, hi, strict=True):
        u = r.get("unit", "")
        for x, tag, value, side in (
            (a, "low", r["low"], "right" if a <= b else "left"),
            (b, "high", r["high"], "left" if a <= b else "right"),
        ):
            ax.text(
                x,
                yi,
                f" {tag} {value_text(value, u)} ",
                ha=side,
                va="center",
                fontsize=7.5,
                color="#333333",
            )
    ax.set_yticks(y, rows["key"].tolist(), fontsize=8)
    ax.use_sticky_edges = False  # bars stick to their left end; the end labels need room
    ax.margins(x=0.28, y=0.6 / max(n, 1))
    format_axis(ax, shown_unit, axis="x")
    ax.set_xlabel(metric_label(sens.metric, unit))
    ax.grid(axis="x", alpha=0.3)
    handles: list[Any] = provenance_legend(provs)
    base_label = f"base: {format_compact(base, shown_unit)}"
    handles.append(ax.plot([], [], color="black", linestyle="--", label=base_label)[0])
    ax.legend(handles=handles, loc="lower right", fontsize=8, framealpha=0.9)
    when = f" at {horizon}" if horizon else " at the horizon"
    fig.suptitle(f"{sens.scenario}: what moves {metric_label(sens.metric)}{when}")
    ax.set_title(
        f"One input at a time at its low and high value, others at base "
        f"({sens.paths:,} paths each, same seed)",
        fontsize=9,
    )
    keys = rows["key"].tolist()
    notes = provenance_lines(inputs, keys=keys, registry=registry) if inputs is not None else []
    counts = rows["provenance"].value_counts()
    shown = (
        f"Inputs shown: {counts.get('cited', 0)} cited, {counts.get('derived', 0)} derived, "
        f"{counts.get('assumption', 0)} assumed"
    )
    if len(zero):
        shown += f"; {len(zero)} inputs with no effect on this metric not shown"
    if len(table) - len(zero) > n:
        shown += f"; {len(table) - len(zero) - n} smaller swings not shown"
    notes.insert(0, (shown, "#333333"))
    add_footnote(fig, notes)
    return fig


# -------------------------------------------------------------------- sweep
def _key_unit(sweep: Sweep, key: str) -> str:
    for result in sweep.results:
        if result is not None:
            got = result.inputs[result.inputs["key"] == key]["unit"]
            if not got.empty and isinstance(got.iloc[0], str):
                return got.iloc[0]
    return ""


def _axis_label(key: str, unit: str) -> str:
    return f"{key} [{unit}]" if unit else key


def _horizon(results: Iterable[Result | None]) -> str | None:
    for r in results:
        if r is not None:
            return str(r.meta.get("end_date"))
    return None


def _tick(value: Any) -> str:
    return (
        f"{value:g}"
        if isinstance(value, int | float) and not isinstance(value, bool)
        else str(value)
    )


def sweep_heatmap(sweep: Sweep) -> Figure:
    """Heat map of a two-key grid sweep: the chosen metric in every cell.

    Rows are the first key's values (bottom to top), columns the second's;
    cells carry their value. A metric that changes sign gets a diverging
    colour map centred on zero.

    Raises
    ------
    ValueError
        If the sweep has no heat map (not two keys in grid mode).
    """
    if sweep.heatmap is None:
        raise ValueError("the sweep has no heat map (it needs two keys in grid mode)")
    grid = sweep.heatmap.to_numpy(dtype=float)
    found = [r for r in sweep.results if r is not None]
    unit = _metric_unit(found, sweep.metric)
    scale, shown = (100.0, "%") if unit == "probability" else (1.0, unit)
    values = grid * scale
    fig = new_figure(9.5, 6.5)
    ax = fig.add_subplot()
    finite = values[np.isfinite(values)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    norm: Normalize
    if lo < 0 < hi:
        norm, cmap = TwoSlopeNorm(vmin=lo, vcenter=0.0, vmax=hi), "RdBu"
    else:
        norm, cmap = Normalize(vmin=lo, vmax=hi if hi > lo else lo + 1), "viridis"
    image = ax.imshow(values, origin="lower", aspect="auto", cmap=cmap, norm=norm)
    rows, cols = sweep.heatmap.index, sweep.heatmap.columns
    ax.set_xticks(range(len(cols)), [_tick(v) for v in cols])
    ax.set_yticks(range(len(rows)), [_tick(v) for v in rows])
    ax.set_xlabel(_axis_label(str(cols.name), _key_unit(sweep, str(cols.name))))
    ax.set_ylabel(_axis_label(str(rows.name), _key_unit(sweep, str(rows.name))))
    if values.size <= 144:
        for (i, j), v in np.ndenumerate(values):
            rgba = image.cmap(image.norm(v)) if np.isfinite(v) else (1.0, 1.0, 1.0, 1.0)
            dark = 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2] < 0.5
            ax.text(
                j,
                i,
                format_compact(v, shown) if np.isfinite(v) else "failed",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if dark else "black",
            )
    bar = fig.colorbar(image, ax=ax)
    bar.set_label(metric_label(sweep.metric, unit))
    bar.ax.yaxis.set_major_formatter(CompactFormatter(shown))
    horizon = _horizon(sweep.results)
    fig.suptitle(
        f"{sweep.scenario} sweep: {metric_label(sweep.metric)}"
        + (f" at {horizon}" if horizon else "")
    )
    paths = found[0].meta.get("paths") if found else None
    ax.set_title(
        f"{len(sweep.table)} combinations" + (f", {paths:,} paths each" if paths else ""),
        fontsize=9,
    )
    add_footnote(fig, _sweep_notes(sweep))
    return fig


def _metric_unit(results: Sequence[Result], ref: MetricRef) -> str:
    for r in results:
        rows = r.summary[(r.summary["entity"] == ref.entity) & (r.summary["metric"] == ref.metric)]
        if not rows.empty:
            return str(rows["unit"].iloc[0])
    return ""


def _sweep_notes(sweep: Sweep) -> list[tuple[str, str]]:
    varied = ", ".join(sweep.keys)
    notes = [
        (
            f"Varied by the sweep (assumed values, set on the command line): {varied}.",
            PROVENANCE_COLORS["assumption"],
        )
    ]
    first = next((r for r in sweep.results if r is not None), None)
    if first is not None:
        rest = first.inputs[~first.inputs["key"].isin(sweep.keys)]
        ref = sweep.metric
        prefixes: tuple[str, ...] = (
            ("market.",) if ref.kind == "market" else (f"{ref.kind}.{ref.entity}.",)
        )
        prefixes += ("market.", "chain.") if ref.kind == "mining" else ("market.price.",)
        cited = provenance_lines(rest, prefixes, registry=first.facts)
        notes += [n for n in cited if n[1] != PROVENANCE_COLORS["assumption"]]
        assumed = int((rest["provenance"] == "assumption").sum())
        notes.append(
            (
                f"Other assumptions held at the scenario's values: {assumed} inputs "
                "(see inputs.csv).",
                PROVENANCE_COLORS["assumption"],
            )
        )
    if sweep.failed:
        notes.append((f"{sweep.failed} combination(s) failed (see the error column).", "#b2182b"))
    return notes


def sweep_chart(sweep: Sweep) -> Figure:
    """The chosen metric across a sweep's combinations (median line, 5-95 % band if known).

    For one numeric key the x axis is its value; otherwise one point per
    combination, labelled by its values.
    """
    table = sweep.table
    ref = sweep.metric
    found = [r for r in sweep.results if r is not None]
    unit = _metric_unit(found, ref)
    scale, shown = (100.0, "%") if unit == "probability" else (1.0, unit)
    fig = new_figure(10.0, 5.8)
    ax = fig.add_subplot()
    key = sweep.keys[0]
    numeric = len(sweep.keys) == 1 and pd.api.types.is_numeric_dtype(table[key])
    x = table[key].to_numpy(dtype=float) if numeric else np.arange(len(table), dtype=float)
    col = ref.column
    stat = STAT_NAMES.get(ref.stat, ref.stat)
    ax.plot(x, table[col].to_numpy(dtype=float) * scale, marker="o", color="#2166ac", label=stat)
    lo_col, hi_col = f"{ref.entity}.{ref.metric}.p5", f"{ref.entity}.{ref.metric}.p95"
    if lo_col in table and hi_col in table and ref.stat == "p50":
        ax.fill_between(
            x,
            table[lo_col].to_numpy(dtype=float) * scale,
            table[hi_col].to_numpy(dtype=float) * scale,
            color="#2166ac",
            alpha=0.18,
            label="5-95 % of paths",
        )
    if numeric:
        ax.set_xlabel(_axis_label(key, _key_unit(sweep, key)))
    else:
        labels = [", ".join(_tick(table[k].iloc[i]) for k in sweep.keys) for i in range(len(table))]
        ax.set_xticks(x, labels, rotation=30, ha="right", fontsize=8)
        ax.set_xlabel(", ".join(sweep.keys))
    ax.set_ylabel(metric_label(ref, unit))
    format_axis(ax, shown)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    horizon = _horizon(sweep.results)
    fig.suptitle(
        f"{sweep.scenario} sweep ({sweep.mode}): {metric_label(ref)}"
        + (f" at {horizon}" if horizon else "")
    )
    add_footnote(fig, _sweep_notes(sweep))
    return fig


# -------------------------------------------------------------------- sobol
def sobol_chart(sens: Sensitivity, horizon: str | None = None) -> Figure:
    """First-order (S1) and total (ST) Sobol indices with 95 % intervals, by provenance.

    Raises
    ------
    ValueError
        If the analysis has no Sobol indices.
    """
    if sens.sobol is None:
        raise ValueError("the sensitivity analysis has no Sobol indices (run it with sobol=N)")
    full = sens.sobol
    tiny = (full["ST"].abs() < 1e-9) & (full["S1"].abs() < 1e-9)
    frame = full[~tiny]
    n = len(frame)
    fig = new_figure(11.0, max(3.8, 1.6 + 0.4 * n))
    ax = fig.add_subplot()
    y = np.arange(n)[::-1].astype(float)
    provs = frame["provenance"].astype(str).tolist()
    colors = [PROVENANCE_COLORS.get(p, "#888888") for p in provs]
    err = {"ecolor": "#555555", "elinewidth": 0.8, "capsize": 2}
    st = ax.barh(
        y + 0.2, frame["ST"], xerr=frame["ST_conf"], height=0.38, color=colors, error_kw=err
    )
    s1 = ax.barh(
        y - 0.2,
        frame["S1"],
        xerr=frame["S1_conf"],
        height=0.38,
        color=colors,
        alpha=0.5,
        error_kw=err,
    )
    for bars in (st, s1):
        for patch, prov in zip(bars.patches, provs, strict=True):
            if prov == "assumption":
                patch.set_hatch("//")
                patch.set_edgecolor("white")
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlim(-0.3, 1.3)  # indices live in [0, 1]; wider intervals are clipped
    ax.set_yticks(y, frame["key"].tolist(), fontsize=8)
    ax.set_xlabel("Sobol index [share of variance]")
    ax.grid(axis="x", alpha=0.3)
    handles: list[Any] = provenance_legend(provs)
    handles += [
        Patch(facecolor="#666666", label="total effect ST (upper bar)"),
        Patch(facecolor="#666666", alpha=0.5, label="first order S1 (lower bar)"),
    ]
    ax.legend(handles=handles, loc="lower right", fontsize=8)
    when = f" at {horizon}" if horizon else ""
    fig.suptitle(f"{sens.scenario}: Sobol indices of {metric_label(sens.metric)}{when}")
    ax.set_title(f"N = {sens.sobol_n}, {sens.paths:,} paths per run", fontsize=9)
    notes = [
        (
            f"Bars: Sobol indices (share of the metric's variance); lines: 95 % bootstrap "
            f"intervals, clipped to the axis. {int(tiny.sum())} inputs with no effect not shown. "
            "Wide intervals mean N is too small for stable indices.",
            "#333333",
        )
    ]
    add_footnote(fig, notes)
    return fig
