"""Backends: identical results on serial, threads, processes and dask; failures; progress."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from support import PROJECT

from simulator import ScenarioError, load_scenario, simulate
from simulator.engine.backends import BACKENDS, VariantError, default_backend
from simulator.engine.plan import BLOCK_PATHS
from simulator.results.result import Result
from simulator.results.simulate import simulate_many

SCEN = PROJECT / "scenarios"
# 2,100 paths = 3 blocks (the last one partial); 1 year keeps it fast
SETS = ["scenario.paths=2100", "scenario.horizon_years=1"]
PAKISTAN = ("pakistan_subsidised_tariff", "pakistan_cost_reflective_tariff")


def _pair() -> list[Any]:
    return [load_scenario(SCEN / f"{name}.toml", SETS) for name in PAKISTAN]


def _broken() -> Any:
    sets = [*SETS, "market.price.history_file=nowhere.csv"]
    return load_scenario(SCEN / "price_models" / "bootstrap.toml", sets)


def _assert_same(a: list[Any], b: list[Any]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert isinstance(x, Result) and isinstance(y, Result)
        assert x.scenario == y.scenario
        pd.testing.assert_frame_equal(x.percentiles, y.percentiles, check_exact=True)
        pd.testing.assert_frame_equal(x.summary, y.summary, check_exact=True)
        assert x.path_metrics is not None and y.path_metrics is not None
        pd.testing.assert_frame_equal(x.path_metrics, y.path_metrics, check_exact=True)


@pytest.fixture(scope="module")
def reference() -> list[Any]:
    return simulate_many(_pair(), backend="serial")


def test_multi_block_process_tasks_match_serial() -> None:
    """One process worker gets tasks of two blocks each (6 blocks, a quarter per worker
    rounded up = 2), planned in the task; the joined paths equal a serial run's bit for bit."""
    sets = [f"scenario.paths={5 * BLOCK_PATHS + 10}", "scenario.horizon_years=0.25"]
    scenario = load_scenario(SCEN / "baseline.toml", sets)
    (serial,) = simulate_many([scenario], backend="serial")
    (chunked,) = simulate_many([scenario], backend="processes", workers=1)
    _assert_same([serial], [chunked])


@pytest.fixture(scope="module")
def dask_address() -> Iterator[str]:
    distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": ":0"},
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def test_reference_is_what_simulate_gives(reference: list[Any]) -> None:
    scenario = _pair()[0]
    assert scenario.model.scenario.paths > 2 * BLOCK_PATHS  # a partial third block
    _assert_same(reference[:1], [simulate(scenario, workers=2)])
    assert reference[0].meta["backend"] == "serial" and reference[0].meta["workers"] == 1
    assert reference[0].meta["seconds"] > 0


@pytest.mark.parametrize(("backend", "workers"), [("threads", None), ("processes", 2)])
def test_local_backends_are_bit_identical(
    reference: list[Any], backend: str, workers: int | None
) -> None:
    out = simulate_many(_pair(), backend=backend, workers=workers)
    _assert_same(reference, out)
    assert all(r.meta["backend"] == backend for r in out)
    assert out[0].meta["workers"] == 2


def test_worker_count_does_not_change_results(reference: list[Any]) -> None:
    # 1 process runs whole variants (2 variants >= 2 x 1 worker), 2 processes run blocks
    one = simulate_many(_pair(), backend="processes", workers=1)
    two = simulate_many(_pair(), backend="processes", workers=2)
    _assert_same(reference, one)
    _assert_same(one, two)
    assert one[0].meta["workers"] == 1


def test_whole_variant_tasks_match_block_tasks(reference: list[Any]) -> None:
    # 4 variants on 2 processes -> one task per variant, packaged where it ran
    out = simulate_many([*_pair(), *_pair()], backend="processes", workers=2)
    _assert_same([*reference, *reference], out)


def test_dask_cluster_is_bit_identical(reference: list[Any], dask_address: str) -> None:
    blocks = simulate_many(_pair(), backend="dask", address=dask_address)
    _assert_same(reference, blocks)
    assert blocks[0].meta == {**blocks[0].meta, "backend": "dask", "workers": 2}
    variants = simulate_many([*_pair(), *_pair()], backend="dask", address=dask_address)
    _assert_same([*reference, *reference], variants)


def test_dask_local_cluster_when_no_address(reference: list[Any]) -> None:
    pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    out = simulate_many(_pair()[:1], backend="dask", workers=1)
    _assert_same(reference[:1], out)


@pytest.mark.parametrize("backend", ["serial", "threads", "processes"])
def test_failing_variant_does_not_stop_the_others(reference: list[Any], backend: str) -> None:
    good, other = _pair()
    out = simulate_many([good, _broken(), other], backend=backend, workers=2)
    _assert_same([reference[0], reference[1]], [out[0], out[2]])
    error = out[1]
    assert isinstance(error, VariantError)
    assert (error.index, error.name) == (1, "price_bootstrap")
    assert "nowhere.csv" in error.message and "market.price.history_file" in error.message
    assert "\n" not in error.message


