"""Streamed percentiles: within one bin of exact, exact where they can be, identical on any backend.

The accuracy claim of :mod:`simulator.engine.stream` is that a percentile
whose order statistics fall in regular bins lies within one bin width
``w`` of :func:`numpy.percentile` on the scale ``u = asinh(x / s)``; point
masses (exact zeros, a row's mode, constant rows) and infinities are exact.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import PROJECT
from typer.testing import CliRunner

from cli import app as cli_app
from simulator import load_scenario, simulate
from simulator.engine import plan as engine
from simulator.engine import stream_tasks
from simulator.engine.memory import FIXED_BYTES, RunTooLargeError, check_memory, estimate_bytes
from simulator.engine.stream import BUCKETS, StreamState, bins_from_block, state_bytes
from simulator.results.result import PERCENTILES
from simulator.results.simulate import simulate_many
from simulator.results.stats import percentiles_and_mean

SCEN = PROJECT / "scenarios"
QS = tuple(float(q) for q in PERCENTILES)
PAIR = ("exact", "streamed")


def _stream(blocks: list[np.ndarray], order: list[int] | None = None) -> StreamState:
    """A state over ``blocks`` (each ``(V, n_out, b)``), added in ``order``."""
    sizes = np.cumsum([0] + [b.shape[-1] for b in blocks])
    spans = [slice(int(a), int(b)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    state = StreamState(bins_from_block(blocks[0]), blocks[0].shape[:2], 1, spans, 0, len(blocks))
    for i in order or range(len(blocks)):
        state.add(i, blocks[i], np.zeros((1, blocks[i].shape[-1])))
    return state


def _u_distance(state: StreamState, got: np.ndarray, exact: np.ndarray) -> np.ndarray:
    """``|asinh(got / s) - asinh(exact / s)|`` in bin widths, per row and percentile."""
    s = state.bins.scale[:, None]
    with np.errstate(invalid="ignore"):  # inf - inf where both are infinite: not compared
        return np.abs(np.arcsinh(got / s) - np.arcsinh(exact / s)) / state.bins.width[:, None]


def test_lognormal_rows_within_one_bin_and_mean_exact() -> None:
    rng = np.random.default_rng(1)
    sigma = np.array([0.1, 1.0, 2.2])[:, None, None]  # 2.2: ten years of a 70 % volatility
    blocks = [
        np.exp(sigma * rng.standard_normal((3, 2, 1000))).astype(np.float32) for _ in range(6)
    ]
    state = _stream(blocks)
    got = state.percentiles(QS).transpose(0, 2, 1).reshape(6, 5)
    x = np.concatenate(blocks, axis=-1)
    exact, mean = percentiles_and_mean(x, PERCENTILES, axis=2)
    exact = exact.transpose(1, 2, 0).reshape(6, 5)
    assert _u_distance(state, got, exact).max() <= 1.0 + 1e-6
    # the relative error the module notes promise, w * sqrt(1 + (s/x)^2), here about w
    bound = state.bins.width[:, None] * np.sqrt(1 + (state.bins.scale[:, None] / exact) ** 2)
    assert (np.abs(got / exact - 1) <= 1.01 * bound).all()
    np.testing.assert_allclose(state.mean(), mean, rtol=1e-12)
    assert (state.defined_share() == 1).all()


def test_point_masses_constants_and_undefined_values_are_exact() -> None:
    rng = np.random.default_rng(2)
    blocks = []
    for _ in range(4):
        b = np.empty((5, 1, 500), dtype=np.float32)
        b[0, 0] = (rng.random(500) < 0.3).astype(np.float32)  # a 0/1 indicator
        b[1, 0] = 6240.0  # constant holdings
        b[2, 0] = np.where(rng.random(500) < 0.4, 0.0, rng.lognormal(5, 1, 500))  # zero mass
        b[3, 0] = rng.normal(0, 1e6, 500)  # both signs, through zero
        b[4, 0] = np.where(rng.random(500) < 0.1, np.inf, rng.lognormal(0, 1, 500))
        b[4, 0, :3] = np.nan
        blocks.append(b)
    state = _stream(blocks)
    got = state.percentiles(QS)[:, :, 0]
    exact = percentiles_and_mean(np.concatenate(blocks, axis=-1), PERCENTILES, axis=2)[0]
    exact = exact[:, :, 0].T
    masses = np.isin(exact, [0, 1, 6240])
    np.testing.assert_array_equal(got[masses], exact[masses])
    np.testing.assert_array_equal(got[0], exact[0])  # 0 / 1 at every percentile
    np.testing.assert_array_equal(got[1], exact[1])
    assert got[4, -1] == np.inf == exact[4, -1]  # p95 among the 10 % infinite paths
    regular = np.isfinite(exact) & ~np.isin(exact, [0, 1, 6240])
    assert _u_distance(state, got, exact)[regular].max() <= 1.0 + 1e-6
    share = state.defined_share()[:, 0]
    assert share[4] == np.mean(np.isfinite(np.concatenate(blocks, axis=-1)[4, 0]))
    assert np.isnan(state.mean()[4, 0])  # NaN on some paths: the mean says so, as exact does


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.one_of(st.just(0.0), st.floats(-1e9, 1e9, width=32), st.just(3.5)),
        min_size=20,
        max_size=300,
    ),
    st.integers(1, 4),
)
def test_any_values_stay_within_the_sample_and_near_exact(values: list[float], parts: int) -> None:
    """Property: every percentile lies in [min, max] of the data, is monotone in q, and is
    within one bin of exact unless its order statistics fell outside the first block's bins."""
    x = np.asarray(values, dtype=np.float32)
    blocks = [b.reshape(1, 1, -1) for b in np.array_split(x, parts) if b.size]
    state = _stream(blocks)
    got = state.percentiles(QS)[0, :, 0]
    exact = np.percentile(x.astype(np.float64), QS)
    assert (got >= x.min()).all() and (got <= x.max()).all()
    assert (np.diff(got) >= 0).all()
    inside = state.counts[0, 1:3].sum() + state.counts[0, BUCKETS + 3 : BUCKETS + 5].sum() == 0
    if inside:
        assert _u_distance(state, got[None], exact[None]).max() <= 1.0 + 1e-6


