"""Self-contained HTML reports of scenario runs and their comparison.

:func:`build_report` makes one HTML page that needs nothing else: figures are
base64 PNG ``data:`` URIs, the CSS is inline, nothing is fetched. Per scenario:
its question, the run settings, key horizon metrics, the standard figures and
every input, cited figures with their sources apart from assumptions with
their notes and ranges; with several results, the comparison. All text is
HTML-escaped. :func:`write_report` writes atomically; :func:`run_for_report`
runs the scenarios once, paths kept, and compares them.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import math
from collections.abc import Callable, Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from simulator.analysis import compare as cmp
from simulator.analysis.compare import CompareError, Comparison
from simulator.analysis.variants import backend_used
from simulator.inputs.facts import DerivedFact, load_facts
from simulator.inputs.scenario import ResolvedScenario, ScenarioError
from simulator.results.files import write_file_atomic
from simulator.results.result import Result
from simulator.viz.figures import DPI, figures_for_comparison, figures_for_result
from simulator.viz.style import PROVENANCE_COLORS, compact

__all__ = ["REPORT_METRICS", "build_report", "write_report", "run_for_report", "figure_data_uri"]

#: Horizon metrics shown in each scenario's summary tables, per kind of entity.
REPORT_METRICS: dict[str, tuple[str, ...]] = {
    "market": ("price_usd", "network_hashrate_ehs"),
    "reserve": ("holdings_btc", "value_usd", "cost_basis_usd", "prob_below_cost", "max_drawdown",
                "value_share_of_benchmark"),
    "mining": ("btc_mined_btc", "btc_mined_per_year_btc", "btc_kept_btc", "revenue_usd",
               "energy_cost_usd", "margin_usd", "cash_cost_per_btc_usd", "cost_per_btc_usd",
               "breakeven_price_usd", "mean_network_share"),
}  # fmt: skip

_PERCENT_UNITS = ("fraction", "probability")

_CSS = """
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

# Counts the figures that really decoded, for a check in a headless browser.
_SCRIPT = """window.addEventListener("load", function () {
  var im = document.images, ok = 0;
  for (var i = 0; i < im.length; i++) { if (im[i].complete && im[i].naturalWidth > 0) ok++; }
  document.body.dataset.imagesLoaded = ok; document.body.dataset.imagesTotal = im.length;
});"""


class _Html(str):
    """Markup that is already escaped (table cells of this type are not escaped again)."""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _badge(text: str, provenance: str) -> _Html:
    color = PROVENANCE_COLORS.get(provenance, "#555")
    return _Html(f'<span class="badge" style="background:{color}">{_e(text)}</span>')


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _num(x: Any, unit: str = "", percent: bool = False) -> str:
    """A number for a table: 4 significant digits, ``12.35M`` style from 10,000."""
    x = x.item() if isinstance(x, np.generic) else x
    if x is None or isinstance(x, bool):
        return str(x).lower()
    if not isinstance(x, int | float) or not math.isfinite(x):
        return "" if isinstance(x, float) and math.isnan(x) else str(x)
    if percent:
        return f"{x:.1%}"
    if isinstance(x, int):
        return f"{x:,}" if unit else str(x)  # no grouping for a seed
    if abs(x) >= 1e4:
        return compact(x, "", 4)
    return f"{x:,.0f}" if x.is_integer() else f"{x:.4g}"


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]], numeric: set[int]) -> str:
    """An HTML table; cells in the ``numeric`` columns are right-aligned."""

    def td(i: int, cell: Any) -> str:
        text = cell if isinstance(cell, _Html) else _e(cell)
        return f'<td class="n">{text}</td>' if i in numeric else f"<td>{text}</td>"

    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(td(i, c) for i, c in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def figure_data_uri(fig: Figure, dpi: int = DPI) -> str:
    """Render a figure to a ``data:image/png;base64,...`` URI."""
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figures(figures: dict[str, Figure]) -> str:
    return "\n".join(
        f'<figure><img alt="{_e(k)}" src="{figure_data_uri(f)}"><figcaption>{_e(k)}</figcaption>'
        "</figure>"
        for k, f in figures.items()
    )


# ---------------------------------------------------------------- sections
def _settings(result: Result, scenario: ResolvedScenario) -> str:
    m = result.meta
    counts = m.get("provenance_counts") or scenario.counts()
    items = [
        ("file", m.get("file", scenario.path)),
        ("paths", f"{m.get('paths', 0):,}"),
        ("seed", m.get("seed")),
        ("dates", f"{m.get('start_date')} to {m.get('end_date')} "
                  f"({scenario.model.scenario.horizon_years:g} years, {m.get('days')} days)"),
        ("output frequency", m.get("freq")),
        ("backend", f"{m.get('backend', '-')} ({m.get('workers', '-')} workers), "
                    f"{m.get('seconds', float('nan')):.1f} s"),
        ("inputs", ", ".join(f"{n} {p}" for p, n in counts.items())),
    ]  # fmt: skip
    rows = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in items)
    return f'<dl class="settings">{rows}</dl>'


