"""The chain loop stops on a hashrate that is not a finite, non-negative number.

With an infinite hashrate every pass of :func:`chain_day`'s retarget loop
finds a whole epoch in no time, and with NaN no comparison ever ends it: the
day never finished. Each case runs in a child process with a timeout, so a
regression fails instead of hanging the test session.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from support import PROJECT

from simulator.model.chain import chain_day, chain_day_numpy

BAD = ["float('inf')", "float('nan')", "-1.0", "1e300"]  # 1e300 EH/s: an infinite block rate


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PROJECT,
    )


@pytest.mark.parametrize("value", BAD)
def test_compiled_chain_day_refuses_non_finite_hashrate(value: str) -> None:
    result = _run(
        f"""
        from simulator.model.chain import chain_day
        try:
            chain_day(906014.0, 1.26e14, 905184.0, -6.0, 0.0, {value})
        except ValueError as exc:
            print("refused:", exc)
        """
    )
    assert result.returncode == 0, result.stderr
    assert "refused: network hashrate must be finite and >= 0" in result.stdout


@pytest.mark.parametrize("value", BAD)
def test_numpy_chain_day_refuses_non_finite_hashrate(value: str) -> None:
    result = _run(
        f"""
        import numpy as np
        from simulator.model.chain import chain_day_numpy
        one = lambda v: np.array([v], dtype=float)
        try:
            chain_day_numpy(one(906014.0), one(1.26e14), one(905184.0), one(-6.0), 0.0,
                            np.array([1.0, {value}]))
        except ValueError as exc:
            print("refused:", exc)
        """
    )
    assert result.returncode == 0, result.stderr
    assert "refused: network hashrate must be finite and >= 0" in result.stdout


def test_huge_finite_hashrate_still_ends_the_day() -> None:
    # 1e290 EH/s: hundreds of retargets (x4 each) in one day, but a finite number
    pos, dif, _, _, found = chain_day(906014.0, 1.26e14, 905184.0, -6.0, 0.0, 1e290)
    assert np.isfinite(pos) and np.isfinite(dif) and found > 0
    one = lambda v: np.array([v], dtype=float)  # noqa: E731
    found_np = chain_day_numpy(
        one(906014.0), one(1.26e14), one(905184.0), one(-6.0), 0.0, one(1e290)
    )
    assert found_np[0] == pytest.approx(found)


def test_zero_hashrate_finds_no_blocks() -> None:
    assert chain_day(906014.0, 1.26e14, 905184.0, -6.0, 0.0, 0.0)[4] == 0.0


def test_kernel_refuses_infinite_network_hashrate() -> None:
    # The compiled run loop calls chain_day for every path and day: an infinite
    # hashrate on one day must stop the block with the error, not spin. (A numba
    # cache of the kernel compiled before chain.py changed would still hang: the
    # cache only watches kernel.py.)
    result = _run(
        """
        import numpy as np
        from simulator.engine import kernel, plan as engine
        from simulator.inputs.scenario import load_scenario
        sets = ["scenario.paths=4", "scenario.horizon_years=0.1"]
        s = load_scenario("scenarios/baseline.toml", sets)
        m = s.model
        p = engine.plan(m, s.path)
        price, rest = engine.market_block(
            m, p.market, 1, 0, 4, p.n_days, p.shock_days, p.shock_changes
        )
        rest[2, 5] = np.inf
        out = np.empty((len(p.variables), len(p.out_days), 4), dtype=np.float32)
        final = np.empty((len(p.finals), 4))
        try:
            kernel.run_block(*p.kernel_inputs(price, rest, m.market.price.start_usd), out, final)
        except ValueError as exc:
            print("refused:", exc)
        """
    )
    assert result.returncode == 0, result.stderr
    assert "refused: network hashrate must be finite and >= 0" in result.stdout
