"""The ``[scenario]`` table of a scenario file: identity, calendar and Monte Carlo settings.

Part of :mod:`simulator.inputs.schema`, which re-exports :class:`Meta`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from simulator.inputs.schema_types import (
    WORLD_USD_WHY,
    ScenarioName,
    StartDate,
    StrictModel,
    check_run_end,
    physical,
)

__all__ = ["QMC_MIN_PATHS", "QMC_SET_POINTS", "QMC_TRUSTED_PATHS", "Meta"]

#: Points per scrambled Sobol' set, a power of two [-]. Each set is one
#: independent replicate, and a run's errors come from the spread between sets:
#: 256 gives a 2,048-path run 8 replicates (7 degrees of freedom for its errors),
#: where sets of 1,024 gave 2 and errors that measured 10x too small (Pakistan's
#: median margin, benchmarks/bench_precision.py), at some cost in the spread
#: itself (larger sets are better balanced).
QMC_SET_POINTS = 256

#: Fewest paths a ``"qmc"`` run takes [-]: two scrambled Sobol' sets, since its
#: errors come from the spread between sets.
QMC_MIN_PATHS = 2 * QMC_SET_POINTS

#: Paths from which a ``"qmc"`` run's errors are trusted [-]: 8 complete sets, 7
#: degrees of freedom (an error from 1 is below a third of the truth 26 % of the
#: time). Fewer: the run footer says the errors are rough, and ``--precision``
#: does not stop on them.
QMC_TRUSTED_PATHS = 8 * QMC_SET_POINTS


class Meta(StrictModel):
    """The ``[scenario]`` table: identity, calendar and Monte Carlo settings."""

    name: ScenarioName = Field(
        description="short scenario name; it names the results folder, so letters, digits, _ and -"
    )
    description: str = Field("", description="one paragraph for readers")
    question: str = Field("", description="the what-if question the scenario asks")
    start_date: StartDate = Field(
        description="first simulated day is the day after this date; from 2009-01-03 (the "
        "genesis block) to 2100-01-01 (further out is no longer a projection from today)"
    )
    horizon_years: float = Field(
        10.0, gt=0, le=100, description="default: 10 years; at most 100, ending by 2200-01-01"
    )
    paths: int = Field(
        1000, ge=1, le=10_000_000, description="default: 1,000 Monte Carlo paths; at most 10 M"
    )
    seed: int = Field(20250717, ge=0, description="default: 20250717 (the articles' date)")
    freq: Literal["auto", "D", "W", "M"] = Field(
        "auto", description="output frequency; auto = daily up to 2 years, else monthly"
    )
    variance_reduction: Literal["none", "antithetic", "qmc"] = Field(
        "none",
        description="Monte Carlo variance reduction: none; antithetic (paths in pairs whose "
        "price, network and exchange-rate shocks are mirror images; gbm, t and powerlaw "
        "prices, and the non-random constant, cagr and csv); or qmc (randomised quasi-Monte "
        "Carlo: every 256 paths a scrambled Sobol' set through a Brownian bridge, errors "
        "from the spread between sets, so at least 512 paths, 2,048 or more for errors to "
        "trust; gbm and powerlaw prices, and the non-random ones; not t). Neither works "
        "with jump or bootstrap prices",
    )
    percentiles: Literal["auto", "exact", "streamed"] = Field(
        "auto",
        description="how the percentile bands are computed: exact (every recorded path held in "
        "memory), streamed (path blocks binned into 16,384 buckets per series and output day: "
        "within one bucket of the exact value, memory independent of the paths; the summary "
        "stays exact), or auto = exact while the recorded paths take at most 1 GiB (about "
        "100,000 baseline paths at monthly output), else streamed where that needs less memory",
    )
    benchmark_usd: float | None = physical(
        None,
        gt=0,
        high=1e15,
        unit="USD",
        why=WORLD_USD_WHY,
        description="a USD figure to compare reserve values with, the short form of one "
        "[[benchmark]] named 'benchmark' (none by default)",
    )
    benchmark_label: str = Field("benchmark", description="label for benchmark_usd")

    @field_validator("horizon_years")
    @classmethod
    def _ends_in_calendar(cls, years: float, info: ValidationInfo) -> float:
        return check_run_end(info.data.get("start_date"), years)
