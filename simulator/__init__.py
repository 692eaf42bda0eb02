"""btcsim: Bitcoin reserve and mining what-if simulator.

Public API (each name is imported on first use, so ``import simulator`` is cheap)::

    from simulator import load_scenario, simulate
    result = simulate(load_scenario("scenarios/baseline.toml"))
    result.summary          # horizon metrics, tidy
    result.percentiles      # p5..p95 over time, tidy

    from simulator import compare, sweep, sensitivity, load_facts, viz

The layers, each importing only from those before it: ``model`` <- ``inputs``
<- ``engine`` <- ``results`` <- ``analysis`` <- ``viz`` <- ``cli``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator import viz
    from simulator.analysis.compare import Comparison, compare
    from simulator.analysis.sensitivity import Sensitivity, sensitivity
    from simulator.analysis.sweep import Sweep, sweep
    from simulator.inputs.facts import load_facts
    from simulator.inputs.scenario import ResolvedScenario, ScenarioError, load_scenario
    from simulator.results.result import Result
    from simulator.results.simulate import run_file, simulate, simulate_many

__version__ = "0.2.0"

#: Public name -> module that defines it.
_API: dict[str, str] = {
    "load_scenario": "simulator.inputs.scenario",
    "ResolvedScenario": "simulator.inputs.scenario",
    "ScenarioError": "simulator.inputs.scenario",
    "load_facts": "simulator.inputs.facts",
    "simulate": "simulator.results.simulate",
    "simulate_many": "simulator.results.simulate",
    "run_file": "simulator.results.simulate",
    "Result": "simulator.results.result",
    "compare": "simulator.analysis.compare",
    "Comparison": "simulator.analysis.compare",
    "sweep": "simulator.analysis.sweep",
    "Sweep": "simulator.analysis.sweep",
    "sensitivity": "simulator.analysis.sensitivity",
    "Sensitivity": "simulator.analysis.sensitivity",
}

__all__ = [
    "Comparison",
    "ResolvedScenario",
    "Result",
    "ScenarioError",
    "Sensitivity",
    "Sweep",
    "__version__",
    "compare",
    "load_facts",
    "load_scenario",
    "run_file",
    "sensitivity",
    "simulate",
    "simulate_many",
    "sweep",
    "viz",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562)."""
    if name == "viz":
        return importlib.import_module("simulator.viz")
    if name in _API:
        value = getattr(importlib.import_module(_API[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
