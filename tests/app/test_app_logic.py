"""``btcsim app``'s logic without a browser: the state, its URL, edits, the TOML download."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app as cli_app
from simulator.app import runs
from simulator.app.session import (
    MAX_PATHS,
    MIN_PATHS,
    AppState,
    check_edit,
    choices,
    input_rows,
    load_state,
)
from simulator.inputs.scenario import load_scenario
from simulator.results.simulate import simulate

pytest.importorskip("tomli_w")
BASE = "scenarios/baseline.toml"
TARIFF = "mining.pakistan.electricity_usd_per_kwh"
FAST = AppState(BASE, ("scenario.horizon_years=1",), 200)


def test_the_url_reopens_the_same_state() -> None:
    state = FAST.with_edit(TARIFF, 0.1).with_edit("mining.pakistan.disposal", "hold")
    query = state.query()
    assert query["set"] == [
        "scenario.horizon_years=1",
        f"{TARIFF}=0.1",
        'mining.pakistan.disposal="hold"',
    ]
    assert AppState.from_query(query, "other.toml") == state
    # a second edit of a key replaces the first; undo removes it
    again = state.with_edit(TARIFF, 0.07)
    assert again.edits[TARIFF] == "0.07" and len(again.overrides) == 3
    assert TARIFF not in again.without(TARIFF).edits
    # no query: the default file; a bad paths value: the default paths
    assert AppState.from_query({}, BASE) == AppState(BASE)
    assert AppState.from_query({"paths": "lots"}, BASE).paths == AppState(BASE).paths
    # paths outside the field's bounds are clamped (the page broke on ?paths=50)
    assert AppState.from_query({"paths": "50"}, BASE).paths == MIN_PATHS
    assert AppState.from_query({"paths": "300000"}, BASE).paths == MAX_PATHS


@pytest.mark.parametrize(
    ("key", "value"),
    [(TARIFF, -1.0), ("mining.pakistan.disposal", "keep"), ("chain.fees_btc_per_block", "x")],
)
def test_a_refused_edit_gives_the_clis_message(key: str, value: object, tmp_path: Path) -> None:
    kept, message = check_edit(FAST, key, value)
    assert kept == FAST and message
    literal = value if isinstance(value, float) else f'"{value}"'
    cli = CliRunner().invoke(
        cli_app, ["run", BASE, "--set", f"{key}={literal}", "--out", str(tmp_path / "o")]
    )
    assert cli.exit_code == 2
    assert cli.output.strip() == f"error: {message}"


def test_inputs_grouped_by_provenance_with_their_widgets() -> None:
    base = load_state(FAST)
    edited, error = check_edit(FAST, TARIFF, 0.1)
    assert error is None
    rows = input_rows(base, load_state(edited), edited)
    order = [r.provenance for r in rows]
    assert order == sorted(order, key=["cited", "derived", "data", "assumption", "protocol"].index)
    by_key = {r.key: r for r in rows}
    tariff = by_key[TARIFF]
    assert tariff.changed and tariff.value == 0.1 and tariff.original == 0.08
    assert (tariff.widget, tariff.low, tariff.high) == ("number", 0.05, 0.12)
    holdings = by_key["reserve.el_salvador.holdings_btc"]  # cited, with a spread of sources
    assert holdings.widget == "slider" and holdings.low < holdings.high
    assert "Crypto.news" in holdings.source and "2025-07-17" in holdings.source
    assert by_key["mining.pakistan.power_mw"].widget == "readonly"  # cited, no spread
    assert all(r.widget == "readonly" for r in rows if r.provenance == "protocol")
    assert [r.key for r in rows if r.changed] == ["scenario.horizon_years", TARIFF]


def test_the_scenario_choices_are_shipped_files() -> None:
    names = choices()
    assert BASE in names and "scenarios/templates/both.toml" in names
    assert not any("/parts/" in n for n in names)
    # every choice opens, but the two that read ../shared/data (a history file)
    for name in names:
        if "bootstrap" not in name and "from_history" not in name:
            assert load_scenario(name).inputs


def test_the_downloaded_toml_reproduces_the_run_bit_for_bit(tmp_path: Path) -> None:
    state, error = check_edit(FAST, TARIFF, 0.1)
    assert error is None
    scenario = load_state(state)
    app_result = runs.run(scenario)
    path = tmp_path / "edited.toml"
    path.write_text(runs.scenario_toml(scenario, state), encoding="utf-8")
    again = load_scenario(path)
    assert again.inputs[TARIFF].value == 0.1
    assert again.inputs[TARIFF].source == runs.EDIT_NOTE
    pd.testing.assert_frame_equal(simulate(again).summary, app_result.summary)


def test_two_variants_side_by_side_with_common_random_numbers() -> None:
    a = load_state(FAST)
    b = load_state(FAST.with_edit(TARIFF, 0.1))
    comparison = runs.compare_two(a, b)
    assert comparison.common_random_numbers
    frame = runs.comparison_frame(comparison)
    assert list(frame.columns[:2]) == ["metric", "scenario"] and "P(beats A (kept))" in frame
    margin = frame.index[frame.metric == "pakistan margin_usd"][0]
    # a dearer tariff loses on every path: the margin falls by the extra bill
    assert frame.loc[margin + 1, "P(beats A (kept))"] == "0.0%"
    assert frame.loc[margin + 1, "scenario"] == "B (now)"
    assert (comparison.inputs_diff.key == TARIFF).any()


def test_app_command_bad_input(tmp_path: Path) -> None:
    cli = CliRunner()
    missing = cli.invoke(cli_app, ["app", str(tmp_path / "nope.toml")])
    assert missing.exit_code == 2 and missing.output.startswith("error:")
    assert "nope.toml" in missing.output and len(missing.output.strip().splitlines()) == 1
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        taken = cli.invoke(cli_app, ["app", "--port", str(port)])
    assert taken.exit_code == 2 and f"--port: {port} is in use" in taken.output


def test_stopping_btcsim_app_stops_its_server() -> None:
    # `kill PID` of btcsim app must not leave the Streamlit child holding the port
    import socket
    import time

    from browser import app_server

    with app_server() as url:
        port = int(url.rsplit(":", 1)[1])
    end = time.monotonic() + 20
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            return  # nothing listens any more
        time.sleep(0.3)
    raise AssertionError(f"the server still listens on port {port} after btcsim app stopped")
