"""Random-input plumbing shared by the market models.

This module is the lowest layer of :mod:`simulator.model`: it holds the input
checks used by the path models, drawing and correlating the standard normals
that drive the random models, and dated multiplicative shocks. The public
functions are re-exported by :mod:`simulator.model.price.basic`.

Arrays follow the conventions of :mod:`simulator.model.price.basic`: shape
``(n_paths, n_days)``, column ``d`` is the end of simulated day ``d``, and the
start value (time 0) is not included.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence

import numpy as np

__all__ = [
    "apply_shocks",
    "check_finite",
    "check_growth",
    "check_out",
    "check_positive",
    "check_size",
    "check_volatility",
    "check_z",
    "correlate",
    "draw_normals",
    "mirrored",
]


# ---------------------------------------------------------------- validation
def check_size(n_paths: int, n_days: int) -> tuple[int, int]:
    """Return ``(n_paths, n_days)`` as ints, raising ValueError if invalid."""
    sizes = []
    for name, value in (("n_paths", n_paths), ("n_days", n_days)):
        if isinstance(value, bool):
            raise ValueError(f"{name} must be a non-negative integer (got {value!r})")
        try:
            size = operator.index(value)
        except TypeError:
            raise ValueError(f"{name} must be a non-negative integer (got {value!r})") from None
        if size < 0:
            raise ValueError(f"{name} must be a non-negative integer (got {size})")
        sizes.append(size)
    return sizes[0], sizes[1]


def check_finite(value: float, name: str) -> float:
    """Return ``value`` as a finite float, raising ValueError otherwise."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a finite number (got {value!r})") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number (got {number})")
    return number


def check_positive(value: float, name: str) -> float:
    """Return ``value`` as a float, requiring it finite and > 0."""
    number = check_finite(value, name)
    if number <= 0.0:
        raise ValueError(f"{name} must be > 0 (got {number})")
    return number


def check_volatility(value: float, name: str) -> float:
    """Return ``value`` as a float, requiring it finite and >= 0."""
    number = check_finite(value, name)
    if number < 0.0:
        raise ValueError(f"{name} must be >= 0 (got {number})")
    return number


def check_growth(value: float, name: str) -> float:
    """Return ``value`` as a float, requiring it finite and > -1 (i.e. > -100 %)."""
    number = check_finite(value, name)
    if number <= -1.0:
        raise ValueError(f"{name} must be > -1, i.e. more than -100 % (got {number})")
    return number


def check_z(z: np.ndarray, name: str = "z", shape: tuple[int, ...] | None = None) -> np.ndarray:
    """Return ``z`` as a 2-D real array, optionally of an expected shape."""
    z = np.asarray(z)
    if z.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (n_paths, n_days) (got shape {z.shape})")
    if z.dtype.kind not in "fiu":
        raise ValueError(f"{name} must hold real numbers (got dtype {z.dtype})")
    if shape is not None and z.shape != shape:
        raise ValueError(f"{name} has shape {z.shape}, expected (n_paths, n_days) = {tuple(shape)}")
    return z


def check_out(out: np.ndarray, shape: tuple[int, ...], name: str = "out") -> np.ndarray:
    """Check that ``out`` is a writeable float64 array of the given shape."""
    if not isinstance(out, np.ndarray) or out.dtype != np.float64:
        raise ValueError(f"{name} must be a float64 numpy array")
    if out.shape != shape:
        raise ValueError(f"{name} has shape {out.shape}, expected {shape}")
    if not out.flags.writeable:
        raise ValueError(f"{name} must be writeable")
    return out


