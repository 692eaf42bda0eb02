"""The memory a run needs is estimated and refused before anything is allocated.

Before this (issue 11), ``--paths 1000000`` at 10 years daily asked numpy for
the whole array and died with ``_ArrayMemoryError`` (a traceback), and the
schema's maximum paths asked for hundreds of GiB.
"""

from __future__ import annotations

import pytest

from simulator.engine.memory import (
    FIXED_BYTES,
    PATHS_FACTOR,
    RunTooLargeError,
    available_bytes,
    check_memory,
    estimate_bytes,
)
from simulator.inputs.errors import InputError
from simulator.inputs.scenario import load_scenario
from simulator.results.simulate import simulate
from tests.support import PROJECT


def test_estimate_arithmetic() -> None:
    # 17 series x 3,652 days x 10,000 paths x 4 bytes = 2,483,360,000 bytes recorded;
    # x 1.4 = 3,476,704,000; + 12 finals x 10,000 paths x 8 bytes = 960,000; + 256 MiB.
    got = estimate_bytes(17, 3652, 12, 10_000)
    assert got == int(PATHS_FACTOR * 2_483_360_000) + 960_000 + FIXED_BYTES
    assert got == 3_476_704_000 + 960_000 + 268_435_456


def test_refused_with_one_line_naming_paths_and_freq() -> None:
    runs = [("baseline", 17, 3652, 12, 1_000_000, 0)]
    with pytest.raises(RunTooLargeError) as caught:
        check_memory(runs, 1, available=8 * 2**30)
    message = str(caught.value)
    assert "\n" not in message and "--paths" in message and "--freq" in message
    assert "1,000,000 paths x 3,652 output days x 17 series" in message
    assert isinstance(caught.value, InputError)  # the CLI prints it as one line, exit 2


def test_several_variants_held_at_once_add_up() -> None:
    one = ("a", 17, 121, 12, 100_000, 0)
    alone = check_memory([one], 1, available=2**40)
    both = check_memory([one, one], 2, available=2**40)
    assert both == 2 * alone - FIXED_BYTES  # the fixed part is paid once
    with pytest.raises(RunTooLargeError, match="2 variants at once"):
        check_memory([one, one], 2, available=alone + 1)


def test_available_memory_is_known_here() -> None:
    have = available_bytes()
    assert have is not None and have > 2**28


def test_simulate_refuses_before_allocating() -> None:
    scenario = load_scenario(
        PROJECT / "scenarios" / "baseline.toml",
        ["scenario.paths=10000000", "scenario.freq=D", 'scenario.percentiles="exact"'],
    )
    with pytest.raises(RunTooLargeError, match="GiB of memory"):
        simulate(scenario)
