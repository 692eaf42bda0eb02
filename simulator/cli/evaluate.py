"""``btcsim evaluate``: rolling-origin out-of-sample scores of the price and network models."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from simulator.cli.common import (
    BackendOpt,
    OverwriteOpt,
    QuietOpt,
    WorkersOpt,
    check_backend,
    command_line,
    err,
    fail,
    new_table,
    out,
    plan_output,
    publish_with,
    user_errors,
)
from simulator.inputs.errors import did_you_mean

if TYPE_CHECKING:
    from rich.table import Table

__all__ = ["evaluate_cmd"]

PRICE_MODELS = ("gbm", "t", "jump", "bootstrap", "powerlaw")
NETWORK_MODELS = ("growth", "gbm", "economic")
_MISSING = 'btcsim evaluate needs scoringrules: pip install -e ".[evaluate]"'
_BARS = " ▁▂▃▄▅▆▇█"
_FILES = ["scores.csv", "forecasts.csv", "failures.csv", "manifest.json"]


def _names(text: str, allowed: tuple[str, ...], option: str) -> tuple[str, ...]:
    """A comma list of model names (``none``: no models), checked against ``allowed``."""
    if text.strip().lower() in ("", "none"):
        return ()
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    for name in names:
        if name not in allowed:
            hint = did_you_mean(name, allowed)
            fail(
                f"{option}: unknown model {name!r}{hint}; choose from {', '.join(allowed)} or none"
            )
    return names


def _horizons(text: str) -> tuple[int, ...]:
    values = []
    for part in text.split(","):
        part = part.strip()
        if not re.fullmatch(r"\d+", part) or not 7 <= int(part) <= 3660:
            fail(
                "--horizons: expected whole days from 7 to 3660, comma-separated, e.g. 30,90,365 "
                f"(got {part!r}; the hashrate is scored as a 7-day mean)"
            )
        values.append(int(part))
    return tuple(sorted(set(values)))


def _window(text: str) -> float | None:
    if text.strip().lower() == "expanding":
        return None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*y\s*", text.lower())
    if match is None:
        fail(f"--window: expected years such as 4y, or expanding (got {text!r})")
        raise AssertionError from None  # unreachable: fail exits
    years = float(match.group(1))
    if years < 1:
        fail(f"--window: at least 1y of history is needed to calibrate (got {text})")
    return years


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"{option}: expected YYYY-MM-DD (got {text!r})")
        raise AssertionError from None  # unreachable: fail exits


def _scenario(text: str | None, models: tuple[str, ...]) -> tuple[Any, list[str]]:
    """The scenario's market as a ScenarioMarket (or None) and notes on it."""
    from simulator.analysis.evaluate import ScenarioMarket
    from simulator.inputs.scenario import load_scenario
    from simulator.inputs.shipped import BASELINE, find_scenario

    if text is not None and text.strip().lower() == "none":
        return None, []
    path = find_scenario(Path(text) if text is not None else BASELINE)
    with user_errors():
        model = load_scenario(path).model
    ps, ns = model.market.price, model.market.network
    for key, spec in (("market.price", ps), ("market.network", ns)):
        if spec.model == "csv":
            fail(f"--scenario: {path}: {key}.model 'csv' follows dated paths from its own start; "
                 "it cannot restart at each origin")  # fmt: skip
    name = model.scenario.name
    name = f"scenario:{name}" if name in (*models, "naive") else name
    notes = []
    if ps.shocks:
        notes.append(f"{name}: its {len(ps.shocks)} dated price shock(s) are not applied")
    if ps.model == "bootstrap":
        notes.append(
            f"{name}: its bootstrap resamples {Path(ps.history_file or '').name} "
            f"{ps.window_start or 'start'}..{ps.window_end or 'end'}, a fixed window that may "
            "reach past the origins"
        )
    return ScenarioMarket(name, ps, ns), notes


