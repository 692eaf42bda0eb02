"""The shape of one horizon metric of the registry (:mod:`simulator.results.metrics`).

Standard library only, like the registry, so the command line can read it at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Metric", "NEEDS"]


@dataclass(frozen=True)
class Metric:
    """One horizon metric of the summary.

    Attributes
    ----------
    name : str
        Name in the summary's ``metric`` column, e.g. ``"value_usd"``; unique
        across kinds.
    unit : str
        The summary's ``unit`` column: a physical unit (``"USD"``, ``"BTC"``,
        ``"USD/BTC"``, ...), ``"fraction"`` or ``"probability"``.
    kind : {"market", "reserve", "mining"}
        Kind of entity the metric belongs to.
    higher_is_better : bool or None
        Direction used to score "beats the reference" in a comparison: True,
        more is better; False, less is better; None, not scored (whether more
        is better depends on who is asking, or it is a choice of scale).
    meaning : str
        One-line definition.
    probability : bool
        The share of paths with a 0/1 outcome: the summary holds its mean only
        (no percentiles).
    in_run_table : bool
        Printed by ``btcsim run``.
    key : int or None
        Position among the kind's key metrics (the rows of a comparison and
        the columns of a sweep), counting from 0; None if not a key metric.
    condition : str
        When the summary reports the metric, if not always (empty: always).
    needs : str
        What the entity needs for the metric to be reported, as a code the
        summary checks (:data:`NEEDS`); empty: always reported.
    ledger : bool
        A column of the policy ledger ``btcsim run`` prints per mining operation.
    """

    name: str
    unit: str
    kind: str
    higher_is_better: bool | None
    meaning: str
    probability: bool = False
    in_run_table: bool = False
    key: int | None = None
    condition: str = ""
    needs: str = ""
    ledger: bool = False


#: Codes of :attr:`Metric.needs`: what an entity needs for the metric to be reported.
NEEDS = {
    "fx": "the scenario has [market.fx]",
    "local_currency": "the reserve's currency is the [market.fx] currency",
    "benchmark": "the reserve has a benchmark (one for it or for every reserve)",
    "power_sale": "the operation sets power_sale_usd_per_kwh",
    "ai": "the operation has an ai table",
}
