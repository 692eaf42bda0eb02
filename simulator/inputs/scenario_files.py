"""Scenario files as plain data: TOML reading, ``extends`` merging and ``--set`` overrides."""

from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from simulator.inputs.errors import ScenarioError, did_you_mean

__all__ = ["ENTITY_LISTS", "FORM_KEYS", "apply_overrides", "parse_override", "read_merged"]

#: Top-level arrays of named entities; they merge and are addressed by ``name``.
ENTITY_LISTS = ("reserve", "mining")
#: Keys of a value form (``{ cite = ... }``, ``{ value = ..., note = ... }``).
FORM_KEYS = frozenset({"cite", "derive", "value", "note", "low", "high"})


# --------------------------------------------------------------------- loading
def _read_toml(path: Path, shown: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(shown, "", "file not found") from None
    except OSError as exc:
        raise ScenarioError(shown, "", f"cannot read file ({exc.strerror})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(shown, "", f"TOML syntax error: {exc}") from None


def _merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``top`` into a copy of ``base``; entity lists merge by ``name``."""
    out = copy.deepcopy(base)
    for key, value in top.items():
        old = out.get(key)
        if isinstance(old, dict) and isinstance(value, dict) and not (FORM_KEYS & value.keys()):
            out[key] = _merge(old, value)
        elif key in ENTITY_LISTS and isinstance(old, list) and isinstance(value, list):
            merged = {e.get("name"): e for e in old if isinstance(e, dict)}
            order = [e.get("name") for e in old if isinstance(e, dict)]
            for entity in value:
                name = entity.get("name") if isinstance(entity, dict) else None
                if name in merged:
                    merged[name] = _merge(merged[name], entity)
                else:
                    merged[name] = copy.deepcopy(entity)
                    order.append(name)
            out[key] = [merged[n] for n in order if not merged[n].get("remove", False)]
        else:
            out[key] = copy.deepcopy(value)
    return out


def _resolve_files(node: Any, folder: Path) -> Any:
    """Make relative paths in ``*_file`` keys relative to the declaring file's folder."""
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key.endswith("_file") and isinstance(value, str | dict):
            text = value.get("value") if isinstance(value, dict) else value
            if isinstance(text, str) and text and not Path(text).is_absolute():
                text = os.path.normpath(folder / text)
                value = {**value, "value": text} if isinstance(value, dict) else text
        out[key] = _resolve_files(value, folder) if isinstance(value, dict) else value
    return out


def read_merged(path: str | Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a scenario file and everything it ``extends``, deep-merged.

    ``extends`` is a path (or list of paths) relative to the file; later
    files and the file itself win. Entities in ``[[reserve]]`` and
    ``[[mining]]`` merge by ``name``; ``remove = true`` drops an entity.
    Relative paths in keys ending in ``_file`` are taken relative to the
    file that sets them.
    """
    path = Path(path)
    shown = str(path)
    resolved = path.resolve()
    if resolved in _chain:
        cycle = " -> ".join(p.name for p in (*_chain, resolved))
        raise ScenarioError(shown, "extends", f"cycle in extends ({cycle})")
    data = _resolve_files(_read_toml(path, shown), path.parent)
    parents = data.pop("extends", [])
    if isinstance(parents, str):
        parents = [parents]
    if not isinstance(parents, list) or not all(isinstance(p, str) for p in parents):
        raise ScenarioError(shown, "extends", f"expected a path or list of paths (got {parents!r})")
    merged: dict[str, Any] = {}
    for parent in parents:
        parent_path = path.parent / parent
        if not parent_path.is_file():
            raise ScenarioError(shown, "extends", f"file not found: {parent}")
        merged = _merge(merged, read_merged(parent_path, (*_chain, resolved)))
    return _merge(merged, data)


# ------------------------------------------------------------------- overrides
def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``dotted.key=value``; the value is read as TOML, else as a string."""
    key, sep, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    if not sep or not key:
        raise ScenarioError("--set", text, "expected key=value (e.g. scenario.paths=500)")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value


def apply_overrides(data: dict[str, Any], overrides: Iterable[str]) -> dict[str, Any]:
    """Apply ``--set key=value`` overrides; entities are addressed by name."""
    out = copy.deepcopy(data)
    for text in overrides:
        key, value = parse_override(text)
        parts = key.split(".")
        node: Any = out
        for i, part in enumerate(parts[:-1]):
            if isinstance(node, list):
                names = [e.get("name") for e in node if isinstance(e, dict)]
                if part not in names:
                    hint = did_you_mean(part, [n for n in names if isinstance(n, str)])
                    raise ScenarioError("--set", ".".join(parts[: i + 1]), f"no entity{hint}")
                node = node[names.index(part)]
            elif isinstance(node, dict):
                node = node.setdefault(part, [] if part in ENTITY_LISTS and i == 0 else {})
            else:
                raise ScenarioError("--set", key, "cannot set inside a plain value")
        last = parts[-1]
        if not isinstance(node, dict):
            raise ScenarioError("--set", key, "name an entity, then its key")
        node[last] = {"value": value, "note": "set on the command line"}
    return out
