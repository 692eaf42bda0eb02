r"""Percentiles over all paths, the share of paths where a value is defined, and Monte Carlo errors.

Every statistic is taken over **all** paths. A value that is undefined on a
path (``inf`` from a division by zero BTC, ``NaN`` from 0/0) is not dropped:
it keeps its place in the sorted order (``-inf`` below every number, ``inf``
above, ``NaN`` above ``inf``), so a percentile that falls among them is
``inf`` or ``NaN`` and says so, and ``defined_share`` reports on how many
paths the value is a finite number. (Dropping them, as btcsim did before,
printed a median break-even price of a fleet taken over the 42 % of paths on
which it was still running.)

Percentiles use linear interpolation between order statistics, exactly
:func:`numpy.percentile` on finite data. Their Monte Carlo standard errors
come from order statistics [1]_: the number of paths below the true
:math:`q`-quantile is binomial, with standard deviation
:math:`\sqrt{n q (1-q)}` ranks, so

.. math::

    \mathrm{se}(\hat x_q) \approx \tfrac12\big(\hat x(r + \sqrt{n q(1-q)})
    - \hat x(r - \sqrt{n q(1-q)})\big), \qquad r = q (n - 1),

where :math:`\hat x(r)` interpolates the sorted values at rank :math:`r`
(clamped to the sample). It needs no density estimate and no resampling.
The mean's standard error is the sample standard deviation over
:math:`\sqrt n`; a probability's (the mean of a 0/1 outcome) is the binomial
:math:`\sqrt{p(1-p)/n}`. These assume independent paths, as plain Monte Carlo
draws them; with antithetic pairs or QMC sets (``scenario.variance_reduction``)
the groups are the independent draws instead (:func:`path_stats`).

References
----------
.. [1] David, H. A. & Nagaraja, H. N. (2003), *Order Statistics*, 3rd ed.,
   Wiley, section 7.1 (distribution-free confidence intervals for quantiles).
.. [2] Koehler, E., Brown, E. & Haneuse, S. J.-P. A. (2009), "On the
   assessment of Monte Carlo error in simulation-based statistical analyses",
   *The American Statistician* 63(2):155-162.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from simulator.inputs.schema_meta import QMC_SET_POINTS, QMC_TRUSTED_PATHS

__all__ = [
    "Stats",
    "defined_share",
    "errors_counted",
    "independent_group",
    "interpolate_sorted",
    "percentiles_and_mean",
    "path_stats",
]


class Stats(NamedTuple):
    """Statistics of a per-path value over all paths (see the module notes).

    Attributes
    ----------
    percentiles : numpy.ndarray
        One value per requested percentile (first axis).
    mean : numpy.ndarray
        Mean over all paths (``inf``/``NaN`` if any path is).
    percentile_se : numpy.ndarray
        Monte Carlo standard error of each percentile (order statistics).
    mean_se : numpy.ndarray
        Standard error of the mean (binomial for a 0/1 outcome).
    defined_share : numpy.ndarray
        Share of paths on which the value is a finite number [-].
    """

    percentiles: np.ndarray
    mean: np.ndarray
    percentile_se: np.ndarray
    mean_se: np.ndarray
    defined_share: np.ndarray


def interpolate_sorted(s: np.ndarray, rank: float) -> np.ndarray:
    """Values of ``s`` (sorted along its last axis) at fractional ``rank``, clamped.

    Linear between neighbours; where a neighbour is ``inf``/``-inf`` the
    result is that infinity (no ``inf - inf``), where one is NaN it is NaN.
    """
    n = s.shape[-1]
    r = min(max(rank, 0.0), n - 1.0)
    lo = int(np.floor(r))
    hi = min(lo + 1, n - 1)
    w = r - lo
    a = s[..., lo].astype(np.float64)
    if w == 0.0 or hi == lo:
        return a
    b = s[..., hi].astype(np.float64)
    with np.errstate(invalid="ignore"):
        linear = a + (b - a) * w
    out = np.where(np.isinf(a), a, np.where(np.isinf(b), b, linear))
    return np.where(np.isnan(a) | np.isnan(b), np.nan, out)


def percentiles_and_mean(
    x: np.ndarray, q: tuple[int, ...], axis: int
) -> tuple[np.ndarray, np.ndarray]:
    """Percentiles over all values along ``axis`` (undefined values ranked) and the mean.

    ``float32`` input stays ``float32`` while sorting (memory); the mean
    accumulates in ``float64``. Returns ``(percentiles, mean)``, the
    percentiles stacked on a new first axis.
    """
    x = np.asarray(x)
    s = np.moveaxis(np.sort(x, axis=axis), axis, -1)
    n = s.shape[-1]
    pct = np.stack([interpolate_sorted(s, qi / 100.0 * (n - 1)) for qi in q])
    with np.errstate(invalid="ignore"):
        mean = np.asarray(x.mean(axis=axis, dtype=np.float64))
    return pct, mean


def defined_share(x: np.ndarray, axis: int) -> np.ndarray:
    """Share of values along ``axis`` that are finite numbers [-]."""
    x = np.asarray(x)
    return np.asarray(np.count_nonzero(np.isfinite(x), axis=axis) / x.shape[axis])


def independent_group(variance_reduction: str) -> int:
    """Paths per independent group of a run with this ``scenario.variance_reduction`` [-].

    1 for plain Monte Carlo; 2 for antithetic pairs; one scrambled Sobol' set
    of :data:`~simulator.inputs.schema_meta.QMC_SET_POINTS` for randomised QMC
    (:mod:`simulator.engine.normals`).
    """
    return {"none": 1, "antithetic": 2, "qmc": QMC_SET_POINTS}[variance_reduction]


def errors_counted(variance_reduction: str, paths: int) -> str:
    """What a run's Monte Carlo errors count as independent draws, for notes; "" for paths.

    With QMC, complete Sobol' sets only (a short last one counts as paths),
    and a warning under :data:`~simulator.inputs.schema_meta.QMC_TRUSTED_PATHS`.
    """
    if variance_reduction == "antithetic":
        return "over antithetic pairs"
    if variance_reduction != "qmc":
        return ""
    sets = paths // QMC_SET_POINTS
    rough = "; errors from fewer than 8 sets are themselves rough"
    return f"from the spread between {sets:,} QMC sets of {QMC_SET_POINTS} paths" + (
        rough if paths < QMC_TRUSTED_PATHS else ""
    )


def _grouped_sum_var(x: np.ndarray, group: int) -> float:
    r"""Variance of :math:`\sum_i x_i` when the paths come in independent groups of ``group``.

    Groups are consecutive paths (an antithetic pair, ``group = 2``; a QMC
    set, ``group = 256``). The ``m`` complete groups are independent and
    alike, so their sum's variance is :math:`m\,\mathrm{Var}(S_g)`, the
    variance of a group's sum estimated over the groups. ``r`` paths left in
    a short last group add :math:`r\,\mathrm{Var}(x)`, their variance as if
    independent. ``x`` must be in the order the paths were drawn (as every
    per-path array of a run is). NaN with fewer than two complete groups.
    """
    m = x.size // group
    sums = x[: m * group].reshape(m, group).sum(axis=1)
    total = m * float(sums.var(ddof=1)) if m >= 2 else np.nan
    rest = x.size - m * group
    return total + rest * float(x.var(ddof=1)) if rest else total


def path_stats(
    values: np.ndarray, q: tuple[int, ...], probability: bool = False, group: int = 1
) -> Stats:
    r"""Percentiles, mean, their standard errors and the defined share of a 1-D per-path value.

    With ``group > 1`` the paths come in independent groups of ``group``
    consecutive paths: antithetic pairs (``group = 2``, paths ``2k`` and
    ``2k + 1`` mirror each other) or randomised-QMC sets (every 256 paths one
    scrambled Sobol' set). The estimates are the same, but the
    errors count the groups, not the paths, as the independent draws. The
    mean's error is :math:`\sqrt{m\,\mathrm{Var}(S_g)}/n` from the group sums
    :math:`S_g` (a probability's too, not the binomial, but at least
    :math:`1/n`, one path, when the probability is strictly between 0 and 1). A percentile's uses
    the same order-statistic interval with the rank spread
    :math:`\sqrt{m\,\mathrm{Var}(\sum_{i \in g} I_i)}`, where :math:`I` marks a
    path at or below the estimate: for independent paths this is the
    binomial :math:`\sqrt{n q (1-q)}`, and a group that spreads its members
    evenly about the quantile narrows it (to one rank at least: a symmetric
    model's median, which every pair straddles, is still known only to the
    gap between neighbouring order statistics).

    Parameters
    ----------
    values : numpy.ndarray
        One value per path, shape ``(n_paths,)``.
    q : tuple of int
        Percentiles [%].
    probability : bool
        ``values`` is a 0/1 outcome: the mean's error is binomial.
    group : int
        Paths per independent group (:func:`independent_group`); errors need
        two complete groups at least, else NaN.

    Returns
    -------
    Stats

    References
    ----------
    .. [1] Glasserman, P. (2004). *Monte Carlo Methods in Financial
       Engineering*. Springer. Sections 4.2 (antithetic variates), 5.4
       (randomised QMC: errors from independent replicates) and 9.1
       (estimating quantiles).
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    n = x.size
    s = np.sort(x)
    finite = np.isfinite(x)
    defined = np.asarray(np.count_nonzero(finite) / n if n else np.nan)
    pct = np.array([interpolate_sorted(s, qi / 100.0 * (n - 1)) for qi in q], dtype=np.float64)
    grouped = group > 1
    enough = n >= 2 * group
    se = np.empty(len(q))
    for i, qi in enumerate(q):
        p = qi / 100.0
        centre, half = p * (n - 1), float(np.sqrt(n * p * (1.0 - p)))
        if grouped and not enough:
            se[i] = np.nan
            continue
        if grouped and np.isfinite(pct[i]):
            below = (x <= pct[i]).astype(np.float64)
            # at least one rank: where every pair straddles the quantile (a symmetric
            # model's median) the spread is zero, but the estimate is still one of n
            # order statistics, known no closer than the gap to its neighbours
            half = max(float(np.sqrt(_grouped_sum_var(below, group))), 1.0)
        upper = interpolate_sorted(s, centre + half)
        lower = interpolate_sorted(s, centre - half)
        with np.errstate(invalid="ignore"):
            se[i] = np.nan if not np.isfinite(pct[i]) else (upper - lower) / 2.0
    with np.errstate(invalid="ignore"):
        mean = float(x.mean()) if n else np.nan
    if not finite.all() or n < 2 or (grouped and not enough):
        mean_se = np.nan
    elif grouped:
        mean_se = float(np.sqrt(_grouped_sum_var(x, group)) / n)
        if probability and 0.0 < mean < 1.0:
            # at least one path: groups whose counts all tie (a QMC set puts an exact
            # share of its points below a threshold on its first coordinate) give 0,
            # but a share of n paths is known no closer than 1/n
            mean_se = max(mean_se, 1.0 / n)
    elif probability:
        mean_se = float(np.sqrt(mean * (1.0 - mean) / n))
    else:
        mean_se = float(x.std(ddof=1) / np.sqrt(n))
    return Stats(pct, np.asarray(mean), se, np.asarray(mean_se), defined)
