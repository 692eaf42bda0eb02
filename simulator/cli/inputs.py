"""``btcsim facts``, ``validate``, ``explain`` and ``scenarios``: inputs with their provenance."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from simulator.cli.common import (
    FactsOpt,
    JsonOpt,
    SetOpt,
    emit_json,
    err,
    fail,
    fmt,
    new_table,
    out,
    spread,
    user_errors,
    warn_unread,
)

if TYPE_CHECKING:
    from simulator.inputs.facts import DerivedFact, Fact, FactRegistry
    from simulator.inputs.scenario import ResolvedScenario

app = typer.Typer()


# ----------------------------------------------------------------------- facts
#: Keys of a source that only users' facts files set: left out of the JSON when unset.
_USER_SOURCE_KEYS = ("url", "origin", "superseded")


def _source_dict(source: Any) -> dict[str, Any]:
    data = {}
    for k, v in source.__dict__.items():
        if k in _USER_SOURCE_KEYS and not v:
            continue
        data[k] = v.isoformat() if hasattr(v, "isoformat") else v
    return data


def _fact_dict(fact: Fact | DerivedFact) -> dict[str, Any]:
    from simulator.inputs.facts import DerivedFact

    data: dict[str, Any] = {
        "id": fact.id,
        "value": fact.value,
        "unit": fact.unit,
        "as_of": fact.as_of.isoformat(),
        "provenance": fact.provenance,
        "claim": fact.claim,
        "low": fact.low,
        "high": fact.high,
    }
    if fact.origin is not None:
        data["file"] = fact.origin
    if isinstance(fact, DerivedFact):
        data |= {"formula": fact.formula, "inputs": list(fact.inputs), "bound": fact.bound}
        if fact.input_files:
            data["input_files"] = list(fact.input_files)
    else:
        data["canonical_rule"] = fact.canonical_rule
        if fact.supersedes is not None:
            old = fact.supersedes
            data["supersedes"] = {
                "id": old.id,
                "value": old.value,
                "file": old.origin,
                "reason": fact.supersedes_reason,
            }
        data["sources"] = [_source_dict(s) for s in fact.sources]
    return data


@app.command()
def facts(
    fact_id: Annotated[
        str | None,
        typer.Argument(
            metavar="[ID | check]",
            help="A fact id to show with every source; or 'check' and facts files to validate.",
        ),
    ] = None,
    files: Annotated[
        list[Path] | None,
        typer.Argument(metavar="[FILE]...", help="With check: the facts files to validate."),
    ] = None,
    facts_files: FactsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List the cited facts, show one with every source, or check a facts file of your own.

    A facts file of your own has the form of the built-in registry; a scenario
    reads it with facts = ["my_facts.toml"] or --facts FILE. 'btcsim facts
    check FILE' validates one and prints OK with its counts, or one error line
    (exit code 2).

    Example: btcsim facts el_salvador.reserve_btc   (or: btcsim facts check my_facts.toml)
    """
    from simulator.inputs.user_facts import load_user_facts

    extra = [str(f) for f in facts_files or []]
    if fact_id == "check":
        _check_facts(extra, [str(f) for f in files or []], as_json)
        return
    if files:
        fail("btcsim facts: one fact id at a time (or: btcsim facts check FILE...)")
    with user_errors():
        registry = load_user_facts(extra)
        if fact_id is not None:
            fact = registry.get(fact_id)
            if as_json:
                emit_json(_fact_dict(fact))
                return
            _print_fact(fact)
            return
    if as_json:
        emit_json([_fact_dict(registry.get(i)) for i in registry.ids()])
        return
    _print_facts(registry)


def _check_facts(extra: list[str], files: list[str], as_json: bool) -> None:
    """``btcsim facts check FILE...``: validate facts files on top of the built-in registry."""
    from simulator.inputs.user_facts import load_user_facts

    if not files:
        fail("btcsim facts check: give the facts files to check (btcsim facts check FILE...)")
    with user_errors():
        registry = load_user_facts([*extra, *files])
    checked = [r for r in registry.files if r.path in {os.path.normpath(f) for f in files}]
    if as_json:
        emit_json([{**r.__dict__, "supersedes": list(r.supersedes)} for r in checked])
        return
    for r in checked:
        replaced = f" (superseding {', '.join(r.supersedes)})"
        out.print(
            f"OK {r.path}: {r.cited} cited{replaced if r.supersedes else ''}, {r.derived} "
            f"derived; sha256 {r.sha256[:12]}",
            markup=False,
        )