@contextmanager
def _progress(hide: bool) -> Iterator[tuple[Callable[[int], None], Callable[[int], None]]]:
    """A progress bar over origins on stderr (shown on a terminal only)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("evaluate"), BarColumn(), MofNCompleteColumn(), TextColumn("origins"),
        TimeElapsedColumn(), console=err.console, transient=True,
        disable=hide or not err.console.is_terminal,
    ) as bar:  # fmt: skip
        task = bar.add_task("origins", total=None)
        yield (lambda n: bar.update(task, total=n)), (lambda n: bar.advance(task, n))


def _pit_bars(row: Any) -> str:
    counts = [int(row[f"pit_{k}"]) for k in range(1, 11)]
    level = sum(counts) / 10 or 1.0
    return "".join(_BARS[min(8, round(c / level * 4))] for c in counts)


def _table(ev: Any, kind: str) -> Table:
    what = "close" if kind == "price" else "7-day mean hashrate"
    table = new_table(
        title=f"{kind}: out-of-sample forecasts of the {what}, {ev.config.window_label} window",
        title_justify="left",
    )
    for col in ("model", "horizon", "origins", "50 % cover", "90 % cover", "CRPS (log)", "skill",
                "PIT (10 bins)"):  # fmt: skip
        table.add_column(col, justify="left" if col in ("model", "PIT (10 bins)") else "right",
                         no_wrap=True)  # fmt: skip
    for _, r in ev.scores[ev.scores["kind"] == kind].iterrows():
        table.add_row(
            str(r["model"]),
            f"{int(r['horizon_days'])} d",
            str(int(r["origins"])),
            f"{r['cov50']:.1%} ± {100 * r['cov50_se']:.1f} pp",
            f"{r['cov90']:.1%} ± {100 * r['cov90_se']:.1f} pp",
            f"{r['crps_log']:.4f}",
            f"{r['skill']:+.3f}" if r["skill"] == r["skill"] else "",
            _pit_bars(r),
        )
    return table


def _failure_notes(ev: Any) -> list[str]:
    notes = []
    total = len(ev.origins)
    for (kind, model), part in ev.failures.groupby(["kind", "model"], sort=False):
        reason = str(part["reason"].iloc[0])
        reason = reason if len(reason) <= 160 else reason[:157] + "..."
        days = f"{part['origin'].iloc[0]}..{part['origin'].iloc[-1]}"
        notes.append(f"{kind} {model} not run at {len(part)} of {total} origins ({days}): {reason}")
    return notes


def _save(ev: Any, folder: Any, plot: bool, history: Path) -> Path:
    from simulator.results.outputs import publish_folder
    from simulator.results.result import versions

    def write(tmp: Path) -> None:
        ev.scores.to_csv(tmp / "scores.csv", index=False)
        ev.forecasts.to_csv(tmp / "forecasts.csv", index=False)
        ev.failures.to_csv(tmp / "failures.csv", index=False)
        files = list(_FILES)
        if plot:
            from simulator.viz.evaluate import figures_for_evaluation
            from simulator.viz.figures import save_figures

            files += [p.name for p in save_figures(figures_for_evaluation(ev), tmp)]
        cfg = ev.config
        manifest = {
            "command": command_line(),
            "versions": versions(),
            "files": files,
            "history": str(history),
            "settings": {
                "price": list(cfg.price_models),
                "network": list(cfg.network_models),
                "scenario": ev.scenario,
                "horizons_days": list(cfg.horizons),
                "from": str(cfg.first),
                "to": str(cfg.last),
                "step_days": cfg.step_days,
                "window": cfg.window_label,
                "paths": cfg.paths,
                "seed": cfg.seed,
            },
            "origins": len(ev.origins),
            "failures": len(ev.failures),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")

    return publish_with(
        folder, lambda: publish_folder(folder.folder, write, folder.if_exists, folder.label)
    )


def evaluate_cmd(
    history: Annotated[Path, typer.Argument(help="Daily history CSV (Coin Metrics or btcsim).")],
    price: Annotated[str, typer.Option(help="Price models, comma-separated, or none.")] = ",".join(
        PRICE_MODELS
    ),
    network: Annotated[
        str | None,
        typer.Option(
            help="Network models, comma-separated, or none [default: growth,gbm,economic]."
        ),
    ] = None,
    horizons: Annotated[str, typer.Option(help="Horizons in days, comma-separated.")] = "30,90,365",
    start: Annotated[str, typer.Option("--from", help="First origin, YYYY-MM-DD.")] = "2016-01-01",
    end: Annotated[
        str, typer.Option("--to", help="Last day a forecast may target, YYYY-MM-DD.")
    ] = "2025-12-31",
    step: Annotated[int, typer.Option(help="Days between origins.", min=1)] = 30,
    window: Annotated[
        str, typer.Option(help="Calibration window: trailing years (4y) or expanding.")
    ] = "4y",
    paths: Annotated[int, typer.Option(help="Paths per forecast.", min=2, max=100_000)] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed.", min=0)] = 20250717,
    scenario: Annotated[
        str | None,
        typer.Option(
            help="Scenario whose fixed market to evaluate too, or none "
            "[default: scenarios/baseline.toml]."
        ),  # fmt: skip
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for the results (default: results/evaluate, -2, ...)."),
    ] = None,
    overwrite: OverwriteOpt = False,
    plot: Annotated[bool, typer.Option("--plot/--no-plot", help="Write the PNG figures.")] = True,
    backend: BackendOpt = None,
    workers: WorkersOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Score the models out of sample: calibrate up to each origin, forecast, compare.

    Origins every --step days from --from; at each, every model is calibrated on
    the --window before it only (default 4y: the trailing 4 years; expanding: all
    data to the origin), simulated from the real close and 7-day mean hashrate,
    and scored on the close and the 7-day mean hashrate --horizons days later
    (pairs ending after --to are left out). Scores per model and horizon: coverage
    of the central 50 % and 90 % intervals, the PIT histogram, the mean CRPS of
    log values and its skill against a driftless random walk (naive). The
    scenario's own market (the baseline unless --scenario) is scored with its
    fixed values. Network models are driven by the gbm price model calibrated at
    the same origin. Writes scores.csv, forecasts.csv, failures.csv, manifest.json
    and figures.

    Example: btcsim evaluate ../shared/data/btc_daily.csv --horizons 30,90,365 --step 30
    """
    try:
        import scoringrules  # noqa: F401
    except ImportError:
        fail(_MISSING)
    from simulator.analysis.evaluate import EvaluateConfig, EvaluateError, evaluate
    from simulator.inputs.history import load_history

    prices = _names(price, PRICE_MODELS, "--price")
    networks = _names(network if network is not None else ",".join(NETWORK_MODELS),
                      NETWORK_MODELS, "--network")  # fmt: skip
    if not prices and not networks:
        fail("--price/--network: nothing to evaluate (both are none)")
    config = EvaluateConfig(
        price_models=prices, network_models=networks, horizons=_horizons(horizons),
        first=_date(start, "--from"), last=_date(end, "--to"), step_days=step,
        window_years=_window(window), paths=paths, seed=seed,
    )  # fmt: skip
    if config.first > config.last:
        fail(f"--from: {config.first} is after --to {config.last}")
    backend = check_backend(backend, None)
    market, notes = _scenario(scenario, (*PRICE_MODELS, *NETWORK_MODELS))
    output = plan_output(out_dir, Path("results") / "evaluate", overwrite)
    with user_errors():
        frame = load_history(history)
    kept = _available(frame, config.network_models, network is not None, notes)
    config = EvaluateConfig(**{**config.__dict__, "network_models": kept})
    began = time.perf_counter()
    try:
        with _progress(quiet) as (total, advance):
            ev = evaluate(history, config, market, frame=frame, backend=backend, workers=workers,
                          progress=advance, total=total)  # fmt: skip
    except EvaluateError as exc:
        fail(str(exc))
        return
    seconds = time.perf_counter() - began
    target = _save(ev, output, plot, history)
    if quiet:
        return
    for kind in ("price", "network"):
        if (ev.scores["kind"] == kind).any():
            out.print(_table(ev, kind))
    _footer(ev, seconds, backend, target, plot)
    for note in notes + _failure_notes(ev):
        err.print(f"note: {note}", markup=False)


