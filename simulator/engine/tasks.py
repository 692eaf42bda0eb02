"""Tasks of :mod:`simulator.engine.backends`: what runs in a worker thread or process.

Each is a module-level function (so process pools can send it) that depends
only on its arguments: the model, the block range and, in this process, the
parent's plan.

In this process (``serial``, ``threads``) a task is one block computed with the
parent's :class:`~simulator.engine.plan.Plan`. A task sent to another process
carries the pydantic model, the scenario file name, the output frequency and a
range of ``blocks // (8 * workers)`` blocks (at least one), never arrays; it
plans the variant once (plans can read history files), computes its blocks and
returns their paths (on ``processes``, writes them into the parent's mapped
array: :mod:`simulator.engine.shared_paths`), so workers keep no state between
tasks. The parent assembles a variant's blocks and packages it (through the
caller's ``package``) as soon as its last block arrives, while the workers go
on. On ``processes`` and ``dask``, when there are at least twice as many
variants as workers (sweeps), a task runs all blocks of one variant and
packages it in the worker instead: the paths then never cross a process
boundary, and the percentiles, which cost about as much as the paths
themselves, are computed in parallel too.
"""

from __future__ import annotations

import numpy as np

from simulator.engine import plan as engine
from simulator.engine.memory import paths_array
from simulator.engine.outcome import P, Packager, TaskError, one_line
from simulator.engine.plan import Plan
from simulator.engine.shared_paths import write_blocks
from simulator.engine.stream_tasks import run_streamed, streams
from simulator.inputs.schema import Scenario

__all__ = ["blocks_into_task", "blocks_task", "compute_blocks", "run_variant", "variant_task"]


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


def blocks_into_task(
    model: Scenario,
    file: str,
    freq: str | None,
    first: int,
    stop: int,
    path: str,
    shape: tuple[int, int, int],
) -> np.ndarray:
    """Worker task: :func:`blocks_task`, its paths written into the parent's mapped file.

    Returns only the finals ``(F, n)``; the recorded paths go into columns
    of the file at ``path`` (:mod:`simulator.engine.shared_paths`).
    """
    out, final = blocks_task(model, file, freq, first, stop)
    n_paths = model.scenario.paths
    span = slice(
        engine.block_slice(n_paths, first).start, engine.block_slice(n_paths, stop - 1).stop
    )
    try:
        write_blocks(path, shape, span, out)
    except Exception as exc:
        raise TaskError(one_line(exc)) from None
    return final


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
