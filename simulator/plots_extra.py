"""Plot helpers (units, number formats, footnotes, halvings) and the analysis charts.

The time-series figures live in :mod:`simulator.plots`; this module holds what
they share and the figures that are not over time: the tornado chart of a
sensitivity analysis, the heat map and line chart of a sweep and the Sobol
index chart. Every function builds a :class:`matplotlib.figure.Figure`
directly (with an Agg canvas), never through ``pyplot``, so no global figure
state is created or left behind.

Inputs are drawn by provenance: cited facts (and values derived from them)
in green, assumptions in orange and hatched, protocol rules in grey; a
footnote lists the cited figures behind a chart with their outlets and dates
and counts the assumptions.
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.patches import Patch
from matplotlib.ticker import Formatter, LogLocator, MaxNLocator, NullFormatter

from simulator.protocol import HALVING_INTERVAL

if TYPE_CHECKING:
    from simulator.results import Result
    from simulator.sensitivity import Sensitivity
    from simulator.sweep import Sweep
    from simulator.variants import MetricRef

__all__ = [
    "PROVENANCE_COLORS",
    "VARIABLES",
    "VarInfo",
    "compact",
    "CompactFormatter",
    "value_text",
    "new_figure",
    "format_axis",
    "add_footnote",
    "provenance_lines",
    "halving_dates",
    "metric_label",
    "tornado_chart",
    "sweep_heatmap",
    "sweep_chart",
    "sobol_chart",
]

#: Colour of each provenance wherever inputs appear (bars, footnotes, legends).
PROVENANCE_COLORS = {
    "cited": "#1b7837",
    "derived": "#5aae61",
    "assumption": "#e08214",
    "protocol": "#8c8c8c",
}
_PROVENANCE_LABELS = {
    "cited": "cited (sourced figure)",
    "derived": "derived from cited figures",
    "assumption": "assumption (hatched)",
    "protocol": "protocol rule",
}
FOOTNOTE_SIZE = 7.5
_STAT_NAMES = {"p5": "5th percentile", "p50": "median", "p95": "95th percentile", "mean": "mean"}


@dataclass(frozen=True)
class VarInfo:
    """How to draw one recorded variable: a label, its unit, a scale and the default axis."""

    label: str
    unit: str
    scale: float = 1.0
    log: bool = False


#: Recorded variables of :mod:`simulator.kernel` (fractions are drawn in per cent).
VARIABLES: dict[str, VarInfo] = {
    "price_usd": VarInfo("BTC price", "USD/BTC", log=True),
    "network_hashrate_ehs": VarInfo("Network hashrate", "EH/s"),
    "difficulty": VarInfo("Difficulty", "-"),
    "btc_per_day": VarInfo("BTC mined per day", "BTC/day"),
    "btc_mined_btc": VarInfo("BTC mined since start", "BTC"),
    "network_share": VarInfo("Share of network hashrate", "%", scale=100.0),
    "hashprice_usd_per_ph_day": VarInfo("Hashprice", "USD/PH/day"),
    "breakeven_price_usd": VarInfo("Break-even price (cash cost)", "USD/BTC", log=True),
    "margin_usd": VarInfo("Cumulative margin (revenue - cash cost)", "USD"),
    "holdings_btc": VarInfo("Holdings", "BTC"),
    "value_usd": VarInfo("Value", "USD", log=True),
    "cost_basis_usd": VarInfo("Cost basis", "USD"),
    "below_cost": VarInfo("Probability value < cost basis", "%", scale=100.0),
}


def var_info(variable: str) -> VarInfo:
    """Drawing information of ``variable`` (a readable default for unknown names)."""
    if variable in VARIABLES:
        return VARIABLES[variable]
    unit = "USD" if variable.endswith("_usd") else "BTC" if variable.endswith("_btc") else "-"
    return VarInfo(variable.replace("_", " ").capitalize(), unit)


# ------------------------------------------------------------------ numbers
_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def compact(x: float, unit: str = "", digits: int = 3) -> str:
    """Format a number compactly for axes and notes: ``$1.2M``, ``12.3k``, ``6,238``, ``45%``.

    Parameters
    ----------
    x : float
        The value.
    unit : str
        ``USD...`` units get a dollar sign, ``%`` a per cent sign; others none.
    digits : int
        Significant digits.

    Returns
    -------
    str
        ``"n/a"`` for NaN or infinite values.
    """
    if x is None or not math.isfinite(x):
        return "n/a"
    if unit == "%":
        return f"{x:.{digits}g}%"
    a = abs(x)
    text = ""
    if a >= 1e4:
        for div, suffix in reversed(_SUFFIXES):  # k, M, B, T
            rounded = float(f"{a / div:.{digits}g}")  # 999,999 rounds to 1M, not 1000k
            if 1 <= rounded < 1000:
                text = f"{rounded:g}{suffix}"
                break
        else:
            text = f"{a / 1e12:,.0f}T"
    elif a >= 1:
        text = f"{a:,.{max(digits - len(str(int(a))), 0)}f}"
        text = text.rstrip("0").rstrip(".") if "." in text else text
    elif a > 0:
        text = f"{a:.{digits}g}"
    else:
        text = "0"
    sign = "\u2212" if x < 0 else ""
    return f"{sign}${text}" if unit.startswith("USD") else f"{sign}{text}"


class CompactFormatter(Formatter):
    """Tick labels like ``$1.5M``; on a linear axis every tick uses the same suffix.

    Parameters
    ----------
    unit : str
        As for :func:`compact`.
    log : bool
        On a log axis each tick is formatted on its own (``$10k``, ``$1M``).
    """

    def __init__(self, unit: str, log: bool = False) -> None:
        self.unit = unit
        self.log = log
        self.div, self.suffix, self.decimals = 1.0, "", 0

    def set_locs(self, locs: Any) -> None:
        """Choose one suffix and a number of decimals for all tick locations."""
        super().set_locs(locs)
        values = np.abs(np.asarray(locs, dtype=float))
        values = values[np.isfinite(values)]
        if self.log or values.size == 0:
            return
        top = float(values.max())
        self.div, self.suffix = 1.0, ""
        if top >= 1e4:
            self.div, self.suffix = next((d, x) for d, x in _SUFFIXES if top >= d)
        scaled = values / self.div
        self.decimals = next(  # fewest decimals that show every tick exactly ($1.5M, $3M)
            (d for d in range(5) if np.allclose(np.round(scaled, d), scaled, rtol=1e-9, atol=0)),
            5,
        )

    def __call__(self, x: float, pos: int | None = None) -> str:
        """Format one tick."""
        if self.log or not math.isfinite(x):
            return compact(x, self.unit)
        v = abs(x) / self.div
        text = f"{v:,.{self.decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        if not text.strip("0.,"):  # zero: no sign, no suffix
            return "$0" if self.unit.startswith("USD") else "0%" if self.unit == "%" else "0"
        sign = "\u2212" if x < 0 else ""
        if self.unit == "%":
            return f"{sign}{text}{self.suffix}%"
        dollar = "$" if self.unit.startswith("USD") else ""
        return f"{sign}{dollar}{text}{self.suffix}"


def new_figure(width: float = 10.0, height: float = 6.0) -> Figure:
    """A Figure with constrained layout and its own Agg canvas (no pyplot state)."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def format_axis(ax: Axes, unit: str, log: bool = False, axis: str = "y") -> None:
    """Compact tick labels in ``unit`` on one axis; tidy ticks on a log axis.

    Call after the data are drawn: the log-axis tick density follows the data range.
    """
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(CompactFormatter(unit, log))
    if not log:
        target.set_major_locator(MaxNLocator(nbins=7))
        return
    lo, hi = ax.get_ylim() if axis == "y" else ax.get_xlim()
    decades = math.log10(hi / lo) if lo > 0 and hi > lo else 10.0
    subs = (1.0,) if decades > 3 else (1.0, 2.0, 5.0) if decades > 1 else (1.0, 1.5, 2, 3, 5, 7)
    target.set_major_locator(LogLocator(base=10.0, subs=subs, numticks=12))
    target.set_minor_formatter(NullFormatter())