def test_order_of_blocks_does_not_change_a_bit() -> None:
    rng = np.random.default_rng(3)
    blocks = [rng.lognormal(0, 1, (2, 3, 700)).astype(np.float32) for _ in range(5)]
    a, b = _stream(blocks), _stream(blocks, order=[0, 3, 1, 4, 2])
    np.testing.assert_array_equal(a.counts, b.counts)
    np.testing.assert_array_equal(a.percentiles(QS), b.percentiles(QS))
    np.testing.assert_array_equal(a.mean(), b.mean())  # block sums added in block order


def _baseline(paths: int, method: str, extra: list[str] | None = None) -> Any:
    sets = [f"scenario.paths={paths}", "scenario.horizon_years=1", f"scenario.percentiles={method}"]
    return load_scenario(SCEN / "baseline.toml", sets + (extra or []))


def test_baseline_streamed_summary_is_exact_and_bands_within_one_bin() -> None:
    exact, streamed = (
        simulate(_baseline(3000, m), backend="serial") for m in ("exact", "streamed")
    )
    assert exact.meta["percentiles"] == "exact"
    assert streamed.meta["percentiles"].startswith("streamed")
    pd.testing.assert_frame_equal(exact.summary, streamed.summary, check_exact=True)
    assert streamed.path_metrics is not None and exact.path_metrics is not None
    pd.testing.assert_frame_equal(exact.path_metrics, streamed.path_metrics, check_exact=True)
    # the bands, row by row against the bins of the same run's first block
    scenario = _baseline(3000, "streamed")
    plan = engine.plan(scenario.model, scenario.path, None)
    state = stream_tasks.run_streamed(scenario.model, plan)
    cols = [f"p{q}" for q in PERCENTILES]
    got = streamed.percentiles[cols].to_numpy()
    want = exact.percentiles[cols].to_numpy()
    rows = len(plan.variables) * len(plan.out_days)
    dist = _u_distance(state, got[:rows], want[:rows])  # emissions rows are added after
    assert np.nanmax(np.where(np.isfinite(want[:rows]), dist, 0)) <= 1.0 + 1e-6
    np.testing.assert_array_equal(
        streamed.percentiles["defined_share"], exact.percentiles["defined_share"]
    )


@pytest.mark.parametrize(
    ("backend", "workers"), [("threads", 2), ("processes", 2), ("processes", 1)]
)
def test_streamed_runs_are_bit_identical_on_every_backend(backend: str, workers: int) -> None:
    scenario = _baseline(2 * engine.BLOCK_PATHS + 52, "streamed")
    (serial,) = simulate_many([scenario], backend="serial")
    (other,) = simulate_many([scenario], backend=backend, workers=workers)
    pd.testing.assert_frame_equal(serial.percentiles, other.percentiles, check_exact=True)
    pd.testing.assert_frame_equal(serial.summary, other.summary, check_exact=True)


def test_streamed_on_dask_is_bit_identical() -> None:
    pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    scenario = _baseline(2 * engine.BLOCK_PATHS + 52, "streamed")
    (serial,) = simulate_many([scenario], backend="serial")
    (other,) = simulate_many([scenario], backend="dask", workers=2)
    pd.testing.assert_frame_equal(serial.percentiles, other.percentiles, check_exact=True)


def test_one_block_run_and_whole_variant_tasks() -> None:
    small = _baseline(300, "streamed")  # one block: packaged right after block 0
    (alone,) = simulate_many([small], backend="threads")
    assert alone.meta["percentiles"].startswith("streamed")
    # four variants on two processes: one task per variant, streamed inside the worker
    runs = simulate_many([_baseline(1100, "streamed")] * 4, backend="processes", workers=2)
    (serial,) = simulate_many([_baseline(1100, "streamed")], backend="serial")
    for r in runs:
        pd.testing.assert_frame_equal(serial.percentiles, r.percentiles, check_exact=True)


