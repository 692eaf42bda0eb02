"""The Streamlit page of ``btcsim app`` (started by ``btcsim app [FILE]``).

The sidebar chooses the scenario, the paths and runs; the left column is the
inputs table (:mod:`simulator.app.inputs_panel`); the right column shows the
last run (summary with Monte Carlo errors, the figures of :mod:`simulator.viz`
and the ledger), a comparison of two variants, and the files to download.
The page's URL always encodes the state (scenario, overrides, paths).

Runs, scenarios and comparisons are cached by state, so a rerun of the page
(every widget change reruns it) redraws from the cache and only a new state
runs the model.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from simulator.app import runs
from simulator.app.inputs_panel import inputs_panel
from simulator.app.session import MAX_PATHS, MIN_PATHS, AppState, choices, input_rows, load_state
from simulator.inputs.errors import InputError
from simulator.inputs.shipped import BASELINE, find_scenario

OWN_FILE = "(a file of your own)"
_SIZES = {"scenario": 32, "run": 8, "compare": 4}


@st.cache_resource
def _store() -> dict[str, OrderedDict[Any, Any]]:
    """Caches shared by every session of this server: scenarios, runs, comparisons."""
    return {name: OrderedDict() for name in _SIZES}


@st.cache_resource
def _lock() -> threading.Lock:
    """Guards the shared caches: each browser session runs in its own thread."""
    return threading.Lock()


def _cached(kind: str, key: Any, make: Callable[[], Any]) -> Any:
    store = _store()[kind]
    with _lock():
        if key in store:
            store.move_to_end(key)
            return store[key]
    value = make()  # outside the lock: a run takes seconds (two sessions may both run it)
    with _lock():
        store[key] = value
        while len(store) > _SIZES[kind]:
            store.popitem(last=False)
    return value


def _key(state: AppState) -> tuple[Any, ...]:
    """A state's cache key, with the named file's modification time.

    An edit of the named file reloads it; an edit of a file it extends, or of a
    facts or history file it reads, is seen after the app restarts.
    """
    path = find_scenario(state.file)
    mtime = path.stat().st_mtime_ns if path.exists() else 0
    return (str(path), mtime, state.overrides, state.paths)


def _scenario(state: AppState) -> Any:
    return _cached("scenario", _key(state), lambda: load_state(state))


def _run(state: AppState, bar: Any) -> dict[str, Any]:
    scenario = _scenario(state)
    total = scenario.model.scenario.paths
    done = [0]
    script = threading.get_ident()

    def progress(n: int) -> None:
        done[0] += n
        if threading.get_ident() == script:  # Streamlit draws only from the script's thread
            bar.progress(min(done[0] / total, 1.0), text=f"{done[0]:,} of {total:,} paths")

    def make() -> dict[str, Any]:
        result = runs.run(scenario, progress)
        return {
            "result": result,
            "scenario": scenario,
            "tables": runs.summary_frames(result, scenario),
            "note": runs.summary_note(result),
            "png": {},  # figures drawn on demand, then kept
        }

    entry: dict[str, Any] = _cached("run", _key(state), make)
    return entry


def _figure_pngs(entry: dict[str, Any], names: list[str]) -> dict[str, bytes]:
    """The run's figures as PNG, drawing only those not drawn before (about 0.5-1 s each)."""
    makers = runs.figure_makers(entry["result"])
    pngs: dict[str, bytes] = entry["png"]
    for name in names:
        if name not in pngs:
            pngs[name] = runs.png(makers[name]())
    return {name: pngs[name] for name in names}


def _init() -> None:
    if "state" in st.session_state:
        return
    query = {k: st.query_params.get_all(k) for k in st.query_params}
    default = sys.argv[1] if len(sys.argv) > 1 else BASELINE.as_posix()
    st.session_state["state"] = AppState.from_query(query, default)
    st.session_state["generation"] = 0
    st.session_state["errors"] = {}
    st.session_state["want_run"] = True  # the first view shows a run


def _new_state(state: AppState) -> None:
    st.session_state["state"] = state
    st.session_state["generation"] = st.session_state.get("generation", 0) + 1
    st.session_state["errors"] = {}


def _choose_file() -> None:
    picked = st.session_state["pick"]
    if picked != OWN_FILE:
        _new_state(AppState(picked, (), st.session_state["state"].paths))
        st.session_state["want_run"] = True


