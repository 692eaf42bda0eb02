"""The scenario file reference as Markdown: ``docs/scenario-reference.md``, from the schema.

``python -m simulator.inputs.reference_doc > docs/scenario-reference.md`` (or
``btcsim schema --markdown``) regenerates the file; a test fails when the
committed one differs from :func:`markdown`.
"""

from __future__ import annotations

import sys

from simulator.inputs.market_schema import MARKET_SECTIONS
from simulator.inputs.reference import KeyDoc, Reference, TableDoc, scenario_reference
from simulator.inputs.reference_examples import EXAMPLES, FORMS_EXAMPLE

__all__ = ["limits_text", "markdown", "plausible_text", "type_text"]

#: Where the reference comes from, written at the top of the file.
REGENERATE = "python -m simulator.inputs.reference_doc > docs/scenario-reference.md"

_INTRO = f"""\
# Scenario file reference

<!-- Generated from the schema (simulator/inputs/schema.py, market_schema.py) by
`{REGENERATE}`
or `btcsim schema --markdown`. Do not edit by hand: tests/inputs/test_reference.py
fails when this file is stale. -->

A scenario is a TOML file: the tables below, each key with its type and unit,
default, limits and meaning. `btcsim init NAME` writes a starter that runs as
written, `btcsim validate FILE` checks a file, `btcsim schema [KEY]` prints this
reference in the terminal and `btcsim schema --json` prints it as a JSON Schema
(for editors that check TOML against one).

How to read the tables:

- **key** is written as `--set` addresses it: `NAME` is an entity's name
  (`--set mining.pakistan.power_mw=1500`), and `[]` marks the items of a list
  of tables (`ramp = [{{ date = ..., fraction = ... }}]`), which `--set`
  cannot address.
- **type** is the TOML type, with the unit in brackets. Dates are TOML dates
  (`2025-07-17`) or `"YYYY-MM-DD"` strings.
- **default** is used when the key is left out; *required* keys must be set
  by the file or by a file it extends; *none* means not set (TOML has no null:
  leave the key out).
- **limits** are hard limits (a value that means nothing), then the plausible
  range: a value outside it is refused too, with the reason given under
  *meaning*. A rate per year above 5 (500 %) is refused as a percentage typed
  as a whole number.
- Numbers in brackets, [1], are the [references](#references) for a default.
"""

