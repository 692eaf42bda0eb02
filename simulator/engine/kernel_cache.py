"""Keep numba's on-disk cache of the kernel in step with every module the kernel inlines.

Numba caches a compiled function beside its source file and reuses it while
*that* file is unchanged (its modification time and size). The kernel
(:func:`simulator.engine.kernel.run_block`) compiles the jitted model
functions it calls (chain, mining, reserve accounting) into itself, so after
an edit of ``model/chain.py`` alone numba would go on loading the old
kernel. :func:`refresh_stale_cache` closes that gap: it keeps a digest of the
kernel's sources next to the cache and deletes the cached kernel when the
digest changes, so the next call compiles afresh (about 5 s once).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

__all__ = ["STAMP_SUFFIX", "refresh_stale_cache", "sources_digest"]

#: Suffix of the stamp file holding the digest, beside numba's index files.
STAMP_SUFFIX = ".sources.sha256"


def sources_digest(files: Iterable[Path]) -> str:
    """SHA-256 over the bytes of ``files``, in the order given."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def refresh_stale_cache(kernel_file: Path, function: str, sources: Iterable[Path]) -> bool:
    """Delete the cached ``function`` of ``kernel_file`` if any of ``sources`` changed.

    Parameters
    ----------
    kernel_file : Path
        The module that defines the jitted function (its cache sits in
        ``__pycache__`` beside it).
    function : str
        The function's name (numba names its files ``MODULE.FUNCTION-LINE...``).
    sources : iterable of Path
        Every source file compiled into the function, ``kernel_file`` included.

    Returns
    -------
    bool
        True if a stale cache was deleted. Nothing is done (False) under
        ``$NUMBA_CACHE_DIR`` (numba's own layout there) or when the cache
        folder cannot be written (numba then caches elsewhere or not at all).
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return False
    cache = kernel_file.parent / "__pycache__"
    stamp = cache / f"{kernel_file.stem}.{function}{STAMP_SUFFIX}"
    try:
        digest = sources_digest(sources)
        if stamp.is_file() and stamp.read_text(encoding="ascii").strip() == digest:
            return False
        stale = list(cache.glob(f"{kernel_file.stem}.{function}-*.nb[ic]"))
        for path in stale:
            path.unlink(missing_ok=True)
        cache.mkdir(exist_ok=True)
        stamp.write_text(digest + "\n", encoding="ascii")
    except OSError:
        return False
    return bool(stale)
