"""Commands that work on real history: ``history summary``, ``calibrate``, ``backtest``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from simulator.cli.common import (
    JsonOpt,
    OverwriteOpt,
    command_line,
    emit_json,
    fail,
    fmt,
    new_table,
    out,
    plan_output,
    user_errors,
)

history_app = typer.Typer(
    help="Look at a daily history file (Coin Metrics, btcsim or plain date,price_usd CSV).",
    no_args_is_help=True,
    rich_markup_mode=None,
)

FileArg = Annotated[
    Path, typer.Argument(help="Daily history CSV (Coin Metrics or date,price_usd).")
]
CALIBRATE_MODELS = ("gbm", "t", "jump", "powerlaw", "network-economic")


def _load(file: Path) -> Any:
    from simulator.inputs.history import load_history

    with user_errors():
        return load_history(file)


def _pct(x: float) -> str:
    return "" if x != x else f"{x:+.1%}"


@history_app.command("summary")
def history_summary(file: FileArg, as_json: JsonOpt = False) -> None:
    """Date range, gaps, yearly drift and volatility of log returns, hashrate growth.

    Example: btcsim history summary ../shared/data/btc_daily.csv
    """
    frame = _load(file)
    from simulator.inputs.history import summarize

    years = summarize(frame)
    gaps = frame.attrs["gaps"]
    if as_json:
        emit_json(
            {
                "file": str(file),
                "format": frame.attrs["format"],
                "first": frame.index[0].date(),
                "last": frame.index[-1].date(),
                "days": len(frame),
                "columns": list(frame.columns),
                "gaps": [{"first": a, "last": b, "days": n} for a, b, n in gaps],
                "years": json.loads(years.to_json(orient="records")),
            }
        )
        return
    out.print(
        f"{file} ({frame.attrs['format']} format): {frame.index[0].date()} to "
        f"{frame.index[-1].date()}, {len(frame):,} days; columns: {', '.join(frame.columns)}",
        markup=False,
    )
    if gaps:
        shown = "; ".join(f"{a}..{b} ({n} d)" for a, b, n in gaps[:5])
        more = f" and {len(gaps) - 5} more" if len(gaps) > 5 else ""
        runs = "1 missing run" if len(gaps) == 1 else f"{len(gaps)} missing runs"
        out.print(f"gaps: {runs}, {sum(g[2] for g in gaps)} days: {shown}{more}")
    else:
        out.print("gaps: none (every day present)")
    table = new_table(
        title="By calendar year (daily log returns, annualised)", title_justify="left"
    )
    cols = ["year", "days", "first close", "last close", "log drift/yr", "volatility/yr"]
    has_hash = "hashrate_growth" in years
    cols += ["hashrate EH/s (last 30 d)", "hashrate growth"] if has_hash else []
    for c in cols:
        table.add_column(c, justify="left" if c == "year" else "right", no_wrap=True)
    for r in years.itertuples():
        row = [
            str(r.year),
            str(r.days),
            fmt(r.first_usd, "USD"),
            fmt(r.last_usd, "USD"),
            "" if r.drift_per_year != r.drift_per_year else f"{r.drift_per_year:+.2f}",
            f"{r.volatility_per_year:.1%}"
            if r.volatility_per_year == r.volatility_per_year
            else "",
        ]
        if has_hash:
            row += [fmt(float(r.hashrate_last_ehs)), _pct(float(r.hashrate_growth))]
        table.add_row(*row)
    out.print(table)
    out.print(
        "drift = mean daily log return x 365.25; volatility = sd x sqrt(365.25); "
        "hashrate growth = mean of the year's last 30 days / first 30 days - 1."
    )


def _window(text: str | None) -> tuple[dt.date | None, dt.date | None]:
    if text is None:
        return None, None
    try:
        from simulator.inputs.history import parse_window

        return parse_window(text)
    except ValueError as exc:
        fail(f"--window: {exc}")
        raise AssertionError from None  # unreachable: fail exits


def calibrate(
    file: FileArg,
    model: Annotated[str, typer.Option(help="gbm, t, jump, powerlaw or network-economic.")] = "gbm",
    window: Annotated[
        str | None, typer.Option(help="FROM:TO dates, e.g. 2018-01-01:2025-06-30 (default: all).")
    ] = None,
    max_jumps: Annotated[
        float | None,
        typer.Option(
            "--max-jumps-per-year",
            help="jump only: upper bound of the jump intensity (e.g. 12 for rare large jumps).",
        ),
    ] = None,
    toml_out: Annotated[
        Path | None, typer.Option("--out", help="Also write the TOML snippet to this file.")
    ] = None,
    overwrite: OverwriteOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Fit a price or network model to history and print a TOML snippet to paste.

    Every value in the snippet is an assumption whose note says which file and
    window it was calibrated on; low/high are the estimate's 95 % interval.

    Example: btcsim calibrate ../shared/data/btc_daily.csv --model t --window 2018-01-01:2025-06-30
    """
    from simulator.analysis.calibrate.network import fit_network_economic
    from simulator.analysis.calibrate.run import calibrate_price

    if model not in CALIBRATE_MODELS:
        fail(f"--model: expected one of {', '.join(CALIBRATE_MODELS)} (got {model!r})")
    if max_jumps is not None and model != "jump":
        fail("--max-jumps-per-year: only for --model jump")
    if max_jumps is not None and not 0 < max_jumps <= 365:
        fail(f"--max-jumps-per-year: must be in (0, 365] (got {max_jumps:g})")
    first, last = _window(window)
    if toml_out is not None:
        from simulator.results.outputs import check_output_file

        with user_errors():
            check_output_file(
                toml_out,
                "replace" if overwrite else "error",
                b"# btcsim calibrate",
                f"--out {toml_out}",
            )
    frame = _load(file)
    try:
        if model == "network-economic":
            result = fit_network_economic(frame, first, last)
        else:
            result = calibrate_price(frame, model, first, last, max_jumps_per_year=max_jumps)
    except ValueError as exc:
        fail(f"{file}: {exc}")
        return
    snippet = result.to_toml()
    if toml_out is not None:
        from simulator.results.files import write_file_atomic

        try:
            write_file_atomic(toml_out, lambda fh: fh.write(snippet.encode("utf-8")))
        except OSError as exc:
            fail(f"--out {toml_out}: cannot write ({exc.strerror})")
    if as_json:
        emit_json(
            {
                "model": result.model,
                "source": result.source,
                "window": result.window,
                "n_obs": result.n_obs,
                "estimates": json.loads(result.frame().to_json(orient="records")),
                "toml": snippet,
            }
        )
        return
    table = new_table(
        title=f"{model} on {result.source} {result.window} ({result.n_obs:,} observations)",
        title_justify="left",
    )
    for c in ("key", "estimate", "std. error", "95 % range", "method"):
        table.add_column(
            c, no_wrap=c != "method", justify="left" if c in ("key", "method") else "right"
        )
    for e in result.estimates:
        table.add_row(
            e.key, f"{e.value:.4g}", f"{e.se:.2g}", f"{e.low:.4g} .. {e.high:.4g}", e.method
        )
    out.print(table)
    out.print("Paste into a scenario file:\n")
    out.print(snippet, markup=False, end="")


