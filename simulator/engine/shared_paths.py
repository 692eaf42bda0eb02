"""Paths the ``processes`` backend's workers write straight into the parent's memory.

Pickling a task's recorded paths back through the pool's pipes cost about 2 s
of a 100,000-path baseline run on two cores (about 1 GB: 17 tasks of 62 MB
took 2.4 s against 0.13 s returning nothing). Instead, on POSIX systems with
a ``/dev/shm`` (a memory file system) that has room, the parent maps each
variant's ``(series, out_days, paths)`` float32 array onto a file there,
reserving its memory at once (``posix_fallocate``: a file system that runs
out later would kill a worker with SIGBUS; out of room now, the paths travel
back through the pipes as before). A worker maps the same file and writes
its blocks into their columns, and returns only the finals. The parent
removes each file as soon as its variant is assembled (its own mapping stays
valid: POSIX semantics), so the memory is freed with the array as before,
and removes the run's folder at the end. A folder left by a run that was
killed (its name holds the parent's process id) is removed by the next run.
Elsewhere (no ``/dev/shm``, too little room, dask) the paths travel back
through the pipes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["SHM", "SharedPaths", "write_blocks"]

#: The memory file system the arrays are mapped onto.
SHM = Path("/dev/shm")
#: Room left free on it beyond the arrays [bytes]: others use it too.
_SPARE = 1 << 30


class SharedPaths:
    """A folder on ``/dev/shm`` for one run's mapped arrays; :meth:`close` removes it."""

    def __init__(self) -> None:
        self.folder: Path | None = None

    def create(self, name: str, shape: tuple[int, int, int]) -> tuple[np.ndarray, str] | None:
        """A zeroed float32 array of ``shape`` mapped onto a new file, and the file's path.

        The file's memory is reserved here (``posix_fallocate``, about 0.3 s
        a GB). ``None`` where it cannot be shared (not POSIX, no
        ``/dev/shm``, not enough room): the caller then assembles the paths
        as before.
        """
        size = 4 * int(np.prod(shape))
        path: Path | None = None
        try:
            if os.name != "posix" or not SHM.is_dir() or not hasattr(os, "posix_fallocate"):
                return None
            free = os.statvfs(SHM)
            if free.f_bavail * free.f_frsize < size + _SPARE:
                return None
            if self.folder is None:
                _remove_orphans()
                self.folder = Path(tempfile.mkdtemp(prefix=f"btcsim-{os.getpid()}-", dir=SHM))
            path = self.folder / f"{name}.f32"
            with open(path, "xb") as file:
                os.posix_fallocate(file.fileno(), 0, size)  # ENOSPC now, not SIGBUS later
            out = np.memmap(path, dtype=np.float32, mode="r+", shape=shape)
        except OSError:
            if path is not None:
                path.unlink(missing_ok=True)
            return None
        return out.view(np.ndarray), str(path)  # a plain array; it keeps the mapping alive

    @staticmethod
    def release(path: str) -> None:
        """Remove one variant's file (its mapping stays valid; its memory goes with it)."""
        if path:
            Path(path).unlink(missing_ok=True)

    def close(self) -> None:
        """Remove the folder and its files (mappings already made stay valid)."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def _remove_orphans() -> None:
    """Remove the folders of runs whose process is gone (killed before it could clean up)."""
    for folder in SHM.glob("btcsim-*-*"):
        try:
            pid = int(folder.name.split("-")[1])
            os.kill(pid, 0)
        except ValueError:
            continue  # not a name this module makes
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue  # alive, another user's


def write_blocks(path: str, shape: tuple[int, int, int], span: slice, recorded: np.ndarray) -> None:
    """Worker side: write ``recorded`` (series, out_days, n) into columns ``span`` of the file."""
    out = np.memmap(path, dtype=np.float32, mode="r+", shape=shape)
    out[:, :, span] = recorded
    out.flush()
    del out
