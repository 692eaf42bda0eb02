"""SALib for ``btcsim sensitivity --sobol``: availability, Saltelli/Sobol' sampling, indices.

References
----------
.. [1] Saltelli, A. et al. (2010). Variance based sensitivity analysis of model
   output. Computer Physics Communications 181(2), 259-270.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["SALIB_MISSING", "salib_available", "sobol_indices", "sobol_sample"]

SALIB_MISSING = "--sobol needs SALib: pip install -e '.[sensitivity]'"


def salib_available() -> bool:
    """True when SALib can be imported."""
    try:
        import SALib  # noqa: F401
    except ImportError:
        return False
    return True


def sobol_sample(problem: dict[str, Any], n: int, seed: int) -> np.ndarray:
    """``n x (inputs + 2)`` points of SALib's Sobol' sequence for first and total indices."""
    try:
        from SALib.sample import sobol as sampler
    except ImportError:  # SALib < 1.4.6 calls it saltelli
        from SALib.sample import saltelli as sampler
    return np.asarray(sampler.sample(problem, n, calc_second_order=False, seed=seed))


def sobol_indices(problem: dict[str, Any], y: np.ndarray, seed: int) -> dict[str, Any]:
    """First-order and total indices (with confidence) of ``y`` over the sample [1]_."""
    from SALib.analyze import sobol as analyzer

    return dict(
        analyzer.analyze(problem, y, calc_second_order=False, print_to_console=False, seed=seed)
    )