def metric_label(ref: MetricRef, unit: str = "") -> str:
    """``"el_salvador value_usd (median) [USD]"`` for a metric reference."""
    stat = _STAT_NAMES.get(ref.stat, ref.stat)
    shown = "%" if unit == "probability" else unit
    where = "market" if ref.kind == "market" else ref.entity
    return f"{where} {ref.metric} ({stat})" + (f" [{shown}]" if shown else "")


# ---------------------------------------------------------------- footnotes
def add_footnote(fig: Figure, lines: Sequence[tuple[str, str]]) -> None:
    """Write coloured note lines under the axes and keep the layout clear of them.

    Parameters
    ----------
    fig : Figure
        A figure made by :func:`new_figure` (constrained layout).
    lines : sequence of (text, colour)
        Each is wrapped to the figure width.
    """
    width_chars = int(fig.get_figwidth() * 72 / (FOOTNOTE_SIZE * 0.6))
    wrapped = [
        (part, color)
        for text, color in lines
        for part in textwrap.wrap(text, width_chars, subsequent_indent="    ")
    ]
    if not wrapped:
        return
    height_pt = fig.get_figheight() * 72
    step = FOOTNOTE_SIZE * 1.35
    for i, (text, color) in enumerate(reversed(wrapped)):
        fig.text(
            0.01,
            (4 + i * step) / height_pt,
            text,
            fontsize=FOOTNOTE_SIZE,
            color=color,
            parse_math=False,
        )
    bottom = (8 + len(wrapped) * step) / height_pt
    engine = fig.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):
        engine.set(rect=(0.0, bottom, 1.0, 1.0 - bottom))


