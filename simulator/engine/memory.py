"""How much memory a run will need, estimated before anything is allocated.

The rule (measured with ``ru_maxrss`` on the baseline, 2,000 to 60,000 paths,
daily and monthly output): the peak above the loaded program is at most about
1.37 times the recorded-paths array (``float32``, series x output days x
paths, which the percentiles and per-path metrics read in place) plus about
200 MB for the compiled kernel and per-block state. :func:`estimate_bytes`
takes 1.4 times the array, plus the horizon finals, plus 256 MiB.

A streamed run (:mod:`simulator.engine.stream`) holds no such array. Its
estimate is each binned state held at once (the run's own, and on process
backends those being built and returned), plus 1.4 times the per-path part:
the last recorded day, the finals, and twice the finals again for the
per-path metrics the summary builds from them; plus the same 256 MiB.
Measured on the baseline at monthly output, 100,000 to 1,000,000 paths, the
per-path part grows by 1,078 bytes a path against 852 estimated before the
1.4 (``benchmarks/bench_memory.py``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from simulator.engine.stream import state_bytes
from simulator.inputs.errors import InputError

__all__ = [
    "FIXED_BYTES",
    "PATHS_FACTOR",
    "RunTooLargeError",
    "available_bytes",
    "check_memory",
    "estimate_bytes",
    "paths_array",
    "recorded_bytes",
]

#: Peak memory per byte of the recorded-paths array (measured 1.33-1.37 at 20k-60k paths).
PATHS_FACTOR = 1.4
#: Memory a run needs whatever its size: compiled kernel, block state [bytes].
FIXED_BYTES = 256 * 2**20


class RunTooLargeError(InputError, MemoryError):
    """A run that would need more memory than the machine has, refused before it starts."""


def estimate_bytes(series: int, out_days: int, finals: int, paths: int, states: int = 0) -> int:
    """Peak memory of one variant's run [bytes].

    Parameters
    ----------
    series : int
        Recorded variables.
    out_days : int
        Output days (after ``freq``).
    finals : int
        Horizon values kept per path.
    paths : int
        Monte Carlo paths.
    states : int
        0 for a run that holds every path; for a streamed run, how many
        binned states it holds at once (1 in this process).
    """
    if states:
        per_path = series * 4 + 3 * finals * 8
        binned = state_bytes(series * out_days, 0, 0, 0)
        return states * binned + int(PATHS_FACTOR * per_path * paths) + FIXED_BYTES
    recorded = recorded_bytes(series, out_days, paths)
    return int(PATHS_FACTOR * recorded) + finals * paths * 8 + FIXED_BYTES


def recorded_bytes(series: int, out_days: int, paths: int) -> int:
    """Bytes of a run's recorded float32 paths ``(series, out_days, paths)`` [bytes]."""
    return series * out_days * paths * 4


def available_bytes() -> int | None:
    """Memory the system can give without swapping (``MemAvailable``) [bytes], or None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (OSError, ValueError, AttributeError):
        return None


def _gib(n: float) -> str:
    return f"{n / 2**30:,.1f} GiB"


def check_memory(
    runs: Sequence[tuple[str, int, int, int, int, int]],
    at_once: int,
    available: int | None = None,
) -> int:
    """Refuse, before allocating, a batch whose runs would not fit in memory.

    Parameters
    ----------
    runs : sequence of (name, series, out_days, finals, paths, states)
        Each variant's sizes, and for a streamed one the binned states it
        holds at once (0 if it holds its paths; see :func:`estimate_bytes`).
    at_once : int
        How many variants are held in memory at the same time.
    available : int, optional
        Memory to compare with [bytes] (default: :func:`available_bytes`).

    Returns
    -------
    int
        The estimate [bytes].

    Raises
    ------
    RunTooLargeError
        With one line naming the sizes, the memory, ``--paths`` and ``--freq``.
    """
    sized = sorted(((estimate_bytes(*r[1:]), r) for r in runs), reverse=True)
    top = sized[: max(1, at_once)]
    need = sum(b for b, _ in top) - FIXED_BYTES * (len(top) - 1)
    have = available_bytes() if available is None else available
    if have is None or need <= have:
        return need
    _, (name, series, out_days, _, paths, streamed) = top[0]
    several = f" ({len(top)} variants at once)" if len(top) > 1 else ""
    raise RunTooLargeError(
        f"{name}: this run needs about {_gib(need)} of memory{several} "
        f"({paths:,} paths x {out_days:,} output days x {series} series), more than the "
        f"{_gib(have)} available; use fewer --paths, coarser output (--freq W or M "
        "where the command has it, else --set scenario.freq=M)"
        + ("" if streamed else ", or streamed percentiles (scenario.percentiles)")
    )


def paths_array(series: int, out_days: int, paths: int) -> np.ndarray:
    """The ``(series, out_days, paths)`` float32 array a variant's blocks are assembled into.

    Its memory is touched here, one series at a time, rather than lazily by
    the first block: a block writes a thin slice of every row, so the first
    assignment would make the system zero the whole array inside one numpy
    call (about 30 s for 10 GB here), during which Ctrl-C cannot stop it.
    Between series Python checks for interrupts.
    """
    out = np.empty((series, out_days, paths), dtype=np.float32)
    for row in out:
        row.fill(0.0)
    return out
