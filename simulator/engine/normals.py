"""The standard normals of one block of paths: plain, antithetic pairs, or randomised QMC.

Block ``b`` of a run with seed ``s`` draws from ``SeedSequence(s, spawn_key=(b,
k))``: ``k = 0`` the price innovations, 1 the network noise, 2 the
exchange-rate noise, 3 to 6 the scrambles of the block's Sobol' sets
(``scenario.variance_reduction = "qmc"``). The draws depend only on the seed
and the block, never on the backend, the workers or the other blocks.

With ``"qmc"`` each block is four scrambled Sobol' sets of
:data:`~simulator.inputs.schema_meta.QMC_SET_POINTS` points, set ``j`` scrambled by
stream ``3 + j``. Their dimensions are dealt round three fixed slots (price, network,
exchange rate), each stream taking the first :data:`simulator.model.qmc.QMC_DIMS`
normals of its Brownian bridge from its slot and the rest from its own
pseudo-random stream (:mod:`simulator.model.qmc`). The layout is fixed, so a
stream's paths do not depend on which other streams the scenario uses (the
price is the same with or without an exchange rate). Sets are scrambled
independently, so they are independent replicates: the Monte Carlo errors of
a QMC run are computed from the spread between sets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.random import Generator

from simulator.engine.market_data import BLOCK_PATHS
from simulator.inputs.schema_meta import QMC_SET_POINTS
from simulator.model import qmc
from simulator.model.price import basic as pr
from simulator.model.shocks import mirrored

__all__ = ["BlockNormals", "random_stream"]

if BLOCK_PATHS % QMC_SET_POINTS:
    raise RuntimeError("a block must hold whole QMC sets")


def random_stream(seed: int, block: int, which: int) -> Generator:
    """The PCG64 generator of stream ``which`` of block ``block`` (see the module docstring)."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block, which)))
    )


#: Sobol' slots of the QMC streams: price, network, exchange rate (a fixed layout, so
#: one stream's points do not depend on which other streams the scenario uses).
_QMC_SLOTS = 3


@dataclass
class BlockNormals:
    """How a block draws its normals: plain, antithetic pairs, or Sobol' heads (QMC)."""

    seed: int
    block: int
    n: int
    n_days: int
    method: str
    heads: np.ndarray | None = None

    def sobol(self, slot: int) -> np.ndarray:
        """Slot ``slot``'s first bridge normals, ``(n, min(QMC_DIMS, n_days))``.

        The block's Sobol' sets, one after another, their dimensions dealt
        round the slots (the leading dimensions, the best spread, fix each
        stream's coarsest points).
        """
        if self.heads is None:
            dims = _QMC_SLOTS * min(qmc.QMC_DIMS, self.n_days)
            size = QMC_SET_POINTS
            sets = -(-self.n // size)  # a short last block scrambles only the sets it uses
            points = [
                qmc.sobol_normals(random_stream(self.seed, self.block, 3 + j), size, dims)
                for j in range(sets)
            ]
            self.heads = np.concatenate(points)[: self.n]
        return np.ascontiguousarray(self.heads[:, slot::_QMC_SLOTS])

    def normals(self, which: int) -> np.ndarray:
        """Stream ``which``'s ``(n, n_days)`` standard normals under the block's method."""
        rng = random_stream(self.seed, self.block, which)
        if self.method == "antithetic":
            return mirrored(pr.draw_normals(rng, (self.n + 1) // 2, self.n_days), self.n)
        if self.method == "qmc":
            head = self.sobol(which)
            tail = pr.draw_normals(rng, self.n, self.n_days - head.shape[1])
            return qmc.bridge_increments(head, tail)
        return pr.draw_normals(rng, self.n, self.n_days)
