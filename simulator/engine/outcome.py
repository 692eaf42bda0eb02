"""What a backend returns per variant: a packaged outcome, or the reason it failed.

:class:`Packager` is the caller's function that reduces a variant's paths (see
:func:`simulator.results.simulate.package`); :class:`Finished` wraps its result,
:class:`VariantError` a failure; :func:`one_line` makes any exception a one-line
message that pickles across processes (:class:`TaskError`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import numpy as np

from simulator.engine.plan import Plan
from simulator.engine.stream import StreamState
from simulator.inputs.errors import ScenarioError
from simulator.inputs.schema import Scenario

__all__ = ["Finished", "P", "Packager", "TaskError", "VariantError", "one_line"]


@dataclass(frozen=True)
class VariantError:
    """A variant that could not be simulated.

    Attributes
    ----------
    index : int
        Position of the variant in the list given to :func:`run_many`.
    name : str
        Scenario name.
    message : str
        What went wrong, one line (``FILE: key: message`` for scenario errors).
    error : BaseException or None
        The exception itself, when it is available in this process.
    """

    index: int
    name: str
    message: str
    error: BaseException | None = field(default=None, repr=False, compare=False)


P = TypeVar("P")
P_co = TypeVar("P_co", covariant=True)


class Packager(Protocol[P_co]):
    """Reduces a variant's assembled paths to what the caller keeps (picklable, module-level).

    Called as ``package(name, model, plan, out, final, keep_paths, threads)``
    with ``out (V, n_out, paths)`` float32, or for a streamed run its
    :class:`~simulator.engine.stream.StreamState`, and ``final (F, paths)``
    float64; it runs in the parent process or, for whole-variant tasks, in a
    worker.
    """

    def __call__(
        self,
        name: str,
        model: Scenario,
        plan: Plan,
        out: np.ndarray | StreamState,
        final: np.ndarray,
        keep_paths: bool,
        threads: int,
    ) -> P_co:
        """Package one variant."""
        ...


@dataclass(frozen=True)
class Finished(Generic[P]):
    """A variant that ran: its packaged outcome, and ``backend``, ``workers``, ``seconds``."""

    packed: P
    meta: dict[str, Any]


class TaskError(Exception):
    """An exception in a worker, reduced to its one-line message (always picklable)."""


def one_line(exc: BaseException) -> str:
    """The exception as one line: its own text for input errors, else ``Type: text``."""
    text = (
        str(exc) if isinstance(exc, ScenarioError | TaskError) else f"{type(exc).__name__}: {exc}"
    )
    return " ".join(text.split()) or type(exc).__name__
