"""The ``report`` command: one self-contained HTML page of runs and their comparison."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simulator.cli.batch import batch_errors, path_progress
from simulator.cli.common import (
    AddressOpt,
    BackendOpt,
    FactsOpt,
    OverwriteOpt,
    PathsOpt,
    QuietOpt,
    SeedOpt,
    SetOpt,
    WorkersOpt,
    YearsOpt,
    check_backend,
    command_line,
    err,
    fail,
    out,
    run_sets,
    user_errors,
    warn_unread,
)


def _report_file(explicit: Path | None, overwrite: bool) -> Path:
    """The report file, checked before the run: an earlier report is kept unless --overwrite."""
    from simulator.results.outputs import check_output_file
    from simulator.viz.report import REPORT_MARKER

    if explicit is None and not overwrite:
        path = Path("report.html")
        n = 2
        while path.exists():  # the default never refuses: the next free name
            path = Path(f"report-{n}.html")
            n += 1
        if n > 2:
            err.print(f"note: report.html exists; writing {path}", markup=False)
    else:
        path = explicit if explicit is not None else Path("report.html")
    label = f"--out {path}" if explicit is not None else str(path)
    with user_errors():
        check_output_file(path, "replace" if overwrite else "error", REPORT_MARKER, label)
    return path


def report_cmd(
    files: Annotated[
        list[Path],
        typer.Argument(help="Scenario files; with two or more the first is the reference."),
    ],
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="HTML file to write (default: report.html, or report-2.html, ... if taken).",
        ),
    ] = None,
    overwrite: OverwriteOpt = False,
    paths: PathsOpt = None,
    seed: SeedOpt = None,
    years: YearsOpt = None,
    overrides: SetOpt = None,
    facts_files: FactsOpt = None,
    backend: BackendOpt = None,
    address: AddressOpt = None,
    workers: WorkersOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Run scenarios and write one self-contained HTML report (figures embedded, no network).

    Per scenario: the question it asks, the run settings, key results (p5,
    median, p95), the figures with sample paths, and every input, cited
    figures with their sources apart from assumptions with their notes and
    ranges. With two or more files also the comparison with the first.

    Example: btcsim report scenarios/el_salvador_{hold,accumulate}.toml --out report.html
    """
    from simulator.inputs.scenario import load_scenario
    from simulator.viz.report import build_report, run_for_report, write_report

    out_file = _report_file(out_file, overwrite)
    backend = check_backend(backend, address)
    sets = run_sets(overrides, paths, seed, years)
    with batch_errors():
        scenarios = [load_scenario(f, sets, facts=facts_files or []) for f in files]
    warn_unread(scenarios, overrides)
    total = sum(s.model.scenario.paths for s in scenarios)
    with path_progress(total, "report", quiet) as advance, batch_errors():
        results, comparison = run_for_report(
            scenarios, backend=backend, workers=workers, address=address, progress=advance
        )
    page = build_report(results, scenarios, comparison, command=command_line())
    try:
        write_report(out_file, page)
    except OSError as exc:
        fail(f"--out: cannot write {out_file}: {exc.strerror or exc}")
    if not quiet:
        figures = page.count("<img ")
        what = "scenario" if len(results) == 1 else f"{len(results)} scenarios and a comparison"
        out.print(
            f"Wrote {out_file} ({len(page.encode()) / 1e6:.1f} MB, {figures} figures, {what}).",
            markup=False,
        )
