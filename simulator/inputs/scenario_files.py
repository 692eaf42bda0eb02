"""Scenario files as plain data: TOML reading, ``extends`` merging and ``--set`` overrides.

Rules on what is read, each refused with one :class:`ScenarioError` line:

* A scenario file is a regular file of at most :data:`MAX_FILE_BYTES` (1 MiB;
  the shipped ones are under 3 KiB) of UTF-8 text (a leading byte-order mark
  is allowed). Directories, devices and pipes are not read at all. The same
  reader (:mod:`simulator.inputs.toml_files`) reads facts files.
* Tables and arrays nest at most :data:`MAX_DEPTH` (32) levels deep, counting
  ``[table]`` headers, dotted keys, arrays and inline tables (the shipped
  scenarios nest 5 deep); an ``extends`` chain is at most :data:`MAX_DEPTH`
  files long, and a ``--set`` key at most :data:`MAX_DEPTH` parts.
* ``facts`` is a path or list of paths of facts files that exist, relative
  to the file that writes it; the lists of ``extends`` chains add up.
* ``[[reserve]]`` and ``[[mining]]`` are lists of tables whose ``name`` is a
  string, and ``remove`` is true or false, in every file and override, since
  entities merge and are addressed by name.
"""

from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from simulator.inputs.errors import ScenarioError, did_you_mean, shorten
from simulator.inputs.toml_files import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    data_depth,
    decode_text,
    parse_toml,
    read_file_bytes,
    too_deep,
)

__all__ = [
    "ENTITY_LISTS",
    "FACTS_KEY",
    "FORM_KEYS",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "apply_overrides",
    "decode_text",
    "override_label",
    "parse_override",
    "parse_toml",
    "read_file_bytes",
    "read_merged",
]

#: Top-level arrays of named entities; they merge and are addressed by ``name``.
ENTITY_LISTS = ("reserve", "mining", "benchmark")
#: Top-level key listing the user's facts files (paths relative to the file that writes them).
FACTS_KEY = "facts"
#: Keys of a value form (``{ cite = ... }``, ``{ value = ..., note = ... }``).
FORM_KEYS = frozenset({"cite", "derive", "value", "note", "low", "high"})


# --------------------------------------------------------------------- loading
def _read_toml(path: Path, shown: str) -> dict[str, Any]:
    text = decode_text(read_file_bytes(path, shown), shown)
    try:
        return parse_toml(text, shown)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(shown, "", f"TOML syntax error: {exc}") from None


def _check_entities(data: Mapping[str, Any], shown: str) -> None:
    """Check the shape that merging and addressing entities by name rely on.

    Parameters
    ----------
    data : Mapping
        One file's data, or the data after an override.
    shown : str
        The file (or ``--set ...``) for errors.

    Raises
    ------
    ScenarioError
        If an entity list is not a list of tables, a ``name`` is not a
        string, or ``remove`` is not a boolean.
    """
    for kind in ENTITY_LISTS:
        if kind not in data:
            continue
        entities = data[kind]
        want = f"expected a list of [[{kind}]] tables, each with a name"
        if not isinstance(entities, list):
            raise ScenarioError(shown, kind, f"{want} (got {shorten(entities)})")
        for i, entity in enumerate(entities):
            if not isinstance(entity, dict):
                raise ScenarioError(shown, f"{kind}.{i}", f"{want} (got {shorten(entity)})")
            name = entity.get("name")
            if "name" in entity and not isinstance(name, str):
                raise ScenarioError(
                    shown,
                    f"{kind}.{i}.name",
                    f"expected a string: entities merge by name (got {shorten(name)})",
                )
            label = name if isinstance(name, str) else str(i)
            if not isinstance(entity.get("remove", False), bool):
                raise ScenarioError(
                    shown,
                    f"{kind}.{label}.remove",
                    f"expected true or false (got {shorten(entity['remove'])})",
                )


