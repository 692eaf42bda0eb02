"""The kernel's numba cache is dropped when a module it inlines changes.

Before this, numba reused ``kernel.run_block``'s cache while ``kernel.py`` was
unchanged, so an edit of ``model/chain.py`` alone kept running the old chain
loop (found in issue 11, where a guard added to chain.py did not take effect
until the cache was deleted by hand).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.engine import kernel
from simulator.engine.kernel_cache import STAMP_SUFFIX, refresh_stale_cache


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    kernel_file = tmp_path / "kernel.py"
    kernel_file.write_text("# kernel\n")
    dep = tmp_path / "chain.py"
    dep.write_text("# chain v1\n")
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    return kernel_file, dep, cache


def _cached(cache: Path) -> list[str]:
    for name in ("kernel.run_block-190.py311.nbi", "kernel.run_block-190.py311.1.nbc"):
        (cache / name).write_bytes(b"compiled")
    return sorted(p.name for p in cache.glob("kernel.run_block-*"))


def test_a_changed_dependency_drops_the_cached_kernel(layout: tuple[Path, Path, Path]) -> None:
    kernel_file, dep, cache = layout
    sources = (dep, kernel_file)
    _cached(cache)
    assert refresh_stale_cache(kernel_file, "run_block", sources)  # no stamp yet: dropped once
    assert not list(cache.glob("kernel.run_block-*"))
    assert (cache / f"kernel.run_block{STAMP_SUFFIX}").is_file()
    _cached(cache)  # numba compiles and caches again
    assert not refresh_stale_cache(kernel_file, "run_block", sources)  # unchanged: kept
    assert len(list(cache.glob("kernel.run_block-*"))) == 2
    dep.write_text("# chain v2: a guard added\n")
    assert refresh_stale_cache(kernel_file, "run_block", sources)  # changed: dropped
    assert not list(cache.glob("kernel.run_block-*"))
    other = cache / "chain.chain_day-99.py311.nbi"  # other functions' caches are not touched
    other.write_bytes(b"x")
    dep.write_text("# chain v3\n")
    refresh_stale_cache(kernel_file, "run_block", sources)
    assert other.exists()


def test_numba_cache_dir_is_left_to_numba(
    layout: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    kernel_file, dep, cache = layout
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(cache))
    _cached(cache)
    assert not refresh_stale_cache(kernel_file, "run_block", (dep, kernel_file))
    assert len(list(cache.glob("kernel.run_block-*"))) == 2


def test_the_kernel_lists_every_model_module_it_compiles_in() -> None:
    names = {p.name for p in kernel.KERNEL_SOURCES}
    assert names == {
        "chain.py", "ledger.py", "mining.py", "protocol.py", "reserve.py", "kernel.py",
        "kernel_layout.py",
    }  # fmt: skip
    assert all(p.is_file() for p in kernel.KERNEL_SOURCES)