# ---------------------------------------------------------------- normals
def draw_normals(
    rng: np.random.Generator, n_paths: int, n_days: int, out: np.ndarray | None = None
) -> np.ndarray:
    """Draw independent standard normals for the random path models.

    Parameters
    ----------
    rng : numpy.random.Generator
        Random stream to draw from (never created here).
    n_paths : int
        Number of Monte Carlo paths.
    n_days : int
        Number of simulated days [day].
    out : numpy.ndarray, optional
        C-contiguous float64 array of shape ``(n_paths, n_days)`` to fill.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n_paths, n_days)`` of N(0, 1) draws [-],
        filled in row-major order (path by path); ``out`` if given.

    References
    ----------
    .. [1] Glasserman, P. (2004). *Monte Carlo Methods in Financial
       Engineering*. Springer. Section 2.3, generating normal random variables.
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator (got {type(rng).__name__})")
    shape = check_size(n_paths, n_days)
    if out is None:
        return rng.standard_normal(shape)
    check_out(out, shape)
    if not out.flags.c_contiguous:
        raise ValueError("out must be C-contiguous")
    rng.standard_normal(out=out)
    return out


def mirrored(half: np.ndarray, n: int) -> np.ndarray:
    """Antithetic pairs: rows ``2k`` and ``2k + 1`` are ``half[k]`` and ``-half[k]``; ``n`` rows.

    ``half`` holds ``ceil(n / 2)`` rows drawn row by row, so the first ``n``
    rows of a block are the same whatever ``n`` (an odd ``n`` ends on the
    first member of a pair). The mean of each pair's shocks is zero, and a
    linear correlation of two mirrored arrays is mirrored too.

    References
    ----------
    .. [1] Glasserman, P. (2004). *Monte Carlo Methods in Financial
       Engineering*. Springer. Section 4.2, antithetic variates.
    """
    out = np.empty((2 * half.shape[0], half.shape[1]), dtype=np.float64)
    out[0::2] = half
    np.negative(half, out=out[1::2])
    return out[:n]


# ---------------------------------------------------------------- shocks
def apply_shocks(
    paths: np.ndarray, shock_days: Sequence[int], changes: Sequence[float]
) -> np.ndarray:
    r"""Apply dated one-off relative jumps to paths, in place.

    A shock of relative size :math:`c_j` on day :math:`d_j` multiplies the
    value at the end of day :math:`d_j` and every later day:

    .. math:: X'_d = X_d \prod_{j:\, d_j \le d} (1 + c_j)

    Several shocks compose multiplicatively (two -50 % shocks leave 25 %).

    Parameters
    ----------
    paths : numpy.ndarray
        Float64 array of shape ``(n_paths, n_days)`` [any unit]; modified in
        place.
    shock_days : sequence of int
        Day index of each shock, ``0 <= day < n_days`` [day].
    changes : sequence of float
        Relative change of each shock, > -1 [-] (-0.5 means -50 %).

    Returns
    -------
    numpy.ndarray
        ``paths`` itself, shocked.

    References
    ----------
    .. [1] Merton, R. C. (1976). Option pricing when underlying stock returns
       are discontinuous. *Journal of Financial Economics*, 3(1-2), 125-144.
       (Multiplicative jumps in a price path; here the jumps are dated.)
    """
    paths = check_out(paths, np.shape(paths), "paths")
    if paths.ndim != 2:
        raise ValueError(f"paths must be a 2-D array (n_paths, n_days) (got shape {paths.shape})")
    if len(shock_days) != len(changes):
        raise ValueError(
            f"shock_days and changes must have the same length "
            f"(got {len(shock_days)} and {len(changes)})"
        )
    n_days = paths.shape[1]
    factors = np.ones(n_days, dtype=np.float64)
    for j, (day, change) in enumerate(zip(shock_days, changes, strict=True)):
        if isinstance(day, bool | np.bool_):
            raise ValueError(f"shock_days[{j}] must be an integer day index (got {day!r})")
        try:
            d = operator.index(day)
        except TypeError:
            raise ValueError(
                f"shock_days[{j}] must be an integer day index (got {day!r})"
            ) from None
        if not 0 <= d < n_days:
            raise ValueError(f"shock_days[{j}] must be in [0, {n_days}) (got {d})")
        factors[d] *= 1.0 + check_growth(change, f"changes[{j}]")
    if len(shock_days):
        np.cumprod(factors, out=factors)
        paths *= factors
    return paths


def correlate(
    z_price: np.ndarray,
    z_other: np.ndarray,
    rho: float,
    *,
    out: np.ndarray | None = None,
) -> np.ndarray:
    r"""Standard normals correlated with the price normals.

    .. math:: z' = \rho\, z_{price} + \sqrt{1 - \rho^2}\, z_{other}

    If ``z_price`` and ``z_other`` are independent N(0, 1), so is :math:`z'`,
    and :math:`\mathrm{corr}(z_{price}, z') = \rho` (a two-dimensional
    Cholesky factorisation).

    Parameters
    ----------
    z_price : numpy.ndarray
        Price normals, shape ``(n_paths, n_days)`` [-]; not modified.
    z_other : numpy.ndarray
        Independent normals of the same shape [-].
    rho : float
        Correlation, :math:`-1 \le \rho \le 1` [-].
    out : numpy.ndarray, optional
        Float64 array of the same shape to write into; may be ``z_other``
        (in place) but must not overlap ``z_price``.

    Returns
    -------
    numpy.ndarray
        Float64 array of shape ``(n_paths, n_days)`` of correlated normals [-].

    References
    ----------
    .. [1] Glasserman, P. (2004). *Monte Carlo Methods in Financial
       Engineering*. Springer. Section 2.3.3, Cholesky factorisation.
    """
    r = check_finite(rho, "rho")
    if abs(r) > 1.0:
        raise ValueError(f"rho must be between -1 and 1 (got {r})")
    z_price = check_z(z_price, "z_price")
    z_other = check_z(z_other, "z_other", shape=z_price.shape)
    if out is None:
        out = np.empty(z_price.shape, dtype=np.float64)
    else:
        check_out(out, z_price.shape)
        if np.may_share_memory(out, z_price):
            raise ValueError("out must not share memory with z_price")
    c = math.sqrt((1.0 - r) * (1.0 + r))
    if r == 0.0:
        np.copyto(out, z_other)
    elif c == 0.0:
        np.multiply(z_price, r, out=out)
    else:
        # rho * (z_price + (c / rho) * z_other): three in-place passes, no temporary.
        np.multiply(z_other, c / r, out=out)
        out += z_price
        out *= r
    return out
