"""Worker pools of the backends: one thread, a thread pool, local processes, or a dask cluster.

:func:`open_pool` starts the executor a backend names and shuts it (and any
local dask cluster) down on exit; :mod:`simulator.engine.backends` submits its
tasks to it.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BACKENDS",
    "DASK_MISSING",
    "ENV_VAR",
    "Pool",
    "SerialExecutor",
    "default_backend",
    "open_pool",
    "start_method",
]

BACKENDS: tuple[str, ...] = ("serial", "threads", "processes", "dask")
#: Environment variable naming the default backend.
ENV_VAR = "BTCSIM_BACKEND"


def default_backend() -> str:
    """Backend named by ``BTCSIM_BACKEND``, or ``"threads"`` when it is unset or empty.

    Raises
    ------
    ValueError
        If the variable names no known backend.
    """
    value = os.environ.get(ENV_VAR, "").strip()
    if not value:
        return "threads"
    if value not in BACKENDS:
        raise ValueError(f"{ENV_VAR}={value!r}: expected one of {', '.join(BACKENDS)}")
    return value


#: Message for the dask backend when dask is not installed.
DASK_MISSING = "backend 'dask' needs dask: pip install -e '.[dask]'"


class SerialExecutor(Executor):
    """Runs each task when it is submitted, in the calling thread."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run ``fn(*args, **kwargs)`` now; return a finished future with its result or error."""
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future


@dataclass
class Pool:
    """An executor, its worker count, and whether tasks run in other processes."""

    executor: Executor
    workers: int
    remote: bool  # tasks run in other processes: send models, not plans


def _ignore_sigint() -> None:
    """Worker initializer: Ctrl-C reaches the whole process group; only the parent handles it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT while child processes start (in the main thread; elsewhere do nothing).

    A process started with SIGINT ignored keeps it ignored, so Ctrl-C, which
    the terminal sends to the whole process group, reaches only the parent,
    which stops the pool; the children print no tracebacks of their own.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


#: The resource tracker's note on exit after Ctrl-C: the pool's locks, which the
#: terminated workers held, are cleaned up by the tracker; that is expected, not news.
_TRACKER_WARNING = "ignore::UserWarning:multiprocessing.resource_tracker"


def _quiet_resource_tracker() -> None:
    """Pass the filter to the resource tracker process (it starts with the parent's -W options)."""
    if _TRACKER_WARNING not in sys.warnoptions:
        sys.warnoptions.append(_TRACKER_WARNING)


def _terminate_children(keep: set[Any]) -> None:
    """Stop the pool's worker processes now (after Ctrl-C or an error), not after their task.

    ``keep``: the child processes that ran before the pool started (a caller's own).
    """
    workers = [child for child in mp.active_children() if child not in keep]
    for child in workers:
        child.terminate()
    for child in workers:
        child.join(timeout=5)


def start_method() -> str:
    """``forkserver`` where available, else ``spawn``: forking a parent with threads is unsafe."""
    return "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"


@contextmanager
def open_pool(name: str, workers: int | None, address: str | None, tasks: int) -> Iterator[Pool]:
    """Start the backend's executor; shut it down (and any local cluster) on exit."""
    cpus = os.cpu_count() or 1
    closers: list[Callable[[], object]] = []
    before = set(mp.active_children())
    if name == "serial":
        pool = Pool(SerialExecutor(), 1, remote=False)
    elif name == "threads":
        n = max(1, min(workers or min(2, cpus), tasks))
        pool = Pool(ThreadPoolExecutor(max_workers=n), n, remote=False)
    elif name == "processes":
        n = max(1, min(workers or cpus, tasks))
        ctx = mp.get_context(start_method())
        if ctx.get_start_method() == "forkserver":
            # children fork with the backends (and so the engine) imported, and the
            # kernel loaded (simulator.engine.preload)
            ctx.set_forkserver_preload(["simulator.engine.backends", "simulator.engine.preload"])
        _quiet_resource_tracker()
        executor = ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_ignore_sigint)
        pool = Pool(executor, n, remote=True)

    else:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise ImportError(DASK_MISSING) from None
        if address:
            client = Client(address)
        else:
            with _sigint_ignored():  # the worker processes inherit it: Ctrl-C is the parent's
                cluster = LocalCluster(
                    n_workers=workers or 2,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,  # no dashboard, and its HTTP port picked freely:
                    scheduler_kwargs={"dashboard_address": ":0"},
                )
            closers.append(cluster.close)
            client = Client(cluster)
        closers.insert(0, client.close)
        n = max(1, sum(client.nthreads().values()))
        pool = Pool(client.get_executor(pure=False), n, remote=True)
    try:
        yield pool
    except BaseException:
        try:
            pool.executor.shutdown(wait=False, cancel_futures=True)
        except TypeError:  # dask's ClientExecutor has no cancel_futures
            pool.executor.shutdown(wait=False)
        if name == "processes":
            _terminate_children(before)
        if name == "dask":  # closing a cluster with tasks running logs errors: not news
            for logger in ("distributed", "tornado"):
                logging.getLogger(logger).setLevel(logging.CRITICAL)
        raise
    else:
        pool.executor.shutdown(wait=True)
    finally:
        for close in closers:
            close()
