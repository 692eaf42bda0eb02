r"""Streamed percentiles: path blocks binned as they finish, so no run holds all its paths.

A run of a million paths records about 10 GB of float32 paths (baseline,
monthly output); exact percentiles need them all at once. A streamed run
instead bins each block's values, per series and output day (a *row*), into
a fixed histogram and keeps only what the summary needs per path: each
series' last recorded day and the kernel's horizon finals (float64). Memory
then depends on the rows, not the paths.

The histogram (after [1]_, whose relative-error bins it adapts to signed
values): a row's values :math:`x` are mapped to

.. math::

    u = \operatorname{asinh}(x / s),

logarithmic for :math:`|x| \gg s` and linear near zero, with :math:`s` a
tenth of the 1st percentile of the nonzero :math:`|x|` in the run's first
block, so nearly every value is on the logarithmic part. :data:`BUCKETS`
equal bins in :math:`u` span the first block's 1st to 99th percentile,
widened by a quarter of that span on each side; finite values outside fall
into "below" and "above" bins (by sign), and :math:`-\infty`,
:math:`+\infty` and NaN get their own (ranked as
:mod:`simulator.results.stats` ranks them). Two point masses are counted
exactly: zeros, and the row's mode (a nonzero value shared by at least 1 %
of the first block's paths, such as a 0/1 indicator's 1 or holdings that
never change), whose :math:`u` is made a bin edge. Within a bin the values
are taken as evenly spread in :math:`u`, and the result is clamped to the
row's exact minimum and maximum.

Accuracy
    A percentile whose order statistics fall in regular bins is within one
    bin width :math:`w` in :math:`u` of the exact (:func:`numpy.percentile`)
    value, so its relative error is at most about
    :math:`w\sqrt{1 + (s/x)^2} \approx w`. For the baseline at ten years
    the median row's :math:`w` is :math:`2.7\times10^{-4}` and the widest
    :math:`1.6\times10^{-3}` (the Pakistan fleet's monthly margin, which
    changes sign); near zero the relative error grows (:math:`s/x`), to
    0.78 % for the worst of the baseline's 11,485 bands at 6,000 paths (a
    250 USD band of Pakistan's reserve value). One that falls on a point
    mass, an infinity or a constant row is exact. Only a percentile among
    the values outside the first block's bins (beyond its outer 1 %, which
    p5 and p95 of a large run almost surely are not) has no such bound.

Reproducibility
    The bins are integer counts and the means are sums kept per block and
    added in block order, so the result is bit-identical whatever the
    backend, the workers or the order in which blocks finish.

References
----------
.. [1] Masson, C., Rim, J. E. & Lee, H. K. (2019), "DDSketch: a fast and fully
   mergeable quantile sketch with relative-error guarantees", *Proceedings
   of the VLDB Endowment* 12(12):2195-2205.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

__all__ = ["BUCKETS", "Bins", "StreamState", "bins_from_block", "state_bytes"]

#: Regular bins per row (series x output day) [-].
BUCKETS = 16_384
#: Columns per row, in value order: -inf, below (<0, >0), the regular bins, above (<0, >0),
#: +inf, NaN; then two point masses (exact zeros, and the row's mode) placed in that order
#: where their values fall.
_NB = BUCKETS
_NEG_INF, _BELOW_NEG, _BELOW_POS, _FIRST = 0, 1, 2, 3
_ABOVE_NEG, _ABOVE_POS, _POS_INF, _NAN = _NB + 3, _NB + 4, _NB + 5, _NB + 6
_ZERO, _MODE = _NB + 7, _NB + 8
_COLS = _NB + 9
#: Share of the first block's 1-99 % span added on each side of the bins [-].
_WIDEN = 0.25
#: A value of the first block is its row's mode when at least this share of paths take it [-].
_MODE_SHARE = 0.01


@dataclass(frozen=True)
class Bins:
    """Where each row's bins lie, from the run's first block (small, picklable).

    Attributes
    ----------
    scale : numpy.ndarray
        :math:`s` per row, the same unit as the row's values.
    lo : numpy.ndarray
        Lower edge of the first regular bin in :math:`u` [-], a multiple of ``width``.
    width : numpy.ndarray
        Bin width in :math:`u` [-].
    mode : numpy.ndarray
        The nonzero value most paths of the first block share, counted exactly
        (NaN if none reaches :data:`_MODE_SHARE` or it lies outside the bins).
    """

    scale: np.ndarray
    lo: np.ndarray
    width: np.ndarray
    mode: np.ndarray


def _mode(x: np.ndarray) -> float:
    values, counts = np.unique(x[x != 0], return_counts=True)
    if values.size == 0 or counts.max() < _MODE_SHARE * x.size or counts.max() == 1:
        return np.nan
    return float(values[np.argmax(counts)])


def bins_from_block(out0: np.ndarray) -> Bins:
    """Bins of every row from the first block's recorded values ``(V, n_out, paths)``.

    :math:`s` is a tenth of the 1st percentile of the nonzero :math:`|x|`, so
    that nearly every value is on the logarithmic part of the scale. Bin
    edges are multiples of the width, so zero and the mode (chosen to be an
    edge) never share a bin with values on their other side.
    """
    rows = out0.reshape(-1, out0.shape[-1]).astype(np.float64)
    n = rows.shape[0]
    scale, lo, width = np.ones(n), np.zeros(n), np.full(n, 1.0 / BUCKETS)
    mode = np.full(n, np.nan)
    for r in range(n):
        x = rows[r][np.isfinite(rows[r])]
        nonzero = np.abs(x[x != 0])
        if nonzero.size == 0:
            continue
        s = float(np.percentile(nonzero, 1)) / 10
        u = np.arcsinh(x / s)
        a, b = np.percentile(u, [1, 99])
        span = b - a if b > a else max(abs(a), 1.0) * 1e-3
        w = (1 + 2 * _WIDEN) * span / BUCKETS
        m = _mode(x)
        if np.isfinite(m):  # make the mode's u an edge: w = u0 / k for a whole k
            u0 = float(np.arcsinh(m / s))
            w = abs(u0) / max(1, round(abs(u0) / w))
        first = np.floor((a - _WIDEN * span) / w) * w
        if np.isfinite(m) and not first <= np.arcsinh(m / s) < first + BUCKETS * w:
            m = np.nan
        scale[r], lo[r], width[r], mode[r] = s, first, w, m
    return Bins(scale, lo, width, mode)


def state_bytes(rows: int, series: int, finals: int, paths: int) -> int:
    """Memory of one :class:`StreamState` of a whole run [bytes]."""
    return rows * (_COLS * 4 + 24) + series * paths * 4 + finals * paths * 8


@numba.njit(nogil=True, cache=True)
def _bin(
    x: np.ndarray,
    scale: np.ndarray,
    lo: np.ndarray,
    width: np.ndarray,
    mode: np.ndarray,
    counts: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    sums: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Add rows ``x (R, paths)`` to the counts, extremes and (per-block) sums."""
    for r in range(x.shape[0]):
        total = 0.0
        inv_s, base, inv_w, m = 1.0 / scale[r], lo[r], 1.0 / width[r], mode[r]
        mn, mx = low[r], high[r]
        for j in range(x.shape[1]):
            v = np.float64(x[r, j])
            total += v
            if v != v:
                k = _NAN
            elif v == np.inf:
                k = _POS_INF
            elif v == -np.inf:
                k = _NEG_INF
            else:
                mn = min(mn, v)
                mx = max(mx, v)
                if v == 0.0:
                    k = _ZERO
                elif v == m:
                    k = _MODE
                else:
                    t = (math.asinh(v * inv_s) - base) * inv_w
                    if t < 0.0:
                        k = _BELOW_NEG if v < 0 else _BELOW_POS
                    elif t >= _NB:
                        k = _ABOVE_NEG if v < 0 else _ABOVE_POS
                    else:
                        k = _FIRST + int(t)
            counts[r, k] += 1
        low[r], high[r], sums[r] = mn, mx, total


