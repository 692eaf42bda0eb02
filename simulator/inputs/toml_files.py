"""Reading TOML text files safely: regular files, a size limit, UTF-8, a nesting limit.

The rules shared by scenario files and facts files (README, "Errors and
safety"), each refused with one :class:`ScenarioError` line naming the file:

* a regular file (not a directory, device or pipe) of at most
  :data:`MAX_FILE_BYTES` (1 MiB);
* UTF-8 text (a leading byte-order mark is allowed), the line of the first
  bad byte named;
* tables and arrays nested at most :data:`MAX_DEPTH` (32) levels deep, checked
  before :mod:`tomllib` parses (it recurses once per level) and after.
"""

from __future__ import annotations

import re
import stat
import tomllib
from pathlib import Path
from typing import Any

from simulator.inputs.errors import ScenarioError

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "data_depth",
    "decode_text",
    "parse_toml",
    "read_file_bytes",
    "too_deep",
]

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


def data_depth(node: Any) -> int:
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


def too_deep() -> str:
    """The message for data nested deeper than :data:`MAX_DEPTH`."""
    return f"tables and arrays nested deeper than {MAX_DEPTH} levels are refused"


def decode_text(data: bytes, shown: str) -> str:
    """UTF-8 text of a file's bytes (a leading byte-order mark dropped).

    Raises
    ------
    ScenarioError
        ``SHOWN: not a UTF-8 text file (...)``, naming the line of the first bad byte.
    """
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


def read_file_bytes(path: Path, shown: str, what: str = "scenario file") -> bytes:
    """The bytes of a regular file of at most :data:`MAX_FILE_BYTES`.

    Parameters
    ----------
    path : Path
        The file.
    shown : str
        How errors name it.
    what : str, optional
        What kind of file it is, for errors (``"scenario file"``, ``"facts file"``).

    Raises
    ------
    ScenarioError
        ``SHOWN: message`` for a missing, unreadable, non-regular or too large file.
    """
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ScenarioError(shown, "", f"is a directory, not a {what}")
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError(shown, "", "not a regular file (a device, pipe or socket)")
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)  # the file may grow after stat
    except FileNotFoundError:
        raise ScenarioError(shown, "", "file not found") from None
    except OSError as exc:
        raise ScenarioError(shown, "", f"cannot read file ({exc.strerror})") from None
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(shown, "", f"larger than 1 MiB: a {what} is text of at most 1 MiB")
    return data


def parse_toml(text: str, shown: str, key: str = "") -> dict[str, Any]:
    """Parse TOML text, refusing nesting deeper than :data:`MAX_DEPTH` before and after.

    Raises
    ------
    ScenarioError
        For nesting too deep.
    tomllib.TOMLDecodeError
        For a syntax error.
    """
    if _bracket_depth(text) > MAX_DEPTH:
        raise ScenarioError(shown, key, too_deep())
    try:
        data = tomllib.loads(text)
    except RecursionError:  # pragma: no cover - the pre-check refuses such text first
        raise ScenarioError(shown, key, too_deep()) from None
    if data_depth(data) > MAX_DEPTH:
        raise ScenarioError(shown, key, too_deep())
    return data