def _summary(result: Result, scenario: ResolvedScenario) -> str:
    model = scenario.model
    groups = [("market", "market")] + [("reserve", r.name) for r in model.reserve]
    groups += [("mining", o.name) for o in model.mining]
    parts = []
    for kind, entity in groups:
        rows = result.summary[result.summary.entity == entity].set_index("metric")
        out = []
        for metric in (m for m in REPORT_METRICS[kind] if m in rows.index):
            r = rows.loc[metric]
            if r.unit == "probability":
                out.append([metric, "", "", _num(r["mean"], percent=True), ""])
                continue
            pct = r.unit == "fraction"
            cells = [_num(float(r[c]), r.unit, percent=pct) for c in ("p5", "p50", "p95")]
            out.append([metric, "" if pct else r.unit, *cells])
        if out:
            title = kind if kind == "market" else f"{kind} {entity}"
            parts.append(f"<h4>{_e(title)}</h4>")
            parts.append(_table(["metric", "unit", "p5", "median", "p95"], out, {2, 3, 4}))
    return "\n".join(parts)


def _sources_cell(fact_id: str) -> _Html:
    """The sources of a cited fact, or the formula and inputs of a derived one."""
    fact = load_facts().get(fact_id)
    claim = f"<div>{_e(fact.claim)}</div>"
    if isinstance(fact, DerivedFact):
        text = f"{claim}<div>formula: <code>{_e(fact.formula)}</code></div>"
        return _Html(text + (f"<div>{_e(fact.bound)}</div>" if fact.bound else ""))
    items = []
    for s in fact.sources:
        outlet = s.outlet + (f" (via {s.via})" if s.via else "")
        headline = f", \u201c{_e(s.headline)}\u201d" if s.headline else ""
        items.append(
            f"<li><b>{_e(outlet)}</b>{headline}, {_e(s.published.isoformat())}: {_e(s.figure)}</li>"
        )
    return _Html(f'{claim}<ul class="src">{"".join(items)}</ul>')


def _range(row: pd.Series) -> str:
    low, high = row.get("low"), row.get("high")
    if _missing(low) or _missing(high) or low == high:
        return ""
    return f"{_num(low, row['unit'])} .. {_num(high, row['unit'])}"


def _inputs(result: Result) -> str:
    frame = result.inputs
    cited = frame[frame.provenance.isin(["cited", "derived"])]
    rows = []
    for _, r in cited.iterrows():
        fid = r.get("fact_id")
        source = _sources_cell(fid) if isinstance(fid, str) else str(r.get("source", ""))
        key = _Html(f"<code>{_e(r['key'])}</code>" + _badge(r.provenance, r.provenance))
        fact = _Html(f"<code>{_e(fid)}</code>") if isinstance(fid, str) else ""
        rows.append([key, _num(r.value, r.unit), r.unit, fact, source, _range(r)])
    parts = [
        f"<h4>Cited figures ({len(cited)})</h4>",
        '<p class="muted">From the source articles; derived values are computed from cited '
        "figures by the formula shown. Spread: the range of the figures the sources state.</p>",
        _table(["key", "value", "unit", "fact", "sources", "spread"], rows, {1, 5}),
    ]
    assumed = frame[frame.provenance == "assumption"]
    rows = []
    for _, r in assumed.iterrows():
        note = str(r.get("source", ""))
        default = bool(r.get("is_default")) or note.startswith("btcsim default")
        cell = _Html(_e(note) + (_badge("btcsim default", "protocol") if default else ""))
        rows.append([_Html(f"<code>{_e(r['key'])}</code>"), _num(r.value, r.unit), r.unit, cell,
                     _range(r)])  # fmt: skip
    parts += [
        f"<h4>Assumptions ({len(assumed)})</h4>",
        '<p class="muted">Not from the articles: chosen by the scenario author (with a note and '
        "a plausible range) or btcsim defaults.</p>",
        _table(["key", "value", "unit", "note", "range"], rows, {1, 4}),
    ]
    protocol = frame[frame.provenance == "protocol"]
    if not protocol.empty:
        rows = [[r.key, _num(r.value, r.unit), r.unit, r.source] for _, r in protocol.iterrows()]
        parts.append(
            f"<details><summary>Bitcoin protocol rules ({len(protocol)})</summary>"
            + _table(["key", "value", "unit", "source"], rows, {1})
            + "</details>"
        )
    return "\n".join(parts)


