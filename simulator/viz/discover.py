"""Figures of a scenario discovery: the coverage-density trade-off and the box in two inputs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from simulator.viz.style import new_figure

if TYPE_CHECKING:
    from simulator.analysis.discover import Discovery

__all__ = ["box_scatter", "figures_for_discover", "tradeoff_chart"]


def tradeoff_chart(disc: Discovery) -> Figure:
    """Coverage against density of PRIM's trajectory (or CART's leaves), the chosen box marked."""
    assert disc.box is not None
    traj = disc.box.trajectory
    fig = new_figure(7.0, 5.5)
    ax = fig.add_subplot(1, 1, 1)
    points = ax.scatter(traj.coverage, traj.density, c=traj.res_dim, cmap="viridis", s=22)
    bar = fig.colorbar(points, ax=ax, label="restricted inputs")
    bar.locator = MaxNLocator(integer=True)
    bar.update_ticks()
    pick = traj.iloc[disc.box.chosen]
    cart = disc.box.method == "cart"
    ax.scatter([pick.coverage], [pick.density], s=160, facecolors="none", edgecolors="red")
    ax.annotate(
        f"chosen: {'leaf' if cart else 'box'} {int(pick.box)}",
        (pick.coverage, pick.density),
        xytext=(8, -14),
        textcoords="offset points",
        color="red",
    )
    ax.set_xlabel("coverage (share of bad samples inside the box)")
    ax.set_ylabel("density (share of the box's samples that are bad)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    what = "CART leaves" if cart else "PRIM peeling trajectory"
    ax.set_title(f"{what}: {disc.metric.label} {_side(disc)}", loc="left")
    return fig


def box_scatter(disc: Discovery) -> Figure | None:
    """The samples in the two most restricted inputs, bad ones highlighted, the box drawn."""
    assert disc.box is not None
    keys = disc.box.restricted[:2]
    if len(keys) < 2:
        return None
    x, y = keys
    frame = disc.samples
    limits = disc.box.limits.set_index("key")
    fig = new_figure(7.0, 5.5)
    ax = fig.add_subplot(1, 1, 1)
    good = frame[~frame.bad]
    bad = frame[frame.bad]
    ax.scatter(good[x], good[y], s=10, color="0.65", label="not bad")
    ax.scatter(bad[x], bad[y], s=12, color="tab:red", label="bad")
    lo_x, hi_x = limits.loc[x, "box_low"], limits.loc[x, "box_high"]
    lo_y, hi_y = limits.loc[y, "box_low"], limits.loc[y, "box_high"]
    shown = "box"
    if len(disc.box.restricted) > 2:
        shown = f"box (2 of its {len(disc.box.restricted)} restricted inputs)"
    ax.add_patch(
        Rectangle((lo_x, lo_y), hi_x - lo_x, hi_y - lo_y, fill=False, lw=2, ec="black", label=shown)
    )
    ax.set_xlabel(f"{x} ({disc.provenance.get(x, '')})")
    ax.set_ylabel(f"{y} ({disc.provenance.get(y, '')})")
    ax.legend(loc="best", fontsize="small")
    ax.set_title(
        f"{disc.metric.label} {_side(disc)}: the chosen box ({disc.box.method.upper()})", loc="left"
    )
    return fig


def _side(disc: Discovery) -> str:
    return f"{'below' if disc.below else 'above'} {disc.threshold:g}"


def figures_for_discover(disc: Discovery) -> dict[str, Figure]:
    """``discover_tradeoff`` and ``discover_box`` (none when no sample is bad)."""
    if disc.box is None:
        return {}
    figures = {"discover_tradeoff": tradeoff_chart(disc)}
    scatter = box_scatter(disc)
    if scatter is not None:
        figures["discover_box"] = scatter
    return figures
