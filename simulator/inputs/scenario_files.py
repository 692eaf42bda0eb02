"""Scenario files as plain data: TOML reading, ``extends`` merging and ``--set`` overrides.

Rules on what is read, each refused with one :class:`ScenarioError` line:

* A scenario file is a regular file of at most :data:`MAX_FILE_BYTES` (1 MiB;
  the shipped ones are under 3 KiB) of UTF-8 text (a leading byte-order mark
  is allowed). Directories, devices and pipes are not read at all.
* Tables and arrays nest at most :data:`MAX_DEPTH` (32) levels deep, counting
  ``[table]`` headers, dotted keys, arrays and inline tables (the shipped
  scenarios nest 5 deep); an ``extends`` chain is at most :data:`MAX_DEPTH`
  files long, and a ``--set`` key at most :data:`MAX_DEPTH` parts.
* ``[[reserve]]`` and ``[[mining]]`` are lists of tables whose ``name`` is a
  string, and ``remove`` is true or false, in every file and override, since
  entities merge and are addressed by name.
"""

from __future__ import annotations

import copy
import os
import re
import stat
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from simulator.inputs.errors import ScenarioError, did_you_mean, shorten

__all__ = [
    "ENTITY_LISTS",
    "FORM_KEYS",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "apply_overrides",
    "override_label",
    "parse_override",
    "read_merged",
]

#: Top-level arrays of named entities; they merge and are addressed by ``name``.
ENTITY_LISTS = ("reserve", "mining")
#: Keys of a value form (``{ cite = ... }``, ``{ value = ..., note = ... }``).
FORM_KEYS = frozenset({"cite", "derive", "value", "note", "low", "high"})
#: Largest scenario file read [bytes]: 1 MiB, over 300 times the largest shipped one.
MAX_FILE_BYTES = 1 << 20
#: Deepest nesting of tables and arrays, longest ``extends`` chain and ``--set`` key [levels].
MAX_DEPTH = 32

#: Tokens that matter for nesting: comments and strings (skipped whole), brackets.
#: An unterminated multi-line string runs to the end, so the scan stays linear.
_TOKENS = re.compile(
    r"#[^\n]*"
    r'|"{3}(?:\\[\s\S]|[^\\])*?(?:"{3}|\Z)'
    r"|'{3}[\s\S]*?(?:'{3}|\Z)"
    r'|"(?:\\.|[^"\\\n])*"?'
    r"|'[^'\n]*'?"
    r"|[\[\]{}]"
)


# --------------------------------------------------------------------- loading
def _bracket_depth(text: str) -> int:
    """Deepest nesting of ``[`` and ``{`` outside strings and comments [levels].

    A pre-check before :mod:`tomllib`, which recurses once per level and would
    hit Python's recursion limit on a few hundred. It never exceeds the depth
    of the data the text parses to.
    """
    depth = deepest = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth = max(depth - 1, 0)
    return deepest


def _data_depth(node: Any) -> int:
    """Deepest nesting of dicts and lists in parsed data [levels]; the top table is 0.

    Iterative, so it is safe on data too deep for the recursive steps that follow.
    """
    deepest = 0
    stack: list[tuple[Any, int]] = [(node, 0)] if isinstance(node, dict | list) else []
    while stack and deepest <= MAX_DEPTH:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def _too_deep() -> str:
    return f"tables and arrays nested deeper than {MAX_DEPTH} levels are refused"


def _decode(data: bytes, shown: str) -> str:
    """UTF-8 text of a file's bytes (a leading byte-order mark dropped)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ScenarioError(shown, "", "not a UTF-8 text file (UTF-16: save it as UTF-8)")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        line = data.count(b"\n", 0, exc.start) + 1
        raise ScenarioError(
            shown, "", f"not a UTF-8 text file (byte 0x{bad} on line {line}; save it as UTF-8)"
        ) from None


def _read_bytes(path: Path, shown: str) -> bytes:
    """The bytes of a regular file of at most :data:`MAX_FILE_BYTES`."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ScenarioError(shown, "", "is a directory, not a scenario file")
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError(shown, "", "not a regular file (a device, pipe or socket)")
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)  # the file may grow after stat
    except FileNotFoundError:
        raise ScenarioError(shown, "", "file not found") from None
    except OSError as exc:
        raise ScenarioError(shown, "", f"cannot read file ({exc.strerror})") from None
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(
            shown, "", "larger than 1 MiB: a scenario file is text of at most 1 MiB"
        )
    return data


def _parse(text: str, shown: str, key: str = "") -> dict[str, Any]:
    """Parse TOML text, refusing nesting deeper than :data:`MAX_DEPTH` before and after."""
    if _bracket_depth(text) > MAX_DEPTH:
        raise ScenarioError(shown, key, _too_deep())
    try:
        data = tomllib.loads(text)
    except RecursionError:  # pragma: no cover - the pre-check refuses such text first
        raise ScenarioError(shown, key, _too_deep()) from None
    if _data_depth(data) > MAX_DEPTH:
        raise ScenarioError(shown, key, _too_deep())
    return data


def _read_toml(path: Path, shown: str) -> dict[str, Any]:
    text = _decode(_read_bytes(path, shown), shown)
    try:
        return _parse(text, shown)
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
    file that sets them. The rules on what is read are in the module docstring.

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
    parents = data.pop("extends", [])
    if isinstance(parents, str):
        parents = [parents]
    if not isinstance(parents, list) or not all(isinstance(p, str) for p in parents):
        raise ScenarioError(
            shown, "extends", f"expected a path or list of paths (got {shorten(parents)})"
        )
    merged: dict[str, Any] = {}
    for parent in parents:
        parent_path = path.parent / parent
        if not os.path.lexists(parent_path):
            raise ScenarioError(shown, "extends", f"file not found: {parent}")
        merged = _merge(merged, read_merged(parent_path, (*_chain, resolved)))
    return _merge(merged, data)


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
        value = _parse(f"v = {raw}", label)["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    if key.count(".") + 1 + _data_depth(value) > MAX_DEPTH:
        raise ScenarioError(label, key, _too_deep())
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
