"""``btcsim facts``, ``validate``, ``explain`` and ``scenarios``: inputs with their provenance."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from simulator.cli.common import (
    JsonOpt,
    SetOpt,
    emit_json,
    err,
    fmt,
    new_table,
    out,
    spread,
    user_errors,
)

if TYPE_CHECKING:
    from simulator.inputs.facts import DerivedFact, Fact
    from simulator.inputs.scenario import ResolvedScenario

app = typer.Typer()


# ----------------------------------------------------------------------- facts
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
    if isinstance(fact, DerivedFact):
        data |= {"formula": fact.formula, "inputs": list(fact.inputs), "bound": fact.bound}
    else:
        data["canonical_rule"] = fact.canonical_rule
        data["sources"] = [
            {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in s.__dict__.items()}
            for s in fact.sources
        ]
    return data


@app.command()
def facts(
    fact_id: Annotated[str | None, typer.Argument(help="A fact id to show in detail.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the cited facts from the source articles, or show one with every source.

    Example: btcsim facts el_salvador.reserve_btc
    """
    from simulator.inputs.facts import Fact, load_facts

    with user_errors():
        registry = load_facts()
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
    table = new_table(title="Facts cited in the July 2025 articles (as of 2025-07-17), and derived")
    table.add_column("id", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("unit", no_wrap=True)
    table.add_column("sources", justify="right")
    table.add_column("spread")
    for i in registry.ids():
        f = registry.get(i)
        n = str(len(f.sources)) if isinstance(f, Fact) else "derived"
        table.add_row(f.id, fmt(f.value, f.unit), f.unit, n, spread(f.low, f.high, f.unit))
    out.print(table)
    out.print("Show one fact with its sources: btcsim facts ID")


def _print_fact(fact: Fact | DerivedFact) -> None:
    from simulator.inputs.facts import DerivedFact

    out.print(
        f"[bold]{fact.id}[/bold] = {fmt(fact.value)} {fact.unit}  "
        f"({fact.provenance}, as of {fact.as_of.isoformat()})"
    )
    out.print(f"claim: {fact.claim}", markup=False)
    if fact.low is not None:
        out.print(f"spread: {spread(fact.low, fact.high)} {fact.unit}")
    if isinstance(fact, DerivedFact):
        out.print(f"formula: {fact.formula}", markup=False)
        if fact.bound:
            out.print(f"bound: {fact.bound}", markup=False)
        return
    out.print(f"canonical value rule: {fact.canonical_rule}", markup=False)
    table = new_table(title="Sources")
    for col in ("outlet", "headline", "published", "figure as stated", "qualifier"):
        table.add_column(col)
    for s in fact.sources:
        outlet = s.outlet + (f" (via {s.via})" if s.via else "")
        table.add_row(outlet, s.headline or "-", s.published.isoformat(), s.figure, s.qualifier)
    out.print(table)


# -------------------------------------------------------------- validate/explain
@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files to check.")],
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
            scenario = load_scenario(path)
            plan(scenario.model, str(path))  # dated inputs, history and path files
        except InputError as exc:  # scenario, history, path-file and facts errors
            err.print(f"error: {exc}", markup=False)
            bad += 1
            continue
        out.print(f"OK {path} ({scenario.name}: {_count_line(scenario)})", markup=False)
    if bad:
        raise typer.Exit(code=2)


def _count_line(scenario: ResolvedScenario) -> str:
    c = scenario.counts()
    return (
        f"{c['cited']} cited, {c['derived']} derived, {c['protocol']} protocol, "
        f"{c['assumption']} assumptions"
    )


@app.command()
def explain(
    file: Annotated[Path, typer.Argument(help="Scenario file.")],
    overrides: SetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show every resolved input with its value, unit, provenance and source or note.

    Example: btcsim explain scenarios/baseline.toml --set mining.pakistan.pue=1.2
    """
    from simulator.inputs.scenario import PROVENANCES, load_scenario

    with user_errors():
        scenario = load_scenario(file, overrides or [])
    inputs = list(scenario.inputs.values())
    if as_json:
        emit_json(
            {
                "scenario": scenario.name,
                "file": str(file),
                "counts": scenario.counts(),
                "inputs": [i.__dict__ for i in inputs],
            }
        )
        return
    out.print(f"[bold]{scenario.name}[/bold] ({file})")
    for prov in PROVENANCES:
        rows = [i for i in inputs if i.provenance == prov]
        if not rows:
            continue
        table = new_table(title=f"{prov} ({len(rows)})", title_justify="left")
        for col in ("key", "value", "unit", "source" if prov in ("cited", "derived") else "note"):
            table.add_column(col, overflow="fold", no_wrap=col == "key")
        for i in rows:
            source = _short_source(i) + (
                f" [range {spread(i.low, i.high, i.unit)}]" if i.low is not None else ""
            )
            table.add_row(i.key, fmt(i.value, i.unit), i.unit, source)
        out.print(table)
    out.print(_count_line(scenario))


def _short_source(item: Any) -> str:
    """One-line source for tables: fact id and outlets for cited facts."""
    from simulator.inputs.facts import Fact, load_facts

    if item.provenance == "cited" and item.fact_id:
        fact = load_facts().get(item.fact_id)
        assert isinstance(fact, Fact)  # a cited input names a cited fact
        outlets = [f"{s.outlet} {s.published.isoformat()}" for s in fact.sources[:2]]
        more = len(fact.sources) - 2
        return f"{item.fact_id}: " + "; ".join(outlets) + (f" (+{more} more)" if more > 0 else "")
    if item.provenance == "derived" and item.fact_id:
        derived = load_facts().get(item.fact_id)
        return f"{item.fact_id} = {getattr(derived, 'formula', '')}"
    return str(item.source)


@app.command()
def scenarios(as_json: JsonOpt = False) -> None:
    """List the scenarios shipped with btcsim, with the question each asks.

    A shipped scenario runs from any folder by its name, e.g. btcsim run
    scenarios/el_salvador_hold.toml; copy one from the folder shown to edit it.

    Example: btcsim scenarios
    """
    from simulator.inputs.scenario import load_scenario
    from simulator.inputs.shipped import shipped_dir, shipped_scenarios

    root = shipped_dir()
    rows = []
    with user_errors():
        for path in shipped_scenarios():
            meta = load_scenario(path).model.scenario
            rows.append({"file": f"scenarios/{path.relative_to(root).as_posix()}",
                         "name": meta.name, "question": meta.question})  # fmt: skip
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
