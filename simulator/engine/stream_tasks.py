"""Running a variant with streamed percentiles (:mod:`simulator.engine.stream`), on any backend.

Whether a run streams is ``scenario.percentiles``: ``"exact"``, ``"streamed"``,
or ``"auto"``, which streams once the recorded paths would take more than
:data:`STREAM_ABOVE_BYTES` and streaming would need less memory than holding
them (it may not: the bins grow with the output days, so a daily run of a
few thousand paths is smaller exact). The rule depends on the scenario only,
not on the machine's free memory or the backend, so the same scenario gives
the same numbers everywhere.

The parent computes block 0 itself (it fixes every row's bins), then the
other blocks run as tasks: in this process a task bins its block into the
run's state under a lock; in another process a task bins its range of blocks
into a state of its own, which the parent merges. Either way a worker holds
one block's paths and at most one state.
"""

from __future__ import annotations

import threading

from simulator.engine import plan as engine
from simulator.engine.memory import estimate_bytes, recorded_bytes
from simulator.engine.outcome import TaskError, one_line
from simulator.engine.plan import Plan
from simulator.engine.stream import Bins, StreamState, bins_from_block
from simulator.inputs.schema import Scenario

__all__ = [
    "STREAM_ABOVE_BYTES",
    "recorded_bytes",
    "run_streamed",
    "start_stream",
    "stream_blocks",
    "stream_blocks_task",
    "streams",
]

#: ``percentiles = "auto"`` streams above this many bytes of recorded float32 paths
#: (1 GiB: about 100,000 baseline paths at monthly output, whose exact run peaks near
#: 1.4 GB) [bytes].
STREAM_ABOVE_BYTES = 1 << 30


def streams(model: Scenario, plan: Plan) -> bool:
    """Whether this run streams its percentiles (``scenario.percentiles``, see the module notes)."""
    method = model.scenario.percentiles
    if method != "auto":
        return method == "streamed"
    sizes = (len(plan.variables), len(plan.out_days), len(plan.finals), model.scenario.paths)
    if recorded_bytes(*sizes[:2], sizes[3]) <= STREAM_ABOVE_BYTES:
        return False
    return estimate_bytes(*sizes, states=1) < estimate_bytes(*sizes)


def _spans(n_paths: int) -> list[slice]:
    return [engine.block_slice(n_paths, b) for b in range(engine.n_blocks(n_paths))]


def _state(model: Scenario, plan: Plan, bins: Bins, first: int, stop: int) -> StreamState:
    shape = (len(plan.variables), len(plan.out_days))
    return StreamState(bins, shape, len(plan.finals), _spans(model.scenario.paths), first, stop)


def start_stream(model: Scenario, plan: Plan) -> StreamState:
    """The whole run's state, with block 0 computed (in this thread) and binned."""
    out0, final0 = engine.compute_block(model, plan, 0)
    state = _state(model, plan, bins_from_block(out0), 0, engine.n_blocks(model.scenario.paths))
    state.add(0, out0, final0)
    return state


def stream_blocks(
    model: Scenario, plan: Plan, state: StreamState, lock: threading.Lock, first: int, stop: int
) -> None:
    """In-process task: compute blocks ``first .. stop - 1`` and bin each into ``state``."""
    for block in range(first, stop):
        out_b, final_b = engine.compute_block(model, plan, block)
        with lock:
            state.add(block, out_b, final_b)


def stream_blocks_task(
    model: Scenario, file: str, freq: str | None, bins: Bins, first: int, stop: int
) -> StreamState:
    """Worker task: plan the variant, bin blocks ``first .. stop - 1`` into a state of their own."""
    try:
        plan = engine.plan(model, file, freq)
        part = _state(model, plan, bins, first, stop)
        for block in range(first, stop):
            part.add(block, *engine.compute_block(model, plan, block))
    except Exception as exc:
        raise TaskError(one_line(exc)) from None
    return part


def run_streamed(model: Scenario, plan: Plan) -> StreamState:
    """Every block of one variant, one after another, binned (a whole-variant task)."""
    state = start_stream(model, plan)
    for block in range(1, engine.n_blocks(model.scenario.paths)):
        state.add(block, *engine.compute_block(model, plan, block))
    return state
