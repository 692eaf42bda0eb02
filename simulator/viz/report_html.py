"""HTML building blocks of the report: escaping, badges, tables, number cells, figures, CSS.

Everything here is self-contained: figures become base64 PNG ``data:`` URIs
and the CSS is inline, so a page built from these pieces fetches nothing.
Numbers are written by :mod:`simulator.results.format`, as in the CLI.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from simulator.results.format import format_number, format_percent, format_with_error
from simulator.results.stats import errors_counted
from simulator.viz.style import DPI, PROVENANCE_COLORS

__all__ = [
    "CSS",
    "SCRIPT",
    "Html",
    "badge",
    "error_note",
    "escape",
    "figure_data_uri",
    "figure_png",
    "figures_html",
    "html_table",
    "is_missing",
    "number_cell",
    "summary_cells",
    "summary_table",
]

#: Inline style sheet of the report.
CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;margin:0 auto;
max-width:1180px;padding:0 1.2em 3em}
h1{margin-bottom:.2em}h2{border-top:3px solid #2166ac;padding-top:.6em;margin-top:2.2em}
h3{margin-top:1.6em}.question{font-size:1.15em;font-weight:600;color:#2166ac}
.muted{color:#666;font-size:.9em}table{border-collapse:collapse;margin:.5em 0 1em;
font-size:.88em}th,td{border-bottom:1px solid #ddd;padding:.25em .6em;text-align:left;
vertical-align:top}th{background:#f3f5f8}td.n{text-align:right;white-space:nowrap;
font-variant-numeric:tabular-nums}code{font-size:.92em}figure{margin:1em 0}
figure img{max-width:100%;height:auto;border:1px solid #eee}figcaption{color:#666;
font-size:.85em}ul.src{margin:0;padding-left:1.1em}.badge{display:inline-block;
border-radius:3px;padding:0 .4em;color:#fff;font-size:.8em;margin-left:.3em}
dl.settings{display:grid;grid-template-columns:max-content auto;gap:.1em 1em}
dl.settings dt{font-weight:600}dl.settings dd{margin:0}
"""

#: Counts the figures that really decoded, for a check in a headless browser.
SCRIPT = """window.addEventListener("load", function () {
  var im = document.images, ok = 0;
  for (var i = 0; i < im.length; i++) { if (im[i].complete && im[i].naturalWidth > 0) ok++; }
  document.body.dataset.imagesLoaded = ok; document.body.dataset.imagesTotal = im.length;
});"""


class Html(str):
    """Markup that is already escaped (table cells of this type are not escaped again)."""


def escape(text: Any) -> str:
    """``str(text)`` with ``&``, ``<``, ``>`` and quotes escaped for HTML."""
    return html.escape(str(text), quote=True)


def badge(text: str, provenance: str) -> Html:
    """A small label in the colour of ``provenance`` (cited, derived, assumption, protocol)."""
    color = PROVENANCE_COLORS.get(provenance, "#555")
    return Html(f'<span class="badge" style="background:{color}">{escape(text)}</span>')


def is_missing(x: Any) -> bool:
    """Whether ``x`` is None or NaN."""
    return x is None or (isinstance(x, float) and math.isnan(x))


def number_cell(x: Any, unit: str = "", percent: bool = False) -> str:
    """A number for a table cell, as the CLI writes it (blank for NaN).

    Parameters
    ----------
    x : Any
        The value; NumPy scalars are unwrapped.
    unit : str
        Its unit, for :func:`~simulator.results.format.format_number`.
    percent : bool
        Write a fraction as a percentage (``26.1%``).

    Returns
    -------
    str
    """
    x = x.item() if isinstance(x, np.generic) else x
    if isinstance(x, float) and math.isnan(x):
        return ""
    if percent and isinstance(x, int | float) and not isinstance(x, bool):
        return format_percent(x)
    return format_number(x, unit)