def test_auto_streams_above_the_threshold_and_keeps_no_paths(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scenario = _baseline(20_000, "auto", ["scenario.freq=M", "scenario.horizon_years=5"])
    plan = engine.plan(scenario.model, scenario.path, None)
    size = stream_tasks.recorded_bytes(len(plan.variables), len(plan.out_days), 20_000)
    assert not stream_tasks.streams(scenario.model, plan)
    assert simulate(scenario, keep_paths=True).paths is not None
    monkeypatch.setattr(stream_tasks, "STREAM_ABOVE_BYTES", size - 1)
    assert stream_tasks.streams(scenario.model, plan)
    result = simulate(scenario, keep_paths=True)
    assert result.meta["percentiles"].startswith("streamed") and result.paths is None


def test_auto_stays_exact_where_streaming_would_need_more_memory() -> None:
    """Daily output, 6,000 paths: 1.84 GB of recorded paths (over 1 GiB), but 76,692 rows
    of bins take 5 GB; a test that failed before (a run that fit was refused)."""
    scenario = load_scenario(SCEN / "baseline.toml", ["scenario.paths=6000", "scenario.freq=D"])
    plan = engine.plan(scenario.model, scenario.path, None)
    assert stream_tasks.recorded_bytes(21, len(plan.out_days), 6000) > 2**30
    assert not stream_tasks.streams(scenario.model, plan)


def test_streamed_memory_estimate_arithmetic() -> None:
    # binned state: 21 series x 121 days = 2,541 rows x (16,393 columns x 4 + 24) bytes
    # = 166,679,436; per path 1.4 x (21 x 4 last day + 3 x 32 x 8 finals and metrics)
    # = 1.4 x 852 bytes; + 256 MiB
    assert state_bytes(2541, 0, 0, 0) == 2541 * (16_393 * 4 + 24) == 166_679_436
    got = estimate_bytes(21, 121, 32, 10**6, states=1)
    assert got == 166_679_436 + int(1.4 * 852 * 10**6) + FIXED_BYTES
    assert got < 2e9 < estimate_bytes(21, 121, 32, 10**6)  # exact: about 14 GB
    # on process backends, 2 workers: the run's state and 2 per worker
    assert estimate_bytes(21, 121, 32, 10**6, states=5) == got + 4 * 166_679_436


def test_streamed_run_too_large_is_refused_without_suggesting_streaming() -> None:
    with pytest.raises(RunTooLargeError) as caught:
        check_memory([("baseline", 21, 3652, 32, 10_000_000, 1)], 1, available=4 * 2**30)
    message = str(caught.value)
    assert "--paths" in message and "scenario.percentiles" not in message
    with pytest.raises(RunTooLargeError, match="scenario.percentiles"):
        check_memory([("baseline", 21, 3652, 32, 10_000_000, 0)], 1, available=4 * 2**30)


def test_bad_method_is_one_line_naming_the_key(tmp_path: Path) -> None:
    base = str(SCEN / "baseline.toml")
    sets = ["--set", 'scenario.percentiles="sketch"', "--out", str(tmp_path / "o")]
    got = CliRunner().invoke(cli_app, ["run", base, *sets])
    assert got.exit_code == 2 and "Traceback" not in got.output
    line = got.output.strip()
    assert "\n" not in line and "scenario.percentiles" in line and "streamed" in line
    assert not (tmp_path / "o").exists()


def test_plot_of_a_streamed_run_says_why_it_has_no_daily_revenue() -> None:
    import matplotlib.pyplot as plt

    from simulator.viz.entities import mining_figure

    result = simulate(_baseline(300, "streamed"), keep_paths=True)
    fig = mining_figure(result, "pakistan")
    try:
        text = " ".join(t.get_text() for t in fig.texts)
        assert "a streamed run keeps none" in text and "keep_paths=True" not in text
    finally:
        plt.close(fig)


def test_a_streamed_sweep_bins_at_most_two_variants_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The memory check counts two variants at once in this process; before, every
    variant's state was opened before the first task (a review: 8 alive of 8)."""
    import weakref

    from simulator.engine import backends

    alive: weakref.WeakSet[StreamState] = weakref.WeakSet()
    peak = [0]
    opened = backends.start_stream

    def counting(model: Any, plan: Any) -> StreamState:
        state = opened(model, plan)
        alive.add(state)
        peak[0] = max(peak[0], len(alive))
        return state

    monkeypatch.setattr(backends, "start_stream", counting)
    runs = simulate_many([_baseline(2100, "streamed")] * 6, backend="threads")
    assert all(r.meta["percentiles"].startswith("streamed") for r in runs)
    assert peak[0] <= 3  # two binning, and the one being opened
