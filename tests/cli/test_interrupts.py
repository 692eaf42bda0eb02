"""Interrupts: Ctrl-C stops a run within seconds with one line; a kill never costs a result.

Before this (issue 11): SIGINT was ignored on the processes backend until the
workers finished (6.5 s here, minutes on long runs), stderr said nothing, and
a SIGKILL during a save left stray ``.NAME.XXXX/`` folders.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from simulator.results.files import TEMP_MARK

BTCSIM = [sys.executable, "-c", "from cli import main; main()"]


def _default_sigint() -> None:
    """Children of a shell's background job inherit SIGINT ignored; restore the default."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _visible(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


@pytest.mark.parametrize(
    ("backend", "freq"),
    [
        ("threads", "M"),
        ("processes", "M"),
        # daily blocks are 250 MB: a worker killed while sending one used to leave the
        # executor waiting at exit for ever
        ("processes", "D"),
    ],
)
def test_sigint_during_a_run_stops_quickly_and_writes_nothing(
    tmp_path: Path, backend: str, freq: str
) -> None:
    from tests.support import PROJECT

    out = tmp_path / "out"
    quick = [*BTCSIM, "run", "--paths", "50", "--years", "1", "--out", str(out), "-q"]
    subprocess.run(quick, check=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(PROJECT)})
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    paths = "200000" if freq == "M" else "6000"
    long_run = [*BTCSIM, "run", "--paths", paths, "--years", "10", "--freq", freq]
    long_run += ["--out", str(out), "--overwrite", "--backend", backend, "-q"]
    child = subprocess.Popen(
        long_run,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
    )
    time.sleep(6)  # imports, planning, the kernel running (the whole run takes a minute)
    assert child.poll() is None, child.communicate()
    sent = time.perf_counter()
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=60)
    stopped = time.perf_counter() - sent
    assert child.returncode == 130, stderr
    assert stderr.strip().splitlines() == ["interrupted; nothing written"], stderr
    # a 10-year block of 1,024 paths takes under a second here: stop within a few
    # (measured 0.4-1.4 s; the margin is for a loaded machine)
    assert stopped < 10, f"took {stopped:.1f} s to stop"
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # previous result intact
    assert _visible(tmp_path) == ["out"]


KILLED_SAVE = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from simulator.results.outputs import publish_folder

    def write(tmp):
        (tmp / "summary.csv").write_text("second")
        Path(sys.argv[2]).write_text("writing")  # tell the parent we are inside the save
        time.sleep(60)

    publish_folder(sys.argv[1], write, "replace")
    """
)


def test_sigkill_during_a_save_keeps_the_previous_result(tmp_path: Path) -> None:
    from simulator.results.outputs import is_btcsim_result, publish_folder

    def first(tmp: Path) -> None:
        (tmp / "summary.csv").write_text("first")
        (tmp / "manifest.json").write_text(
            '{"versions": {"btcsim": "t"}, "files": ["summary.csv", "manifest.json"]}'
        )

    target = tmp_path / "out"
    publish_folder(target, first)
    marker = tmp_path / "marker"
    child = subprocess.Popen([sys.executable, "-c", KILLED_SAVE, str(target), str(marker)])
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the child never reached the save"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    marker.unlink()
    assert (target / "summary.csv").read_text() == "first" and is_btcsim_result(target)
    assert _visible(tmp_path) == ["out"]  # the stray temporary is hidden ...
    strays = [p for p in tmp_path.iterdir() if TEMP_MARK in p.name]
    assert len(strays) == 1
    publish_folder(target, first, "replace")  # ... and removed by the next save
    assert [p for p in tmp_path.iterdir() if TEMP_MARK in p.name] == []
