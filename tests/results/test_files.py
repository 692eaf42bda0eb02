"""Atomic writes honour the umask (PNGs came out 0600 while reports were 0644)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from simulator.results.files import write_file_atomic, write_folder_atomic
from simulator.viz.figures import save_figures


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_png_and_file_modes_follow_umask(tmp_path: Path, umask_022: None) -> None:
    fig = Figure()
    fig.add_subplot().plot([0, 1], [0, 1])
    (png,) = save_figures({"line": fig}, tmp_path / "figs")
    assert _mode(png) == 0o644  # 0o666 & ~0o022; mkstemp alone gives 0o600
    text = write_file_atomic(tmp_path / "a.txt", lambda fh: fh.write(b"x"))
    assert _mode(text) == 0o644 and text.read_bytes() == b"x"


def test_folder_modes_follow_umask_and_replace_whole(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "out"
    write_folder_atomic(target, lambda d: (d / "one.csv").write_text("1\n"))
    assert _mode(target) == 0o755 and _mode(target / "one.csv") == 0o644
    write_folder_atomic(target, lambda d: (d / "two.csv").write_text("2\n"))
    assert sorted(p.name for p in target.iterdir()) == ["two.csv"]  # replaced, not merged


def test_failed_write_leaves_previous_and_no_temporaries(tmp_path: Path) -> None:
    target = tmp_path / "out"
    write_folder_atomic(target, lambda d: (d / "keep.csv").write_text("1\n"))

    def broken(d: Path) -> None:
        (d / "half.csv").write_text("partial")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_folder_atomic(target, broken)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert (target / "keep.csv").read_text() == "1\n"
