"""What ``btcsim app`` shows and hands out: runs, tables, figures, comparisons and files.

Plain Python over the engine, results and viz layers, without Streamlit.
Tables reuse the HTML report's cells (:func:`simulator.viz.report_html.summary_cells`,
:func:`simulator.viz.report_compare.comparison_cells`) and the figures are
:mod:`simulator.viz.figures`', so the app has no second formatting or plotting
code.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from simulator.analysis.compare import Comparison, compare
from simulator.analysis.variants import variant
from simulator.app.session import AppState
from simulator.inputs.scenario import ResolvedScenario
from simulator.results.metrics import ledger_metrics
from simulator.results.result import Result
from simulator.results.simulate import simulate
from simulator.viz.figures import figures_for_comparison, result_figure_makers
from simulator.viz.ledger_inputs import input_text, ledger_operations
from simulator.viz.report import REPORT_METRICS, build_report
from simulator.viz.report_compare import comparison_cells
from simulator.viz.report_html import error_note, figure_png, summary_cells

__all__ = [
    "comparison_frame",
    "compare_two",
    "figure_makers",
    "figures",
    "png",
    "report_html",
    "result_zip",
    "run",
    "scenario_toml",
    "summary_frames",
]

#: Resolution of the page's figures [dots per inch]: a 10-inch figure fills the column.
APP_DPI = 90
#: Note an edited value carries in a downloaded scenario file.
EDIT_NOTE = "set in btcsim app"


def run(scenario: ResolvedScenario, progress: Callable[[int], None] | None = None) -> Result:
    """Run a scenario as ``btcsim run`` does, keeping the paths the figures draw."""
    return simulate(scenario, keep_paths=True, progress=progress)


def _frame(headers: list[str], rows: list[list[str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=headers)


def summary_frames(result: Result, scenario: ResolvedScenario) -> list[tuple[str, pd.DataFrame]]:
    """The report's summary tables, one per entity, then each operation's ledger.

    Returns
    -------
    list of (title, DataFrame)
        Cells are text, each statistic with its Monte Carlo error (``±``).
    """
    model = scenario.model
    currency = input_text(result, "market.fx.currency") or "LCU"
    groups = [("market", "market")] + [("reserve", r.name) for r in model.reserve]
    groups += [("mining", o.name) for o in model.mining]
    out = []
    for kind, entity in groups:
        headers, rows = summary_cells(result.summary, entity, REPORT_METRICS[kind], currency)
        if rows:
            out.append((kind if kind == "market" else f"{kind} {entity}", _frame(headers, rows)))
    for name in ledger_operations(result):
        headers, rows = summary_cells(result.summary, name, ledger_metrics(), currency)
        if rows:
            out.append((f"ledger of mining {name}", _frame(headers, rows)))
    return out


def summary_note(result: Result) -> str:
    """What the ``±`` means, over this run's paths."""
    return error_note(result.meta.get("paths"), result.meta.get("variance_reduction", "none"))


def figure_makers(result: Result) -> dict[str, Callable[[], Figure]]:
    """The run's figures as ``btcsim run --plot`` writes them, each drawn when called."""
    return result_figure_makers(result)


def png(fig: Figure) -> bytes:
    """A figure as PNG at :data:`APP_DPI`, the size the page shows it at."""
    return figure_png(fig, APP_DPI)


def figures(result: Result) -> dict[str, Figure]:
    """Every figure of the run, drawn (price, network, reserves, mining, ledger)."""
    return {name: make() for name, make in figure_makers(result).items()}


def compare_two(a: ResolvedScenario, b: ResolvedScenario) -> Comparison:
    """Run ``a`` and ``b`` side by side with common random numbers (``btcsim compare``).

    Both keep the scenario's seed; they are renamed ``A (kept)`` and ``B (now)``
    so tables and legends tell them apart even when both are the same file.
    """
    named = [variant(a, [], "A (kept)"), variant(b, [], "B (now)")]
    return compare(named)


def comparison_frame(comparison: Comparison) -> pd.DataFrame:
    """The comparison's key metrics with the difference of medians and P(beats A).

    Compact for a narrow column: ``kind`` and ``entity`` join the metric's
    name, and the unit's column is dropped (every cell carries its unit).
    """
    frame = _frame(*comparison_cells(comparison))
    named = frame.metric.where(frame.metric == "", frame.entity + " " + frame.metric)
    return frame.drop(columns=["kind", "entity", "unit"]).assign(metric=named)


def comparison_figures(comparison: Comparison) -> dict[str, Figure]:
    """The overlay figures ``btcsim compare --plot`` draws."""
    return figures_for_comparison(comparison)


def _absolute_files(node: Any, key: str = "") -> Any:
    """``*_file``, ``start_from`` and ``facts`` paths made absolute (a download has no folder)."""
    if isinstance(node, dict):
        if key.endswith("_file") or key == "start_from":
            text = node.get("value")
            if isinstance(text, str) and text:
                return {**node, "value": os.path.abspath(text)}
        return {k: _absolute_files(v, k) for k, v in node.items()}
    if isinstance(node, list):
        if key == "facts":
            return [os.path.abspath(p) if isinstance(p, str) else p for p in node]
        return [_absolute_files(v) for v in node]
    if isinstance(node, str) and (key.endswith("_file") or key == "start_from") and node:
        return os.path.abspath(node)
    return node


def _renote(node: Any) -> Any:
    if isinstance(node, dict):
        if node.get("note") == "set on the command line" and "value" in node:
            return {**node, "note": EDIT_NOTE}
        return {k: _renote(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_renote(v) for v in node]
    return node


def scenario_toml(scenario: ResolvedScenario, state: AppState) -> str:
    """The edited scenario as one self-contained TOML file that ``btcsim run`` reproduces.

    The file is the merged scenario (``extends`` resolved) with the edits
    applied, each noted :data:`EDIT_NOTE`; file references are made
    absolute. Running it gives the app's run bit for bit: the same model,
    seed and paths.
    """
    import tomli_w

    data = _renote(_absolute_files(scenario.raw))
    edits = "; ".join(state.overrides) or "none"
    head = (
        f"# Written by btcsim app from {state.file}; edits: {edits}.\n"
        f"# btcsim run THIS_FILE reproduces the app's run ({scenario.model.scenario.paths:,} "
        f"paths, seed {scenario.model.scenario.seed}).\n"
    )
    return head + tomli_w.dumps(data)


def report_html(result: Result, scenario: ResolvedScenario) -> str:
    """The HTML report of the run, as ``btcsim report`` builds it."""
    return build_report([result], [scenario], command="btcsim app")


def result_zip(result: Result) -> bytes:
    """The files ``btcsim run`` writes (summary, percentiles, inputs, manifest), zipped."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = result.save(Path(tmp) / result.scenario.replace(" ", "_"))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.iterdir()):
                archive.write(path, f"{folder.name}/{path.name}")
    return buffer.getvalue()
