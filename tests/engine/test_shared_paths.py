"""The ``processes`` backend's mapped paths (:mod:`simulator.engine.shared_paths`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator import load_scenario, simulate
from simulator.engine import shared_paths
from simulator.engine.plan import BLOCK_PATHS
from simulator.engine.shared_paths import SharedPaths
from simulator.results.simulate import simulate_many

needs_shm = pytest.mark.skipif(
    os.name != "posix" or not shared_paths.SHM.is_dir(), reason="no /dev/shm on this system"
)
SETS = [f"scenario.paths={3 * BLOCK_PATHS + 5}", "scenario.horizon_years=0.5"]


@needs_shm
def test_a_worker_writes_into_the_parents_array_which_outlives_the_file() -> None:
    shared = SharedPaths()
    made = shared.create("0", (2, 3, 10))
    assert made is not None
    out, path = made
    assert type(out) is np.ndarray and not out.any()  # zeroed, a plain array
    assert os.stat(path).st_blocks * 512 >= out.nbytes  # its memory reserved at once
    block = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    code = (
        "import sys, numpy as np\n"
        "from simulator.engine.shared_paths import write_blocks\n"
        "b = np.arange(24, dtype=np.float32).reshape(2, 3, 4)\n"
        "write_blocks(sys.argv[1], (2, 3, 10), slice(4, 8), b)"
    )
    subprocess.run([sys.executable, "-c", code, path], check=True)  # as a worker would
    np.testing.assert_array_equal(out[:, :, 4:8], block)
    assert not out[:, :, :4].any() and not out[:, :, 8:].any()
    folder = Path(path).parent
    SharedPaths.release(path)
    assert not Path(path).exists()
    shared.close()
    assert not folder.exists()  # nothing left on /dev/shm
    np.testing.assert_array_equal(out[:, :, 4:8], block)  # the mapping is still valid


def test_no_room_or_no_shm_falls_back(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(shared_paths, "SHM", tmp_path / "missing")
    assert SharedPaths().create("0", (2, 3, 10)) is None
    monkeypatch.setattr(shared_paths, "SHM", tmp_path)
    monkeypatch.setattr(shared_paths, "_SPARE", 1 << 62)  # more than any disk
    assert SharedPaths().create("0", (2, 3, 10)) is None


def test_a_full_file_system_falls_back_instead_of_crashing_later(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # statvfs said there was room, but reserving fails (another run took it): no file
    # is left, and the caller assembles through the pipes (not SIGBUS in a worker)
    def full(fd: int, offset: int, size: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shared_paths, "SHM", tmp_path)
    monkeypatch.setattr(shared_paths.os, "posix_fallocate", full)
    shared = SharedPaths()
    assert shared.create("0", (2, 3, 10)) is None
    assert shared.folder is not None and list(shared.folder.iterdir()) == []
    shared.close()


def test_a_killed_runs_folder_is_removed_by_the_next(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process id that has ended
    monkeypatch.setattr(shared_paths, "SHM", tmp_path)
    orphan = tmp_path / f"btcsim-{gone.pid}-abc"
    orphan.mkdir()
    (orphan / "0.f32").write_bytes(b"\0" * 64)
    alive = tmp_path / f"btcsim-{os.getpid()}-def"  # a live run's: kept
    alive.mkdir()
    shared = SharedPaths()
    assert shared.create("0", (2, 3, 10)) is not None
    assert not orphan.exists() and alive.exists()
    shared.close()


@needs_shm
def test_processes_with_mapped_paths_equal_serial_and_free_each_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folders: list[Path] = []
    released: list[str] = []
    create, release = SharedPaths.create, SharedPaths.release

    def spy_create(self: SharedPaths, name: str, shape: tuple[int, int, int]) -> object:
        # the second variant cannot be mapped: it falls back to the pipes
        got = create(self, name, shape) if name == "0" else None
        if self.folder is not None:
            folders.append(self.folder)
        return got

    def spy_release(path: str) -> None:
        released.append(path)
        release(path)

    monkeypatch.setattr(SharedPaths, "create", spy_create)
    monkeypatch.setattr(SharedPaths, "release", staticmethod(spy_release))
    a = load_scenario("scenarios/baseline.toml", SETS)
    b = load_scenario("scenarios/baseline.toml", [*SETS, "scenario.seed=7"])
    serial = simulate_many([a, b], backend="serial", keep_paths=True)
    mapped = simulate_many([a, b], backend="processes", workers=2, keep_paths=True)
    for one, other in zip(serial, mapped, strict=True):
        assert not isinstance(one, Exception) and not isinstance(other, Exception)
        np.testing.assert_array_equal(one.paths, other.paths)
        pd.testing.assert_frame_equal(one.summary, other.summary)
    assert [Path(p).name for p in released if p] == ["0.f32"]  # freed when assembled
    assert folders and not any(f.exists() for f in folders)  # this run's folder is gone


@needs_shm
def test_a_single_processes_run_equals_serial() -> None:
    scenario = load_scenario("scenarios/baseline.toml", SETS)
    serial = simulate(scenario, backend="serial", keep_paths=True)
    mapped = simulate(scenario, backend="processes", workers=2, keep_paths=True)
    np.testing.assert_array_equal(serial.paths, mapped.paths)
    pd.testing.assert_frame_equal(serial.path_metrics, mapped.path_metrics)