def _print_facts(registry: FactRegistry) -> None:
    from simulator.inputs.fact_types import file_label
    from simulator.inputs.facts import Fact

    title = "Facts cited in the July 2025 articles (as of 2025-07-17), and derived"
    if registry.files:
        title += "; and from " + ", ".join(file_label(f.path) for f in registry.files)
    table = new_table(title=title)
    table.add_column("id", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("unit", no_wrap=True)
    table.add_column("sources", justify="right")
    table.add_column("spread")
    if registry.files:
        table.add_column("from")
    for i in registry.ids():
        f = registry.get(i)
        n = str(len(f.sources)) if isinstance(f, Fact) else "derived"
        row = [f.id, fmt(f.value, f.unit), f.unit, n, spread(f.low, f.high, f.unit)]
        if registry.files:
            row.append(file_label(f.origin).removeprefix("facts file "))
        table.add_row(*row)
    out.print(table)
    out.print("Show one fact with its sources: btcsim facts ID")


def _print_fact(fact: Fact | DerivedFact) -> None:
    from simulator.inputs.fact_types import file_label
    from simulator.inputs.facts import DerivedFact

    out.print(
        f"[bold]{fact.id}[/bold] = {fmt(fact.value)} {fact.unit}  "
        f"({fact.provenance}, as of {fact.as_of.isoformat()})"
    )
    out.print(f"claim: {fact.claim}", markup=False)
    if fact.origin is not None:
        out.print(f"from: {file_label(fact.origin)} ({fact.origin})", markup=False)
    if fact.low is not None:
        out.print(f"spread: {spread(fact.low, fact.high)} {fact.unit}")
    if isinstance(fact, DerivedFact):
        out.print(f"formula: {fact.formula}", markup=False)
        if fact.input_files:
            files = ", ".join(file_label(f) for f in fact.input_files)
            out.print(f"inputs from: {files}", markup=False)
        if fact.bound:
            out.print(f"bound: {fact.bound}", markup=False)
        return
    out.print(f"canonical value rule: {fact.canonical_rule}", markup=False)
    if fact.supersedes is not None:
        old = fact.supersedes
        out.print(
            f"supersedes: {fmt(old.value, old.unit)} {old.unit} of the {file_label(old.origin)}, "
            f"as of {old.as_of.isoformat()} (kept below and in the spread); why: "
            f"{fact.supersedes_reason}",
            markup=False,
        )
    user = any(s.origin is not None or s.url or s.superseded for s in fact.sources)
    table = new_table(title="Sources")
    for col in ("outlet", "headline", "published", "figure as stated", "qualifier"):
        table.add_column(col)
    if user:
        table.add_column("from")
        table.add_column("url", overflow="fold")
    for s in fact.sources:
        outlet = s.outlet + (f" (via {s.via})" if s.via else "")
        row = [outlet, s.headline or "-", s.published.isoformat(), s.figure, s.qualifier]
        if user:
            where = file_label(s.origin) + (" (superseded)" if s.superseded else "")
            row += [where, s.url or "-"]
        table.add_row(*row)
    out.print(table)


# -------------------------------------------------------------- validate/explain
@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files to check.")],
    facts_files: FactsOpt = None,
) -> None:
    """Check scenario files (and the files they read) without running; exit code 2 if any is bad.

    Example: btcsim validate scenarios/*.toml
    """
    from simulator.engine.plan import plan
    from simulator.inputs.errors import InputError
    from simulator.inputs.scenario import load_scenario

    bad = 0
    for path in files:
        try:
            scenario = load_scenario(path, facts=facts_files or [])
            plan(scenario.model, str(path))  # dated inputs, history and path files
        except InputError as exc:  # scenario, history, path-file and facts errors
            err.print(f"error: {exc}", markup=False)
            bad += 1
            continue
        out.print(f"OK {path} ({scenario.name}: {_count_line(scenario)})", markup=False)
        warn_unread([scenario], None)
    if bad:
        raise typer.Exit(code=2)


def _count_line(scenario: ResolvedScenario) -> str:
    from simulator.inputs.provenance import count_text

    line = count_text(scenario.counts())
    if scenario.facts_files:
        line += "; facts files: " + ", ".join(f.path for f in scenario.facts_files)
    return line


