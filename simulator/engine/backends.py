"""Run many scenario variants on a choice of backends with identical results.

Backends
--------
``serial``
    In this process, one block after another, one thread.
``threads``
    In this process, a pool of threads (up to 2 by default); the numba kernel
    releases the GIL. The default unless ``BTCSIM_BACKEND`` says otherwise.
``processes``
    A :class:`concurrent.futures.ProcessPoolExecutor` over local cores
    (all by default), started with ``forkserver`` where available (``spawn``
    elsewhere): forking a parent that runs threads is unsafe. The forkserver
    loads the kernel before it forks (:mod:`simulator.engine.preload`).
``dask``
    :mod:`dask.distributed`: a local cluster of single-threaded workers (2 by
    default), or one at ``address`` whose workers can import ``simulator``.

Tasks
-----
Work is cut into tasks of consecutive blocks of one variant. A block depends
only on the variant's model and the block index (:mod:`simulator.engine.plan`),
so the assembled paths, and every percentile and summary, are bit-identical
whatever the backend, the number of workers or the way the work is split.
What a task is on each backend: :mod:`simulator.engine.tasks`.

A streamed variant (:mod:`simulator.engine.stream_tasks`) runs its block 0
here when it is reached, then bins its blocks instead of returning them; at
most two (in this process) or one per worker bin at a time.

A variant that fails (a missing file found when planning, an exception in a
task) gives a :class:`VariantError` in its place; the others still run.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from typing import Any, Generic

import numpy as np

from simulator.engine import plan as engine
from simulator.engine.memory import check_memory, paths_array
from simulator.engine.outcome import Finished, P, Packager, VariantError, one_line
from simulator.engine.plan import BLOCK_PATHS, Plan
from simulator.engine.pools import BACKENDS, DASK_MISSING, ENV_VAR, Pool, default_backend, open_pool
from simulator.engine.shared_paths import SharedPaths
from simulator.engine.stream import StreamState
from simulator.engine.stream_tasks import start_stream, stream_blocks, stream_blocks_task, streams
from simulator.engine.tasks import blocks_into_task, blocks_task, compute_blocks, variant_task
from simulator.inputs.scenario import ResolvedScenario

__all__ = [
    "BACKENDS",
    "ENV_VAR",
    "Finished",
    "Packager",
    "VariantError",
    "default_backend",
    "run_many",
]

#: Bound on the bytes of block results submitted but not yet assembled [bytes].
_WINDOW_BYTES = 1 << 30
#: A variant being assembled: recorded (V, n_out, paths), finals, blocks to come, and the
#: file the recorded array is mapped onto ("" when it is not).
Buffer = tuple[np.ndarray, np.ndarray, list[int], str]
Buffers = dict[int, Buffer]


# --------------------------------------------------------------------- driver
@dataclass
class _Run(Generic[P]):
    """State of one :func:`run_many` call: plans, outcomes, pending blocks."""

    scenarios: Sequence[ResolvedScenario]
    plans: dict[int, Plan]
    outcome: list[Finished[P] | VariantError | None]
    package: Packager[P]
    freq: str | None
    keep_paths: bool
    progress: Callable[[int], None] | None
    meta: dict[str, Any]
    #: Streamed variants: their state, the lock in-process tasks bin under, blocks left.
    streamed: dict[int, tuple[StreamState, threading.Lock, list[int]]] = field(default_factory=dict)

    def finish(self, index: int, packed: P) -> None:
        extra = {**self.meta, "seconds": round(time.perf_counter() - self.meta["began"], 3)}
        del extra["began"]
        self.outcome[index] = Finished(packed, extra)

    def fail(self, index: int, exc: BaseException) -> None:
        self.streamed.pop(index, None)
        self.outcome[index] = VariantError(index, self.scenarios[index].name, one_line(exc), exc)

    def tick(self, paths: int) -> None:
        if self.progress is not None:
            self.progress(paths)

    def by_variant(self, pool: Pool) -> None:
        """One task per variant, run and packaged in a worker process."""
        pending: dict[Future[Any], int] = {}
        for i in self.plans:
            s = self.scenarios[i]
            future = pool.executor.submit(
                variant_task, i, s.model, s.path, self.freq, s.name, self.keep_paths, self.package
            )
            pending[future] = i
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                i = pending.pop(future)
                try:
                    _, packed, n = future.result()
                except Exception as exc:
                    self.fail(i, exc)
                    continue
                self.tick(n)
                self.finish(i, packed)

    def by_block(self, pool: Pool) -> None:
        """Tasks of consecutive blocks of one variant; the parent assembles and packages each.

        Remote tasks are ``blocks // (8 * workers)`` blocks (at least one): the
        workers finish together (10 blocks on 2 workers were five tasks of 2:
        6 blocks against 4), and each task plans once, which costs little.
        """
        queue: deque[tuple[int, int, int]] = deque()
        for i in self.plans:
            model = self.scenarios[i].model
            blocks = engine.n_blocks(model.scenario.paths)
            begin = 1 if streams(model, self.plans[i]) else 0
            if begin:
                queue.append((i, 0, 0))  # start its stream (block 0, here) when it is reached
            size = max(1, (blocks - begin) // (8 * pool.workers)) if pool.remote else 1
            queue.extend((i, b, min(b + size, blocks)) for b in range(begin, blocks, size))
        task_bytes = max(
            (len(p.variables) * len(p.out_days) * 4 + len(p.finals) * 8) * BLOCK_PATHS
            for p in self.plans.values()
        ) * max((stop - first for _, first, stop in queue), default=1)
        # streamed variants binning at once: as many as the memory check counts
        streaming = pool.workers if pool.remote else 2
        window = 1 if pool.workers == 1 else max(2 * pool.workers, _WINDOW_BYTES // task_bytes)
        window = min(window, 256)
        if pool.remote and any(stop == 0 for _, _, stop in queue):  # streamed variants:
            # each remote task returns a whole binned state
            window = min(window, pool.workers)
        buffers: Buffers = {}  # on processes, workers write their paths into mapped files
        shared = SharedPaths() if self.meta["backend"] == "processes" else None
        try:
            self._drain(pool, queue, buffers, shared, window, streaming)
        finally:
            if shared is not None:
                shared.close()

    def _drain(
        self, pool: Pool, queue: deque[tuple[int, int, int]], buffers: Buffers,
        shared: SharedPaths | None, window: int, streaming: int,
    ) -> None:  # fmt: skip
        """Submit the queued tasks ``window`` at a time; assemble, merge or fail each result."""
        pending: dict[Future[Any], tuple[int, int, int]] = {}
        while queue or pending:
            while queue and len(pending) < window:
                i, first, stop = queue.popleft()
                if stop == 0:  # a streamed variant's start
                    if len(self.streamed) >= streaming and pending:
                        queue.appendleft((i, first, stop))  # wait for one to finish
                        break
                    if self.outcome[i] is None:
                        self._start_stream(i)
                    continue
                if self.outcome[i] is None:
                    if shared is not None and i not in self.streamed and i not in buffers:
                        buffers[i] = self._buffer(i, shared)  # the workers need its file
                    pending[self._submit_blocks(pool, i, first, stop, buffers)] = (i, first, stop)
            if not pending:
                continue
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                i, first, stop = pending.pop(future)
                if self.outcome[i] is not None:  # the variant failed already
                    continue
                try:
                    got = future.result()
                except Exception as exc:
                    self.fail(i, exc)
                    SharedPaths.release(buffers.pop(i, (None, None, None, ""))[3])
                    continue
                if i in self.streamed:
                    self._merge(i, first, stop, got)
                    continue
                if i not in buffers:  # made with the first result, while the workers go on
                    buffers[i] = self._buffer(i)
                if buffers[i][3]:  # the worker wrote its paths into the mapped file
                    self._assemble(i, first, stop, None, got, buffers)
                else:
                    self._assemble(i, first, stop, got[0], got[1], buffers)

    def _start_stream(self, i: int) -> None:
        """Compute a streamed variant's block 0 here (it fixes the bins) and open its state."""
        model, plan = self.scenarios[i].model, self.plans[i]
        try:
            state = start_stream(model, plan)
        except Exception as exc:
            self.fail(i, exc)
            return
        first = engine.block_slice(model.scenario.paths, 0)
        self.tick(first.stop - first.start)
        if engine.n_blocks(model.scenario.paths) == 1:
            self._package(i, state, state.final)
            return
        self.streamed[i] = (state, threading.Lock(), [engine.n_blocks(model.scenario.paths) - 1])

    def _buffer(self, i: int, shared: SharedPaths | None = None) -> Buffer:
        """Variant ``i``'s assembly buffers, its paths mapped onto a file where ``shared`` can."""
        plan, n_paths = self.plans[i], self.scenarios[i].model.scenario.paths
        shape = (len(plan.variables), len(plan.out_days), n_paths)
        made = shared.create(str(i), shape) if shared is not None else None
        out, path = made or (paths_array(*shape), "")
        return out, np.empty((len(plan.finals), n_paths)), [engine.n_blocks(n_paths)], path

    def _submit_blocks(self, pool: Pool, i: int, first: int, stop: int, bufs: Buffers) -> Future:
        s = self.scenarios[i]
        if i in self.streamed:  # opened by its start, queued before its blocks
            state, lock, _ = self.streamed[i]
            if pool.remote:
                return pool.executor.submit(
                    stream_blocks_task, s.model, s.path, self.freq, state.bins, first, stop
                )
            return pool.executor.submit(
                stream_blocks, s.model, self.plans[i], state, lock, first, stop
            )
        if pool.remote and i in bufs and bufs[i][3]:  # mapped: the worker writes into it
            shape = bufs[i][0].shape
            return pool.executor.submit(
                blocks_into_task, s.model, s.path, self.freq, first, stop, bufs[i][3], shape
            )
        if pool.remote:
            return pool.executor.submit(blocks_task, s.model, s.path, self.freq, first, stop)
        return pool.executor.submit(compute_blocks, s.model, self.plans[i], first, stop)

    def _assemble(
        self,
        i: int,
        first: int,
        stop: int,
        out_b: np.ndarray | None,
        final_b: np.ndarray,
        buffers: Buffers,
    ) -> None:
        """Blocks ``first .. stop - 1`` of variant ``i`` arrived (``out_b`` None: mapped)."""
        n_paths = self.scenarios[i].model.scenario.paths
        out, final, left, _ = buffers[i]
        span = slice(
            engine.block_slice(n_paths, first).start, engine.block_slice(n_paths, stop - 1).stop
        )
        if out_b is not None:
            out[:, :, span] = out_b
        final[:, span] = final_b
        left[0] -= stop - first
        self.tick(span.stop - span.start)
        if left[0] == 0:
            SharedPaths.release(buffers.pop(i)[3])  # a mapped file: its memory goes with `out`
            self._package(i, out, final)

    def _merge(self, i: int, first: int, stop: int, part: StreamState | None) -> None:
        """A streamed variant's task finished: merge a remote task's state, package at the end."""
        state, _, left = self.streamed[i]
        if part is not None:
            state.merge(part)
        n_paths = self.scenarios[i].model.scenario.paths
        begin, end = engine.block_slice(n_paths, first), engine.block_slice(n_paths, stop - 1)
        self.tick(end.stop - begin.start)
        left[0] -= stop - first
        if left[0] == 0:
            del self.streamed[i]
            self._package(i, state, state.final)

    def _package(self, i: int, recorded: np.ndarray | StreamState, final: np.ndarray) -> None:
        model, plan = self.scenarios[i].model, self.plans[i]
        try:
            threads = 2 if self.meta["backend"] == "threads" else 1
            packed = self.package(
                self.scenarios[i].name, model, plan, recorded, final, self.keep_paths, threads
            )
        except Exception as exc:
            self.fail(i, exc)
        else:
            self.finish(i, packed)


