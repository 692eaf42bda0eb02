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

import datetime as dt
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from simulator.analysis import compare as cmp
from simulator.analysis.compare import CompareError, Comparison
from simulator.analysis.variants import backend_used, check_unique_names
from simulator.inputs.provenance import count_text
from simulator.inputs.scenario import ResolvedScenario, ScenarioError
from simulator.results.files import write_file_atomic
from simulator.results.result import Result
from simulator.viz.figures import figures_for_comparison, figures_for_result
from simulator.viz.report_compare import comparison_cells
from simulator.viz.report_html import (
    CSS,
    SCRIPT,
    Html,
    badge,
    error_note,
    escape,
    figure_data_uri,
    figures_html,
    html_table,
    number_cell,
    summary_table,
)
from simulator.viz.report_inputs import inputs_section
from simulator.viz.report_ledger import ledger_section
from simulator.viz.style import PROVENANCE_COLORS

__all__ = [
    "REPORT_MARKER",
    "REPORT_METRICS",
    "build_report",
    "figure_data_uri",
    "run_for_report",
    "write_report",
]

#: Signature in every report's head: a file with it may be replaced by a new report.
REPORT_MARKER = b'<meta name="generator" content="btcsim">'

#: Horizon metrics shown in each scenario's summary tables, per kind of entity.
REPORT_METRICS: dict[str, tuple[str, ...]] = {
    "market": ("price_usd", "network_hashrate_ehs"),
    "reserve": ("holdings_btc", "value_usd", "cost_basis_usd", "prob_below_cost", "max_drawdown",
                "value_share_of_benchmark"),
    "mining": ("btc_mined_btc", "btc_mined_per_year_btc", "btc_kept_btc", "revenue_usd",
               "energy_cost_usd", "margin_usd", "cash_cost_per_btc_usd", "cost_per_btc_usd",
               "breakeven_price_usd", "mean_network_share"),
}  # fmt: skip


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
        ("inputs", count_text(counts)),
    ]  # fmt: skip
    items += [("facts file", f"{f.path} (SHA-256 {f.sha256})") for f in scenario.facts_files]
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in items)
    return f'<dl class="settings">{rows}</dl>'


def _summary(result: Result, scenario: ResolvedScenario) -> str:
    model = scenario.model
    groups = [("market", "market")] + [("reserve", r.name) for r in model.reserve]
    groups += [("mining", o.name) for o in model.mining]
    parts = []
    for kind, entity in groups:
        table = summary_table(result.summary, entity, REPORT_METRICS[kind])
        if table:
            title = kind if kind == "market" else f"{kind} {entity}"
            parts += [f"<h4>{escape(title)}</h4>", table]
    if parts:
        note = error_note(result.meta.get("paths"), result.meta.get("variance_reduction", "none"))
        parts.insert(0, f"<p>{escape(note)}</p>")
    return "\n".join(parts)


def _scenario_section(i: int, result: Result, scenario: ResolvedScenario) -> str:
    meta = scenario.model.scenario
    parts = [
        f'<section id="scenario-{i}"><h2>{escape(result.scenario)}</h2>',
        f'<p class="question">{escape(meta.question)}</p>' if meta.question else "",
        f"<p>{escape(meta.description)}</p>" if meta.description else "",
        "<h3>Run settings</h3>",
        _settings(result, scenario),
        f"<h3>Key results at {escape(result.meta.get('end_date'))}</h3>",
        '<p class="muted">Spread across Monte Carlo paths under the scenario\'s assumptions '
        "(5th percentile, median, 95th percentile); a probability is the share of paths.</p>",
        _summary(result, scenario),
        "<h3>Figures</h3>",
        figures_html(figures_for_result(result)),
        ledger_section(result, scenario.model),
        "<h3>Inputs</h3>",
        inputs_section(result, scenario.registry),
        "</section>",
    ]
    return "\n".join(parts)


def _comparison_section(comparison: Comparison) -> str:
    names = comparison.names
    ref = names[0]
    parts = [
        '<section id="comparison"><h2>Comparison</h2>',
        f"<p>Reference: <b>{escape(ref)}</b>. {escape(comparison.crn_message())}.</p>",
    ]
    headers, rows = comparison_cells(comparison)
    parts.append(html_table(headers, rows, {5, 6, 7, 8, 9}))
    parts.append(
        '<p class="muted">P(beats): share of paths on which the scenario does better than the '
        "reference on the same path (market metrics are not scored).</p>"
    )
    parts += ["<h3>Figures</h3>", figures_html(figures_for_comparison(comparison))]
    diff = comparison.inputs_diff
    parts.append(f"<h3>Inputs that differ ({len(diff)})</h3>")
    rows = []
    for row in diff.to_dict("records"):
        line: list[Any] = [Html(f"<code>{escape(row['key'])}</code>"), row["unit"]]
        for name in names:
            prov = str(row[f"{name}.provenance"])
            value = "absent" if prov == "absent" else number_cell(row[f"{name}.value"], row["unit"])
            note = escape(row.get(f"{name}.source") or "")
            line.append(Html(f"{escape(value)}{badge(prov, prov)}<div class='muted'>{note}</div>"))
        rows.append(line)
    parts.append(html_table(["key", "unit", *names], rows, set()) if rows else "<p>None.</p>")
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
    toc = "".join(f'<li><a href="#{a}">{escape(n)}</a></li>' for a, n in links)
    legend = "".join(badge(p, p) for p in PROVENANCE_COLORS)
    body = [
        f"<h1>btcsim report: {escape(', '.join(names))}</h1>",
        f'<p class="muted">Created {escape(created)} by btcsim {escape(version)}'
        + (f" with <code>{escape(command)}</code>" if command else "")
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
        f"{REPORT_MARKER.decode()}"
        f"<title>btcsim report: {escape(', '.join(names))}</title><style>{CSS}</style>"
        f"<script>{SCRIPT}</script></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n"
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
        check_unique_names(scenarios)
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