def _scenario_section(i: int, result: Result, scenario: ResolvedScenario) -> str:
    meta = scenario.model.scenario
    parts = [
        f'<section id="scenario-{i}"><h2>{_e(result.scenario)}</h2>',
        f'<p class="question">{_e(meta.question)}</p>' if meta.question else "",
        f"<p>{_e(meta.description)}</p>" if meta.description else "",
        "<h3>Run settings</h3>",
        _settings(result, scenario),
        f"<h3>Key results at {_e(result.meta.get('end_date'))}</h3>",
        '<p class="muted">Spread across Monte Carlo paths under the scenario\'s assumptions '
        "(5th percentile, median, 95th percentile); a probability is the share of paths.</p>",
        _summary(result, scenario),
        "<h3>Figures</h3>",
        _figures(figures_for_result(result)),
        "<h3>Inputs</h3>",
        _inputs(result),
        "</section>",
    ]
    return "\n".join(parts)


def _comparison_section(comparison: Comparison) -> str:
    names = comparison.names
    ref = names[0]
    parts = [
        '<section id="comparison"><h2>Comparison</h2>',
        f"<p>Reference: <b>{_e(ref)}</b>. {_e(comparison.crn_message())}.</p>",
    ]
    headers = ["kind", "entity", "metric", "unit", "scenario", "p5", "median", "p95",
               "\u0394 median vs " + ref, "P(beats " + ref + ")"]  # fmt: skip
    rows = []
    for row in comparison.table.to_dict("records"):
        unit = str(row["unit"])
        pct = unit in _PERCENT_UNITS
        for i, name in enumerate(names):
            cells = [_num(row[f"{name}.{k}"], unit, percent=pct) for k in ("p5", "p50", "p95")]
            diff = beats = ""
            if i > 0:
                d, p = row[f"{name}.diff_p50"], row[f"{name}.prob_beats"]
                diff = "" if _missing(d) else f"{d * 100:+.1f} pp" if pct else _num(d, unit)
                beats = "" if _missing(p) else f"{p:.1%}"
                beats = "equal on every path" if row[f"{name}.prob_same"] == 1 else beats
            lead = [row["kind"], row["entity"], row["metric"], "" if pct else unit]
            rows.append([*(lead if i == 0 else ["", "", "", ""]), name, *cells, diff, beats])
    parts.append(_table(headers, rows, {5, 6, 7, 8, 9}))
    parts.append(
        '<p class="muted">P(beats): share of paths on which the scenario does better than the '
        "reference on the same path (market metrics are not scored).</p>"
    )
    parts += ["<h3>Figures</h3>", _figures(figures_for_comparison(comparison))]
    diff = comparison.inputs_diff
    parts.append(f"<h3>Inputs that differ ({len(diff)})</h3>")
    rows = []
    for row in diff.to_dict("records"):
        line: list[Any] = [_Html(f"<code>{_e(row['key'])}</code>"), row["unit"]]
        for name in names:
            prov = str(row[f"{name}.provenance"])
            value = "absent" if prov == "absent" else _num(row[f"{name}.value"], row["unit"])
            note = _e(row.get(f"{name}.source") or "")
            line.append(_Html(f"{_e(value)}{_badge(prov, prov)}<div class='muted'>{note}</div>"))
        rows.append(line)
    parts.append(_table(["key", "unit", *names], rows, set()) if rows else "<p>None.</p>")
    parts.append("</section>")
    return "\n".join(parts)


