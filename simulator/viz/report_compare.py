"""A comparison's key metrics as text cells, for the HTML report and the app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.viz.report_html import is_missing, number_cell

if TYPE_CHECKING:
    from simulator.analysis.compare import Comparison

__all__ = ["PERCENT_UNITS", "comparison_cells"]

#: Units shown as percentages (differences in percentage points).
PERCENT_UNITS = ("fraction", "probability")


def comparison_cells(comparison: Comparison) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of a comparison: each metric's p5, median, p95 per scenario.

    Rows after the reference's add the difference of medians and P(beats the
    reference) (the share of paths on which the scenario does better on the
    same path), or "equal on every path".

    Returns
    -------
    (list of str, list of list of str)
        Headers ``kind, entity, metric, unit, scenario, p5, median, p95,
        Δ median vs REF, P(beats REF)`` and one row per metric and scenario
        (the metric's name on its first row only).
    """
    names = comparison.names
    ref = names[0]
    headers = ["kind", "entity", "metric", "unit", "scenario", "p5", "median", "p95",
               "\u0394 median vs " + ref, "P(beats " + ref + ")"]  # fmt: skip
    rows = []
    for row in comparison.table.to_dict("records"):
        unit = str(row["unit"])
        pct = unit in PERCENT_UNITS
        for i, name in enumerate(names):
            cells = [
                number_cell(row[f"{name}.{k}"], unit, percent=pct) for k in ("p5", "p50", "p95")
            ]
            diff = beats = ""
            if i > 0:
                d, p = row[f"{name}.diff_p50"], row[f"{name}.prob_beats"]
                diff = (
                    "" if is_missing(d) else f"{d * 100:+.1f} pp" if pct else number_cell(d, unit)
                )
                beats = "" if is_missing(p) else f"{p:.1%}"
                beats = "equal on every path" if row[f"{name}.prob_same"] == 1 else beats
            lead = [str(row["kind"]), str(row["entity"]), str(row["metric"]), "" if pct else unit]
            rows.append([*(lead if i == 0 else ["", "", "", ""]), name, *cells, diff, beats])
    return headers, rows
