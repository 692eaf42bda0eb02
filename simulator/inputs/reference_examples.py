"""Short TOML examples of every table of a scenario file, for the scenario reference.

Each example is a fragment that, added to a file extending
``scenarios/baseline.toml`` (``extends = "baseline.toml"`` in the top-level
example names that file), loads with
:func:`simulator.inputs.scenario.load_scenario`; ``tests/inputs/test_reference.py``
checks every one. Numbers that are not cited are plain assumptions of the
example, not recommendations.
"""

from __future__ import annotations

__all__ = ["EXAMPLES", "FORMS_EXAMPLE"]

#: The four ways to write a value (README, "Scenario files").
FORMS_EXAMPLE = """\
[[reserve]]
name = "el_salvador"
holdings_btc = { cite = "el_salvador.reserve_btc" }        # cited in the source articles
cost_basis_usd = { derive = "el_salvador.cost_basis_usd" } # computed from cited figures

[[mining]]
name = "pakistan"
efficiency_j_per_th = 17.5                                 # a plain assumption (no note)
uptime = { value = 0.95, low = 0.85, high = 0.98, note = "why this value" }
"""

#: One example per table key of the reference (``""``: the top level).
EXAMPLES: dict[str, str] = {
    "": """\
# my_case.toml: the baseline with one change; the file holds only what it changes
extends = "baseline.toml"          # or a list; relative to this file

[scenario]
name = "my_case"
""",
    "scenario": """\
[scenario]
name = "my_case"                   # results go to results/my_case
description = "El Salvador holds; Pakistan mines on 2,000 MW."
question = "What is the reserve worth in 2035?"
start_date = 2025-07-17            # the articles' date
horizon_years = 10
paths = 2000
seed = 20250717
freq = "M"                         # monthly output
benchmark_usd = { cite = "imf.pakistan_facility_usd" }
benchmark_label = "Pakistan's IMF facility"
""",
    "market": """\
[market.price]
model = "constant"
start_usd = { derive = "btc_price.implied_usd" }

[market.network]
model = "constant"
start_ehs = 904
""",
    "market.price": """\
[market.price]
model = "t"                        # Student-t daily returns: fat tails
start_usd = { derive = "btc_price.implied_usd" }
expected_return_per_year = { value = 0.20, low = 0.0, high = 0.45, note = "a view" }
volatility_per_year = 0.55
degrees_of_freedom = 4
""",
    "market.price.shocks[]": """\
[market.price]
shocks = [{ date = 2026-06-01, change = -0.5 }]   # the price halves on 2026-06-01
""",
    "market.fx": """\
[market.fx]
model = "gbm"                      # log-normal PKR per USD; a rising rate is a weaker rupee
currency = "PKR"
start_lcu_per_usd = { value = 283.5, note = "a rate of mid-July 2025; replace with a source" }
expected_growth_per_year = { value = 0.08, low = 0.03, high = 0.15, note = "a view" }
volatility_per_year = 0.10
correlation_with_price = 0.2
""",
    "market.network": """\
[market.network]
model = "economic"                 # hashrate follows what miners' revenue pays for
start_ehs = 904
marginal_efficiency_j_per_th = 20
marginal_electricity_usd_per_kwh = 0.05
all_in_cost_factor = 1.5
adjustment_half_life_days = 425
max_growth_per_month = 0.10
noise_volatility_per_year = 0.3
""",
    "chain": """\
[chain]
start_height = 906013              # at the end of start_date
start_difficulty = 126.27e12
fees_btc_per_block = { value = 0.024, low = 0.01, high = 0.1, note = "2025-H2 mean" }
fees_growth_per_year = 0.0
""",
    "reserve.NAME": """\
[[reserve]]
name = "treasury"                  # a new reserve, added to the inherited ones
holdings_btc = { cite = "el_salvador.reserve_btc" }
cost_basis_usd = { derive = "el_salvador.cost_basis_usd" }

[[reserve]]                        # in a file that extends: drop an inherited reserve
name = "el_salvador"
remove = true
""",
    "reserve.NAME.purchases[]": """\
[[reserve]]
name = "el_salvador"
purchases = [
  { btc_per_day = 1, end_date = 2030-12-31 },                        # 1 BTC a day to 2030
  { usd_per_month = 5e6, start_date = 2031-01-01, budget_usd = 1e8 }, # then $5M a month, $100M cap
]
""",
    "reserve.NAME.sales[]": """\
[[reserve]]
name = "el_salvador"
sales = [{ date = 2027-01-01, btc = 500 }]   # sell 500 BTC on 2027-01-01
""",
    "reserve.NAME.sell_rules[]": """\
[[reserve]]
name = "el_salvador"
sell_rules = [{ above_price_usd = 250000, fraction = 0.05, min_days_between = 365 }]
""",
    "mining.NAME": """\
[[reserve]]
name = "punjab"                    # a second reserve for a second operation

[[mining]]
name = "punjab"
power_mw = 300
electricity_usd_per_kwh = { value = 0.06, low = 0.04, high = 0.09, note = "a negotiated rate" }
efficiency_j_per_th = 17.5
pue = 1.1
uptime = 0.95
disposal = "sell_to_cover"         # sell enough to pay the running costs, keep the rest
reserve = "punjab"
cost_reflective_usd_per_kwh = { value = 0.12, note = "what the power costs to supply" }
power_sale_usd_per_kwh = { value = 0.05, note = "what it would fetch sold instead" }
emission_factor_tco2_per_mwh = 0.95  # coal-fired (the default)
""",
    "mining.NAME.ai": """\
[[mining]]
name = "pakistan"
mining_share = 0.5                 # half the site mines; the other half is leased to AI

[mining.ai]
revenue_usd_per_mw_year = { value = 1_800_000, note = "colocation at about USD 150/kW-month" }
capex_usd_per_mw = { value = 10_000_000, note = "a data-centre hall" }
opex_usd_per_mw_year = 150_000
utilisation = 0.6
""",
    "benchmark.NAME": """\
[[benchmark]]
name = "reserves_sbp"
label = "a central bank's FX reserves"
value_usd = { value = 14_000_000_000, note = "replace with a cited figure or a user fact" }
""",
    "mining.NAME.refreshes[]": """\
[[mining]]
name = "pakistan"
refreshes = [{ date = 2029-01-01, efficiency_j_per_th = 10 }]   # a new fleet from 2029
""",
    "mining.NAME.ramp[]": """\
[[mining]]
name = "pakistan"
ramp = [
  { date = 2026-01-01, fraction = 0.25 },   # a quarter of power_mw from 2026
  { date = 2027-01-01, fraction = 1.0 },    # all of it from 2027
]
""",
}