def _own_file() -> None:
    text = st.session_state.get("own", "").strip()
    if text:
        _new_state(AppState(text, (), st.session_state["state"].paths))
        st.session_state["want_run"] = True


def _set_paths() -> None:
    state = st.session_state["state"]
    st.session_state["state"] = AppState(
        state.file, state.overrides, int(st.session_state["paths"])
    )


def _sidebar(state: AppState) -> None:
    bar = st.sidebar
    bar.title("btcsim")
    options = choices()
    own = state.file not in options
    bar.selectbox(
        "Scenario",
        [*options, OWN_FILE],
        index=len(options) if own else options.index(state.file),
        key="pick",
        on_change=_choose_file,
        help="A shipped scenario, a starter of btcsim init (templates/), or your own file.",
    )
    if own or st.session_state.get("pick") == OWN_FILE:
        bar.text_input(
            "Scenario file",
            value=state.file if own else "",
            key="own",
            on_change=_own_file,
            placeholder="path/to/scenario.toml",
        )
    bar.number_input(
        "Paths",
        min_value=MIN_PATHS,
        max_value=MAX_PATHS,
        value=state.paths,
        step=500,
        key="paths",
        on_change=_set_paths,
        help="Monte Carlo paths per run (2,000 take about 1-2 s here).",
    )
    if bar.button("Run", type="primary", key="run", width="stretch"):
        st.session_state["want_run"] = True
    left, right = bar.columns(2)
    if left.button("Undo all edits", key="reset", disabled=not state.overrides):
        _new_state(AppState(state.file, (), state.paths))
    if right.button("Keep as A", key="pin", help="Compare later runs (B) with this state (A)."):
        st.session_state["pinned"] = st.session_state["state"]
        st.toast("Kept the current state as A: change inputs, then open 'Compare A and B'.")
    query = st.session_state["state"].query()
    st.query_params.from_dict(query)
    base = st.context.url.split("?")[0] if st.context.url else ""
    bar.caption("Link to this state (scenario, edits and paths):")
    bar.code(f"{base}?{urlencode(query, doseq=True)}", language=None, wrap_lines=True)


def _results(state: AppState) -> dict[str, Any] | None:
    """Run when asked (with a progress bar), say what the shown run is; the run's entry."""
    if st.session_state.pop("want_run", False):
        bar = st.progress(0.0, text="starting")
        try:
            st.session_state["entry"] = _run(state, bar)
            st.session_state["ran"] = state
        except InputError as exc:
            st.error(str(exc), icon="⛔")
        finally:
            bar.empty()
    refused = st.session_state.get("errors", {})
    if refused:
        st.error(
            f"{len(refused)} edit{'' if len(refused) == 1 else 's'} refused and not applied "
            f"(see under the field): {', '.join(refused)}",
            icon="⛔",
        )
    ran: AppState | None = st.session_state.get("ran")
    if ran is None:
        st.info("Press Run to simulate this scenario.")
        return None
    if ran != state:
        st.warning("The inputs changed since this run: press Run to update it.")
    entry: dict[str, Any] = st.session_state["entry"]  # this session's run, even if evicted
    meta = entry["result"].meta
    st.caption(
        f"{meta['paths']:,} paths, seed {meta['seed']}, {meta['start_date']} to "
        f"{meta['end_date']}, {meta['seconds']:.1f} s. {entry['note']}"
    )
    return entry


def _summary(entry: dict[str, Any]) -> None:
    for title, frame in entry["tables"]:
        st.markdown(f"**{title}**")
        st.table(frame.set_index("metric"))


def _figures(entry: dict[str, Any], ran: AppState) -> None:
    names = list(runs.figure_makers(entry["result"]))
    picked = st.session_state.get("figsel")
    default = [n for n in (picked or _first_figures(names)) if n in names]
    chosen = st.multiselect(
        "Figures",
        names,
        default=default,
        key=f"figsel:{ran.file}",
        help="Each figure takes about half a second to draw the first time; then it is kept.",
    )
    st.session_state["figsel"] = chosen
    with st.spinner("drawing the figures"):
        shown = _figure_pngs(entry, chosen)
    for name, png in shown.items():
        st.image(png, caption=name, width="stretch")


