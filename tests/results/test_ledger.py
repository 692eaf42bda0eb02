"""The policy ledger: known answers with the arithmetic shown, and the identities it must keep.

The issue's three known answers: 2,000 MW at uptime 1 for one year (365 days)
is 17.52 TWh; at 1.0 tCO2/MWh that is 17.52 MtCO2; a tariff gap of
0.07 USD/kWh on that energy costs 1.226 bn USD. They are checked on the model
functions and through a whole run. The property test checks, on every path
of random sites, that the state's net position equals the margin at the
cost-reflective tariff, less depreciation, plus the change in value of the
BTC kept; and that it does not depend on the tariff the state charges itself
when no BTC is sold to pay it (``disposal = "hold"``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import PROJECT
from typer.testing import CliRunner

from cli import app
from simulator import load_scenario, simulate
from simulator.inputs.facts import load_facts
from simulator.inputs.scenario import resolve
from simulator.model import ledger
from simulator.model.units import DAYS_PER_YEAR
from simulator.results.result import Result

REGISTRY = load_facts()
#: One year of 365 days: the horizon in years that gives round(365.25 x h) = 365 days.
ONE_YEAR_365 = 365 / DAYS_PER_YEAR


def test_the_issues_known_answers_on_the_model() -> None:
    # 2,000 MW x share 1 x uptime 1 x 24 h = 48,000 MWh a day; x 365 days = 17,520,000 MWh
    energy = ledger.energy_mwh_per_day(2_000.0, 1.0, 1.0) * 365
    assert energy == 17_520_000.0  # = 17.52 TWh
    # 17,520,000 MWh x 1.0 tCO2/MWh = 17,520,000 tCO2 = 17.52 MtCO2
    assert ledger.emissions_tco2(energy, 1.0) == 17_520_000.0
    # 17,520,000 MWh x 1,000 kWh/MWh x (0.12 - 0.05) USD/kWh = 1,226,400,000 USD
    assert ledger.subsidy_cost_usd(energy, 0.12, 0.05) == pytest.approx(1.2264e9, rel=1e-12)
    assert ledger.subsidy_cost_usd(energy, 0.08, 0.08) == 0.0  # equal tariffs: no subsidy
    # the default factor: 94.6 tCO2/TJ x 0.0036 TJ/MWh / 0.36 = 0.946 tCO2/MWh
    assert ledger.emission_factor_from_fuel(94.6, 0.36) == pytest.approx(0.946, rel=1e-12)


def _site(**mining: Any) -> dict[str, Any]:
    """A one-year scenario with one 2,000 MW site at uptime 1, selling all it mines."""
    op = {
        "name": "site",
        "power_mw": 2_000,
        "uptime": 1.0,
        "electricity_usd_per_kwh": 0.05,
        "disposal": "sell_all",
        **mining,
    }
    return {
        "scenario": {
            "name": "ledger_check",
            "start_date": "2025-07-17",
            "horizon_years": ONE_YEAR_365,
            "paths": 64,
        },
        "market": {
            "price": {"model": "gbm", "start_usd": 100_000, "volatility_per_year": 0.5},
            "network": {"model": "constant", "start_ehs": 900},
        },
        "chain": {"start_height": 906_013, "start_difficulty": 126.27e12},
        "reserve": [{"name": "state"}],
        "mining": [op],
    }


def _run(data: dict[str, Any]) -> Result:
    return simulate(resolve(data, "ledger_check.toml", REGISTRY))


def _median(result: Result, metric: str) -> float:
    s = result.summary
    return float(s[(s.entity == "site") & (s.metric == metric)].p50.iloc[0])


def test_the_issues_known_answers_through_a_run() -> None:
    result = _run(_site(cost_reflective_usd_per_kwh=0.12, emission_factor_tco2_per_mwh=1.0))
    assert _median(result, "energy_twh") == pytest.approx(17.52, rel=1e-12)
    assert _median(result, "energy_gwh") == pytest.approx(17_520, rel=1e-12)
    assert _median(result, "energy_mwh_per_day") == pytest.approx(48_000, rel=1e-12)
    assert _median(result, "emissions_tco2") == pytest.approx(17.52e6, rel=1e-12)
    # (0.12 - 0.05) USD/kWh x 17.52e9 kWh = 1.2264e9 USD
    assert _median(result, "subsidy_cost_usd") == pytest.approx(1.2264e9, rel=1e-12)
    # per year over a 365-day horizon: 17.52 TWh / (365 / 365.25) yr = 17.532 TWh/yr
    assert _median(result, "energy_twh_per_year") == pytest.approx(17.52 * DAYS_PER_YEAR / 365)


def test_no_cost_reflective_tariff_means_no_subsidy() -> None:
    result = _run(_site())
    assert _median(result, "subsidy_cost_usd") == 0.0
    summary = result.summary
    assert "power_sale_value_usd" not in set(summary.metric)  # no sale price: not reported


def _path(result: Result, metric: str) -> np.ndarray:
    assert result.path_metrics is not None
    return result.path_metrics[f"site.{metric}"].to_numpy()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tariff=st.floats(0.0, 0.2),
    reflective=st.floats(0.0, 0.2),
    sale=st.floats(0.0, 0.2),
    disposal=st.sampled_from(["hold", "sell_all", "sell_to_cover"]),
    shutdown=st.booleans(),
    asic=st.floats(0.0, 30.0),
    opex=st.floats(0.0, 200_000.0),
)
def test_net_position_is_the_margin_at_the_cost_reflective_tariff_plus_the_btc_gain(
    tariff: float,
    reflective: float,
    sale: float,
    disposal: str,
    shutdown: bool,
    asic: float,
    opex: float,
) -> None:
    site = {
        "electricity_usd_per_kwh": tariff,
        "cost_reflective_usd_per_kwh": reflective,
        "power_sale_usd_per_kwh": sale,
        "disposal": disposal,
        "reserve": "state",
        "shutdown_when_unprofitable": shutdown,
        "asic_usd_per_th": asic,
        "other_opex_usd_per_mw_year": opex,
    }
    result = _run(_site(**site))
    p = lambda m: _path(result, m)  # noqa: E731
    kwh = p("energy_gwh") * 1e6
    margin_at_reflective = p("revenue_usd") - p("other_opex_usd") - kwh * reflective
    expected = margin_at_reflective - p("depreciation_usd") + p("kept_btc_gain_usd")
    scale = np.abs(p("revenue_usd")) + np.abs(margin_at_reflective) + p("depreciation_usd") + 1.0
    np.testing.assert_array_less(np.abs(p("net_fiscal_usd") - expected), 1e-9 * scale)
    # the bill and the subsidy add up to the power at its cost: E x c + E x (c_r - c) = E x c_r
    bill = p("energy_cost_usd") + p("subsidy_cost_usd")
    np.testing.assert_array_less(np.abs(bill - kwh * reflective), 1e-9 * (kwh * 0.4 + 1.0))
    # mining vs selling: the two nets differ by what the power would fetch, less its cost
    # (within a relative 1e-9 of the terms' size: float rounding of ~1e10 USD sums)
    benefit = p("net_fiscal_usd") - kwh * (sale - reflective)
    size = np.abs(p("net_fiscal_usd")) + kwh * (sale + reflective) + 1.0
    np.testing.assert_array_less(np.abs(p("mining_vs_power_sale_usd") - benefit), 1e-9 * size)
    # the recorded last day of the running net agrees with the horizon value (float32 series)
    net = result.percentiles
    last = net[(net.entity == "site") & (net.variable == "net_fiscal_usd")].iloc[-1]
    finals = p("net_fiscal_usd")
    assert last.p50 == pytest.approx(float(np.percentile(finals, 50)), rel=1e-5, abs=1.0)


def test_with_hold_the_net_does_not_depend_on_the_tariff_the_state_charges_itself() -> None:
    # nothing is sold to pay the bill, so a lower tariff only moves money from the
    # utility (the subsidy) to the operation (the margin): the state's net is unchanged
    nets = [
        _path(
            _run(
                _site(
                    electricity_usd_per_kwh=tariff,
                    cost_reflective_usd_per_kwh=0.12,
                    disposal="hold",
                    reserve="state",
                )
            ),
            "net_fiscal_usd",
        )
        for tariff in (0.05, 0.08, 0.12)
    ]
    scale = np.abs(nets[0]).max()
    assert np.abs(nets[1] - nets[0]).max() < 1e-9 * scale
    assert np.abs(nets[2] - nets[0]).max() < 1e-9 * scale


def test_ai_side_known_answer() -> None:
    ai = {
        "revenue_usd_per_mw_year": 1_800_000,
        "capex_usd_per_mw": 10_000_000,
        "opex_usd_per_mw_year": 150_000,
        "utilisation": 0.6,
        "depreciation_years": 15,
    }
    result = _run(_site(mining_share=0.5, cost_reflective_usd_per_kwh=0.12, ai=ai))
    days, mw = 365, 1_000.0  # 2,000 MW x (1 - 0.5), all online from day 0
    revenue = mw * 0.6 * 1.8e6 * days / DAYS_PER_YEAR  # utilised MW x lease, per day
    power = mw * 0.6 * 24 * days * 1_000 * 0.12  # utilised MW x 24 h x 1,000 kWh x c_r
    opex = mw * 150_000 * days / DAYS_PER_YEAR
    life = round(15 * DAYS_PER_YEAR)  # 5,479 days
    depreciation = mw * 10e6 * days / life  # 365 of the 5,479 days of the halls' life
    expected = revenue - power - opex - depreciation
    assert _median(result, "ai_net_usd") == pytest.approx(expected, rel=1e-12)
    assert _median(result, "ai_net_usd_per_mw") == pytest.approx(expected / mw, rel=1e-12)
    # 1,000 MW x 0.6 x 24 h x 365 days = 5,256,000 MWh = 5.256 TWh; x 0.95 tCO2/MWh
    assert _median(result, "ai_energy_twh") == pytest.approx(5.256, rel=1e-12)
    assert _median(result, "ai_emissions_tco2") == pytest.approx(5.256e6 * 0.95, rel=1e-12)
    per_mw = _path(result, "net_fiscal_usd") / 1_000.0  # 1,000 MW mined
    beats = float(np.mean(per_mw > expected / mw))
    s = result.summary
    got = s[(s.entity == "site") & (s.metric == "prob_mining_beats_ai")]["mean"].iloc[0]
    assert got == beats


def test_ai_needs_power_left_over(tmp_path: Path) -> None:
    shipped = (PROJECT / "scenarios" / "pakistan_mining_and_ai.toml").as_posix()
    bad = tmp_path / "bad.toml"
    bad.write_text(
        f'extends = "{shipped}"\n[scenario]\nname = "bad"\n'
        '[[mining]]\nname = "pakistan"\nmining_share = 1.0\n'
    )
    got = CliRunner().invoke(app, ["validate", str(bad)])
    assert got.exit_code == 2, got.output
    assert "mining.pakistan" in got.output and "no power is left for AI" in got.output
    assert "Traceback" not in got.output and len(got.output.strip().splitlines()) == 1


def test_baseline_ledger_is_reported() -> None:
    result = simulate(
        load_scenario(
            PROJECT / "scenarios" / "baseline.toml",
            ["scenario.paths=100", "scenario.horizon_years=1"],
        )
    )
    s = result.summary
    names = set(s[s.entity == "pakistan"].metric)
    assert {"subsidy_cost_usd", "net_fiscal_usd", "power_sale_value_usd"} <= names


def test_sell_all_keeps_nothing_and_the_net_is_the_margin_at_cost() -> None:
    # sell_all: no BTC kept, so no gain on them, and the net is plain arithmetic on the
    # kernel's revenue, opex and energy: revenue - E x c_r - opex - depreciation
    result = _run(_site(cost_reflective_usd_per_kwh=0.12, asic_usd_per_th=15.0))
    p = lambda m: _path(result, m)  # noqa: E731
    assert np.all(p("kept_btc_gain_usd") == 0.0)
    kwh = p("energy_gwh") * 1e6
    expected = p("revenue_usd") - kwh * 0.12 - p("other_opex_usd") - p("depreciation_usd")
    np.testing.assert_allclose(p("net_fiscal_usd"), expected, rtol=1e-12)
    assert p("depreciation_usd").min() > 0  # the capex is charged


def test_hold_values_what_the_reserve_holds() -> None:
    # hold into an empty reserve that buys and sells nothing: the BTC kept are the
    # reserve's holdings, so their value is the reserve's value_usd (a separate account)
    result = _run(_site(disposal="hold", reserve="state"))
    assert result.path_metrics is not None
    reserve_value = result.path_metrics["state.value_usd"].to_numpy()
    gain = _path(result, "kept_btc_gain_usd")
    np.testing.assert_allclose(gain, reserve_value - _path(result, "revenue_usd"), rtol=1e-9)


def test_shutdown_days_draw_no_power_but_pay_opex() -> None:
    # a fleet that stops on loss-making days: the energy bill is the tariff x the energy
    # drawn on the days it ran, and the other opex is paid on every day
    site = _site(shutdown_when_unprofitable=True, other_opex_usd_per_mw_year=60_000)
    site["market"]["price"].update(start_usd=40_000, volatility_per_year=0.8)
    result = _run(site)
    p = lambda m: _path(result, m)  # noqa: E731
    kwh = p("energy_gwh") * 1e6
    assert kwh.min() < 2_000 * 24 * 365 * 1_000  # some paths shut down some days
    np.testing.assert_allclose(p("energy_cost_usd"), kwh * 0.05, rtol=1e-12)
    opex = 2_000 * 60_000 / DAYS_PER_YEAR * 365  # every day, running or not
    np.testing.assert_allclose(p("other_opex_usd"), opex, rtol=1e-12)


def test_ai_side_follows_the_ramp_and_buys_only_new_highs() -> None:
    start = dt.date(2025, 7, 17)
    on = lambda day: (start + dt.timedelta(days=day + 1)).isoformat()  # noqa: E731
    ramp = [
        {"date": on(0), "fraction": 0.5},  # 500 of the AI side's 1,000 MW, days 0-99
        {"date": on(100), "fraction": 0.0},  # none, days 100-199
        {"date": on(200), "fraction": 1.0},  # all 1,000 MW, days 200-364
    ]
    ai = {"revenue_usd_per_mw_year": 1.8e6, "capex_usd_per_mw": 1e7,
          "opex_usd_per_mw_year": 1.5e5, "utilisation": 0.6, "depreciation_years": 15}  # fmt: skip
    result = _run(_site(mining_share=0.5, cost_reflective_usd_per_kwh=0.12, ramp=ramp, ai=ai))
    mw_days = 500 * 100 + 0 * 100 + 1_000 * 165
    life = round(15 * DAYS_PER_YEAR)  # 5,479 days
    # capex: 500 MW on day 0; on day 200 only the 500 MW above the old high of 500
    capex = 500 * 1e7 + 500 * 1e7
    depreciation = 500 * 1e7 * 365 / life + 500 * 1e7 * 165 / life
    revenue = 0.6 * 1.8e6 / DAYS_PER_YEAR * mw_days
    power = 0.6 * 24 * mw_days * 1_000 * 0.12
    opex = 1.5e5 / DAYS_PER_YEAR * mw_days
    assert _median(result, "ai_capex_usd") == pytest.approx(capex, rel=1e-12)
    assert _median(result, "ai_depreciation_usd") == pytest.approx(depreciation, rel=1e-12)
    expected = revenue - power - opex - depreciation
    assert _median(result, "ai_net_usd") == pytest.approx(expected, rel=1e-12)
    assert _median(result, "ai_energy_twh") == pytest.approx(0.6 * 24 * mw_days / 1e6, rel=1e-12)


def test_value_in_local_currency_is_value_times_the_rate_on_each_path() -> None:
    result = simulate(
        load_scenario(
            PROJECT / "scenarios" / "baseline.toml",
            ["scenario.paths=300", "scenario.horizon_years=2"],
        )
    )
    m = result.path_metrics
    assert m is not None
    rate = m["market.fx_lcu_per_usd"].to_numpy()
    np.testing.assert_allclose(
        m["pakistan.value_lcu"].to_numpy(), m["pakistan.value_usd"].to_numpy() * rate, rtol=1e-15
    )
    assert "el_salvador.value_lcu" not in m  # El Salvador's reserve is valued in USD
    assert rate.std() > 0  # a random path


def test_emissions_over_time_are_the_energy_so_far_times_the_factor() -> None:
    result = _run(_site(emission_factor_tco2_per_mwh=0.9))
    pct = result.percentiles
    series = lambda v: pct[(pct.entity == "site") & (pct.variable == v)]  # noqa: E731
    energy, emitted = series("energy_mwh"), series("emissions_tco2")
    assert len(energy) == len(emitted) > 1
    # float32 recorded series: 0.9 x the energy to float32 precision (7 digits)
    np.testing.assert_allclose(emitted.p50.to_numpy(), 0.9 * energy.p50.to_numpy(), rtol=1e-6)
    assert emitted.p50.iloc[-1] == pytest.approx(_median(result, "emissions_tco2"), rel=1e-6)