@app.command()
def explain(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    overrides: SetOpt = None,
    facts_files: FactsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show every resolved input with its value, unit, provenance and source or note.

    Example: btcsim explain scenarios/baseline.toml --set mining.pakistan.pue=1.2
    """
    from rich.text import Text

    from simulator.inputs.scenario import PROVENANCES, load_scenario

    with user_errors():
        scenario = load_scenario(file, overrides or [], facts=facts_files or [])
    warn_unread([scenario], overrides)
    inputs = list(scenario.inputs.values())
    if as_json:
        emit_json(
            {
                "scenario": scenario.name,
                "file": str(file),
                "facts_files": [f.record() for f in scenario.facts_files],
                "counts": scenario.counts(),
                "inputs": [i.__dict__ for i in inputs],
            }
        )
        return
    out.print(f"[bold]{scenario.name}[/bold] ({file})")
    for f in scenario.facts_files:
        out.print(
            f"facts file {f.path} (sha256 {f.sha256[:12]}): {f.cited} cited, {f.derived} derived"
            + (f"; supersedes {', '.join(f.supersedes)}" if f.supersedes else ""),
            markup=False,
        )
    for prov in PROVENANCES:
        rows = [i for i in inputs if i.provenance == prov]
        if not rows:
            continue
        table = new_table(title=f"{prov} ({len(rows)})", title_justify="left")
        sourced = prov in ("cited", "derived", "data")
        for col in ("key", "value", "unit", "source" if sourced else "note"):
            table.add_column(col, overflow="fold", no_wrap=col == "key")
        for i in rows:
            ends = spread(i.low, i.high, i.unit)
            source = _short_source(i, scenario) + (f" [range {ends}]" if ends else "")
            # Text cells, not markup: "[range ...]" and "[facts file ...]" are no style tags.
            table.add_row(*(Text(c) for c in (i.key, fmt(i.value, i.unit), i.unit, source)))
        out.print(table)
    out.print(_count_line(scenario))


def _short_source(item: Any, scenario: ResolvedScenario) -> str:
    """One-line source for tables: fact id and outlets for cited facts, the file of a user's."""
    from simulator.inputs.fact_types import file_label, value_label
    from simulator.inputs.facts import Fact, load_facts

    registry = scenario.registry if scenario.registry is not None else load_facts()
    origin = scenario.fact_origin(item.key)
    where = f" [{origin}]" if origin else ""
    if item.provenance == "cited" and item.fact_id:
        fact = registry.get(item.fact_id)
        assert isinstance(fact, Fact)  # a cited input names a cited fact
        own = fact.own_sources()
        outlets = [f"{s.outlet} {s.published.isoformat()}" for s in own[:2]]
        more = len(own) - 2
        text = f"{item.fact_id}: " + "; ".join(outlets) + (f" (+{more} more)" if more > 0 else "")
        if fact.supersedes is not None:
            old = fact.supersedes
            where = where[:-1] + "; " if where else " ["
            where += f"supersedes {value_label(old.value)} of the {file_label(old.origin)}]"
        return text + where
    if item.provenance == "derived" and item.fact_id:
        derived = registry.get(item.fact_id)
        return f"{item.fact_id} = {getattr(derived, 'formula', '')}{where}"
    return str(item.source)


@app.command()
def scenarios(as_json: JsonOpt = False) -> None:
    """List the scenarios shipped with btcsim, with the question each asks.

    A shipped scenario runs from any folder by its name, e.g. btcsim run
    scenarios/el_salvador_hold.toml; copy one from the folder shown to edit it.

    Example: btcsim scenarios
    """
    from simulator.inputs.scenario_files import read_merged
    from simulator.inputs.shipped import shipped_dir, shipped_scenarios

    root = shipped_dir()
    rows = []
    with user_errors():
        for path in shipped_scenarios():
            # the merged file, not resolved: from_history.toml needs a history file to resolve
            meta = read_merged(path).get("scenario", {})
            rows.append(
                {
                    "file": f"scenarios/{path.relative_to(root).as_posix()}",
                    "name": meta.get("name", ""),
                    "question": meta.get("question", ""),
                }
            )
    if as_json:
        emit_json({"folder": str(root), "scenarios": rows})
        return
    table = new_table(title="Shipped scenarios", title_justify="left")
    for col in ("file", "question"):
        table.add_column(col, overflow="fold", no_wrap=col == "file")
    for row in rows:
        table.add_row(row["file"], row["question"])
    out.print(table)
    out.print(f"Installed in {root}; run one from any folder: btcsim run FILE", markup=False)
