"""Figure style shared by every chart: units, tick and value text, footnotes, provenance.

Every figure is a :class:`matplotlib.figure.Figure` built with its own Agg
canvas (:func:`new_figure`), never through ``pyplot``, so no global figure
state is created or left behind. Numbers are written by
:mod:`simulator.results.format`, as in the CLI tables and the report.

Inputs are drawn by provenance: cited facts (and values derived from them)
in green, assumptions in orange and hatched, protocol rules in grey; a
footnote lists the cited figures behind a chart with their outlets and dates
and counts the assumptions.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.patches import Patch
from matplotlib.ticker import Formatter, LogLocator, MaxNLocator, NullFormatter

from simulator.results.format import SUFFIXES, format_compact, format_number
from simulator.viz.sources import cite_input, facts_registry

if TYPE_CHECKING:
    from simulator.analysis.variants import MetricRef
    from simulator.results.result import Result

__all__ = [
    "DPI",
    "FOOTNOTE_SIZE",
    "PROVENANCE_COLORS",
    "STAT_NAMES",
    "VARIABLES",
    "CompactFormatter",
    "VarInfo",
    "add_footnote",
    "format_axis",
    "metric_label",
    "new_figure",
    "provenance_legend",
    "provenance_lines",
    "reserve_prefixes",
    "value_text",
    "var_info",
]

#: Resolution of saved and embedded PNGs [dots per inch].
DPI = 120

#: Colour of each provenance wherever inputs appear (bars, footnotes, legends).
PROVENANCE_COLORS = {
    "cited": "#1b7837",
    "derived": "#5aae61",
    "data": "#2166ac",
    "assumption": "#e08214",
    "protocol": "#8c8c8c",
}
_PROVENANCE_LABELS = {
    "cited": "cited (sourced figure)",
    "derived": "derived from cited figures",
    "data": "read from a history file",
    "assumption": "assumption (hatched)",
    "protocol": "protocol rule",
}
#: Font size of footnotes [pt].
FOOTNOTE_SIZE = 7.5
#: Readable names of the summary statistics.
STAT_NAMES = {"p5": "5th percentile", "p50": "median", "p95": "95th percentile", "mean": "mean"}


@dataclass(frozen=True)
class VarInfo:
    """How to draw one recorded variable: a label, its unit, a scale and the default axis."""

    label: str
    unit: str
    scale: float = 1.0
    log: bool = False


#: Recorded variables of :mod:`simulator.engine.kernel` (fractions are drawn in per cent).
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
class CompactFormatter(Formatter):
    """Tick labels in the one number style; on a linear axis every tick uses the same suffix.

    Parameters
    ----------
    unit : str
        ``"%"`` appends a per cent sign; the unit is otherwise left to the axis label.
    log : bool
        On a log axis each tick is written on its own by
        :func:`~simulator.results.format.format_compact` (``10,000``, ``1 M``).
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
        for size, word in SUFFIXES:
            if top >= size:
                self.div, self.suffix = size, f" {word}"
                break
        scaled = values / self.div
        self.decimals = next(  # fewest decimals that show every tick exactly (1.5 M, 3 M)
            (d for d in range(5) if np.allclose(np.round(scaled, d), scaled, rtol=1e-9, atol=0)),
            5,
        )

    def __call__(self, x: float, pos: int | None = None) -> str:
        """Format one tick."""
        if self.log or not math.isfinite(x):
            return format_compact(x, "%" if self.unit == "%" else "")
        text = f"{abs(x) / self.div:,.{self.decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        percent = "%" if self.unit == "%" else ""
        if not text.strip("0.,"):  # zero: no sign, no suffix
            return "0" + percent
        sign = "-" if x < 0 else ""
        return f"{sign}{text}{self.suffix}{percent}"


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
    stat = STAT_NAMES.get(ref.stat, ref.stat)
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


_PER_CENT_UNITS = {"fraction": "%", "1/yr": "%/yr", "1/sqrt(yr)": "%/\u221ayr"}


def value_text(value: Any, unit: Any) -> str:
    """An input value with its unit: ``119,429 USD/BTC``, ``0.08 USD/kWh``, ``55%/yr``.

    Parameters
    ----------
    value : Any
        The value (a number, or text written as it is).
    unit : Any
        Its unit; fractions and rates per year are shown in per cent.

    Returns
    -------
    str
        ``"none"`` for a missing value.
    """
    unit = "" if unit is None or (isinstance(unit, float) and math.isnan(unit)) else str(unit)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return f"{value}"
    if math.isnan(number):
        return "none"
    if unit in _PER_CENT_UNITS:
        return format_number(number * 100.0) + _PER_CENT_UNITS[unit]
    text = format_number(value if isinstance(value, int) else number, unit)
    return text if unit in ("", "ratio", "-") else f"{text} {unit}"


def provenance_lines(
    inputs: pd.DataFrame | None,
    prefixes: Iterable[str] = ("",),
    *,
    keys: Iterable[str] | None = None,
    max_cited: int = 4,
    registry: Any = None,
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
    registry : FactRegistry, optional
        The registry the inputs were resolved with (``Result.facts``: the
        built-in one plus the user's facts files); the built-in one by
        default. A fact from a user's file is named with its file.

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
    registry = facts_registry(registry)
    lines: list[tuple[str, str]] = []
    for prov, title in (("cited", "Cited"), ("derived", "Derived from cited figures")):
        sel = rows[rows["provenance"] == prov]
        if sel.empty:
            continue
        parts = [
            f"{r['key']} = {value_text(r['value'], r['unit'])} [{cite_input(r, registry)}]"
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


def reserve_prefixes(result: Result, reserve: str) -> tuple[str, ...]:
    """Input key prefixes behind a reserve: its own, the mining that feeds it and the price.

    Parameters
    ----------
    result : Result
        A result with the reserve.
    reserve : str
        Reserve name.

    Returns
    -------
    tuple of str
        For :func:`provenance_lines`.
    """
    keys = result.inputs["key"].astype(str)
    feeders = keys[keys.str.match(r"mining\.[^.]+\.reserve$") & (result.inputs["value"] == reserve)]
    return (f"reserve.{reserve}.", *(k.rsplit(".", 1)[0] + "." for k in feeders), "market.price.")