def _merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``top`` into a copy of ``base``; entity lists merge by ``name``.

    Both are checked by :func:`_check_entities` first, so names are strings.
    """
    out = copy.deepcopy(base)
    for key, value in top.items():
        old = out.get(key)
        if isinstance(old, dict) and isinstance(value, dict) and not (FORM_KEYS & value.keys()):
            out[key] = _merge(old, value)
        elif key in ENTITY_LISTS and isinstance(old, list) and isinstance(value, list):
            merged = {e.get("name"): e for e in old}
            order = [e.get("name") for e in old]
            for entity in value:
                name = entity.get("name")
                if name in merged:
                    merged[name] = _merge(merged[name], entity)
                else:
                    merged[name] = copy.deepcopy(entity)
                    order.append(name)
            out[key] = [merged[n] for n in order if not merged[n].pop("remove", False)]
        else:
            out[key] = copy.deepcopy(value)
    return out


def _resolve_files(node: Any, folder: Path) -> Any:
    """Make relative paths in ``*_file`` keys relative to the declaring file's folder."""
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if (key.endswith("_file") or key == "start_from") and isinstance(value, str | dict):
            text = value.get("value") if isinstance(value, dict) else value
            if isinstance(text, str) and text and not Path(text).is_absolute():
                text = os.path.normpath(folder / text)
                value = {**value, "value": text} if isinstance(value, dict) else text
        out[key] = _resolve_files(value, folder) if isinstance(value, dict) else value
    return out


def _facts_paths(data: dict[str, Any], shown: str, folder: Path) -> list[str]:
    """Pop a file's ``facts`` list, each path made relative to the file's folder.

    Raises
    ------
    ScenarioError
        If ``facts`` is not a path or list of paths, or names a file that does not exist.
    """
    paths = data.pop(FACTS_KEY, [])
    if isinstance(paths, str):
        paths = [paths]
    if not isinstance(paths, list) or not all(isinstance(p, str) and p.strip() for p in paths):
        raise ScenarioError(
            shown,
            FACTS_KEY,
            f"expected a facts file path or a list of them (got {shorten(paths)})",
        )
    out = []
    for text in paths:
        full = text if Path(text).is_absolute() else os.path.normpath(folder / text)
        if not os.path.lexists(full):
            raise ScenarioError(shown, FACTS_KEY, f"file not found: {text}")
        out.append(full)
    return out


