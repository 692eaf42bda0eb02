"""Scenario discovery boxes: thin, quiet wrappers of EMA Workbench's PRIM and CART.

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

CART (Breiman et al.'s classification tree, scikit-learn's, through EMA
Workbench) splits the inputs into leaves, each a box, of at least
:data:`CART_MASS_MIN` of the samples (EMA Workbench's default). Its choice
rule (:data:`CART_RULE`): of the leaves where most samples are bad, the one
with the highest coverage; on a tie, the densest. When no leaf is mostly bad,
the densest leaf. The leaves take the place of the trajectory.

References
----------
.. [1] J. H. Friedman and N. I. Fisher, "Bump hunting in high-dimensional
   data", Statistics and Computing 9 (1999) 123-143.
.. [2] B. P. Bryant and R. J. Lempert, "Thinking inside the box: a
   participatory, computer-assisted approach to scenario discovery",
   Technological Forecasting and Social Change 77 (2010) 34-49.
.. [3] L. Breiman, J. H. Friedman, R. A. Olshen and C. J. Stone,
   "Classification and Regression Trees", Wadsworth (1984).
.. [4] J. H. Kwakkel, "The Exploratory Modeling Workbench", Environmental
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
    "CART_MASS_MIN",
    "CART_RULE",
    "CHOICE_RULE",
    "METHODS",
    "MIN_COVERAGE",
    "PRIM_MISSING",
    "FoundBox",
    "ema_available",
    "find_box",
    "find_cart_box",
    "find_boxes",
]

PRIM_MISSING = "btcsim discover needs ema_workbench: pip install -e '.[discover]'"
#: Box-finding methods: EMA Workbench's PRIM and CART.
METHODS = ("prim", "cart")
#: The chosen box is the densest box on the trajectory with at least this coverage.
MIN_COVERAGE = 0.8
CHOICE_RULE = (
    f"the highest-density box on the peeling trajectory with coverage >= {MIN_COVERAGE:g} "
    "(the widest such box on a tie)"
)
#: Smallest CART leaf, as a share of the samples (EMA Workbench's default).
CART_MASS_MIN = 0.05
CART_RULE = (
    "the CART leaf with the highest coverage among those where most samples are bad "
    "(the densest on a tie; the densest leaf when none is mostly bad)"
)


def ema_available() -> bool:
    """Whether ema_workbench can be imported."""
    return importlib.util.find_spec("ema_workbench") is not None


def _ema_analysis() -> Any:
    """Import ``ema_workbench.analysis`` without its import-time warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench import analysis

    logging.getLogger("EMA").setLevel(logging.ERROR)
    return analysis


@dataclass
class FoundBox:
    """The boxes found (PRIM's peeling trajectory, or CART's leaves) and the chosen one.

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
    method: str = "prim"

    @property
    def rule(self) -> str:
        """How the box was chosen."""
        return CART_RULE if self.method == "cart" else CHOICE_RULE

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


def _limits(
    x: pd.DataFrame, lims: pd.DataFrame, full: Mapping[str, tuple[float, float]] | None
) -> pd.DataFrame:
    """One row per input: the box's limits against the full range (``restricted`` marked)."""
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
    return pd.DataFrame(rows)


def _stats_frame(coverage: Any, density: Any, mass: Any, res_dim: Any) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "box": np.arange(len(coverage)),
            "coverage": np.asarray(coverage, float),
            "density": np.asarray(density, float),
            "mass": np.asarray(mass, float),
            "res_dim": np.asarray(res_dim, int),
        }
    )


def find_box(
    x: pd.DataFrame,
    bad: np.ndarray,
    full: Mapping[str, tuple[float, float]] | None = None,
    *,
    min_coverage: float = MIN_COVERAGE,
    peel_alpha: float = 0.05,
) -> FoundBox:
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
    prim = _ema_analysis().prim
    x = x.astype(float).reset_index(drop=True)
    y = np.asarray(bad, dtype=int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # threshold 0.5: with a 0/1 outcome, ema counts y >= threshold as a case of interest
        finder = prim.Prim(x, y, threshold=0.5, peel_alpha=peel_alpha)
        box = finder.find_box()
    peel = box.peeling_trajectory.reset_index(drop=True)
    trajectory = _stats_frame(peel.coverage, peel.density, peel.mass, peel.res_dim)
    chosen = _choose(trajectory, min_coverage)
    trajectory["chosen"] = trajectory.box == chosen
    return FoundBox(trajectory, chosen, _limits(x, box.box_lims[chosen], full), "prim")


_CONSTANT = "(constant)"


def _choose_leaf(leaves: pd.DataFrame) -> int:
    mostly_bad = leaves[leaves.density > 0.5]
    if mostly_bad.empty:
        return int(leaves.density.idxmax())
    order = mostly_bad.sort_values(["coverage", "density"], ascending=False, kind="stable")
    return int(order.index[0])


def find_cart_box(
    x: pd.DataFrame,
    bad: np.ndarray,
    full: Mapping[str, tuple[float, float]] | None = None,
    *,
    mass_min: float = CART_MASS_MIN,
) -> FoundBox:
    """Grow CART on samples ``x`` and the 0/1 outcome ``bad``; choose a leaf by :data:`CART_RULE`.

    ``trajectory`` holds one row per leaf. See :func:`find_box` for ``full``.

    Raises
    ------
    ImportError
        When ema_workbench (and so scikit-learn) is not installed.
    """
    if not ema_available():
        raise ImportError(PRIM_MISSING)
    cart = _ema_analysis().cart
    x = x.astype(float).reset_index(drop=True)
    y = np.asarray(bad, dtype=int)
    # ema_workbench 2.5 reads a leaf's feature index (-2) as a column name, which
    # fails with one input: a constant column, never split on, works around it.
    grown = x.assign(**{_CONSTANT: 0.0}) if x.shape[1] < 2 else x
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # at least one sample per leaf: EMA takes int(mass_min x n), 0 below 20 samples
        finder = cart.CART(grown, y, mass_min=max(mass_min, 1.0 / len(y)))
        finder.build_tree()
        if finder.clf.tree_.node_count == 1:  # no split: the whole box is the only leaf
            whole = _stats_frame([1.0], [y.mean()], [1.0], [0])
            whole["chosen"] = True
            lims = pd.DataFrame({k: [x[k].min(), x[k].max()] for k in x.columns})
            return FoundBox(whole, 0, _limits(x, lims, full), "cart")
        stats, boxes = finder.stats, finder.boxes
    leaves = _stats_frame(
        [s["coverage"] for s in stats],
        [s["density"] for s in stats],
        [s["mass"] for s in stats],
        [s["res dim"] for s in stats],
    )
    chosen = _choose_leaf(leaves)
    leaves["chosen"] = leaves.box == chosen
    return FoundBox(leaves, chosen, _limits(x, boxes[chosen], full), "cart")


def find_boxes(
    method: str,
    x: pd.DataFrame,
    bad: np.ndarray,
    full: Mapping[str, tuple[float, float]] | None = None,
) -> FoundBox:
    """:func:`find_box` for ``"prim"``, :func:`find_cart_box` for ``"cart"``."""
    if method not in METHODS:
        raise ValueError(f"method {method!r}: expected one of {', '.join(METHODS)}")
    return find_cart_box(x, bad, full) if method == "cart" else find_box(x, bad, full)
