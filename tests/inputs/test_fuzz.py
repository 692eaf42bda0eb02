"""A fuzz of scenario text through load_scenario -> plan -> a tiny simulate.

Byte, line and value mutations of every shipped scenario file (parts
included). Every outcome must be either

* a run whose BTC is conserved path by path (mined = kept + sold for each
  operation; each reserve holds between 0 and what came in), or
* an input error (:class:`~simulator.inputs.errors.InputError`) naming the
  file, on one line.

Anything else (another exception, a message of several lines, a hang) fails
with the minimal example hypothesis finds. Each example runs in a long-lived
worker process with a time limit, so a hang fails the test instead of
stalling CI; the worker is replaced after a hang.

Before this (issue 11): 1,236 of 11,500 mutated scenarios raised uncaught
exceptions and 3 hung. Examples: ``BTCSIM_FUZZ_EXAMPLES`` (default 2,000 on
CI, where ``CI`` is set, else 300); derandomised, so a run is reproducible.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import re
import shutil
import traceback
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import PROJECT, SHARED

SEEDS = sorted(p.relative_to(PROJECT) for p in (PROJECT / "scenarios").rglob("*.toml"))
EXAMPLES = int(os.environ.get("BTCSIM_FUZZ_EXAMPLES", "2000" if os.environ.get("CI") else "300"))
#: Seconds one example may take (the first loads the compiled kernel; a run takes ~15 ms).
TIME_LIMIT = 30.0
#: Values that have broken parsers and kernels before, plus ordinary wrong ones.
INTERESTING = [
    "0", "-1", "1", "5", "25", "5.0001", "1e300", "-1e300", "1e-300", "nan", "inf", "-inf",
    "1.0e10", "[]", "{}", "[[]]", '""', '"x"', "true", "false", "9999-06-01", "1900-01-01",
    "2025-07-17", "2040-01-01", '"/dev/zero"', '"../../x"', '"."', "{ value = [] }",
    "{ cite = \"no.such.fact\" }", "{ value = 1, low = [], high = 2 }", "[" * 60 + "]" * 60,
    "18446744073709551616", "-0.0", "0.9999999", '"2025-13-45"',
]  # fmt: skip
LITERAL = re.compile(
    r'"(?:[^"\\\n]|\\.)*"|\d{4}-\d\d-\d\d|[-+]?(?:\d[\d_]*\.?\d*(?:[eE][-+]?\d+)?|inf|nan)'
    r"|\btrue\b|\bfalse\b"
)


# ------------------------------------------------------------------ the worker
def _conserved(scenario: Any, result: Any) -> str | None:
    """Why the run does not conserve BTC, or None."""
    import numpy as np

    per_path = result.path_metrics
    kept_total = 0.0
    for op in scenario.model.mining:
        mined, kept, sold = (
            per_path[f"{op.name}.{m}"].to_numpy()
            for m in ("btc_mined_btc", "btc_kept_btc", "btc_sold_btc")
        )
        if not (np.isfinite(mined).all() and (mined >= 0).all()):
            return f"mining {op.name}: BTC mined not finite and >= 0: {mined}"
        gap = np.abs(mined - kept - sold)
        if (gap > 1e-9 * np.maximum(mined, 1.0)).any():
            return f"mining {op.name}: mined != kept + sold (gap {gap.max():g} BTC)"
        kept_total += float(kept.max())
    for res in scenario.model.reserve:
        held = per_path[f"{res.name}.holdings_btc"].to_numpy()
        bought = per_path[f"{res.name}.btc_bought_btc"].to_numpy()
        came_in = res.holdings_btc + bought + kept_total
        if not (np.isfinite(held).all() and (held >= -1e-9).all()):
            return f"reserve {res.name}: holdings not finite and >= 0: {held}"
        if (held > came_in * (1 + 1e-9) + 1e-9).any():
            return f"reserve {res.name}: holds more BTC than came in"
    return None


def _evaluate(path: str) -> tuple[str, str]:
    """One example: ``("ok" | "input error" | "bad", detail)``."""
    from simulator.inputs.errors import InputError
    from simulator.inputs.scenario import load_scenario
    from simulator.results.simulate import simulate

    try:
        scenario = load_scenario(path, ["scenario.paths=2"])
        result = simulate(scenario, backend="serial")
    except InputError as exc:
        message = str(exc)
        if "\n" in message or getattr(exc, "file", "") in ("", None):
            return "bad", f"{type(exc).__name__} not one line naming a file: {message!r}"
        return "input error", message
    except Exception as exc:  # anything else is a bug the fuzz is here to find
        tail = "".join(traceback.format_exception(exc)[-3:])
        return "bad", f"uncaught {type(exc).__name__}: {exc}\n{tail}"
    why = _conserved(scenario, result)
    return ("bad", why) if why else ("ok", "")


def _serve(conn: Connection) -> None:
    import warnings

    warnings.simplefilter("ignore")  # a warning is not an outcome; the CLI test checks stderr
    while True:
        path = conn.recv()
        if path is None:
            return
        conn.send(_evaluate(path))


class Worker:
    """A process that evaluates examples; replaced when one hangs."""

    def __init__(self) -> None:
        self.ctx = mp.get_context("spawn")
        self._start()

    def _start(self) -> None:
        self.conn, child = self.ctx.Pipe()
        self.process = self.ctx.Process(target=_serve, args=(child,), daemon=True)
        self.process.start()

    def run(self, path: Path) -> tuple[str, str]:
        self.conn.send(str(path))
        if self.conn.poll(TIME_LIMIT):
            try:
                return self.conn.recv()  # type: ignore[no-any-return]
            except EOFError:
                pass
            self._restart()
            return "bad", "the worker died (a crash in compiled code?)"
        self._restart()
        return "bad", f"hang: no outcome within {TIME_LIMIT:.0f} s"

    def _restart(self) -> None:
        self.process.kill()
        self.process.join()
        self._start()

    def close(self) -> None:
        self.conn.send(None)
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped scenarios, with ``shared/`` where relative paths expect it."""
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(PROJECT / "scenarios", root / "main" / "scenarios")
    (root / "shared").symlink_to(SHARED, target_is_directory=True)
    return root / "main"


