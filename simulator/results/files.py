"""Atomic writes: a whole output folder, or one file, appears complete or not at all.

A folder is written into a hidden temporary folder beside its target and then
published with one ``rename``: no reader ever sees a half-written result, and
an error or a kill before the rename leaves the previous folder as it was.

* **A new folder** is published with a plain :func:`os.rename`, which on POSIX
  fails when the target is a non-empty folder, so two writers can never
  publish over each other (the loser tries the next free name, or is told).
* **A replacement** is published by swapping the two folders in one system
  call (Linux ``renameat2(RENAME_EXCHANGE)``), so there is no moment without
  a result; the old content, now in the temporary name, is deleted after.
  Where the call does not exist (other systems, some file systems) the old
  folder is renamed away first and the new one moved in, a gap of two renames.
* **Temporary folders** are named ``.NAME.btcsim-HOST-PID-XXXX``. One left by
  a killed process of this machine (its PID no longer runs here) is deleted
  the next time anything is published beside it, hidden by its leading dot
  until then. Those of other machines (a shared folder) are left alone.

Temporary files and folders are created private (``mkstemp``/``mkdtemp`` use
modes 0600/0700); the published file or folder gets the permissions the
process's umask asks for, as ``open`` would.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

__all__ = [
    "TEMP_MARK",
    "exchange",
    "next_free_names",
    "remove_stray_temps",
    "write_file_atomic",
    "write_folder_atomic",
]

#: Part of every temporary name, between the target's name and the writer's PID.
TEMP_MARK = ".btcsim-"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


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


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    """The C library's ``renameat2`` (Linux, glibc 2.28+), or None where there is none."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn  # type: ignore[no-any-return]


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one atomic step; False where the system cannot.

    Raises
    ------
    OSError
        If the swap fails for another reason (for example ``b`` is gone).
    """
    fn = _renameat2()
    if fn is None:
        return False
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    return True


def remove_stray_temps(target: Path) -> list[Path]:
    """Delete temporary folders and files beside ``target`` left by processes no longer running.

    Returns
    -------
    list of Path
        What was deleted.
    """
    pattern = re.compile(re.escape(f".{target.name}{TEMP_MARK}{_host()}-") + r"(\d+)-")
    removed: list[Path] = []
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = pattern.match(entry.name)
        if match is None or int(match.group(1)) == os.getpid() or _alive(int(match.group(1))):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


def _host() -> str:
    """The machine's name, made safe for a file name (PIDs are only unique per host)."""
    return re.sub(r"[^A-Za-z0-9]+", "_", socket.gethostname())[:40] or "host"


def _temp_prefix(target: Path) -> str:
    return f".{target.name}{TEMP_MARK}{_host()}-{os.getpid()}-"


def _is_empty_dir(path: Path) -> bool:
    try:
        return path.is_dir() and not path.is_symlink() and not any(path.iterdir())
    except OSError:
        return False


def _publish_new(tmp: Path, candidates: Iterable[Path]) -> Path:
    """Rename ``tmp`` to the first candidate that is free (absent or an empty folder)."""
    last: Path | None = None
    for candidate in candidates:
        last = candidate
        if candidate.exists() and not _is_empty_dir(candidate):
            continue
        try:
            os.rename(tmp, candidate)  # POSIX: fails if candidate is a non-empty folder
        except OSError as exc:
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
                continue  # taken meanwhile by another writer
            raise
        return candidate
    raise FileExistsError(errno.EEXIST, "folder exists and is not empty", str(last))


def _publish_replace(tmp: Path, target: Path) -> Path:
    """Put ``tmp`` in the place of ``target``, an existing folder, with no gap where possible."""
    for _ in range(100):  # another writer may publish or replace meanwhile
        if not target.exists():
            try:
                return _publish_new(tmp, [target])
            except FileExistsError:
                continue
        try:
            swapped = exchange(tmp, target)
        except FileNotFoundError:
            continue  # target vanished between the check and the swap
        if swapped:
            shutil.rmtree(tmp, ignore_errors=True)  # now the old content
            return target
        old = Path(tempfile.mkdtemp(prefix=_temp_prefix(target), dir=target.parent))
        try:
            os.replace(target, old)  # no renameat2 here: a gap of two renames
        except FileNotFoundError:
            old.rmdir()
            continue
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
        return target
    raise OSError(errno.EBUSY, "kept changing while being replaced", str(target))


def next_free_names(target: Path) -> Iterable[Path]:
    """``target``, then ``target-2``, ``target-3``, ... (without end)."""
    yield target
    n = 2
    while True:
        yield target.with_name(f"{target.name}-{n}")
        n += 1


def write_folder_atomic(
    directory: str | Path,
    write: Callable[[Path], None],
    *,
    replace: bool = True,
    next_free: bool = False,
) -> Path:
    """Call ``write(tmp)`` on a temporary folder beside ``directory``, then publish it in one step.

    Parameters
    ----------
    directory : str or Path
        The folder to create (or replace); missing parents are created.
    write : callable
        Writes the folder's files into the temporary folder it is given.
    replace : bool
        Replace ``directory`` if it exists (an atomic swap where the system
        has one). Without it, an existing non-empty folder is never touched.
    next_free : bool
        Without ``replace``: when ``directory`` is taken, publish to the first
        free ``directory-2``, ``directory-3``, ... instead of failing.

    Returns
    -------
    Path
        The folder written (``directory`` or the free name used).

    Raises
    ------
    FileExistsError
        Without ``replace`` or ``next_free``, if ``directory`` is a non-empty
        folder (checked at the moment of publishing).
    """
    target = Path(directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stray_temps(target)
    tmp = Path(tempfile.mkdtemp(prefix=_temp_prefix(target), dir=target.parent))
    try:
        write(tmp)
        _chmod_tree(tmp)
        if replace:
            return _publish_replace(tmp, target)
        return _publish_new(tmp, next_free_names(target) if next_free else [target])
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


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
    remove_stray_temps(target)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
