"""The standard figure sets of each command (``figures_for_*``) and :func:`save_figures`.

* :func:`figures_for_result` -- ``price`` (fan chart, log scale),
  ``network`` (hashrate fan with halvings), ``reserve_NAME`` per reserve and
  ``mining_NAME`` per operation.
* :func:`figures_for_ledger` -- the policy ledger: ``net_position_OP`` per
  mining operation, ``benchmark_share`` and ``local_value_RESERVE`` where
  the scenario has a benchmark and a local currency.
* :func:`figures_for_comparison` -- per entity, scenarios overlaid (median
  and one band each), with the inputs that differ in the footnote.
* :func:`figures_for_sweep` -- a heat map for a two-key grid, else a line chart.
* :func:`figures_for_sensitivity` -- the tornado chart (and Sobol indices).

Every figure is a :class:`matplotlib.figure.Figure` with its own Agg canvas;
nothing goes through ``pyplot``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from simulator.results.files import write_file_atomic
from simulator.results.result import Result
from simulator.viz.analysis import sobol_chart, sweep_chart, sweep_heatmap, tornado_chart
from simulator.viz.entities import mining_figure, reserve_figure
from simulator.viz.fans import fan_chart, overlay_chart
from simulator.viz.ledger import (
    benchmark_share_figure,
    benchmarks,
    ledger_operations,
    local_reserves,
    local_value_figure,
    net_position_figure,
    reserve_names,
)
from simulator.viz.style import DPI, PROVENANCE_COLORS, reserve_prefixes, value_text

if TYPE_CHECKING:
    from simulator.analysis.compare import Comparison
    from simulator.analysis.sensitivity import Sensitivity
    from simulator.analysis.sweep import Sweep

__all__ = [
    "figures_for_comparison",
    "figures_for_ledger",
    "figures_for_result",
    "figures_for_sensitivity",
    "figures_for_sweep",
    "result_figure_makers",
    "save_figures",
]


# ------------------------------------------------------------------- sets
def _entities_with(result: Result, variable: str) -> list[str]:
    p = result.percentiles
    return list(dict.fromkeys(p.loc[p["variable"] == variable, "entity"]))


def result_figure_makers(result: Result) -> dict[str, Callable[[], Figure]]:
    """Each standard and ledger figure of one run, keyed by file stem, drawn when called.

    ``price`` (fan chart, log scale, 5 sample paths when paths were kept),
    ``network`` (hashrate fan with halvings), ``reserve_NAME`` per reserve and
    ``mining_NAME`` per mining operation; then the ledger's: ``net_position_OP``
    per mining operation with a recorded net position, ``benchmark_share`` when
    a reserve has a benchmark, and ``local_value_RESERVE`` per reserve valued in
    the ``[market.fx]`` currency. A front end that shows a few of them draws only
    those (each takes a fraction of a second).
    """
    makers: dict[str, Callable[[], Figure]] = {
        "price": lambda: fan_chart(
            result, "price_usd", sample_paths=5 if result.paths is not None else 0
        ),
        "network": lambda: fan_chart(result, "network_hashrate_ehs", halvings=True),
    }
    for name in _entities_with(result, "holdings_btc"):
        if name != "market":
            makers[f"reserve_{_stem(name)}"] = partial(reserve_figure, result, name)
    for name in _entities_with(result, "btc_per_day"):
        makers[f"mining_{_stem(name)}"] = partial(mining_figure, result, name)
    for op in ledger_operations(result):
        makers[f"net_position_{_stem(op)}"] = partial(net_position_figure, result, op)
    marks = benchmarks(result)
    if any(m.applies_to(r) for m in marks for r in reserve_names(result)):
        makers["benchmark_share"] = partial(benchmark_share_figure, result)
    for name in local_reserves(result):
        makers[f"local_value_{_stem(name)}"] = partial(local_value_figure, result, name)
    return makers


_LEDGER_STEMS = ("net_position_", "benchmark_share", "local_value_")


def figures_for_result(result: Result) -> dict[str, Figure]:
    """The standard figures of one run, keyed by file stem (see :func:`result_figure_makers`)."""
    makers = result_figure_makers(result)
    return {k: make() for k, make in makers.items() if not k.startswith(_LEDGER_STEMS)}


def figures_for_ledger(result: Result) -> dict[str, Figure]:
    """The policy-ledger figures of one run, keyed by file stem (those that apply)."""
    makers = result_figure_makers(result)
    return {k: make() for k, make in makers.items() if k.startswith(_LEDGER_STEMS)}


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
            own = tuple(p for r in results for p in reserve_prefixes(r, entity))
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
    registry = base.facts if base is not None else None
    figures = {"tornado": tornado_chart(sens, inputs=inputs, horizon=horizon, registry=registry)}
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