def test_failure_inside_a_task_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulator.engine import plan as engine

    def boom(*args: Any) -> Any:
        raise RuntimeError("disk on fire\nsecond line")

    monkeypatch.setattr(engine, "compute_block", boom)
    out = simulate_many(_pair(), backend="threads")
    assert [type(o) for o in out] == [VariantError, VariantError]
    assert out[0].message == "RuntimeError: disk on fire second line"


def test_simulate_raises_scenario_error_for_a_failed_variant() -> None:
    with pytest.raises(ScenarioError, match=r"history_file: file not found.*nowhere\.csv"):
        simulate(_broken(), backend="processes")


def test_default_backend_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BTCSIM_BACKEND", raising=False)
    assert default_backend() == "threads"
    for name in BACKENDS:
        monkeypatch.setenv("BTCSIM_BACKEND", name)
        assert default_backend() == name
    monkeypatch.setenv("BTCSIM_BACKEND", "serial")
    assert simulate(_pair()[0]).meta["backend"] == "serial"
    monkeypatch.setenv("BTCSIM_BACKEND", "gpu")
    with pytest.raises(ValueError, match="BTCSIM_BACKEND='gpu'"):
        default_backend()
    with pytest.raises(ValueError, match="BTCSIM_BACKEND"):
        simulate_many(_pair())


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="unknown backend 'gpu'"):
        simulate_many(_pair(), backend="gpu")
    with pytest.raises(ValueError, match="workers must be >= 1"):
        simulate_many(_pair(), backend="threads", workers=0)
    with pytest.raises(ValueError, match="only used by backend 'dask'"):
        simulate_many(_pair(), backend="processes", address="tcp://127.0.0.1:8786")


def test_dask_missing_gives_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real = builtins.__import__

    def no_dask(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".")[0] in ("dask", "distributed"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    hint = r"backend 'dask' needs dask: pip install -e '\.\[dask\]'"
    with pytest.raises(ImportError, match=hint):
        simulate_many(_pair(), backend="dask")


@pytest.mark.parametrize(("backend", "n"), [("serial", 1), ("threads", 2), ("processes", 2)])
def test_progress_counts_every_path(backend: str, n: int) -> None:
    calls: list[int] = []
    scenarios = [*_pair(), *_pair()][: 2 * n - 1]  # block tasks with n workers
    out = simulate_many(scenarios, backend=backend, workers=n, progress=calls.append)
    assert all(isinstance(o, Result) for o in out)
    assert sum(calls) == sum(s.model.scenario.paths for s in scenarios)
    assert len(calls) >= len(scenarios)


def test_progress_per_variant_task() -> None:
    calls: list[int] = []
    simulate_many(_pair(), backend="processes", workers=1, progress=calls.append)
    assert calls == [2100] * 2


def test_empty_and_all_failed() -> None:
    assert simulate_many([], backend="serial") == []
    out = simulate_many([_broken()], backend="processes")
    assert isinstance(out[0], VariantError)


def test_cli_backend_choice_and_errors(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cli import app

    runner = CliRunner()
    base = ["run", "scenarios/pakistan_subsidised_tariff.toml", "--paths", "100", "--years", "1"]
    ok = runner.invoke(app, [*base, "--backend", "serial", "--json", "--out", str(tmp_path / "r")])
    assert ok.exit_code == 0, ok.output
    assert '"backend": "serial"' in ok.output
    monkeypatch.setenv("BTCSIM_BACKEND", "gpu")
    bad_env = runner.invoke(app, base)
    assert bad_env.exit_code == 2
    assert bad_env.output.startswith("error: BTCSIM_BACKEND='gpu': expected one of")
    monkeypatch.delenv("BTCSIM_BACKEND")
    bad = runner.invoke(app, [*base, "--backend", "gpu"])
    assert bad.exit_code == 2 and "--backend: expected one of" in bad.output
    lone = runner.invoke(app, [*base, "--address", "tcp://127.0.0.1:1"])
    assert lone.exit_code == 2 and "--address: only with --backend dask" in lone.output


def test_the_forkserver_preload_imports_and_warms_the_kernel(tmp_path: Path) -> None:
    # the processes backend's forkserver imports it before forking workers; it must
    # import cleanly in a fresh interpreter and warm the kernel from the shipped
    # baseline, even from a folder with a broken scenarios/baseline.toml of its own
    import subprocess
    import sys

    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "baseline.toml").write_text("not = [toml", encoding="utf-8")
    code = (
        "import simulator.engine.preload as p\n"
        "from simulator.engine.kernel import run_block\n"
        "assert p.WARMED and run_block.overloads, 'no warm-up'"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
