"""Path-by-path outcomes of two runs that share their market draws: who beats whom.

"Beats" depends on the metric (:data:`HIGHER_IS_BETTER`, a view of the
registry :data:`simulator.results.metrics.METRICS`): more is better for BTC,
value and margin, less for costs, break-even price, drawdown and the chances
of ending below cost or at a net loss; the market's price and hashrate and
costs that are a choice of scale are not scored.
"""

from __future__ import annotations

import numpy as np

from simulator.analysis.variants import MetricRef
from simulator.results.metrics import higher_is_better
from simulator.results.result import Result
from simulator.results.stats import independent_group, path_stats

__all__ = [
    "beats_se",
    "HIGHER_IS_BETTER",
    "TIE_FLOOR",
    "TIE_TOLERANCE",
    "path_column",
    "path_outcomes",
    "prob_beats",
]

#: Scored metrics -> True if more is better, False if less is better.
HIGHER_IS_BETTER: dict[str, bool] = higher_is_better()


def path_column(result: Result, ref: MetricRef) -> np.ndarray | None:
    """Per-path values of ``ref``'s metric in ``result`` (None without per-path metrics)."""
    pm = result.path_metrics
    col = f"{ref.entity}.{ref.metric}"
    if pm is None or col not in pm:
        return None
    return np.asarray(pm[col], dtype=np.float64)


#: Relative difference below which two paths' values are a tie [-]: far above the
#: rounding of a ten-year day loop (~1e-13), far below any difference that matters.
TIE_TOLERANCE = 1e-9
#: Scale below which the tolerance is absolute (a drawdown of 1e-14 is no drawdown).
TIE_FLOOR = 1e-3


def _beats(reference: Result, other: Result, ref: MetricRef) -> tuple[np.ndarray, np.ndarray]:
    """Per common path: ``other`` beats ``reference`` (0/1), and the two are tied (0/1)."""
    higher = HIGHER_IS_BETTER.get(ref.metric)
    a, b = path_column(reference, ref), path_column(other, ref)
    if a is None or b is None or min(len(a), len(b)) == 0:
        return np.empty(0), np.empty(0)
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    with np.errstate(invalid="ignore"):
        scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), TIE_FLOOR)
        tied = (a == b) | (np.abs(a - b) <= TIE_TOLERANCE * scale)
    tied |= np.isnan(a) & np.isnan(b)
    if higher is None:
        return np.full(n, np.nan), tied.astype(np.float64)
    with np.errstate(invalid="ignore"):
        better = (b > a if higher else b < a) & ~tied
    return better.astype(np.float64), tied.astype(np.float64)


def beats_se(reference: Result, other: Result, ref: MetricRef) -> float:
    """Monte Carlo standard error of P(``other`` beats ``reference``).

    Binomial over the common paths; over antithetic pairs or QMC sets when
    either run grouped its paths (``scenario.variance_reduction``): the
    outcomes of paths ``2k`` and ``2k + 1`` are then dependent through that
    run's pair (of a set's paths, through its Sobol' points), while groups of
    independent paths are valid groups too, and a set of 256 holds whole
    pairs (:func:`simulator.results.stats.path_stats`).
    """
    better, _ = _beats(reference, other, ref)
    if better.size < 2 or np.isnan(better).any():
        return float("nan")
    group = max(
        independent_group(r.meta.get("variance_reduction", "none")) for r in (reference, other)
    )
    return float(path_stats(better, (), probability=True, group=group).mean_se)


def path_outcomes(reference: Result, other: Result, ref: MetricRef) -> tuple[float, float]:
    """Shares of paths on which ``other`` beats ``reference``, and on which they are equal.

    "Beats" follows :data:`HIGHER_IS_BETTER` (ties do not count); NaN for
    unscored metrics or missing per-path values. Values within
    :data:`TIE_TOLERANCE` of each other (relative) are a tie: two reserves
    holding only BTC have the same drawdown, but their flow-neutral indices
    are computed from different holdings and differ in the 16th digit. Where path counts differ,
    the common first paths are compared (they share market draws).
    """
    better, tied = _beats(reference, other, ref)
    if tied.size == 0:
        return float("nan"), float("nan")
    return float(better.mean()), float(tied.mean())


def prob_beats(reference: Result, other: Result, ref: MetricRef) -> float:
    """Share of paths on which ``other`` beats ``reference`` (see :func:`path_outcomes`)."""
    return path_outcomes(reference, other, ref)[0]
