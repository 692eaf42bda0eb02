"""The inputs section of the HTML report: cited figures with every source, then assumptions.

A cited figure lists each source (outlet, headline linked to its URL where
there is one, date, the figure as stated); a figure from a user's facts file
names the file, and one that supersedes a built-in figure keeps the earlier
sources, marked superseded.
"""

from __future__ import annotations

import pandas as pd

from simulator.inputs.fact_registry import FactRegistry
from simulator.inputs.fact_types import AnyFact, DerivedFact, Source, file_label, value_label
from simulator.inputs.facts import load_facts
from simulator.results.result import Result
from simulator.viz.report_html import Html, badge, escape, html_table, is_missing, number_cell

__all__ = ["inputs_section", "sources_cell"]


def _files_note(fact: AnyFact) -> str:
    """Which user's facts file a fact (or a formula's inputs) comes from, as HTML."""
    files = [fact.origin] if fact.origin is not None else []
    if isinstance(fact, DerivedFact):
        files += [f for f in fact.input_files if f != fact.origin]
    if not files:
        return ""
    what = "from" if fact.origin is not None else "inputs from"
    names = ", ".join(f"<code>{escape(f)}</code>" for f in files)
    return f'<div class="muted">{what} facts file {names}</div>'


def _source_item(s: Source) -> str:
    """One source as a list item: outlet, headline (a link when it has a URL), date, figure."""
    outlet = s.outlet + (f" (via {s.via})" if s.via else "")
    headline = f"\u201c{escape(s.headline)}\u201d" if s.headline else ""
    if s.url:
        headline = f'<a href="{escape(s.url)}">{headline or escape(s.url)}</a>'
    when = escape(s.published.isoformat())
    text = f"<b>{escape(outlet)}</b>{', ' + headline if headline else ''}, {when}: "
    text += escape(s.figure)
    if s.superseded:
        text += f' <span class="muted">(superseded; {escape(file_label(s.origin))})</span>'
    return f"<li>{text}</li>"


def sources_cell(fact: AnyFact) -> Html:
    """The sources of a cited fact, or the formula and inputs of a derived one.

    Parameters
    ----------
    fact : Fact or DerivedFact
        The fact behind an input.

    Returns
    -------
    Html
        The claim, then the sources (or the formula), and the user's facts
        file it comes from, if any.
    """
    claim = f"<div>{escape(fact.claim)}</div>" + _files_note(fact)
    if isinstance(fact, DerivedFact):
        text = f"{claim}<div>formula: <code>{escape(fact.formula)}</code></div>"
        return Html(text + (f"<div>{escape(fact.bound)}</div>" if fact.bound else ""))
    if fact.supersedes is not None:
        old = fact.supersedes
        claim += (
            f'<div class="muted">supersedes {escape(value_label(old.value))} {escape(old.unit)} '
            f"of the {escape(file_label(old.origin))}: {escape(fact.supersedes_reason or '')}</div>"
        )
    items = "".join(_source_item(s) for s in fact.sources)
    return Html(f'{claim}<ul class="src">{items}</ul>')


def _range(row: pd.Series) -> str:
    low, high = row.get("low"), row.get("high")
    if is_missing(low) or is_missing(high) or low == high:
        return ""
    return f"{number_cell(low, row['unit'])} .. {number_cell(high, row['unit'])}"


def inputs_section(result: Result, registry: FactRegistry | None = None) -> str:
    """The inputs of one run: cited and derived figures with their sources, assumptions, rules.

    Parameters
    ----------
    result : Result
        The run.
    registry : FactRegistry, optional
        The registry the scenario was resolved with (the built-in one plus
        its facts files); the built-in one by default.

    Returns
    -------
    str
        HTML.
    """
    registry = registry if registry is not None else load_facts()
    frame = result.inputs
    cited = frame[frame.provenance.isin(["cited", "derived"])]
    rows = []
    for _, r in cited.iterrows():
        fid = r.get("fact_id")
        known = isinstance(fid, str) and fid in registry
        source = sources_cell(registry.get(fid)) if known else str(r.get("source", ""))
        key = Html(f"<code>{escape(r['key'])}</code>" + badge(r.provenance, r.provenance))
        fact = Html(f"<code>{escape(fid)}</code>") if isinstance(fid, str) else ""
        rows.append([key, number_cell(r.value, r.unit), r.unit, fact, source, _range(r)])
    parts = [
        f"<h4>Cited figures ({len(cited)})</h4>",
        '<p class="muted">From the source articles; derived values are computed from cited '
        "figures by the formula shown. Spread: the range of the figures the sources state.</p>",
        html_table(["key", "value", "unit", "fact", "sources", "spread"], rows, {1, 5}),
    ]
    data = frame[frame.provenance == "data"]
    if not data.empty:
        rows = [
            [Html(f"<code>{escape(r['key'])}</code>" + badge("data", "data")),
             number_cell(r.value, r.unit), r.unit, str(r.get("source", ""))]
            for _, r in data.iterrows()
        ]  # fmt: skip
        parts += [
            f"<h4>Read from a history file ({len(data)})</h4>",
            '<p class="muted">The starting point (scenario.start_from): each value with the '
            "file, column and day or window it was read from.</p>",
            html_table(["key", "value", "unit", "source"], rows, {1}),
        ]
    assumed = frame[frame.provenance == "assumption"]
    rows = []
    for _, r in assumed.iterrows():
        note = str(r.get("source", ""))
        default = bool(r.get("is_default")) or note.startswith("btcsim default")
        cell = Html(escape(note) + (badge("btcsim default", "protocol") if default else ""))
        key = Html(f"<code>{escape(r['key'])}</code>")
        rows.append([key, number_cell(r.value, r.unit), r.unit, cell, _range(r)])
    parts += [
        f"<h4>Assumptions ({len(assumed)})</h4>",
        '<p class="muted">Not from the articles: chosen by the scenario author (with a note and '
        "a plausible range) or btcsim defaults.</p>",
        html_table(["key", "value", "unit", "note", "range"], rows, {1, 4}),
    ]
    protocol = frame[frame.provenance == "protocol"]
    if not protocol.empty:
        rows = [
            [r.key, number_cell(r.value, r.unit), r.unit, r.source] for _, r in protocol.iterrows()
        ]
        parts.append(
            f"<details><summary>Bitcoin protocol rules ({len(protocol)})</summary>"
            + html_table(["key", "value", "unit", "source"], rows, {1})
            + "</details>"
        )
    return "\n".join(parts)
