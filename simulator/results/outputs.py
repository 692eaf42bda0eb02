"""Where results go, and the rules that keep earlier results and other files safe.

Rules (README, "Errors and safety"):

* A folder is **a btcsim result** when it holds a ``manifest.json`` that
  btcsim wrote (it has ``versions.btcsim``) and every entry beside it is one
  the manifest lists under ``files``. Anything else in it makes it a
  **foreign** folder, which btcsim never replaces or deletes, even when asked
  to overwrite. An empty folder is free.
* ``if_exists="next"`` (the default folder of a command, ``results/NAME``)
  publishes to the first free name of ``NAME``, ``NAME-2``, ``NAME-3``, ...
* ``if_exists="error"`` (an explicit ``--out``) refuses a folder that holds
  an earlier result; ``if_exists="replace"`` (``--overwrite``) replaces it.
* :func:`check_output_folder` checks, before any work, that a folder can be
  written at all: not the working folder or one of its parents, not under a
  system folder, no file in the way, a name the file system accepts, and a
  parent where a folder can really be created.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from simulator.inputs.errors import InputError
from simulator.results.files import TEMP_MARK, write_folder_atomic

__all__ = [
    "IfExists",
    "OutputError",
    "check_existing",
    "check_output_file",
    "check_output_folder",
    "foreign_entries",
    "is_btcsim_result",
    "publish_folder",
]

IfExists = Literal["error", "replace", "next"]
#: Folders btcsim never writes under: kernel and device file systems.
SYSTEM_ROOTS = (Path("/proc"), Path("/sys"), Path("/dev"))


class OutputError(InputError):
    """An output folder that cannot or must not be written, as one line ``LABEL: message``."""

    def __init__(self, label: str, message: str) -> None:
        self.label, self.message = label, message
        super().__init__(f"{label}: {message}")


#: What results written before manifests listed their files hold (read as btcsim's).
LEGACY_FILES = frozenset(
    {
        "summary.csv", "percentiles.csv", "inputs.csv", "manifest.json", "comparison.csv",
        "inputs_diff.csv", "sweep.csv", "heatmap.csv", "sensitivity.csv", "sobol.csv",
        "daily.csv", "monthly.csv",
    }
)  # fmt: skip


def _listing(folder: Path) -> tuple[set[str], dict[str, set[str]]] | None:
    """Files and sub-folders (with their listed children) a btcsim manifest in ``folder`` lists.

    None if the folder has no manifest that btcsim wrote. A manifest from
    before ``files`` was recorded lists :data:`LEGACY_FILES` and PNG figures.
    """
    try:
        with open(folder / "manifest.json", encoding="utf-8") as fh:
            manifest = json.load(fh)
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or "btcsim" not in (manifest.get("versions") or {}):
        return None
    listed = manifest.get("files")
    if not isinstance(listed, list):
        names = {p.name for p in folder.iterdir()}
        return {n for n in names if n in LEGACY_FILES or n.endswith(".png")}, {}
    files: set[str] = {"manifest.json"}
    folders: dict[str, set[str]] = {}
    for entry in map(str, listed):
        parts = [p for p in entry.split("/") if p]
        if len(parts) == 1 and not entry.endswith("/"):
            files.add(parts[0])
        elif parts:
            folders.setdefault(parts[0], set()).update(parts[1:2])
    return files, folders


def _shown(folder: Path) -> list[Path]:
    """Entries of ``folder`` other than btcsim's own hidden temporaries."""
    return sorted(
        p for p in folder.iterdir() if not (p.name.startswith(".") and TEMP_MARK in p.name)
    )


def foreign_entries(folder: str | Path) -> list[str]:
    """Paths in ``folder`` (relative to it) that btcsim did not write.

    All of them if the folder has no btcsim manifest. Sub-folders a manifest
    lists (``scenarios/NAME/``) are checked entry by entry, and each listed
    result in them must itself be a btcsim result. Symbolic links are never
    btcsim's. Hidden temporaries of btcsim's own atomic writes are not counted.
    """
    folder = Path(folder)
    listing = _listing(folder)
    entries = _shown(folder)
    if listing is None:
        return [p.name for p in entries]
    files, folders = listing
    foreign: list[str] = []
    for entry in entries:
        if entry.is_symlink():
            foreign.append(entry.name)
        elif entry.name in files and entry.is_file():
            continue
        elif entry.name in folders and entry.is_dir():
            for child in _shown(entry):
                where = f"{entry.name}/{child.name}"
                if (
                    child.name not in folders[entry.name]
                    or child.is_symlink()
                    or not child.is_dir()
                ):
                    foreign.append(where)
                else:
                    foreign += [f"{where}/{n}" for n in foreign_entries(child)]
        else:
            foreign.append(entry.name)
    return foreign