@numba.njit(nogil=True, cache=True)
def _slot(value: float, scale: float, lo: float, width: float) -> int:  # pragma: no cover
    """Column before which a point mass at ``value`` is ranked."""
    if value != value:
        return _COLS  # no mode: never reached
    hi = lo + _NB * width
    u = math.asinh(value / scale)
    if u < lo:
        return _BELOW_POS if value >= 0 else _BELOW_NEG
    if u >= hi:
        return _ABOVE_POS if value >= 0 else _ABOVE_NEG
    return _FIRST + int(round((u - lo) / width))


@numba.njit(nogil=True, cache=True)
def _value(
    k: int, f: float, scale: float, lo: float, width: float, mn: float, mx: float
) -> float:  # pragma: no cover - compiled
    """Value at fraction ``f`` through column ``k`` (values taken as even in u)."""
    if k == _NEG_INF:
        return -np.inf
    if k == _POS_INF:
        return np.inf
    if k == _NAN:
        return np.nan
    hi = lo + _NB * width
    umin, umax = math.asinh(mn / scale), math.asinh(mx / scale)
    if k == _BELOW_NEG:
        a, b = umin, min(lo, 0.0)
    elif k == _BELOW_POS:
        a, b = max(umin, 0.0), lo
    elif k == _ABOVE_NEG:
        a, b = hi, min(umax, 0.0)
    elif k == _ABOVE_POS:
        a, b = max(hi, 0.0), umax
    else:
        a = lo + (k - _FIRST) * width
        b = a + width
    return min(max(scale * math.sinh(a + f * (b - a)), mn), mx)