@pytest.fixture(scope="module")
def worker() -> Iterator[Worker]:
    w = Worker()
    yield w
    w.close()


# ------------------------------------------------------------------ mutations
@st.composite
def mutated(draw: st.DrawFn) -> tuple[Path, bytes]:
    """A shipped scenario file with one to three byte, line or value mutations."""
    rel = draw(st.sampled_from(SEEDS))
    data = (PROJECT / rel).read_bytes()
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["value", "value", "value", "line", "byte"]))
        if kind == "value":
            text = data.decode("utf-8", errors="surrogateescape")
            spans = [m.span() for m in LITERAL.finditer(text)]
            numbers = [(a, b) for a, b in spans if text[a] not in '"tf']
            if numbers and draw(st.integers(0, 3)):  # mostly numbers: they reach the kernel
                spans = numbers
            if spans:
                a, b = draw(st.sampled_from(spans))
                new = draw(
                    st.one_of(
                        st.sampled_from(INTERESTING),
                        st.floats(allow_nan=True, allow_infinity=False).map(repr),
                        st.integers(-(10**20), 10**20).map(str),
                    )
                )
                data = (text[:a] + new + text[b:]).encode("utf-8", errors="surrogateescape")
        elif kind == "line":
            lines = data.split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            how = draw(st.sampled_from(["delete", "duplicate", "swap", "foreign"]))
            if how == "delete":
                del lines[i]
            elif how == "duplicate":
                lines.insert(i, lines[i])
            elif how == "swap":
                j = draw(st.integers(0, len(lines) - 1))
                lines[i], lines[j] = lines[j], lines[i]
            else:
                other = (PROJECT / draw(st.sampled_from(SEEDS))).read_bytes().split(b"\n")
                lines.insert(i, draw(st.sampled_from(other)))
            data = b"\n".join(lines)
        else:
            i = draw(st.integers(0, len(data)))
            new = draw(st.binary(min_size=0, max_size=4))
            cut = draw(st.integers(0, 4))
            data = data[:i] + new + data[i + cut :]
    return rel, data


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(example=mutated())
def test_mutated_scenarios_run_conserving_btc_or_fail_cleanly(
    example: tuple[Path, bytes], tree: Path, worker: Worker
) -> None:
    rel, data = example
    path = tree / rel.parent / f"fuzz_{rel.name}"
    path.write_bytes(data)
    outcome, detail = worker.run(path)
    assert outcome != "bad", f"{rel} mutated:\n{data.decode('utf-8', 'replace')}\n\n{detail}"