def _first_figures(names: list[str]) -> list[str]:
    """The figures shown at first: the price, the first reserve and the first operation."""
    firsts = [
        next((n for n in names if n.startswith(p)), "") for p in ("price", "reserve_", "mining_")
    ]
    return [n for n in firsts if n]


def _edits(state: AppState) -> str:
    n = len(state.overrides)
    return f"{n} edit{'' if n == 1 else 's'}" + (
        f" ({'; '.join(state.overrides)})" if 0 < n <= 3 else ""
    )


def _compare(state: AppState) -> None:
    pinned: AppState | None = st.session_state.get("pinned")
    if pinned is None:
        st.info(
            "Press 'Keep as A' in the sidebar to keep the current state as variant A, change "
            "inputs (variant B), then compare the two here with common random numbers."
        )
        return
    st.markdown(
        f"**A (kept)**: `{pinned.file}`, {_edits(pinned)}; **B (now)**: the current state, "
        f"`{state.file}`, {_edits(state)}."
    )
    key = ("compare", _key(pinned), _key(state))
    if st.button("Compare A with B", key="compare"):
        with st.spinner("running A and B with the same random draws"):
            try:
                _cached(
                    "compare", key, lambda: runs.compare_two(_scenario(pinned), _scenario(state))
                )
            except InputError as exc:
                st.error(str(exc), icon="⛔")
                return
    comparison = _store()["compare"].get(key)
    if comparison is None:
        return
    st.caption(comparison.crn_message() + ".")
    st.dataframe(runs.comparison_frame(comparison), hide_index=True, width="stretch")
    st.markdown(f"**Inputs that differ ({len(comparison.inputs_diff)})**")
    st.dataframe(comparison.inputs_diff, hide_index=True, width="stretch")
    for name, fig in runs.comparison_figures(comparison).items():
        st.image(runs.png(fig), caption=name, width="stretch")


def _files(state: AppState) -> None:
    scenario = _scenario(state)
    stem = Path(state.file).stem + ("_edited" if state.overrides else "")
    text = runs.scenario_toml(scenario, state)
    st.session_state["scenario_toml"] = text
    st.download_button(
        "Scenario file (TOML)",
        text,
        file_name=f"{stem}.toml",
        mime="application/toml",
        key="dl_toml",
        help="btcsim run FILE reproduces this state's run bit for bit.",
    )
    ran: AppState | None = st.session_state.get("ran")
    if ran is None:
        st.caption("Run first to download the report and the result files.")
        return
    entry = st.session_state["entry"]
    st.download_button(
        "HTML report",
        lambda: runs.report_html(entry["result"], entry["scenario"]),
        file_name=f"{stem}_report.html",
        mime="text/html",
        key="dl_report",
    )
    st.download_button(
        "Result files (CSV, zip)",
        lambda: runs.result_zip(entry["result"]),
        file_name=f"{stem}_results.zip",
        mime="application/zip",
        key="dl_zip",
    )
    if ran != state:
        st.caption("The report and result files are of the last run, not of the edited inputs.")


def main() -> None:
    """Draw the page."""
    st.set_page_config(page_title="btcsim app", layout="wide")
    _init()
    state: AppState = st.session_state["state"]
    _sidebar(state)
    state = st.session_state["state"]
    try:
        base = _scenario(AppState(state.file, (), state.paths))
        current = _scenario(state)
    except (InputError, OSError) as exc:
        st.error(str(exc), icon="⛔")
        return
    meta = current.model.scenario
    st.subheader(f"{meta.name}: {meta.question}" if meta.question else meta.name)
    if meta.description:
        st.caption(meta.description)
    left, right = st.columns([4, 7], gap="large")
    with left:
        inputs_panel(input_rows(base, current, state), st.session_state["generation"])
    with right:
        entry = _results(state)
        summary, figures, compare, files = st.tabs(
            ["Summary", "Figures", "Compare A and B", "Files"]
        )
        if entry is not None:
            with summary:
                _summary(entry)
            with figures:
                _figures(entry, st.session_state["ran"])
        with compare:
            _compare(state)
        with files:
            _files(state)


try:
    main()
except Exception as exc:  # noqa: BLE001 - the page shows one line, never a traceback
    # (Streamlit's reruns and stops are BaseExceptions: they pass)
    st.error(f"btcsim app: {type(exc).__name__}: {exc}", icon="⛔")