_FORM_ROWS = (
    ("key = 17.5", 'assumption, "no note given"', "the plain value"),
    (
        'key = { value = 0.95, note = "why", low = 0.85, high = 0.98 }',
        "assumption with a note",
        "`value` is required; `low` and `high` are numbers with `low <= high`, the range "
        "`btcsim sensitivity` moves it over",
    ),
    (
        'key = { cite = "el_salvador.reserve_btc" }',
        "cited",
        "the id of a cited fact (`btcsim facts`); its range is the spread of its sources",
    ),
    (
        'key = { derive = "btc_price.implied_usd" }',
        "derived",
        "the id of a derived fact, computed from cited ones",
    ),
)
_FORMS = "\n".join(
    [
        "## Value forms",
        "",
        "Any plain value (a number, date, string or boolean; not an entity's `name`)",
        "may be written in one of four forms. Tables, `btcsim explain` and every",
        "result keep them apart:",
        "",
        "| form | provenance | rules |",
        "| --- | --- | --- |",
        *(f"| `{form}` | {prov} | {rule} |" for form, prov, rule in _FORM_ROWS),
        "",
        "Exactly one of `value`, `cite` and `derive`; no other keys. `--set KEY=VALUE`",
        'writes `{ value = VALUE, note = "set on the command line" }`.',
        "",
    ]
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def type_text(key: KeyDoc) -> str:
    """The type of a key with its unit: ``number [MW]``, ``one of "hold", "sell_all"``.

    Parameters
    ----------
    key : KeyDoc
        A key of the reference.

    Returns
    -------
    str
        Plain text.
    """
    if key.choices:
        return "one of " + ", ".join(f'"{c}"' for c in key.choices)
    return f"{key.kind} [{key.unit}]" if key.unit else key.kind


def plausible_text(key: KeyDoc) -> str:
    """The plausible range of a key, ``1 to 500`` or ``up to 100,000`` (``""`` if none).

    Parameters
    ----------
    key : KeyDoc
        A key of the reference.

    Returns
    -------
    str
        Plain text, without the unit.
    """
    if not key.plausible:
        return ""
    low, high = key.plausible
    if low is None:
        return f"up to {high:,.15g}"
    if high is None:
        return f"from {low:,.15g}"
    return f"{low:,.15g} to {high:,.15g}"


def limits_text(key: KeyDoc) -> str:
    """Hard limits and the plausible range of a key, as one line.

    Parameters
    ----------
    key : KeyDoc
        A key of the reference.

    Returns
    -------
    str
        ``> 0; plausible up to 100,000``.
    """
    plausible = plausible_text(key)
    parts = [key.limits] if key.limits else []
    return "; ".join([*parts, f"plausible {plausible}"] if plausible else parts)


def _meaning(key: KeyDoc, table: TableDoc) -> str:
    text = key.meaning
    if key.why:
        text += f". Plausible range: {key.why}"
    section = MARKET_SECTIONS.get(table.key)
    if key.read_by and section is not None and len(key.read_by) < len(section.models):
        text += ". Read by: " + ", ".join(key.read_by)
    return text


def _key_row(key: KeyDoc, table: TableDoc) -> str:
    default = "*required*" if key.required else ("*none*" if key.default == "none" else "")
    if not default:
        default = f"`{key.default}`"
    cells = [f"`{key.key}`", type_text(key), default, limits_text(key), _meaning(key, table)]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _linked(title: str) -> str:
    return title if title == "Top level" else f"`{title}`"


def _anchor(title: str) -> str:
    """The anchor GitHub gives a heading."""
    return "".join(c for c in title.lower().replace(" ", "-") if c.isalnum() or c in "-_")


def _models(table: TableDoc) -> list[str]:
    """A table of the market models of a section: the keys each reads and needs."""
    section = MARKET_SECTIONS.get(table.key)
    if section is None:
        return []
    common = ", ".join(f"`{k}`" for k in sorted(section.common))
    lines = [
        f"Every model reads {common}; each also reads:",
        "",
        "| model | reads | needs set |",
        "| --- | --- | --- |",
    ]
    for name, entry in section.models.items():
        order = [k for k in section.spec.model_fields if k in entry.reads]
        reads = ", ".join(f"`{k}`" for k in order) or "nothing else"
        needs = ", ".join(f"`{k}`" for k in entry.needs)
        lines.append(f"| `{name}` | {reads} | {needs} |")
    return [*lines, ""]


def _table(table: TableDoc, reference: Reference) -> list[str]:
    lines = [f"## `{table.title}`" if table.key else "## Top level", "", table.summary, ""]
    example = EXAMPLES.get(table.key)
    if example:
        lines += ["```toml", example.rstrip("\n"), "```", ""]
    lines += _models(table)
    lines += ["| key | type | default | limits | meaning |", "| --- | --- | --- | --- | --- |"]
    lines += [_key_row(k, table) for k in table.keys]
    reasons = [k for k in table.keys if k.default_reason]
    if reasons:
        lines += ["", "Why these defaults:", ""]
        lines += [f"- `{k.name} = {k.default}`: {k.default_reason}" for k in reasons]
    if table.refs:
        cited = ", ".join(f"[{n}]" for n in table.refs)
        lines += ["", f"References behind these defaults: {cited}."]
    return [*lines, ""]


def markdown(reference: Reference | None = None) -> str:
    """The whole reference as Markdown.

    Parameters
    ----------
    reference : Reference, optional
        Default: :func:`simulator.inputs.reference.scenario_reference`.

    Returns
    -------
    str
        The text of ``docs/scenario-reference.md``.
    """
    ref = reference or scenario_reference()
    contents = ["- [Value forms](#value-forms)"]
    contents += [f"- [{_linked(t.title)}](#{_anchor(t.title)})" for t in ref.tables]
    contents.append("- [References](#references)")
    lines = [_INTRO, "## Contents", "", *contents, "", _FORMS, "```toml", FORMS_EXAMPLE.rstrip()]
    lines += ["```", ""]
    for table in ref.tables:
        lines += _table(table, ref)
    lines += ["## References", ""]
    lines += [f"{n}. {text}" for n, text in enumerate(ref.references, 1)]
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    """Write the Markdown reference to standard output."""
    sys.stdout.write(markdown())


if __name__ == "__main__":
    main()