# ------------------------------------------------------------------ public
def build_report(
    results: list[Result],
    scenarios: list[ResolvedScenario],
    comparison: Comparison | None = None,
    *,
    command: str | None = None,
) -> str:
    """Build the self-contained HTML report of runs (and of their comparison).

    Parameters
    ----------
    results : list of Result
        One per scenario, in the order of ``scenarios``; with ``Result.paths``
        kept, the price chart shows sample paths.
    scenarios : list of ResolvedScenario
        The scenarios run (question, description and entities).
    comparison : Comparison, optional
        Adds a comparison section (table, overlay figures, inputs that differ).
    command : str, optional
        Command line shown in the header.

    Returns
    -------
    str
        The HTML page; figures are ``data:`` URIs, nothing is fetched.

    Raises
    ------
    ValueError
        If ``results`` is empty or does not match ``scenarios``.
    """
    if not results or len(results) != len(scenarios):
        raise ValueError("build_report needs one result per scenario (and at least one)")
    names = [r.scenario for r in results]
    try:
        version = metadata.version("btcsim")
    except metadata.PackageNotFoundError:  # pragma: no cover  (run from a source tree)
        version = "unknown"
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    links = [(f"scenario-{i}", n) for i, n in enumerate(names, 1)]
    links += [("comparison", "Comparison")] if comparison is not None else []
    toc = "".join(f'<li><a href="#{a}">{_e(n)}</a></li>' for a, n in links)
    legend = "".join(_badge(p, p) for p in PROVENANCE_COLORS)
    body = [
        f"<h1>btcsim report: {_e(', '.join(names))}</h1>",
        f'<p class="muted">Created {_e(created)} by btcsim {_e(version)}'
        + (f" with <code>{_e(command)}</code>" if command else "")
        + ". Fan charts shade the 5-95 % and 25-75 % ranges of the Monte Carlo paths: the "
        "spread of outcomes under each scenario's assumptions, not a forecast. Inputs by "
        f"provenance: {legend}</p>",
        f"<ul>{toc}</ul>",
        *(
            _scenario_section(i, r, s)
            for i, (r, s) in enumerate(zip(results, scenarios, strict=True), 1)
        ),
    ]
    if comparison is not None:
        body.append(_comparison_section(comparison))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>btcsim report: {_e(', '.join(names))}</title><style>{_CSS}</style>"
        f"<script>{_SCRIPT}</script></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def write_report(path: str | Path, html_text: str) -> Path:
    """Write the report atomically: a temporary file beside ``path``, then a rename.

    On any error the temporary file is removed and an existing report is left
    as it was. Missing parent folders are created.
    """
    return write_file_atomic(path, lambda fh: fh.write(html_text.encode("utf-8")))


def run_for_report(
    scenarios: Sequence[ResolvedScenario],
    *,
    backend: str | None = None,
    workers: int | None = None,
    address: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[Result], Comparison | None]:
    """Run scenarios in one batch, paths kept; compare them as :func:`~.analysis.compare.compare`.

    The comparison is built from the same runs, so each scenario runs once.

    Returns
    -------
    (list of Result, Comparison or None)

    Raises
    ------
    ScenarioError
        If names repeat or a scenario fails to run.
    CompareError
        For a bad backend, ``workers`` or ``address``.
    """
    from simulator.results.simulate import VariantError, simulate_many

    if len(scenarios) > 1:
        cmp.check_unique_names(scenarios)
    try:
        outcome = simulate_many(
            list(scenarios), backend=backend, workers=workers, address=address, keep_paths=True,
            progress=progress,
        )  # fmt: skip
    except (ValueError, ImportError) as exc:
        raise CompareError(str(exc)) from None
    results = []
    for scenario, got in zip(scenarios, outcome, strict=True):
        if isinstance(got, VariantError):
            if isinstance(got.error, ScenarioError):
                raise got.error
            raise ScenarioError(scenario.path, "", got.message) from got.error
        results.append(got)
    if len(results) < 2:
        return results, None
    differ = cmp.market_differences(scenarios)
    return results, Comparison(
        table=cmp.comparison_table(results, [s.model for s in scenarios]),
        inputs_diff=cmp.inputs_diff(scenarios),
        results=results,
        common_random_numbers=not differ,
        market_differences=differ,
        backend=backend_used(results, backend),
    )
