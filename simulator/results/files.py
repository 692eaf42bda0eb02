"""Atomic writes: a whole output folder, or one file, appears complete or not at all.

Both helpers write into a temporary name beside the target and rename it into
place, so a reader never sees a half-written result and an error leaves the
previous one untouched. Temporary files and folders are created private
(``mkstemp``/``mkdtemp`` use modes 0600/0700); the helpers give the final file
or folder the permissions the process's umask asks for, as ``open`` would.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

__all__ = ["write_file_atomic", "write_folder_atomic"]


@functools.cache
def _umask() -> int:
    """The process's umask (read once: reading it means setting it for a moment)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _chmod_tree(root: Path) -> None:
    os.chmod(root, 0o777 & ~_umask())
    for path in root.rglob("*"):
        os.chmod(path, (0o777 if path.is_dir() else 0o666) & ~_umask())


def write_folder_atomic(directory: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary folder beside ``directory``, then move it into place.

    An existing folder is replaced only when every file is complete; on any
    error nothing is left behind and an existing folder stays as it was.

    Parameters
    ----------
    directory : str or Path
        The folder to (re)create; missing parents are created.
    write : callable
        Writes the folder's files into the temporary folder it is given.

    Returns
    -------
    Path
        ``directory``.
    """
    target = Path(directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        write(tmp)
        _chmod_tree(tmp)
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def write_file_atomic(path: str | Path, write: Callable[[IO[bytes]], object]) -> Path:
    """Call ``write(fh)`` on a temporary binary file beside ``path``, then rename it into place.

    Parameters
    ----------
    path : str or Path
        The file to (re)create; missing parent folders are created.
    write : callable
        Writes the content to the open binary file it is given.

    Returns
    -------
    Path
        ``path``.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
