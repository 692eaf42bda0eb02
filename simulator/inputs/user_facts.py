"""The user's own facts files, read on top of the built-in registry with the same provenance.

A facts file has the form of the built-in ``facts.toml`` (``[[fact]]`` with
``[[fact.sources]]``, ``[[derived]]`` with a formula) and is validated by the
same schema (:mod:`simulator.inputs.facts_schema`), with one difference: a
source names its headline or title, and its URL where there is one, instead of
a seed article. A scenario names its files with ``facts = ["my_facts.toml"]``;
every command that loads scenarios adds more with ``--facts FILE``.

Each file is read as scenario files are (:mod:`simulator.inputs.toml_files`: a
regular UTF-8 file of at most 1 MiB, nested at most 32 levels deep) and hashed
(SHA-256, recorded in manifests). An id the built-in registry (or an earlier
file) already has is refused unless the new fact says ``supersedes = "ID"``
with a ``supersedes_reason``; then the new figure is canonical and the earlier
one stays in its sources and spread (:mod:`simulator.inputs.fact_layers`).
"""

from __future__ import annotations

import functools
import hashlib
import os
import tomllib
from collections.abc import Sequence
from pathlib import Path

from simulator.inputs.errors import FactsFileError, ScenarioError
from simulator.inputs.fact_layers import Layer, build_registry
from simulator.inputs.fact_registry import FactRegistry, FactsFile
from simulator.inputs.facts import builtin_layer, load_facts
from simulator.inputs.toml_files import decode_text, parse_toml, read_file_bytes

__all__ = ["load_user_facts", "read_facts_file"]


@functools.lru_cache(maxsize=64)
def _layer(shown: str, digest: str, text: str) -> Layer:
    """Parse and validate one file's text; cached by name and content (variants reread files)."""
    from simulator.inputs.facts_validation import validate

    try:
        data = parse_toml(text, shown)
    except tomllib.TOMLDecodeError as exc:
        raise FactsFileError(f"TOML syntax error: {exc}", shown) from None
    except ScenarioError as exc:
        raise FactsFileError(exc.message, shown) from None
    return Layer(shown, shown, validate(data, shown, user=True))


def read_facts_file(path: str | Path) -> tuple[Layer, FactsFile]:
    """Read and validate one facts file on its own (the checks that need no other file).

    Parameters
    ----------
    path : str or Path
        The facts file; errors name it as given.

    Returns
    -------
    (Layer, FactsFile)
        The validated entries, and the file's record (path, SHA-256, counts).

    Raises
    ------
    FactsFileError
        ``FILE: message`` for a file that is missing, not a regular file,
        larger than 1 MiB, not UTF-8, not TOML or nested too deep, and
        ``FILE: fact.ID.FIELD: message`` for a malformed entry.
    """
    shown = str(path)
    try:
        data = read_file_bytes(Path(path), shown, "facts file")
        text = decode_text(data, shown)
    except ScenarioError as exc:
        raise FactsFileError(exc.message, shown) from None
    digest = hashlib.sha256(data).hexdigest()
    layer = _layer(shown, digest, text)
    document = layer.document
    record = FactsFile(
        path=shown,
        sha256=digest,
        cited=len(document.fact),
        derived=len(document.derived),
        supersedes=tuple(e.id for e in document.fact if e.supersedes is not None),
    )
    return layer, record


def load_user_facts(paths: Sequence[str | Path]) -> FactRegistry:
    """The built-in registry plus the user's facts files, in order.

    Parameters
    ----------
    paths : sequence of str or Path
        Facts files; one named twice (by the same path) is read once.

    Returns
    -------
    FactRegistry
        Every fact of the built-in registry and the files, derived facts
        computed over all of them; ``files`` records each file read. With no
        paths, the built-in registry itself.

    Raises
    ------
    FactsFileError
        For the first file at fault (see :func:`read_facts_file` and
        :func:`simulator.inputs.fact_layers.build_registry`).
    """
    unique = list(dict.fromkeys(os.path.normpath(p) for p in paths))
    if not unique:
        return load_facts()
    layers, records = [builtin_layer()], []
    for path in unique:
        layer, record = read_facts_file(path)
        layers.append(layer)
        records.append(record)
    return build_registry(layers, records)
