"""Deterministic named paths interpolated from dated points.

A scenario can give a price (or any positive quantity) as a few dated points,
for example analysts' targets, and the simulation follows them exactly,
interpolating log-linearly in between (constant growth rate between points).
Several named paths can be given at once and are cycled over the Monte Carlo
paths. Arrays follow the conventions of :mod:`simulator.model.price.basic`: shape
``(n_paths, n_days)``, column ``d`` is the end of simulated day ``d`` (day
offset ``d + 1`` from the start date), and the start value is not included.
"""

from __future__ import annotations

import operator

import numpy as np

from simulator.model.shocks import check_size

__all__ = ["cycle_paths", "interpolate_paths"]


def interpolate_paths(known_days: np.ndarray, values: np.ndarray, n_days: int) -> np.ndarray:
    r"""Log-linear interpolation of named paths given at dated points.

    .. math::

        \ln X_j(t) = (1 - w)\ln v_{i,j} + w \ln v_{i+1,j}, \qquad
        w = \frac{t - t_i}{t_{i+1} - t_i}, \qquad t_i \le t \le t_{i+1}

    evaluated at the day offsets :math:`t = d + 1`, so between two points the
    value grows at a constant rate. At the given points the value is the given
    one (up to rounding of exp(log)).

    Parameters
    ----------
    known_days : numpy.ndarray
        Day offsets of the points from the start date, :math:`t_i` [day],
        shape ``(k,)`` with ``k >= 2``, finite, strictly increasing; offset 0
        is the start date and may be negative (points before the start).
    values : numpy.ndarray
        Values at the points, :math:`v_{i,j}` [unit of the path], shape
        ``(k, m)``: column ``j`` is named path ``j``; finite and > 0.
    n_days : int
        Number of simulated days [day]; the points must cover the offsets
        ``1 .. n_days``.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(m, n_days)`` [unit of the path]; column ``d``
        is the value at offset ``d + 1``, the end of simulated day ``d``.

    References
    ----------
    .. [1] Press, W. H., Teukolsky, S. A., Vetterling, W. T. & Flannery, B. P.
       (2007). *Numerical Recipes* (3rd ed.). Cambridge University Press.
       Section 3.1 (searching an ordered table, linear interpolation; here of
       the logarithm).
    """
    t = np.asarray(known_days)
    v = np.asarray(values)
    if t.ndim != 1 or t.dtype.kind not in "fiu":
        raise ValueError(f"known_days must be a 1-D array of numbers (got shape {t.shape})")
    t = t.astype(np.float64, copy=False)
    if t.size < 2:
        raise ValueError(f"known_days needs at least 2 dated points (got {t.size})")
    if not np.all(np.isfinite(t)) or not np.all(np.diff(t) > 0.0):
        raise ValueError("known_days must be finite and strictly increasing")
    if v.ndim != 2 or v.dtype.kind not in "fiu" or v.shape[0] != t.size or v.shape[1] < 1:
        raise ValueError(
            f"values must be a 2-D array of numbers of shape (k, m) = ({t.size}, m >= 1) "
            f"(got shape {v.shape})"
        )
    v = v.astype(np.float64, copy=False)
    if not np.all(np.isfinite(v) & (v > 0.0)):
        raise ValueError("values must all be finite and > 0")
    _, n = check_size(0, n_days)
    if n and (t[0] > 1.0 or t[-1] < n):
        raise ValueError(
            f"the dated points cover day offsets {t[0]:g} .. {t[-1]:g} (last covered "
            f"offset {t[-1]:g}), but the simulation needs offsets 1 .. {n} "
            f"(last needed offset {n})"
        )
    target = np.arange(1, n + 1, dtype=np.float64)
    i = np.searchsorted(t, target, side="right") - 1
    np.clip(i, 0, t.size - 2, out=i)
    w = (target - t[i]) / (t[i + 1] - t[i])
    log_v = np.log(v)  # (k, m)
    out = log_v[i].T * (1.0 - w)  # (m, n)
    out += log_v[i + 1].T * w
    np.exp(out, out=out)
    return np.ascontiguousarray(out)


def cycle_paths(paths: np.ndarray, first_path: int, n_paths: int) -> np.ndarray:
    r"""Assign named paths to Monte Carlo paths in rotation.

    .. math:: X_{i,d} = P_{(i_0 + i) \bmod m,\, d}

    Global path :math:`i_0 + i` uses named path :math:`(i_0 + i) \bmod m`,
    so the result does not depend on how the paths are split into blocks.

    Parameters
    ----------
    paths : numpy.ndarray
        Named paths, shape ``(m, n_days)`` with ``m >= 1`` [unit of the path],
        e.g. from :func:`interpolate_paths`.
    first_path : int
        Global index of the first path of this block, :math:`i_0` [-], >= 0.
    n_paths : int
        Number of paths in this block [-], >= 0.

    Returns
    -------
    numpy.ndarray
        New float64 array of shape ``(n_paths, n_days)`` [unit of the path].

    References
    ----------
    .. [1] L'Ecuyer, P., Simard, R., Chen, E. J. & Kelton, W. D. (2002). An
       object-oriented random-number package with many long streams and
       substreams. *Operations Research*, 50(6), 1073-1075. (Results that do
       not depend on how a run is split; here for the path assignment.)
    """
    p = np.asarray(paths)
    if p.ndim != 2 or p.dtype.kind not in "fiu" or p.shape[0] < 1:
        raise ValueError(
            f"paths must be a 2-D array of numbers (m >= 1, n_days) (got shape {p.shape})"
        )
    if isinstance(first_path, bool):
        raise ValueError(f"first_path must be a non-negative integer (got {first_path!r})")
    try:
        first = operator.index(first_path)
    except TypeError:
        raise ValueError(
            f"first_path must be a non-negative integer (got {first_path!r})"
        ) from None
    if first < 0:
        raise ValueError(f"first_path must be a non-negative integer (got {first})")
    count, _ = check_size(n_paths, 0)
    rows = np.arange(first, first + count, dtype=np.int64)
    rows %= p.shape[0]
    return np.ascontiguousarray(p.astype(np.float64, copy=False)[rows])
