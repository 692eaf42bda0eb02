"""Figures of ``btcsim evaluate``: interval coverage against horizon, and PIT histograms.

:func:`coverage_figure` draws, per kind (price, network), the share of
realised values inside each model's central 50 % and 90 % intervals against
the horizon, with the nominal 50 % and 90 % as reference lines and the iid
binomial standard errors as bars. :func:`pit_figure` draws one panel per
model with its PIT histogram at each horizon, scaled so that a calibrated
forecaster is flat at 1. Like every figure of :mod:`simulator.viz`, each is a
:class:`matplotlib.figure.Figure` with its own Agg canvas, never ``pyplot``.

References
----------
.. [1] Gneiting, T., Balabdaoui, F. & Raftery, A. E. (2007). Probabilistic
   forecasts, calibration and sharpness. *J. Royal Statistical Society B*
   69(2), 243-268 (PIT histograms, coverage).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from simulator.analysis.evaluate import Evaluation
from simulator.analysis.evaluate_scores import PIT_BINS
from simulator.viz.style import add_footnote, format_axis, new_figure
from simulator.viz.timeseries import SCENARIO_COLORS

__all__ = ["coverage_figure", "figures_for_evaluation", "pit_figure"]

_KINDS = {"price": "Price (close)", "network": "Network hashrate (7-day mean)"}
_NOTE_COLOR = "#333333"
_NAIVE_COLOR = "#8c8c8c"


def _colors(models: list[str]) -> dict[str, str]:
    """One colour per model name, the naive benchmark grey (the same name, the same colour)."""
    palette = [c for c in SCENARIO_COLORS if c != "#4d4d4d"] + ["#66bd63", "#f4a582", "#4d4d4d"]
    named = [m for m in models if m != "naive"]
    out = {m: palette[i % len(palette)] for i, m in enumerate(named)}
    out["naive"] = _NAIVE_COLOR
    return out


def _settings(ev: Evaluation) -> str:
    cfg = ev.config
    first, last = ev.origins[0].day, ev.origins[-1].day
    return (
        f"{ev.source}: {len(ev.origins)} origins {first}..{last} every {cfg.step_days} days, "
        f"{cfg.window_label} calibration window, {cfg.paths:,} paths per forecast, "
        f"seed {cfg.seed}; scored to {cfg.last}."
    )


def coverage_figure(ev: Evaluation) -> Figure:
    """Coverage of the central 50 % and 90 % intervals against horizon, one panel per kind.

    Parameters
    ----------
    ev : Evaluation
        From :func:`simulator.analysis.evaluate.evaluate`.

    Returns
    -------
    Figure
    """
    scores = ev.scores
    kinds = [k for k in _KINDS if (scores["kind"] == k).any()]
    fig = new_figure(5.2 * max(len(kinds), 1) + 0.8, 5.6)
    colors = _colors(list(dict.fromkeys(scores["model"])))
    axes = [fig.add_subplot(1, max(len(kinds), 1), i + 1) for i in range(max(len(kinds), 1))]
    horizons = sorted(set(scores["horizon_days"]))
    for ax, kind in zip(axes, kinds, strict=False):
        part = scores[scores["kind"] == kind]
        models = list(dict.fromkeys(part["model"]))
        width = 0.04 * (len(models) - 1)
        for i, model in enumerate(models):
            rows = part[part["model"] == model].sort_values("horizon_days")
            # spread the models a little along the (log) horizon axis so the bars do not overlap
            shift = math.exp((i / max(len(models) - 1, 1) - 0.5) * width) if width else 1.0
            x = rows["horizon_days"].to_numpy(dtype=float) * shift
            for level, style, marker in (("cov90", "-", "o"), ("cov50", "--", "s")):
                ax.errorbar(
                    x,
                    rows[level].to_numpy() * 100,
                    yerr=rows[f"{level}_se"].to_numpy() * 100,
                    color=colors[model],
                    linestyle=style,
                    marker=marker,
                    markersize=4,
                    capsize=2,
                    linewidth=1.2,
                )
        for nominal in (50, 90):
            ax.axhline(nominal, color="black", linewidth=0.8, linestyle=":")
        ax.axhspan(80, 97, color="#1b7837", alpha=0.07, linewidth=0)
        ax.set_xscale("log")
        ax.set_xticks(horizons, [f"{h:d}" for h in horizons])
        ax.minorticks_off()
        ax.set_ylim(0, 102)
        ax.set_xlabel("horizon [days]")
        ax.set_ylabel("realised values inside the interval [%]")
        format_axis(ax, "%")
        ax.set_title(_KINDS[kind], fontsize=10)
        ax.grid(alpha=0.3)
        handles = [Line2D([], [], color=colors[m], label=m) for m in models]
        handles += [
            Line2D([], [], color="black", linestyle="-", marker="o", label="90 % interval"),
            Line2D([], [], color="black", linestyle="--", marker="s", label="50 % interval"),
        ]
        ax.legend(handles=handles, fontsize=7, loc="lower left", ncols=2)
    fig.suptitle("Out-of-sample coverage of the central 50 % and 90 % intervals")
    add_footnote(
        fig,
        [
            (_settings(ev), _NOTE_COLOR),
            (
                "Dotted lines: nominal 50 % and 90 %; green band: 80-97 %. Bars: +/- 1 iid "
                "binomial standard error, too small where horizons overlap (origins closer "
                "than the horizon are dependent).",
                _NOTE_COLOR,
            ),
        ],
    )
    return fig


def pit_figure(ev: Evaluation, kind: str) -> Figure:
    """PIT histograms of one kind, one panel per model, a bar group per horizon.

    Parameters
    ----------
    ev : Evaluation
        From :func:`simulator.analysis.evaluate.evaluate`.
    kind : {"price", "network"}
        Which forecasts.

    Returns
    -------
    Figure
    """
    part = ev.scores[ev.scores["kind"] == kind]
    models = list(dict.fromkeys(part["model"]))
    ncols = min(4, max(len(models), 1))
    nrows = max(1, -(-len(models) // ncols))
    fig = new_figure(3.4 * ncols + 0.6, 2.7 * nrows + 1.3)
    horizons = sorted(set(part["horizon_days"]))
    shades = ["#92c5de", "#4393c3", "#2166ac", "#053061", "#b2182b", "#e08214"]
    edges = np.linspace(0.0, 1.0, PIT_BINS + 1)
    width = 1.0 / PIT_BINS / max(len(horizons), 1)
    bins = [f"pit_{k + 1}" for k in range(PIT_BINS)]
    for i, model in enumerate(models):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        rows = part[part["model"] == model].set_index("horizon_days")
        for j, h in enumerate(horizons):
            if h not in rows.index:
                continue
            r: pd.Series = rows.loc[h]
            n = int(r["origins"])
            density = r[bins].to_numpy(dtype=float) * PIT_BINS / max(n, 1)
            ax.bar(
                edges[:-1] + j * width,
                density,
                width=width,
                align="edge",
                color=shades[j % len(shades)],
                label=f"{h} d (n = {n})",
            )
        ax.axhline(1.0, color="black", linewidth=0.8, linestyle=":")
        ax.set_xlim(0, 1)
        ax.set_title(model, fontsize=10)
        ax.set_xlabel("PIT", fontsize=8)
        ax.set_ylabel("density (1 = uniform)", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=6, loc="upper center")
    fig.suptitle(f"PIT histograms, {_KINDS[kind].lower()}: flat at 1 when calibrated")
    add_footnote(
        fig,
        [
            (_settings(ev), _NOTE_COLOR),
            (
                "PIT = share of the ensemble below the realised value. A hump means intervals "
                "too wide, a U too narrow, a slope a biased median.",
                _NOTE_COLOR,
            ),
        ],
    )
    return fig


def figures_for_evaluation(ev: Evaluation) -> dict[str, Figure]:
    """``coverage``, ``pit_price`` and ``pit_network`` (the kinds evaluated), by file stem."""
    figures = {"coverage": coverage_figure(ev)}
    for kind in _KINDS:
        if (ev.scores["kind"] == kind).any():
            figures[f"pit_{kind}"] = pit_figure(ev, kind)
    return figures
