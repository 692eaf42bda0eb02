"""The first run after installing says it compiles the kernel (it sat silent at 0/N for 4-8 s)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from rich.console import Console

from simulator.cli import batch, common
from simulator.engine import kernel


def test_kernel_cached_reads_numba_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    assert kernel.kernel_cached() is False  # an empty cache: the first run compiles
    index = tmp_path / "some" / "dir" / "kernel.run_block-190.py311.nbi"
    index.parent.mkdir(parents=True)
    index.write_bytes(b"")
    source = Path(kernel.__file__).stat().st_mtime
    os.utime(index, (source - 10, source - 10))
    assert kernel.kernel_cached() is False  # older than the source: numba recompiles
    os.utime(index, (source + 10, source + 10))
    assert kernel.kernel_cached() is True


@pytest.mark.parametrize(("cached", "terminal", "said"), [
    (False, True, True), (True, True, False), (False, False, False),
])  # fmt: skip
def test_progress_says_it_compiles_only_on_a_terminal_and_only_once(
    monkeypatch: pytest.MonkeyPatch, cached: bool, terminal: bool, said: bool
) -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=terminal, width=100)
    monkeypatch.setattr(common.err, "_console", console)
    monkeypatch.setattr(kernel, "kernel_cached", lambda: cached)
    with batch.path_progress(10, "test", disabled=False) as advance:
        advance(10)
    assert ("compiling the simulation kernel" in buffer.getvalue()) is said
