"""The ``processes`` backend's mapped paths (:mod:`simulator.engine.shared_paths`)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator import load_scenario, simulate
from simulator.engine import shared_paths
from simulator.engine.plan import BLOCK_PATHS
from simulator.engine.shared_paths import SharedPaths, write_blocks

needs_shm = pytest.mark.skipif(
    os.name != "posix" or not shared_paths.SHM.is_dir(), reason="no /dev/shm on this system"
)


@needs_shm
def test_a_worker_writes_into_the_parents_array_which_outlives_the_file() -> None:
    shared = SharedPaths()
    made = shared.create("0", (2, 3, 10))
    assert made is not None
    out, path = made
    assert type(out) is np.ndarray and not out.any()  # zeroed, a plain array
    block = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    write_blocks(path, (2, 3, 10), slice(4, 8), block)  # as a worker process would
    np.testing.assert_array_equal(out[:, :, 4:8], block)
    assert not out[:, :, :4].any() and not out[:, :, 8:].any()
    folder = Path(path).parent
    shared.close()
    assert not folder.exists()  # nothing left on /dev/shm
    np.testing.assert_array_equal(out[:, :, 4:8], block)  # the mapping is still valid


def test_no_room_or_no_shm_falls_back(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(shared_paths, "SHM", tmp_path / "missing")
    assert SharedPaths().create("0", (2, 3, 10)) is None
    monkeypatch.setattr(shared_paths, "SHM", tmp_path)
    monkeypatch.setattr(shared_paths, "_SPARE", 1 << 62)  # more than any disk
    assert SharedPaths().create("0", (2, 3, 10)) is None


@needs_shm
def test_processes_with_mapped_paths_equal_serial_and_leave_nothing_behind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[str] = []
    create = SharedPaths.create

    def spy(self: SharedPaths, name: str, shape: tuple[int, int, int]) -> object:
        got = create(self, name, shape)
        made.append("mapped" if got is not None else "not")
        return got

    monkeypatch.setattr(SharedPaths, "create", spy)
    before = set(shared_paths.SHM.glob("btcsim-*"))
    sets = [f"scenario.paths={3 * BLOCK_PATHS + 5}", "scenario.horizon_years=0.5"]
    scenario = load_scenario("scenarios/baseline.toml", sets)
    serial = simulate(scenario, backend="serial", keep_paths=True)
    mapped = simulate(scenario, backend="processes", workers=2, keep_paths=True)
    np.testing.assert_array_equal(serial.paths, mapped.paths)
    pd.testing.assert_frame_equal(serial.summary, mapped.summary)
    pd.testing.assert_frame_equal(serial.path_metrics, mapped.path_metrics)
    assert set(shared_paths.SHM.glob("btcsim-*")) == before
    assert made == ["mapped"]  # the processes run went through the mapped file
