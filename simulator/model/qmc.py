r"""Randomised quasi-Monte Carlo normals: scrambled Sobol' points and a Brownian bridge.

The random market models are driven by daily standard normals :math:`z_d`,
the increments of a Brownian motion :math:`W_d = \sum_{i \le d} z_i` on the
day grid. Plain Monte Carlo draws the :math:`z_d` one after another. The
Brownian-bridge construction instead fills the path coarse to fine: the first
normal fixes :math:`W_N` (the horizon), the second :math:`W_{N/2}` given it,
the next two the quarter points, and so on. Read in this order, the first few
normals carry almost all of a path's variance. After :math:`m` points the
bridge's remaining variance, averaged over the path, is about :math:`1/(3m)`
of the path's own (for evenly spaced points :math:`N/m` apart, a bridge
segment has mean variance :math:`N/(6m)`; the path has :math:`N/2`). So those
leading normals are the ones worth taking from a low-discrepancy sequence.

:func:`sobol_normals` turns a scrambled Sobol' point set into normals;
:func:`bridge_increments` builds the daily increments from normals in
bridge order. The engine takes the first :data:`QMC_DIMS` bridge normals of
each stream from Sobol' points and the rest from the pseudo-random stream
(a "padded" or hybrid sequence). Whatever their order, the increments of a
bridge fed with independent N(0, 1) normals are independent N(0, 1), so the
models see the same distribution as in plain Monte Carlo; each scrambled
point set is an unbiased estimator, and independent scrambles are
independent replicates.

References
----------
.. [1] Glasserman, P. (2004). *Monte Carlo Methods in Financial Engineering*.
   Springer. Sections 3.1 (Brownian bridge construction), 5.5 (the bridge with
   quasi-Monte Carlo) and 5.4 (randomised QMC, error from replicates).
.. [2] Owen, A. B. (1998). Scrambling Sobol' and Niederreiter-Xing points.
   *Journal of Complexity*, 14(4), 466-489.
.. [3] Caflisch, R. E., Morokoff, W. & Owen, A. B. (1997). Valuation of
   mortgage-backed securities using Brownian bridges to reduce effective
   dimension. *Journal of Computational Finance*, 1(1), 27-46.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numba import njit
from numpy.random import Generator

__all__ = ["QMC_DIMS", "bridge_increments", "bridge_order", "sobol_normals"]

#: Bridge normals per stream taken from Sobol' points [-]: the rest of a path is
#: pseudo-random. By the 1/(3m) rule above, 128 points leave about 0.26 % of a
#: path's variance to the pseudo-random part, while scrambling 3 x 128 dimensions
#: for a set of 256 points takes about 9 ms (for the whole path, 3 x 3,650
#: dimensions, it would take longer than the kernel's day loop over the set).
QMC_DIMS = 128

#: The bridge's construction order: (points, left neighbours, right neighbours,
#: left weights, right weights, conditional standard deviations), 1-D arrays.
Order = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@functools.cache
def bridge_order(n_days: int) -> Order:
    r"""The Brownian-bridge construction order on days ``1 .. n_days``, coarse to fine.

    The first point is day ``n_days`` (from day 0, where :math:`W_0 = 0`).
    Then, level by level, every interval :math:`(l, r)` of more than one day
    is split at :math:`m = \lfloor (l + r)/2 \rfloor`, left to right, with

    .. math::

        W_m = \frac{r - m}{r - l} W_l + \frac{m - l}{r - l} W_r
              + \sqrt{\frac{(m - l)(r - m)}{r - l}}\; z.

    Each point's neighbours come earlier in the order, and the ``k``-th
    normal of a path fixes the ``k``-th point. Levels 0 to 8 are the first
    256 points (1 + 1 + 2 + ... + 128), spread about evenly over the horizon.

    Parameters
    ----------
    n_days : int
        Number of days, >= 1 [day].

    Returns
    -------
    Order
        The points [day], their left and right neighbours [day], the two
        weights [-] and the conditional standard deviation [sqrt(day)].

    References
    ----------
    .. [1] Glasserman (2004), Section 3.1.2, the Brownian bridge construction.
    """
    if n_days < 1:
        raise ValueError(f"n_days must be >= 1 (got {n_days})")
    # W_N from W_0 = 0 alone: both neighbours are day 0, with weight 0
    parts: list[list[np.ndarray]] = [
        [np.array([n_days]), np.zeros(1, np.int64), np.zeros(1, np.int64)],
    ]
    weights: list[list[np.ndarray]] = [[np.zeros(1), np.zeros(1), np.array([math.sqrt(n_days)])]]
    intervals = [(0, n_days)]
    while intervals := [(left, right) for left, right in intervals if right - left > 1]:
        lo = np.array([a for a, _ in intervals], dtype=np.int64)
        hi = np.array([b for _, b in intervals], dtype=np.int64)
        mid = (lo + hi) // 2
        span = (hi - lo).astype(np.float64)
        parts.append([mid, lo, hi])
        weights.append(
            [(hi - mid) / span, (mid - lo) / span, np.sqrt((mid - lo) * (hi - mid) / span)]
        )
        intervals = [pair for m, a, b in zip(mid, lo, hi, strict=True) for pair in ((a, m), (m, b))]
    ints = [np.concatenate([p[j] for p in parts]).astype(np.int64) for j in range(3)]
    floats = [np.concatenate([w[j] for w in weights]) for j in range(3)]
    for array in (*ints, *floats):
        array.setflags(write=False)  # cached: shared by every caller
    return ints[0], ints[1], ints[2], floats[0], floats[1], floats[2]


@njit(cache=True, nogil=True)
def _bridge(
    head: np.ndarray,
    tail: np.ndarray,
    points: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    w_left: np.ndarray,
    w_right: np.ndarray,
    sd: np.ndarray,
    out: np.ndarray,
) -> None:  # pragma: no cover - compiled; bridge_increments is tested
    n, n_head = head.shape
    n_days = out.shape[1]
    w = np.zeros(n_days + 1)
    for i in range(n):
        for k in range(n_days):
            z = head[i, k] if k < n_head else tail[i, k - n_head]
            w[points[k]] = w_left[k] * w[left[k]] + w_right[k] * w[right[k]] + sd[k] * z
        for d in range(n_days):
            out[i, d] = w[d + 1] - w[d]


def bridge_increments(head: np.ndarray, tail: np.ndarray | None = None) -> np.ndarray:
    r"""Daily Brownian increments built from standard normals in bridge order.

    Parameters
    ----------
    head : numpy.ndarray
        Shape ``(n_paths, k)`` [-]: column ``j`` is the normal of the
        ``j``-th point of :func:`bridge_order` (from Sobol' points, say).
    tail : numpy.ndarray, optional
        Shape ``(n_paths, n_days - k)`` [-]: the normals of the later points
        (pseudo-random, say). Without it ``n_days = k``.

    Returns
    -------
    numpy.ndarray
        Float64 ``(n_paths, n_days)``: :math:`z_d = W_d - W_{d-1}` [-], where
        :math:`W` has unit variance per day. Independent N(0, 1) inputs give
        independent N(0, 1) increments.

    References
    ----------
    .. [1] Glasserman (2004), Section 3.1.2.
    """
    head = np.ascontiguousarray(head, dtype=np.float64)
    if head.ndim != 2:
        raise ValueError(f"head must be 2-D (n_paths, k) (got shape {head.shape})")
    n = head.shape[0]
    tail = np.ascontiguousarray(np.empty((n, 0)) if tail is None else tail, dtype=np.float64)
    if tail.ndim != 2 or tail.shape[0] != n:
        raise ValueError(f"tail must be 2-D with {n} rows (got shape {tail.shape})")
    n_days = head.shape[1] + tail.shape[1]
    out = np.empty((n, n_days))
    if n and n_days:
        _bridge(head, tail, *bridge_order(n_days), out)
    return out


def sobol_normals(rng: Generator, n_points: int, dims: int) -> np.ndarray:
    """Standard normals from one scrambled Sobol' point set.

    Parameters
    ----------
    rng : numpy.random.Generator
        Seeds the scramble (a linear matrix scramble with a digital shift).
    n_points : int
        Points, a power of two (the net's balance holds for powers of two).
    dims : int
        Dimensions, at most 21,201 (:class:`scipy.stats.qmc.Sobol`).

    Returns
    -------
    numpy.ndarray
        Float64 ``(n_points, dims)`` of the inverse normal CDF of the points
        (each moved to the middle of its cell of width 2**-30) [-]; each row
        is marginally N(0, 1)^dims up to that grid, so ``|z| <= 6.2``. Rows come in the Sobol'
        order, so the first ``k`` rows are the same for any ``n_points >= k``.

    References
    ----------
    .. [1] Owen (1998); Glasserman (2004), Section 5.4.
    """
    if n_points < 1 or n_points & (n_points - 1):
        raise ValueError(f"n_points must be a power of two (got {n_points})")
    # imported here: scipy.stats takes 0.4 s to import, which only QMC runs should pay
    from scipy.special import ndtri
    from scipy.stats import qmc

    sampler = qmc.Sobol(dims, scramble=True, rng=rng)
    u = sampler.random_base2(int(math.log2(n_points)))
    # a scrambled coordinate is k / 2**bits: move it to its cell's midpoint, so that
    # k = 0 (probability 2**-bits) maps to -6.2, as the largest k maps to +6.2,
    # not to -inf or, clamped, to -37.5 standard deviations
    u += 0.5 / 2.0**sampler.bits
    return np.asarray(ndtri(u))
