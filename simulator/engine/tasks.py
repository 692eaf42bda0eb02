"""Tasks of :mod:`simulator.engine.backends`: what runs in a worker thread or process.

Each is a module-level function (so process pools can send it) that depends
only on its arguments: the model, the block range and, in this process, the
parent's plan.
"""

from __future__ import annotations

import numpy as np

from simulator.engine import plan as engine
from simulator.engine.memory import paths_array
from simulator.engine.outcome import P, Packager, TaskError, one_line
from simulator.engine.plan import Plan
from simulator.engine.stream_tasks import run_streamed, streams
from simulator.inputs.schema import Scenario

__all__ = ["blocks_task", "compute_blocks", "run_variant", "variant_task"]


def run_variant(
    name: str, model: Scenario, plan: Plan, keep_paths: bool, package: Packager[P]
) -> tuple[P, int]:
    """Every block of one variant, one after another, packaged -> ``(packed, paths)``."""
    n_paths = model.scenario.paths
    if streams(model, plan):
        state = run_streamed(model, plan)
        return package(name, model, plan, state, state.final, keep_paths, 1), n_paths
    out = paths_array(len(plan.variables), len(plan.out_days), n_paths)
    final = np.empty((len(plan.finals), n_paths))
    for block in range(engine.n_blocks(n_paths)):
        span = engine.block_slice(n_paths, block)
        out[:, :, span], final[:, span] = engine.compute_block(model, plan, block)
    return package(name, model, plan, out, final, keep_paths, 1), n_paths


def blocks_task(
    model: Scenario, file: str, freq: str | None, first: int, stop: int
) -> tuple[np.ndarray, np.ndarray]:
    """Worker task: blocks ``first .. stop - 1`` of one variant -> ``(out, final)``, paths joined.

    The task plans the variant itself (plans can read history files), once
    for its run of blocks, so a worker keeps no state between tasks.
    """
    try:
        plan = engine.plan(model, file, freq)
        parts = [engine.compute_block(model, plan, b) for b in range(first, stop)]
    except Exception as exc:
        raise TaskError(one_line(exc)) from None
    return np.concatenate([o for o, _ in parts], axis=2), np.concatenate(
        [f for _, f in parts], axis=1
    )


def compute_blocks(
    model: Scenario, plan: Plan, first: int, stop: int
) -> tuple[np.ndarray, np.ndarray]:
    """In-process task: blocks ``first .. stop - 1`` with the parent's plan."""
    parts = [engine.compute_block(model, plan, b) for b in range(first, stop)]
    if len(parts) == 1:
        return parts[0]
    return np.concatenate([o for o, _ in parts], axis=2), np.concatenate(
        [f for _, f in parts], axis=1
    )


def variant_task(
    index: int,
    model: Scenario,
    file: str,
    freq: str | None,
    name: str,
    keep_paths: bool,
    package: Packager[P],
) -> tuple[int, P, int]:
    """Worker task: every block of one variant, packaged -> ``(variant, packed, paths)``."""
    try:
        plan = engine.plan(model, file, freq)
        packed, n = run_variant(name, model, plan, keep_paths, package)
    except Exception as exc:
        raise TaskError(one_line(exc)) from None
    return index, packed, n
