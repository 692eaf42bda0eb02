"""PRIM scenario discovery: a thin, quiet wrapper of EMA Workbench's implementation.

PRIM (Friedman and Fisher's patient rule induction method) peels the box of
sampled inputs a few per cent at a time, keeping the side that concentrates
the "bad" samples, and records the *peeling trajectory*: for each box its
coverage (share of all bad samples inside it), density (share of the samples
inside it that are bad), mass (share of all samples inside it) and the number
of restricted inputs.

Choice rule (:data:`MIN_COVERAGE`): of the boxes on the trajectory whose
coverage is at least 0.8, the one with the highest density; on a tie, the
first (widest) of them. The whole input box always qualifies (coverage 1), so
a box is always chosen.

References
----------
.. [1] J. H. Friedman and N. I. Fisher, "Bump hunting in high-dimensional
   data", Statistics and Computing 9 (1999) 123-143.
.. [2] B. P. Bryant and R. J. Lempert, "Thinking inside the box: a
   participatory, computer-assisted approach to scenario discovery",
   Technological Forecasting and Social Change 77 (2010) 34-49.
.. [3] J. H. Kwakkel, "The Exploratory Modeling Workbench", Environmental
   Modelling & Software 96 (2017) 239-250.
"""

from __future__ import annotations

import importlib.util
import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CHOICE_RULE",
    "MIN_COVERAGE",
    "PRIM_MISSING",
    "PrimBox",
    "ema_available",
    "find_box",
]

PRIM_MISSING = "btcsim discover needs ema_workbench: pip install -e '.[discover]'"
#: The chosen box is the densest box on the trajectory with at least this coverage.
MIN_COVERAGE = 0.8
CHOICE_RULE = (
    f"the highest-density box on the peeling trajectory with coverage >= {MIN_COVERAGE:g} "
    "(the widest such box on a tie)"
)


def ema_available() -> bool:
    """Whether ema_workbench can be imported."""
    return importlib.util.find_spec("ema_workbench") is not None


def _prim_module() -> Any:
    """Import ``ema_workbench.analysis.prim`` without its import-time warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

    logging.getLogger("EMA").setLevel(logging.ERROR)
    return prim


@dataclass
class PrimBox:
    """The peeling trajectory and the chosen box.

    Attributes
    ----------
    trajectory : pandas.DataFrame
        One row per box: ``box``, ``coverage``, ``density``, ``mass``,
        ``res_dim``, ``chosen``.
    chosen : int
        Index of the chosen box in ``trajectory``.
    limits : pandas.DataFrame
        The chosen box, one row per input: ``key``, ``box_low``, ``box_high``,
        ``full_low``, ``full_high``, ``restricted``.
    """

    trajectory: pd.DataFrame
    chosen: int
    limits: pd.DataFrame

    @property
    def coverage(self) -> float:
        """Coverage of the chosen box."""
        return float(self.trajectory.coverage.iloc[self.chosen])

    @property
    def density(self) -> float:
        """Density of the chosen box."""
        return float(self.trajectory.density.iloc[self.chosen])

    @property
    def mass(self) -> float:
        """Mass of the chosen box."""
        return float(self.trajectory.mass.iloc[self.chosen])

    @property
    def restricted(self) -> list[str]:
        """Keys of the restricted inputs, most restricted (narrowest share of range) first."""
        rows = self.limits[self.limits.restricted].copy()
        width = rows.full_high - rows.full_low
        share = (rows.box_high - rows.box_low) / width.where(width > 0, 1.0)
        return list(rows.assign(share=share).sort_values("share", kind="stable").key)


def _choose(trajectory: pd.DataFrame, min_coverage: float) -> int:
    ok = trajectory[trajectory.coverage >= min_coverage - 1e-12]
    if ok.empty:  # cannot happen (the first box covers everything); be safe
        return 0
    best = ok.density.max()
    return int(ok.index[ok.density >= best - 1e-12][0])


def find_box(
    x: pd.DataFrame,
    bad: np.ndarray,
    full: Mapping[str, tuple[float, float]] | None = None,
    *,
    min_coverage: float = MIN_COVERAGE,
    peel_alpha: float = 0.05,
) -> PrimBox:
    """Run PRIM on samples ``x`` (one column per input) and the 0/1 outcome ``bad``.

    ``full`` gives each input's full range (default: the samples' min and
    max); an input is restricted when the box's limit is inside the sampled
    values' span. Logging and warnings of ema_workbench are silenced.

    Raises
    ------
    ImportError
        When ema_workbench is not installed (message: :data:`PRIM_MISSING`).
    """
    if not ema_available():
        raise ImportError(PRIM_MISSING)
    prim = _prim_module()
    x = x.astype(float).reset_index(drop=True)
    y = np.asarray(bad, dtype=int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # threshold 0.5: with a 0/1 outcome, ema counts y >= threshold as a case of interest
        finder = prim.Prim(x, y, threshold=0.5, peel_alpha=peel_alpha)
        box = finder.find_box()
    peel = box.peeling_trajectory.reset_index(drop=True)
    trajectory = pd.DataFrame(
        {
            "box": np.arange(len(peel)),
            "coverage": peel.coverage.to_numpy(float),
            "density": peel.density.to_numpy(float),
            "mass": peel.mass.to_numpy(float),
            "res_dim": peel.res_dim.to_numpy(int),
        }
    )
    chosen = _choose(trajectory, min_coverage)
    trajectory["chosen"] = trajectory.box == chosen
    lims = box.box_lims[chosen]
    rows = []
    for key in x.columns:
        span = (float(x[key].min()), float(x[key].max()))
        lo, hi = (full or {}).get(key, span)
        b_lo, b_hi = float(lims[key].iloc[0]), float(lims[key].iloc[1])
        restricted = b_lo > span[0] or b_hi < span[1]
        rows.append(
            {
                "key": key,
                "box_low": b_lo if b_lo > span[0] else float(lo),
                "box_high": b_hi if b_hi < span[1] else float(hi),
                "full_low": float(lo),
                "full_high": float(hi),
                "restricted": restricted,
            }
        )
    return PrimBox(trajectory, chosen, pd.DataFrame(rows))
