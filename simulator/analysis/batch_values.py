"""Many variants, one number each: runs in chunks so memory stays that of one chunk."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from simulator.analysis.variants import Progress, run_variants
from simulator.inputs.scenario import ResolvedScenario
from simulator.results.result import Result

__all__ = ["VALUE_CHUNK", "run_values"]


#: Variants run at once by :func:`run_values`: their Results (about 0.5 MB each at
#: 200 paths and monthly output) are reduced to one number before the next chunk.
VALUE_CHUNK = 512


def run_values(
    scenarios: Sequence[ResolvedScenario],
    value: Callable[[Result], float],
    *,
    backend: str | None = None,
    workers: int | None = None,
    address: str | None = None,
    progress: Progress = None,
) -> tuple[list[float | str], Result | None]:
    """Run many variants in chunks of :data:`VALUE_CHUNK`, keeping one number of each.

    For thousands of samples (``discover``, ``robust``) the memory stays that
    of one chunk's Results, not of all of them. Each variant's result is the
    same as in one batch (its draws depend on its seed and block only).

    Returns
    -------
    (list, Result or None)
        ``value(result)`` per scenario in order, or the error message of one
        that failed; and the first Result that ran (its units and backend).

    Raises
    ------
    CompareError
        As :func:`run_variants`.
    """
    values: list[float | str] = []
    first: Result | None = None
    for start in range(0, len(scenarios), VALUE_CHUNK):
        chunk = scenarios[start : start + VALUE_CHUNK]
        outcome = run_variants(
            chunk, backend=backend, workers=workers, address=address, freq="M", progress=progress
        )
        for got in outcome:
            if isinstance(got, Result):
                first = got if first is None else first
                values.append(float(value(got)))
            else:
                values.append(got)
    return values, first
