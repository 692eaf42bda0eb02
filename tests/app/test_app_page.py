"""``btcsim app``'s page, headless, with Streamlit's own AppTest.

Load a scenario, change an assumption, run, compare two variants and take the
scenario file away, checking each step against what the CLI does.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from simulator.app import runs
from simulator.app.session import AppState, load_state
from simulator.inputs.scenario import load_scenario
from simulator.results.simulate import simulate
from simulator.viz.report_html import summary_cells

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

PAGE = str(Path(__file__).parents[2] / "simulator" / "app" / "page.py")
BASE = "scenarios/baseline.toml"
TARIFF = "mining.pakistan.electricity_usd_per_kwh"
FAST = ["scenario.horizon_years=1"]
PATHS = 300


def _open(sets: list[str] = FAST, file: str = BASE) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.query_params["scenario"] = file
    at.query_params["paths"] = str(PATHS)
    at.query_params["set"] = list(sets)
    at.run()
    assert not at.exception, at.exception
    assert not [e.value for e in at.error], [e.value for e in at.error]
    return at


def _table(at: AppTest, first_metric: str) -> pd.DataFrame:
    for table in at.table:
        frame = table.value
        if first_metric in frame.index:
            return frame
    raise AssertionError(f"no table with {first_metric}")


def _cli_cells(sets: list[str], entity: str, metrics: tuple[str, ...]) -> list[list[str]]:
    scenario = load_scenario(BASE, [*sets, f"scenario.paths={PATHS}"])
    return summary_cells(simulate(scenario).summary, entity, metrics)[1]


def _field(at: AppTest, key: str):  # the widget of one input, whatever its kind
    gen = at.session_state["generation"]
    wanted = f"in:{gen}:{key}"
    for group in (at.number_input, at.slider, at.text_input, at.toggle):
        for widget in group:
            if widget.key == wanted:
                return widget
    raise AssertionError(f"no widget {wanted}")


def test_load_a_scenario_and_show_its_run() -> None:
    at = _open()
    assert "baseline" in at.subheader[0].value
    assert at.session_state["ran"] == AppState(BASE, tuple(FAST), PATHS)
    shown = _table(at, "margin_usd")
    assert "±" in shown.loc["margin_usd", "median"]
    assert len(at.get("image")) == 3  # the three figures chosen at first
    assert at.multiselect[0].value == ["price", "reserve_el_salvador", "mining_pakistan"]


def test_change_an_assumption_and_run_moves_the_summary_as_the_cli_does() -> None:
    at = _open()
    before = _table(at, "margin_usd").copy()
    _field(at, TARIFF).set_value(0.1).run()
    assert [w.value for w in at.warning][0].startswith("The inputs changed since this run")
    at.button(key="run").click().run()
    after = _table(at, "margin_usd")
    assert not after.equals(before)
    metrics = tuple(after.index)
    cli_before = _cli_cells(FAST, "pakistan", metrics)
    cli_after = _cli_cells([*FAST, f"{TARIFF}=0.1"], "pakistan", metrics)
    assert before.reset_index().values.tolist() == cli_before
    assert after.reset_index().values.tolist() == cli_after
    # the URL carries the edit
    assert f"{TARIFF}=0.1" in at.query_params["set"]


def test_a_bad_value_is_refused_at_the_field_with_the_clis_message() -> None:
    at = _open()
    _field(at, "mining.pakistan.reserve").set_value("zz").run()
    errors = [e.value for e in at.error]
    message = "--set mining.pakistan.reserve=\"zz\": mining.pakistan.reserve: no reserve named 'zz'"
    assert message in errors  # under the field, and a banner over the results says so
    assert "1 edit refused and not applied (see under the field): mining.pakistan.reserve" in (
        errors
    )
    assert "mining.pakistan.reserve" not in at.session_state["state"].edits


def test_a_key_with_fixed_choices_offers_them() -> None:
    at = _open()
    disposal = at.selectbox(key="in:0:mining.pakistan.disposal")
    assert disposal.options == ["hold", "sell_all", "sell_to_cover"]
    assert disposal.value == "sell_to_cover"
    disposal.set_value("hold").run()
    assert at.session_state["state"].edits["mining.pakistan.disposal"] == '"hold"'


def test_compare_two_variants_with_p_beats_a() -> None:
    at = _open()
    at.button(key="pin").click().run()
    _field(at, TARIFF).set_value(0.1).run()
    at.button(key="compare").click().run()
    assert not at.exception
    beats = "P(beats A (kept))"
    table = next(t.value for t in at.dataframe if beats in t.value.columns)
    (row,) = table.index[table.metric == "pakistan margin_usd"]
    a_row, b_row = table.iloc[row], table.iloc[row + 1]
    assert (a_row.scenario, b_row.scenario) == ("A (kept)", "B (now)")
    # the dearer tariff (B) loses on every path against A
    assert b_row[beats] == "0.0%"
    assert any(t.value.get("key", pd.Series()).eq(TARIFF).any() for t in at.dataframe)


def test_the_downloaded_toml_reproduces_the_apps_run(tmp_path: Path) -> None:
    at = _open()
    _field(at, TARIFF).set_value(0.1).run()
    at.button(key="run").click().run()
    path = tmp_path / "edited.toml"
    path.write_text(at.session_state["scenario_toml"], encoding="utf-8")
    shown = simulate(load_state(at.session_state["ran"])).summary
    pd.testing.assert_frame_equal(simulate(load_scenario(path)).summary, shown)
    assert runs.EDIT_NOTE in path.read_text(encoding="utf-8")


def test_a_url_with_edits_opens_them_marked_as_changed() -> None:
    at = _open([*FAST, f"{TARIFF}=0.1"])
    assert _field(at, TARIFF).value == pytest.approx(0.1)
    assert any("✎ changed" in m.value and TARIFF in m.value for m in at.markdown)


def test_a_missing_file_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["scenario"] = str(tmp_path / "nope.toml")
    at.run()
    assert not at.exception
    (error,) = [e.value for e in at.error]
    assert "nope.toml" in error and "not found" in error and "\n" not in error
    # the sidebar still offers the shipped scenarios to pick instead
    assert BASE in at.selectbox(key="pick").options
