"""Figures and the HTML report, built from Results; matplotlib without pyplot state.

The public figure functions are re-exported here (``from simulator import viz;
viz.fan_chart(result, "price_usd")``); every one returns a
:class:`matplotlib.figure.Figure`. Modules: :mod:`~simulator.viz.style` (figure
style, number ticks, footnotes and provenance), :mod:`~simulator.viz.timeseries`
(panel grids, fan bands, halvings), :mod:`~simulator.viz.fans` (fan charts and
overlays), :mod:`~simulator.viz.entities` (reserve and mining figures),
:mod:`~simulator.viz.analysis` (tornado, sweep, Sobol),
:mod:`~simulator.viz.figures` (the ``figures_for_*`` sets and saving),
:mod:`~simulator.viz.evaluate` (coverage and PIT figures of ``btcsim evaluate``),
:mod:`~simulator.viz.report` and :mod:`~simulator.viz.report_html` (the HTML report).
"""

from simulator.viz.analysis import sobol_chart, sweep_chart, sweep_heatmap, tornado_chart
from simulator.viz.entities import mining_figure, reserve_figure
from simulator.viz.fans import fan_chart, overlay_chart
from simulator.viz.figures import (
    figures_for_comparison,
    figures_for_result,
    figures_for_sensitivity,
    figures_for_sweep,
    save_figures,
)

__all__ = [
    "fan_chart",
    "figures_for_comparison",
    "figures_for_result",
    "figures_for_sensitivity",
    "figures_for_sweep",
    "mining_figure",
    "overlay_chart",
    "reserve_figure",
    "save_figures",
    "sobol_chart",
    "sweep_chart",
    "sweep_heatmap",
    "tornado_chart",
]