@numba.njit(nogil=True, cache=True)
def _order_stat(
    row: np.ndarray, j: int, scale: float, lo: float, width: float, m: float, mn: float, mx: float
) -> float:  # pragma: no cover - compiled
    """The ``j``-th smallest value (0-based) of one row, from its bins and point masses."""
    zero_at = _slot(0.0, scale, lo, width)
    mode_at = _slot(m, scale, lo, width)
    before = 0
    first, second = ((_MODE, mode_at, m), (_ZERO, zero_at, 0.0))
    if not m < 0:  # NaN (no mode) too: its slot is never reached
        first, second = second, first
    for k in range(_ZERO):
        for point, at, value in (first, second):
            if at == k:
                if j < before + row[point]:
                    return value
                before += row[point]
        c = row[k]
        if j < before + c:
            return _value(k, (j - before + 0.5) / c, scale, lo, width, mn, mx)
        before += c
    return np.nan


@numba.njit(nogil=True, cache=True)
def _percentiles(
    counts: np.ndarray,
    bins: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    low: np.ndarray,
    high: np.ndarray,
    ranks: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """Linear interpolation between order statistics at fractional ``ranks``, per row."""
    scale, lo, width, mode = bins
    res = np.empty((counts.shape[0], ranks.shape[0]))
    n = counts[0].sum()
    for r in range(counts.shape[0]):
        args = (scale[r], lo[r], width[r], mode[r], low[r], high[r])
        for i in range(ranks.shape[0]):
            h = ranks[i]
            k = int(math.floor(h))
            a = _order_stat(counts[r], k, *args)
            frac = h - k
            if frac == 0.0 or k + 1 >= n:
                res[r, i] = a
                continue
            b = _order_stat(counts[r], k + 1, *args)
            if a != a or b != b:
                res[r, i] = np.nan
            elif a == b or math.isinf(a):  # as simulator.results.stats: no inf - inf
                res[r, i] = a
            elif math.isinf(b):
                res[r, i] = b
            else:
                res[r, i] = a + frac * (b - a)
    return res


class StreamState:
    """Binned rows of blocks ``first .. stop - 1`` of one run, with their last day and finals.

    A whole run's state covers every block; a worker builds one for its
    range of blocks and the parent merges it (:meth:`merge`).

    Parameters
    ----------
    bins : Bins
        From :func:`bins_from_block` on the run's block 0.
    shape : (int, int)
        Series and output days of the recorded paths.
    n_finals : int
        Horizon finals per path.
    block_spans : list of slice
        Paths of every block of the run (``simulator.engine.plan.block_slice``).
    first, stop : int
        The blocks this state covers.
    """

    def __init__(
        self,
        bins: Bins,
        shape: tuple[int, int],
        n_finals: int,
        block_spans: list[slice],
        first: int,
        stop: int,
    ) -> None:
        rows = shape[0] * shape[1]
        self.bins, self.shape, self.first, self.stop = bins, shape, first, stop
        self.spans = block_spans
        self.offset = block_spans[first].start
        paths = block_spans[stop - 1].stop - self.offset
        self.counts = np.zeros((rows, _COLS), dtype=np.int32)
        self.low, self.high = np.full(rows, np.inf), np.full(rows, -np.inf)
        self.sums = np.zeros((stop - first, rows))
        self.last = np.empty((shape[0], paths), dtype=np.float32)
        self.final = np.empty((n_finals, paths))

    @property
    def n_paths(self) -> int:
        """Paths covered [-]."""
        return int(self.last.shape[1])

    def add(self, block: int, out_b: np.ndarray, final_b: np.ndarray) -> None:
        """Bin one block's ``out_b (V, n_out, b)`` and keep its last day and ``final_b (F, b)``.

        Not thread-safe for two blocks at once (they share the counts): the
        caller holds a lock.
        """
        b = self.bins
        _bin(
            out_b.reshape(-1, out_b.shape[-1]),
            b.scale,
            b.lo,
            b.width,
            b.mode,
            self.counts,
            self.low,
            self.high,
            self.sums[block - self.first],
        )
        span = self.spans[block]
        at = slice(span.start - self.offset, span.stop - self.offset)
        self.last[:, at] = out_b[:, -1]
        self.final[:, at] = final_b

    def merge(self, part: StreamState) -> None:
        """Add a state of some of this run's blocks (integer counts: order does not matter)."""
        self.counts += part.counts
        np.minimum(self.low, part.low, out=self.low)
        np.maximum(self.high, part.high, out=self.high)
        self.sums[part.first - self.first : part.stop - self.first] = part.sums
        at = slice(part.offset - self.offset, part.offset - self.offset + part.n_paths)
        self.last[:, at] = part.last
        self.final[:, at] = part.final

    def percentiles(self, qs: tuple[float, ...]) -> np.ndarray:
        """Percentiles ``qs`` [%] of every row -> ``(V, len(qs), n_out)``."""
        ranks = np.asarray(qs, dtype=np.float64) / 100 * (self.n_paths - 1)
        b = self.bins
        bins = (b.scale, b.lo, b.width, b.mode)
        res = _percentiles(self.counts, bins, self.low, self.high, ranks)
        return res.T.reshape(len(qs), *self.shape).transpose(1, 0, 2)

    def mean(self) -> np.ndarray:
        """Mean over all paths per row -> ``(V, n_out)`` (block sums added in block order)."""
        return (self.sums.sum(axis=0) / self.n_paths).reshape(self.shape)

    def defined_share(self) -> np.ndarray:
        """Share of paths on which each row is a finite number -> ``(V, n_out)``."""
        c = self.counts
        undefined = c[:, _NEG_INF] + c[:, _POS_INF] + c[:, _NAN]
        return (1 - undefined / self.n_paths).reshape(self.shape)