def run_many(
    scenarios: Sequence[ResolvedScenario],
    package: Packager[P],
    *,
    backend: str | None = None,
    workers: int | None = None,
    address: str | None = None,
    freq: str | None = None,
    keep_paths: bool = False,
    progress: Callable[[int], None] | None = None,
) -> list[Finished[P] | VariantError]:
    """Simulate several scenarios (variants) on one backend and package each.

    Parameters
    ----------
    scenarios : sequence of ResolvedScenario
        The variants, from :func:`simulator.load_scenario`.
    package : Packager
        Reduces each variant's paths (a module-level function, so that it can
        be sent to worker processes); see
        :func:`simulator.results.simulate.package`.
    backend : {"serial", "threads", "processes", "dask"}, optional
        Where blocks run; :func:`default_backend` when omitted.
    workers : int, optional
        Threads (``threads``: default up to 2), processes (``processes``:
        default all cores) or local dask workers (``dask``: default 2; ignored
        with ``address``). Results do not depend on it.
    address : str, optional
        Scheduler of an existing dask cluster, ``"tcp://host:port"`` (``dask`` only).
    freq : {"D", "W", "M"}, optional
        Output frequency for every variant; each scenario's own by default.
    keep_paths : bool
        Passed to ``package`` (keep the raw recorded paths).
    progress : callable, optional
        Called in the calling thread with the number of paths finished, as tasks finish.

    Returns
    -------
    list of Finished or VariantError
        One entry per variant, in order. ``Finished.meta`` records ``backend``,
        ``workers`` and ``seconds`` (wall time from the call to that result).

    Raises
    ------
    ValueError
        For an unknown backend, ``workers < 1`` or an address without ``dask``.
    ImportError
        For ``dask`` when dask is not installed.
    simulator.engine.memory.RunTooLargeError
        Before anything is allocated, if the runs would not fit in memory.
    """
    name = default_backend() if backend is None else backend
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}: expected one of {', '.join(BACKENDS)}")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be >= 1 (got {workers})")
    if address and name != "dask":
        raise ValueError(f"an address is only used by backend 'dask' (backend is {name!r})")
    if name == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ImportError(DASK_MISSING) from None
    began = time.perf_counter()
    outcome: list[Finished[P] | VariantError | None] = [None] * len(scenarios)
    plans: dict[int, Plan] = {}
    for i, scenario in enumerate(scenarios):
        try:
            plans[i] = engine.plan(scenario.model, scenario.path, freq)
        except Exception as exc:
            outcome[i] = VariantError(i, scenario.name, one_line(exc), exc)
    if plans:
        remote = name in ("processes", "dask")
        n_workers = (workers or os.cpu_count() or 1) if remote else 2
        at_once = min(len(plans), n_workers)
        # a streamed variant's binned states: its own; on process backends running its
        # blocks, also one being built in each worker and one returned per worker (the
        # window); whole-variant tasks (sweeps) hold one each, in the worker
        whole = remote and len(plans) >= 2 * n_workers
        states = 1 + 2 * n_workers if remote and not whole else 1
        check_memory(
            [
                (
                    scenarios[i].name,
                    len(p.variables),
                    len(p.out_days),
                    len(p.finals),
                    scenarios[i].model.scenario.paths,
                    states if streams(scenarios[i].model, p) else 0,
                )
                for i, p in plans.items()
            ],
            at_once,
        )
        tasks = sum(engine.n_blocks(scenarios[i].model.scenario.paths) for i in plans)
        with open_pool(name, workers, address, tasks) as pool:
            meta = {"backend": name, "workers": pool.workers, "began": began}
            run = _Run(scenarios, plans, outcome, package, freq, keep_paths, progress, meta)
            if pool.remote and len(plans) >= 2 * pool.workers:
                run.by_variant(pool)
            else:
                run.by_block(pool)
    return [o if o is not None else VariantError(i, "", "not run") for i, o in enumerate(outcome)]
