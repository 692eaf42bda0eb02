"""btcsim: Bitcoin reserve and mining what-if simulator.

Public API::

    from simulator import load_scenario, simulate, load_facts
    result = simulate(load_scenario("scenarios/baseline.toml"))
    result.summary          # horizon metrics, tidy
    result.percentiles      # p5..p95 over time, tidy
"""

from simulator.facts import load_facts
from simulator.results import Result
from simulator.runner import run_file, simulate
from simulator.scenario import ResolvedScenario, ScenarioError, load_scenario

__all__ = [
    "load_facts",
    "load_scenario",
    "simulate",
    "run_file",
    "Result",
    "ResolvedScenario",
    "ScenarioError",
]