def _facts() -> Any:
    from simulator.facts import load_facts

    try:
        return load_facts()
    except Exception:  # noqa: BLE001  (a broken registry must not break a plot)
        return None


def _sources(fact_id: str, registry: Any, depth: int = 0) -> list[tuple[str, dt.date]]:
    """(outlet, published) of a cited fact, or of the facts a derived value uses."""
    try:
        fact = registry.get(fact_id)
    except Exception:  # noqa: BLE001
        return []
    if hasattr(fact, "sources"):
        return [(s.outlet, s.published) for s in fact.sources]
    if depth < 3 and hasattr(fact, "inputs"):
        return [s for i in fact.inputs for s in _sources(i, registry, depth + 1)]
    return []


def _cite(row: pd.Series, registry: Any, max_outlets: int = 2) -> str:
    fact_id = row.get("fact_id")
    found = _sources(str(fact_id), registry) if isinstance(fact_id, str) and registry else []
    if not found:
        source = str(row.get("source") or "").strip()
        return source[:90] + ("..." if len(source) > 90 else "")
    unique = list(dict.fromkeys(found))
    unique.sort(key=lambda s: s[0].startswith("unattributed"))  # named outlets first
    shown = ", ".join(f"{o} {d.isoformat()}" for o, d in unique[:max_outlets])
    more = len(unique) - max_outlets
    return shown + (f" (+{more} more)" if more > 0 else "")


_PER_CENT_UNITS = {"fraction": "%", "1/yr": "%/yr", "1/sqrt(yr)": "%/\u221ayr"}


def value_text(value: Any, unit: Any) -> str:
    """An input value with its unit: ``$119k``, ``$0.08/kWh``, ``6,238 BTC``, ``55%/yr``."""
    unit = "" if unit is None or (isinstance(unit, float) and math.isnan(unit)) else str(unit)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return f"{value}"
    if math.isnan(number):
        return "none"
    if unit in _PER_CENT_UNITS:
        return f"{number * 100:.3g}{_PER_CENT_UNITS[unit]}"
    if unit.startswith("USD"):
        return compact(number, "USD") + unit[3:]
    text = compact(number, unit)
    return text if unit in ("", "ratio", "-") else f"{text} {unit}"