def _available(
    frame: Any, models: tuple[str, ...], explicit: bool, notes: list[str]
) -> tuple[str, ...]:
    """Network models the file can feed; a missing column is an error only if asked for."""
    from simulator.analysis.evaluate_models import ECONOMIC_COLUMNS

    source = frame.attrs.get("source", "the file")
    if models and "hashrate_ehs" not in frame.columns:
        if explicit:
            fail(f"--network: {source} has no hashrate column")
        notes.append(f"{source} has no hashrate column: no network models")
        return ()
    missing = [c for c in ECONOMIC_COLUMNS if c not in frame.columns]
    if "economic" in models and missing:
        if explicit:
            fail(f"--network: economic needs the column(s) {', '.join(missing)} ({source})")
        notes.append(f"{source} lacks {', '.join(missing)}: no economic network model")
        return tuple(m for m in models if m != "economic")
    return models


#: Fewer origins than this get a warning: with 30, a 90 % coverage has a binomial
#: standard error of 5.5 pp, already wide for telling 80 % from 90 %.
FEW_ORIGINS = 30


def _footer(ev: Any, seconds: float, backend: str, target: Path, plot: bool) -> None:
    cfg = ev.config
    first, last = ev.origins[0].day, ev.origins[-1].day
    long = [h for h in cfg.horizons if h > cfg.step_days]
    factors = ", ".join(f"{(h / cfg.step_days) ** 0.5:.1f}x at {h} d" for h in long)
    out.print(
        f"{len(ev.origins)} origins {first}..{last} every {cfg.step_days} days, scored to "
        f"{cfg.last}; {cfg.window_label} window; {cfg.paths:,} paths, seed {cfg.seed}; "
        f"{seconds:.1f} s ({backend}).",
        markup=False,
    )
    out.print(
        "cover: share of realised values inside the central 50 % / 90 % interval, +/- iid "
        "binomial se"
        + (
            f"; origins {cfg.step_days} days apart overlap at longer horizons, so that se is "
            f"too small (by about {factors})."
            if long
            else "."
        ),
        markup=False,
    )
    out.print(
        "CRPS: mean fair ensemble CRPS (scoringrules) of log price / log hashrate, so 0.10 is "
        "about a 10 % error; skill = 1 - CRPS / CRPS(naive) on the same origins; naive = "
        "driftless random walk in log with the window's volatility. PIT: flat when calibrated. "
        "Network models are driven by the gbm price model calibrated at each origin; the "
        "scenario's network by its own price model.",
        markup=False,
    )
    figures = ", coverage.png, pit_*.png" if plot else ""
    out.print(f"Files: {target}/ ({', '.join(_FILES[:3])}, manifest.json{figures})", markup=False)
    if len(ev.origins) < FEW_ORIGINS:
        err.print(
            f"warning: only {len(ev.origins)} origin(s): coverage and CRPS from so few "
            "forecasts say little (use an earlier --from or a smaller --step)",
            markup=False,
        )
