"""Figures and the HTML report, built from Results; matplotlib without pyplot state.

The public figure functions are re-exported here (``from simulator import viz;
viz.fan_chart(result, "market", "price_usd")``); every one returns a
:class:`matplotlib.figure.Figure`.
"""

from simulator.viz.analysis import sobol_chart, sweep_chart, sweep_heatmap, tornado_chart
from simulator.viz.figures import (
    fan_chart,
    figures_for_comparison,
    figures_for_result,
    figures_for_sensitivity,
    figures_for_sweep,
    mining_figure,
    overlay_chart,
    reserve_figure,
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
