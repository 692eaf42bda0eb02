"""Figure of a robust-decision run: each policy's regret over the samples."""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from simulator.viz.style import format_axis, new_figure

if TYPE_CHECKING:
    from simulator.analysis.robust import Robustness

__all__ = ["figures_for_robust", "regret_chart"]


def regret_chart(rob: Robustness) -> Figure:
    """Box plot of regret per policy (whiskers 5th to 95th percentile), max regret marked."""
    fig = new_figure(8.0, 2.2 + 0.6 * len(rob.policies))
    ax = fig.add_subplot(1, 1, 1)
    data = [
        rob.table.loc[rob.table.policy == p, "regret"].dropna().to_numpy() for p in rob.policies
    ]
    ax.boxplot(data, orientation="horizontal", whis=(5, 95), showfliers=False)
    ax.set_yticks(range(1, len(rob.policies) + 1), rob.policies)
    ax.invert_yaxis()  # the first policy on top, as in the table
    for i, values in enumerate(data, start=1):
        if values.size:
            ax.scatter([values.max()], [i], marker="x", color="tab:red")
    unit = f" ({rob.metric_unit})" if rob.metric_unit else ""
    format_axis(ax, rob.metric_unit, axis="x")
    ax.set_xlabel(f"regret{unit} (best policy's value on a sample minus this policy's)")
    ax.set_title(
        f"{rob.metric.label}: regret over {rob.samples} samples\n"
        "box: quartiles, orange line: median, whiskers: 5th-95th percentile, red x: maximum",
        loc="left",
        fontsize="medium",
    )
    return fig


def figures_for_robust(rob: Robustness) -> dict[str, Figure]:
    """``robust_regret``."""
    return {"robust_regret": regret_chart(rob)}
