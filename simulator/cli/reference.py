"""``btcsim schema`` and ``btcsim init``: the scenario file reference, and a starter scenario."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from simulator.cli.common import emit_json, fail, new_table, out, user_errors

if TYPE_CHECKING:
    from simulator.inputs.reference import TableDoc

app = typer.Typer()


class Template(StrEnum):
    """The starters of ``btcsim init`` (:data:`simulator.inputs.starter.TEMPLATES`)."""

    reserve = "reserve"
    mining = "mining"
    both = "both"


# ---------------------------------------------------------------------- schema
@app.command()
def schema(
    key: Annotated[
        str | None,
        typer.Argument(
            help="A table or key to show: mining, chain.start_height, mining.NAME.ramp."
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the JSON Schema of a scenario file.")
    ] = False,
    as_markdown: Annotated[
        bool, typer.Option("--markdown", help="Print docs/scenario-reference.md.")
    ] = False,
) -> None:
    """Every key of a scenario file: type, unit, default, limits, plausible range and meaning.

    Example: btcsim schema mining   (or: btcsim schema --json > scenario.schema.json)
    """
    if as_json and as_markdown:
        fail("btcsim schema: give --json or --markdown, not both")
    if key is not None and (as_json or as_markdown):
        fail("btcsim schema: --json and --markdown print the whole reference; drop KEY")
    if as_json:
        from simulator.inputs.reference_schema import file_schema

        emit_json(file_schema())
        return
    if as_markdown:
        from simulator.inputs.reference_doc import markdown

        typer.echo(markdown(), nl=False)
        return
    from simulator.inputs.reference import scenario_reference

    with user_errors():
        tables = scenario_reference().select(key or "")
    for table in tables:
        _print_table(table)
    out.print(
        "Any value may also be { value = ..., note = ..., low = ..., high = ... }, "
        '{ cite = "fact.id" } or { derive = "fact.id" } (btcsim facts). '
        "All of it: docs/scenario-reference.md; JSON Schema: btcsim schema --json",
        markup=False,
    )


def _print_table(table: TableDoc) -> None:
    from rich.markup import escape

    from simulator.inputs.reference_doc import limits_text, type_text

    title = f"{table.title}  ({table.key or 'a whole file'}): {table.summary}"
    grid = new_table(title=escape(title), title_justify="left")
    for col in ("key", "type", "default", "limits", "meaning"):
        grid.add_column(col, overflow="fold", no_wrap=col == "key")
    for k in table.keys:
        default = "required" if k.required else k.default
        meaning = k.meaning + (f". Plausible range: {k.why}" if k.why else "")
        if k.read_by:
            meaning += ". Read by: " + ", ".join(k.read_by)
        cells = (k.name, type_text(k), default, limits_text(k), meaning)
        grid.add_row(*(escape(c) for c in cells))
    out.print(grid)


# ------------------------------------------------------------------------ init
@app.command()
def init(
    name: Annotated[
        str, typer.Argument(help="Scenario name: writes NAME.toml (or NAME if it ends in .toml).")
    ],
    template: Annotated[
        Template,
        typer.Option(
            "--template",
            "-t",
            help="reserve (a reserve that buys and sells), mining (a mining operation and its "
            "reserve) or both.",
        ),
    ] = Template.both,
    start_from: Annotated[
        Path | None,
        typer.Option(
            "--start-from",
            help="A history file: the starter reads its start (date, price, chain, hashrate, "
            "fees) from the file's last full day instead of 2025-07-17.",
        ),
    ] = None,
) -> None:
    """Write a starter scenario that runs as written, with a note on every assumption.

    It never replaces a file. Example: btcsim init my_case --template mining
    --start-from ../shared/data/btc_daily.csv
    """
    from simulator.inputs.start_state import start_state
    from simulator.inputs.starter import TEMPLATES, starter_target, starter_text

    with user_errors():
        path, scenario = starter_target(name)
        shown = None
        if start_from is not None:
            start_state(start_from)  # the file must give a start: checked before writing
            shown = os.path.relpath(os.path.abspath(start_from), os.path.abspath(path.parent))
        text = starter_text(template.value, scenario, shown)
        _write_new(path, text)
    out.print(f"wrote {path} ({TEMPLATES[template.value]})", markup=False)
    out.print(f"next: btcsim validate {path}; btcsim run {path}", markup=False)


def _write_new(path: Path, text: str) -> None:
    """Write ``text`` to a new file ``path``; never replace anything.

    Raises
    ------
    OutputError
        If the file exists (or appears meanwhile), its folder does not exist, is
        a system folder or cannot be written, or the name is too long.
    """
    from simulator.results.outputs import SYSTEM_ROOTS, OutputError

    label = str(path)
    folder = path.parent
    if os.path.lexists(path):
        raise OutputError(label, "exists already; btcsim init never replaces a file")
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist"
        raise OutputError(label, f"the folder {folder} {what}")
    resolved = folder.resolve()
    if any(resolved == root or root in resolved.parents for root in SYSTEM_ROOTS):
        raise OutputError(label, f"is under the system folder /{resolved.parts[1]}")
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    if len(os.fsencode(path.name)) > limit:
        raise OutputError(label, "the name is too long for the file system")
    data = text.encode("utf-8")
    try:  # O_EXCL: fails if anything (a file, a link) appeared meanwhile
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        raise OutputError(label, "exists already; btcsim init never replaces a file") from None
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise OutputError(label, f"cannot write in the folder {folder} ({why})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        path.unlink(missing_ok=True)
        why = exc.strerror or type(exc).__name__
        raise OutputError(label, f"cannot write ({why}); nothing written") from None