def is_btcsim_result(folder: str | Path) -> bool:
    """True if ``folder`` is a non-empty folder of btcsim's own files only."""
    folder = Path(folder)
    return folder.is_dir() and _listing(folder) is not None and not foreign_entries(folder)


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists() or candidate.is_symlink():
            return candidate
    return Path(".")


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def check_output_folder(folder: str | Path, label: str | None = None) -> None:
    """Check before any work that ``folder`` can be created or replaced by btcsim.

    Parameters
    ----------
    folder : str or Path
        The output folder.
    label : str, optional
        How to name the folder in messages, e.g. ``"--out x"`` (default: the folder).

    Raises
    ------
    OutputError
        With one line naming what is wrong.
    """
    raw = str(folder)
    path = Path(folder)
    label = label or raw
    if raw.strip() in ("", "."):
        raise OutputError(label, "give a folder name (the current folder cannot be a result)")
    limit = _name_max(Path("."))
    for part in path.parts:
        if len(os.fsencode(part)) > limit - 24:  # room for the temporary prefix and suffix
            raise OutputError(label, f"the name {part[:24]}... is too long for the file system")
    if path.is_symlink():  # publishing would swap the link itself, not what it points to
        raise OutputError(label, "is a symbolic link; give the folder it points to instead")
    resolved = path.resolve()
    cwd = Path.cwd().resolve()
    if resolved == cwd or resolved in cwd.parents:
        raise OutputError(label, "this is the current folder or one of its parents")
    if any(resolved == root or root in resolved.parents for root in SYSTEM_ROOTS):
        raise OutputError(label, f"is under the system folder /{resolved.parts[1]}")
    dangling = next((p for p in path.parents if p.is_symlink() and not p.exists()), None)
    if dangling is not None:
        raise OutputError(label, f"{dangling} is a symbolic link to nothing")
    base = _nearest_existing(resolved)
    if base != resolved and not base.is_dir():
        raise OutputError(label, f"{base} is a file, not a folder")
    if base == resolved and not resolved.is_dir():
        raise OutputError(label, "exists and is not a folder")
    _probe(base if base != resolved else resolved.parent, label)


def _probe(folder: Path, label: str) -> None:
    """Create and remove a hidden folder in ``folder``: the one sure test that it is writable."""
    try:
        tempfile.TemporaryDirectory(prefix=".btcsim-probe-", dir=folder).cleanup()
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise OutputError(label, f"cannot create a folder in {folder} ({why})") from None


def _refuse_foreign(folder: Path, label: str) -> None:
    if folder.is_dir():
        foreign = foreign_entries(folder)
        if foreign:
            shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
            raise OutputError(
                label,
                f"holds files btcsim did not write ({shown}), so it is never replaced; "
                "choose another folder",
            )


def check_existing(folder: str | Path, if_exists: IfExists, label: str | None = None) -> None:
    """Refuse, before any work, a folder that publishing with ``if_exists`` would refuse.

    ``"next"`` never refuses (it picks a free name); ``"replace"`` refuses
    a foreign folder; ``"error"`` refuses any non-empty folder.
    """
    folder = Path(folder)
    label = label or str(folder)
    if if_exists == "next" or not folder.is_dir() or not any(folder.iterdir()):
        return
    _refuse_foreign(folder, label)
    if if_exists == "error":
        raise OutputError(
            label,
            "holds an earlier btcsim result; add --overwrite to replace it, "
            "or choose another folder",
        )


def publish_folder(
    folder: str | Path,
    write: Callable[[Path], None],
    if_exists: IfExists = "error",
    label: str | None = None,
) -> Path:
    """Write a result folder in one atomic step under the rules of this module.

    Parameters
    ----------
    folder : str or Path
        Where the result goes.
    write : callable
        Writes every file of the result (figures included) into the
        temporary folder it is given.
    if_exists : {"error", "replace", "next"}
        What to do when ``folder`` already holds an earlier btcsim result:
        refuse, replace it, or use the next free name ``folder-2``, ...
        A foreign folder is refused in every case except ``"next"``, which
        passes it by.
    label : str, optional
        How to name the folder in messages (default: the folder itself).

    Returns
    -------
    Path
        The folder written.

    Raises
    ------
    OutputError
        If the folder is refused (also when another process published there
        between the check and the write).
    """
    folder = Path(folder)
    name = label or str(folder)
    check_existing(folder, if_exists, name)
    try:
        return write_folder_atomic(
            folder, write, replace=if_exists == "replace", next_free=if_exists == "next"
        )
    except FileExistsError:
        message = "was written by another process meanwhile; nothing written"
        raise OutputError(name, message) from None


def _file_owned(path: Path, marker: bytes) -> bool:
    try:
        with open(path, "rb") as fh:
            return marker in fh.read(4096)
    except OSError:
        return False


def check_output_file(
    path: str | Path, if_exists: IfExists, marker: bytes, label: str | None = None
) -> None:
    """Check, before any work, that btcsim may write the file ``path`` (a report, a snippet).

    The rules are those of folders: a file without ``marker`` in its first
    4 KiB (btcsim's signature for that kind of file) is never replaced; one
    with it is refused with ``"error"`` and replaced with ``"replace"``.

    Raises
    ------
    OutputError
        With one line naming what is wrong.
    """
    path = Path(path)
    label = label or str(path)
    if str(path).strip() in ("", ".") or str(path).endswith(("/", os.sep)):
        raise OutputError(label, "give a file name, not a folder")
    if path.is_dir():
        raise OutputError(label, "is a folder; give a file name")
    if len(os.fsencode(path.name)) > _name_max(Path(".")) - 24:
        raise OutputError(label, f"the name {path.name[:24]}... is too long for the file system")
    parent = path.resolve().parent
    if parent.is_dir():
        if any(parent == root or root in parent.parents for root in SYSTEM_ROOTS):
            raise OutputError(label, f"is under the system folder /{parent.parts[1]}")
        _probe(parent, label)
    else:
        check_output_folder(path.parent, label)
    if path.exists() or path.is_symlink():
        if not path.is_file() or not _file_owned(path, marker):
            raise OutputError(
                label, "exists and was not written by btcsim, so it is never replaced"
            )
        if if_exists == "error":
            raise OutputError(label, "holds an earlier btcsim file; add --overwrite to replace it")