def html_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], numeric: set[int]) -> str:
    """An HTML table; cells in the ``numeric`` columns are right-aligned."""

    def td(i: int, cell: Any) -> str:
        text = cell if isinstance(cell, Html) else escape(cell)
        return f'<td class="n">{text}</td>' if i in numeric else f"<td>{text}</td>"

    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(td(i, c) for i, c in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def figure_png(fig: Figure, dpi: int = DPI) -> bytes:
    """Render a figure to PNG bytes at ``dpi`` [dots per inch]."""
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def figure_data_uri(fig: Figure, dpi: int = DPI) -> str:
    """Render a figure to a ``data:image/png;base64,...`` URI."""
    return "data:image/png;base64," + base64.b64encode(figure_png(fig, dpi)).decode("ascii")


def figures_html(figures: dict[str, Figure]) -> str:
    """``<figure>`` elements with each figure inline as a PNG, captioned by its name."""
    return "\n".join(
        f'<figure><img alt="{escape(k)}" src="{figure_data_uri(f)}">'
        f"<figcaption>{escape(k)}</figcaption></figure>"
        for k, f in figures.items()
    )


def _with_error(row: pd.Series, stat: str, unit: str, percent: bool) -> str:
    """A summary statistic with its Monte Carlo error, as the CLI writes it (blank for NaN)."""
    value = float(row[stat])
    if math.isnan(value):
        return ""
    se = float(row.get(f"{stat}_se", float("nan")))
    return format_with_error(value, se, unit, percent)


def summary_cells(
    summary: pd.DataFrame, entity: str, metrics: Sequence[str], currency: str = "LCU"
) -> tuple[list[str], list[list[str]]]:
    """One entity's horizon metrics as text cells: unit, p5, median, p95 with their errors.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``Result.summary``.
    entity : str
        Entity name (``"market"`` for the market).
    metrics : sequence of str
        Metrics to show, in order; those the summary lacks are left out.
    currency : str
        Written for the unit ``LCU`` (the ``[market.fx]`` currency).

    Returns
    -------
    (list of str, list of list of str)
        The headers and one row per metric shown (no row when none is). A
        probability has its mean only (in the median column); a ``defined``
        column is added when a metric is undefined on some paths.
    """
    rows = summary[summary.entity == entity].set_index("metric")
    shown = [m for m in metrics if m in rows.index]
    share = rows.loc[shown, "defined_share"] if shown and "defined_share" in rows else None
    partial = share is not None and bool((share < 1).any())
    out = []
    for metric in shown:
        r = rows.loc[metric]
        defined = [format_percent(r["defined_share"]) if r["defined_share"] < 1 else ""]
        defined = defined if partial else []
        if r.unit == "probability":
            out.append([metric, "", "", _with_error(r, "mean", "", True), "", *defined])
            continue
        pct = r.unit == "fraction"
        cells = [_with_error(r, c, r.unit, pct) for c in ("p5", "p50", "p95")]
        unit = "" if pct else str(r.unit).replace("LCU", currency)
        out.append([metric, unit, *cells, *defined])
    headers = ["metric", "unit", "p5", "median", "p95"] + (["defined"] if partial else [])
    return headers, out


def summary_table(
    summary: pd.DataFrame, entity: str, metrics: Sequence[str], currency: str = "LCU"
) -> str:
    """:func:`summary_cells` as an HTML table; empty when no metric is shown."""
    headers, rows = summary_cells(summary, entity, metrics, currency)
    return html_table(headers, rows, {2, 3, 4, 5}) if rows else ""


def error_note(paths: Any = None, method: Any = "none") -> str:
    """What the ± of the summary tables means (plain text, over ``paths`` paths if known).

    ``method`` is ``scenario.variance_reduction``: with antithetic pairs or
    QMC sets the errors count those as the independent draws.
    """
    known = isinstance(paths, int | float) and paths
    over = f" over {int(paths):,} paths" if known else ""
    counted = errors_counted(str(method), int(paths)) if known else ""
    over += f", {counted}" if counted else ""
    return (
        f"± is the Monte Carlo standard error of each statistic{over}: what a rerun with "
        "another seed would move it by, typically. It says nothing about whether the model's "
        "assumptions are right."
    )