def backtest(
    file: FileArg,
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")] = "2020-01-01",
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")] = "2025-06-30",
    scenario: Annotated[
        Path | None, typer.Option(help="Scenario file whose mining operation to replay.")
    ] = None,
    operation: Annotated[
        str | None, typer.Option(help="Name of the mining operation (default: the first).")
    ] = None,
    full_power: Annotated[
        bool,
        typer.Option(
            "--full-power", help="Ignore the operation's dated ramp and refreshes: all power on."
        ),
    ] = False,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Folder for daily.csv and monthly.csv.")
    ] = None,
    overwrite: OverwriteOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Replay real price and hashrate through the chain (and a mining operation).

    Compares simulated and real issuance + fees month by month, halving dates
    and difficulty, so you can see how far the chain model is from what
    happened.

    Example: btcsim backtest ../shared/data/btc_daily.csv --from 2020-01-01 --to 2025-06-30

    With a mining operation on the real network (it must be smaller than the network):
    btcsim backtest ../shared/data/btc_daily.csv --from 2023-01-01 --scenario
    scenarios/baseline.toml --full-power
    """
    from simulator.analysis.backtest import run_backtest

    try:
        first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    except ValueError:
        fail(f"--from/--to: expected YYYY-MM-DD (got {start!r}, {end!r})")
        return
    if last < first:
        fail(f"--to: {last} is before --from {first}")
    if full_power and scenario is None:
        fail("--full-power needs --scenario FILE")
    op = None
    if scenario is not None:
        from simulator.inputs.scenario import load_scenario

        with user_errors():
            model = load_scenario(scenario).model
        ops = {m.name: m for m in model.mining}
        if not ops:
            fail(f"{scenario}: mining: the scenario has no mining operation")
        if operation is not None and operation not in ops:
            fail(f"--operation: {scenario} has no operation {operation!r} ({', '.join(ops)})")
        op = ops[operation] if operation else next(iter(ops.values()))
        if full_power:
            op = op.model_copy(update={"ramp": [], "refreshes": []})
    elif operation is not None:
        fail("--operation needs --scenario FILE")
    if out_dir is not None:
        plan_output(out_dir, out_dir, overwrite)  # checked before the replay
    frame = _load(file)
    try:
        from simulator.inputs.history import select_window

        select_window(frame, first, last)
        result = run_backtest(frame, first, last, operation=op)
    except ValueError as exc:
        fail(f"{file}: {exc}")
        return
    _print_backtest(result, file, first, last, out_dir, overwrite, as_json)


def _save_backtest(daily: Any, monthly: Any, folder: Path, overwrite: bool) -> None:
    """Publish ``daily.csv``, ``monthly.csv`` and a manifest in one step (the rules of ``run``)."""
    from simulator.results.outputs import publish_folder
    from simulator.results.result import versions

    def write(tmp: Path) -> None:
        daily.to_csv(tmp / "daily.csv")
        monthly.to_csv(tmp / "monthly.csv")
        files = ["daily.csv", "monthly.csv", "manifest.json"]
        manifest = {"command": command_line(), "versions": versions(), "files": files}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")

    try:
        with user_errors():
            publish_folder(folder, write, "replace" if overwrite else "error", f"--out {folder}")
    except OSError as exc:
        fail(f"--out {folder}: cannot write ({exc.strerror or exc}); nothing written")


def _print_backtest(
    result: Any,
    file: Path,
    first: dt.date,
    last: dt.date,
    out_dir: Path | None,
    overwrite: bool,
    as_json: bool,
) -> None:
    monthly, daily, err_ = result.monthly, result.daily, result.difficulty_error
    if out_dir is not None:
        _save_backtest(daily, monthly, out_dir, overwrite)
    mined = "btc_mined" in daily
    if as_json:
        emit_json(
            {
                "file": str(file),
                "from": first,
                "to": last,
                "start_height": result.start_height,
                "start_height_method": result.start_height_method,
                "halvings": [h._asdict() for h in result.halvings],
                "difficulty_error": err_,
                "operation": {
                    "btc_mined": float(daily.btc_mined.sum()),
                    "revenue_usd": float(daily.revenue_usd.sum()),
                    "energy_usd": float(daily.energy_usd.sum()),
                    "mean_network_share": float(daily.network_share.mean()),
                }
                if mined
                else None,
                "monthly": json.loads(
                    monthly.reset_index().astype({"month": str}).to_json(orient="records")
                ),
            }
        )
        return
    table = new_table(
        title=f"Backtest {first} to {last}: simulated vs real BTC paid to miners per month",
        title_justify="left",
    )
    for c in ("month", "issuance sim", "issuance real", "error", "+ fees sim", "+ fees real",
              "error "):  # fmt: skip
        table.add_column(c, justify="left" if c == "month" else "right", no_wrap=True)
    for month, r in monthly.iterrows():
        table.add_row(
            str(month) + (" halving" if r.halving else ""),
            f"{r.sim_issuance_btc:,.0f}", f"{r.real_issuance_btc:,.0f}",
            f"{r.issuance_error_pct:+.2f} %",
            f"{r.sim_reward_btc:,.0f}", f"{r.real_reward_btc:,.0f}",
            f"{r.reward_error_pct:+.2f} %",
        )  # fmt: skip
    out.print(table)
    steady = monthly[~monthly.halving]
    worst = steady.reward_error_pct.abs()
    out.print(
        f"start height {result.start_height:,} ({result.start_height_method}); "
        f"months without a halving: largest |error| {worst.max():.2f} % ({worst.idxmax()}), "
        f"mean {worst.mean():.2f} %",
        markup=False,
    )
    for h in result.halvings:
        out.print(f"halving at height {h.height:,}: simulated {h.sim_date}, real {h.real_date}")
    out.print(
        f"difficulty tracking error |sim/real - 1|: median {err_['median']:.2%}, "
        f"max {err_['max']:.2%} (without retarget days: median {err_['median_steady']:.2%})"
    )
    if mined and daily.btc_mined.sum() == 0:
        out.print(
            "operation: not running in this window (see its ramp dates); --full-power replays "
            "it with all its power from the first day",
            markup=False,
        )
    elif mined:
        out.print(
            f"operation: {daily.btc_mined.sum():,.1f} BTC mined, revenue "
            f"{fmt(float(daily.revenue_usd.sum()), 'USD')} USD at real prices, energy "
            f"{fmt(float(daily.energy_usd.sum()), 'USD')} USD, mean network share "
            f"{daily.network_share.mean():.2%}",
            markup=False,
        )
    if out_dir is not None:
        out.print(f"Files: {out_dir}/ (daily.csv, monthly.csv)", markup=False)
