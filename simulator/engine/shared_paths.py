"""Paths the ``processes`` backend's workers write straight into the parent's memory.

Pickling a task's recorded paths back through the pool's pipes cost about 2 s
of a 100,000-path baseline run on two cores (about 1 GB: 17 tasks of 62 MB
took 2.4 s against 0.13 s returning nothing). Instead, on POSIX systems with
a ``/dev/shm`` (a memory file system) that has room, the parent maps each
variant's ``(series, out_days, paths)`` float32 array onto a file there; a
worker maps the same file and writes its blocks into their columns, and
returns only the finals. The parent removes the files once the run ends: the
parent's mapping stays valid after that (POSIX semantics), so a result that
keeps its paths keeps working memory, not a file. Elsewhere (no ``/dev/shm``,
too little room, dask) the paths travel back as before.
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
        """A float32 array of ``shape`` mapped onto a new file, and the file's path.

        ``None`` where it cannot be shared (not POSIX, no ``/dev/shm``, not
        enough room): the caller then assembles the paths as before. A new
        file reads as zeros, and its memory is taken only as the workers
        write their blocks, so the parent pays nothing here.
        """
        size = 4 * int(np.prod(shape))
        try:
            if os.name != "posix" or not SHM.is_dir():
                return None
            free = os.statvfs(SHM)
            if free.f_bavail * free.f_frsize < size + _SPARE:
                return None
            if self.folder is None:
                self.folder = Path(tempfile.mkdtemp(prefix="btcsim-", dir=SHM))
            path = self.folder / f"{name}.f32"
            out = np.memmap(path, dtype=np.float32, mode="w+", shape=shape)
        except OSError:
            return None
        return out.view(np.ndarray), str(path)  # a plain array; it keeps the mapping alive

    def close(self) -> None:
        """Remove the folder and its files (mappings already made stay valid)."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def write_blocks(path: str, shape: tuple[int, int, int], span: slice, recorded: np.ndarray) -> None:
    """Worker side: write ``recorded`` (series, out_days, n) into columns ``span`` of the file."""
    out = np.memmap(path, dtype=np.float32, mode="r+", shape=shape)
    out[:, :, span] = recorded
    out.flush()
    del out