def read_merged(path: str | Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a scenario file and everything it ``extends``, deep-merged.

    ``extends`` is a path (or list of paths) relative to the file; later
    files and the file itself win. Entities in ``[[reserve]]`` and
    ``[[mining]]`` merge by ``name``; ``remove = true`` drops an entity.
    Relative paths in keys ending in ``_file`` are taken relative to the
    file that sets them. ``facts`` (a facts file or a list of them, relative
    to the file that writes them) adds up through ``extends``: the parents'
    files first, each file once. The rules on what is read are in the module
    docstring.

    Raises
    ------
    ScenarioError
        Naming the file at fault: the one that is missing, unreadable, not
        UTF-8, too large, too deep or badly shaped, or the one whose
        ``extends`` is wrong.
    """
    path = Path(path)
    shown = str(path)
    resolved = path.resolve()
    if resolved in _chain:
        cycle = " -> ".join(p.name for p in (*_chain, resolved))
        raise ScenarioError(shown, "extends", f"cycle in extends ({cycle})")
    if len(_chain) >= MAX_DEPTH:
        raise ScenarioError(shown, "extends", f"more than {MAX_DEPTH} files deep in extends")
    data = _read_toml(path, shown)
    _check_entities(data, shown)
    data = _resolve_files(data, path.parent)
    facts = _facts_paths(data, shown, path.parent)
    parents = data.pop("extends", [])
    if isinstance(parents, str):
        parents = [parents]
    if not isinstance(parents, list) or not all(isinstance(p, str) for p in parents):
        raise ScenarioError(
            shown, "extends", f"expected a path or list of paths (got {shorten(parents)})"
        )
    merged: dict[str, Any] = {}
    inherited: list[str] = []
    for parent in parents:
        parent_path = path.parent / parent
        if not os.path.lexists(parent_path):
            raise ScenarioError(shown, "extends", f"file not found: {parent}")
        parent_data = read_merged(parent_path, (*_chain, resolved))
        inherited += parent_data.pop(FACTS_KEY, [])
        merged = _merge(merged, parent_data)
    merged = _merge(merged, data)
    if inherited or facts:
        merged[FACTS_KEY] = list(dict.fromkeys([*inherited, *facts]))
    return merged


# ------------------------------------------------------------------- overrides
def override_label(text: str) -> str:
    """How errors name an override: ``--set key=value``, cut to 60 characters."""
    return f"--set {text if len(text) <= 60 else text[:57] + '...'}"


def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``dotted.key=value``; the value is read as TOML, else as a string.

    Raises
    ------
    ScenarioError
        Named by :func:`override_label`: no ``=``, a key of more than
        :data:`MAX_DEPTH` parts, or a value nested deeper than that.
    """
    key, sep, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    label = override_label(text)
    if not sep or not key:
        raise ScenarioError(label, "", "expected key=value (e.g. scenario.paths=500)")
    if key.count(".") >= MAX_DEPTH:
        raise ScenarioError(
            label,
            "",
            f"keys nested deeper than {MAX_DEPTH} levels are refused "
            f"(this one has {key.count('.') + 1} parts)",
        )
    try:
        value = parse_toml(f"v = {raw}", label)["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    if key.count(".") + 1 + data_depth(value) > MAX_DEPTH:
        raise ScenarioError(label, key, too_deep())
    return key, value


def apply_overrides(data: dict[str, Any], overrides: Iterable[str]) -> dict[str, Any]:
    """Apply ``--set key=value`` overrides; entities are addressed by name.

    Each value becomes an assumption noted "set on the command line"; an
    entity's ``name`` is set as a plain string.

    Raises
    ------
    ScenarioError
        Named by :func:`override_label`, for a key that names no entity,
        reaches inside a plain value or a value form, or replaces a whole
        entity or entity list.
    """
    out = copy.deepcopy(data)
    for text in overrides:
        key, value = parse_override(text)
        label = override_label(text)
        parts = key.split(".")
        if parts[0] == FACTS_KEY:
            raise ScenarioError(label, key, "facts files are added with --facts FILE, not --set")
        if any(part.isdigit() for part in parts):
            raise ScenarioError(label, key, "--set cannot address list items (entities go by name)")
        node: Any = out
        for i, part in enumerate(parts[:-1]):
            if isinstance(node, list) and i == 1 and parts[0] in ENTITY_LISTS:
                names = [e.get("name") for e in node if isinstance(e, dict)]
                if part not in names:
                    hint = did_you_mean(part, [n for n in names if isinstance(n, str)])
                    raise ScenarioError(label, ".".join(parts[: i + 1]), f"no entity{hint}")
                node = node[names.index(part)]
            elif isinstance(node, dict) and not (FORM_KEYS & node.keys()):
                node = node.setdefault(part, [] if part in ENTITY_LISTS and i == 0 else {})
            else:
                raise ScenarioError(label, key, _cannot_set(".".join(parts[:i]), node))
        last = parts[-1]
        if parts[0] in ENTITY_LISTS and len(parts) <= 2:
            kind = parts[0]
            raise ScenarioError(
                label,
                key,
                f"expected a list of [[{kind}]] tables: set one key of an entity "
                f"instead ({kind}.NAME.KEY=VALUE)",
            )
        if not isinstance(node, dict) or FORM_KEYS & node.keys():
            raise ScenarioError(label, key, _cannot_set(".".join(parts[:-1]), node))
        plain = len(parts) == 3 and parts[0] in ENTITY_LISTS and last == "name"
        if plain and not isinstance(value, str):
            raise ScenarioError(label, key, f"expected a string (got {shorten(value)})")
        node[last] = value if plain else {"value": value, "note": "set on the command line"}
        _check_entities(out, label)
    return out


def _cannot_set(key: str, node: Any) -> str:
    """Why ``--set`` cannot reach inside the value at ``key``."""
    if isinstance(node, list):
        return f"{key} is a list: --set cannot address its items"
    return f"cannot set inside a plain value: set {key} itself"