def provenance_lines(
    inputs: pd.DataFrame | None,
    prefixes: Iterable[str] = ("",),
    *,
    keys: Iterable[str] | None = None,
    max_cited: int = 4,
) -> list[tuple[str, str]]:
    """Footnote lines: cited and derived inputs with their sources, then the assumptions.

    Parameters
    ----------
    inputs : pandas.DataFrame or None
        ``Result.inputs`` (key, value, unit, provenance, source, fact_id ...).
    prefixes : iterable of str
        Keep inputs whose key starts with one of these (``""``: all).
    keys : iterable of str, optional
        Exact keys to keep instead of ``prefixes``.
    max_cited : int
        Cited or derived inputs listed by name; the rest are counted.

    Returns
    -------
    list of (text, colour)
        Empty when ``inputs`` is None or nothing matches.
    """
    if inputs is None or inputs.empty:
        return []
    if keys is not None:
        wanted = set(keys)
        rows = inputs[inputs["key"].isin(wanted)]
    else:
        pre = tuple(prefixes)
        keys_ = inputs["key"].astype(str)
        rank = keys_.map(lambda k: next((i for i, x in enumerate(pre) if k.startswith(x)), -1))
        rows = inputs[rank >= 0].assign(_rank=rank[rank >= 0]).sort_values("_rank", kind="stable")
    registry = _facts()
    lines: list[tuple[str, str]] = []
    for prov, title in (("cited", "Cited"), ("derived", "Derived from cited figures")):
        sel = rows[rows["provenance"] == prov]
        if sel.empty:
            continue
        parts = [
            f"{r['key']} = {value_text(r['value'], r['unit'])} [{_cite(r, registry)}]"
            for _, r in sel.head(max_cited).iterrows()
        ]
        extra = len(sel) - max_cited
        text = f"{title}: " + "; ".join(parts) + (f"; +{extra} more" if extra > 0 else "")
        lines.append((text, PROVENANCE_COLORS[prov]))
    assumed = rows[rows["provenance"] == "assumption"]
    if not assumed.empty:
        ranged = assumed[assumed["low"].notna()] if "low" in assumed else assumed
        examples = ", ".join(
            f"{r['key'].rsplit('.', 1)[-1]} = {value_text(r['value'], r['unit'])}"
            for _, r in (ranged if not ranged.empty else assumed).head(3).iterrows()
        )
        lines.append(
            (
                f"Assumptions: {len(assumed)} of the inputs behind this figure are assumed, "
                f"not cited (e.g. {examples}); all are listed with notes in inputs.csv.",
                PROVENANCE_COLORS["assumption"],
            )
        )
    return lines


def provenance_legend(provenances: Iterable[str]) -> list[Patch]:
    """Legend patches for the provenances present (assumptions hatched)."""
    present = [p for p in PROVENANCE_COLORS if p in set(provenances)]
    return [
        Patch(
            facecolor=PROVENANCE_COLORS[p],
            hatch="//" if p == "assumption" else None,
            edgecolor="white" if p == "assumption" else PROVENANCE_COLORS[p],
            label=_PROVENANCE_LABELS[p],
        )
        for p in present
    ]


# ----------------------------------------------------------------- halvings
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


# ------------------------------------------------------------------ tornado
def tornado_chart(
    sens: Sensitivity,
    *,
    max_rows: int = 20,
    hide_zero: bool = True,
    inputs: pd.DataFrame | None = None,
    horizon: str | None = None,
) -> Figure:
    """Tornado chart: per input, a bar from the metric at its low to its high value.

    Bars are ranked by swing (largest on top), coloured by provenance (cited
    green, derived light green, assumption orange and hatched) and labelled
    with the input values at each end; a dashed line marks the base value.

    Parameters
    ----------
    sens : Sensitivity
        From :func:`simulator.sensitivity.sensitivity`.
    max_rows : int
        Largest swings shown.
    hide_zero : bool
        Leave out inputs whose swing is zero (counted in a note).
    inputs : pandas.DataFrame, optional
        The base run's ``Result.inputs``: adds the sources of cited inputs as a footnote.
    horizon : str, optional
        Horizon date for the title.

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
    handles.append(
        ax.plot([], [], color="black", linestyle="--", label=f"base: {compact(base, shown_unit)}")[
            0
        ]
    )
    ax.legend(handles=handles, loc="lower right", fontsize=8, framealpha=0.9)
    when = f" at {horizon}" if horizon else " at the horizon"
    fig.suptitle(f"{sens.scenario}: what moves {metric_label(sens.metric)}{when}")
    ax.set_title(
        f"One input at a time at its low and high value, others at base "
        f"({sens.paths:,} paths each, same seed)",
        fontsize=9,
    )
    notes = provenance_lines(inputs, keys=rows["key"].tolist()) if inputs is not None else []
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
                compact(v, shown) if np.isfinite(v) else "failed",
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
        cited = provenance_lines(rest, prefixes)
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
    stat = _STAT_NAMES.get(ref.stat, ref.stat)
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
