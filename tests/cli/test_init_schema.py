"""``btcsim init`` and ``btcsim schema`` through the console entry, good input and bad.

A starter written by ``init`` validates and runs as written; bad input gives
exactly one ``error:`` line on stderr, exit code 2, and writes nothing (the
pattern of tests/cli/test_malformed.py).
"""

# The table of cases keeps one case a line, however long.
# ruff: noqa: E501
from __future__ import annotations

import errno
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from support import PROJECT

from cli import app
from simulator.cli.entry import run_app
from simulator.inputs.starter import TEMPLATES


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = run_app(app, args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("template", TEMPLATES)
def test_a_starter_validates_and_runs_as_written(
    template: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(["init", "my_case", "--template", template], capsys)
    assert (code, err) == (0, ""), err
    assert "wrote my_case.toml" in out and "btcsim validate my_case.toml" in out
    code, out, err = _run(["validate", "my_case.toml"], capsys)
    assert (code, err) == (0, "") and out.startswith("OK my_case.toml (my_case:"), err
    code, out, err = _run(["run", "my_case.toml", "--paths", "50", "-q"], capsys)
    assert code == 0, err
    manifest = json.loads((tmp_path / "results" / "my_case" / "manifest.json").read_text())
    assert manifest["files"]


def test_init_writes_name_toml_or_name_as_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    assert _run(["init", "a"], capsys)[0] == 0
    assert _run(["init", "b.toml", "-t", "reserve"], capsys)[0] == 0
    assert _run(["init", "sub/c-2"], capsys)[0] == 0
    assert sorted(p.name for p in tmp_path.rglob("*.toml")) == ["a.toml", "b.toml", "c-2.toml"]
    assert 'name = "c-2"' in (tmp_path / "sub" / "c-2.toml").read_text()
    assert "[[mining]]" not in (tmp_path / "b.toml").read_text()  # the reserve template


def test_init_honours_the_umask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    old = os.umask(0o027)
    try:
        assert _run(["init", "a"], capsys)[0] == 0
    finally:
        os.umask(old)
    assert (tmp_path / "a.toml").stat().st_mode & 0o777 == 0o640


def test_schema_prints_tables_json_and_the_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["schema"], capsys)
    assert code == 0
    for title in ("[scenario]", "[market.price]", "[[reserve]] purchases", "[[mining]] ramp"):
        assert title in out, title
    code, out, _ = _run(["schema", "mining.pakistan.power_mw"], capsys)
    assert code == 0 and "power_mw" in out and "[MW]" in out and "100,000" in out
    assert "efficiency_j_per_th" not in out
    code, out, _ = _run(["schema", "--json"], capsys)
    schema = json.loads(out)
    assert (
        code == 0
        and schema["$schema"].endswith("2020-12/schema")
        and "Assumption" in schema["$defs"]
    )
    code, out, _ = _run(["schema", "--markdown"], capsys)
    assert code == 0 and out == (PROJECT / "docs" / "scenario-reference.md").read_text(
        encoding="utf-8"
    )


def _read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> int:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(os, "open", refuse)


@dataclass
class Case:
    """Arguments, files to make first (name -> bytes; a name ending / is a folder), the reason."""

    args: list[str]
    says: str
    files: dict[str, bytes] = field(default_factory=dict)
    patch: Callable[[pytest.MonkeyPatch], None] | None = None


CASES: dict[str, Case] = {
    "existing file": Case(["init", "mine"], "exists already", {"mine.toml": b"# mine\n"}),
    "existing file named with .toml": Case(["init", "mine.toml"], "never replaces", {"mine.toml": b"x"}),
    "existing folder of that name": Case(["init", "mine.toml"], "exists already", {"mine.toml/": b""}),
    "name with a space": Case(["init", "my case"], "not a scenario name"),
    "name with a dot": Case(["init", "a.b"], "not a scenario name"),
    "empty name": Case(["init", ""], "not a scenario name"),
    "name too long": Case(["init", "x" * 81], "not a scenario name"),
    "name only .toml": Case(["init", ".toml"], "not a scenario name"),
    "bad template": Case(["init", "mine", "--template", "both2"], "--template"),
    "missing folder": Case(["init", "nowhere/mine"], "does not exist"),
    "folder is a file": Case(["init", "f.txt/mine"], "is a file", {"f.txt": b"x"}),
    "system folder": Case(["init", "/proc/mine"], "system folder /proc"),
    "read-only folder": Case(["init", "mine"], "cannot write in the folder", patch=_read_only),
    "schema unknown key": Case(["schema", "chain.start_hieght"], "did you mean 'start_height'"),
    "schema unknown table": Case(["schema", "minnig"], "did you mean 'mining'"),
    "schema --json and --markdown": Case(["schema", "--json", "--markdown"], "not both"),
    "schema KEY with --json": Case(["schema", "chain", "--json"], "drop KEY"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_gives_one_error_line_and_exit_2(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    case = CASES[name]
    for file, data in case.files.items():
        if file.endswith("/"):
            (tmp_path / file).mkdir()
        else:
            (tmp_path / file).write_bytes(data)
    monkeypatch.chdir(tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    if case.patch is not None:
        case.patch(monkeypatch)
    code, out, err = _run(case.args, capsys)
    monkeypatch.undo()
    lines = err.splitlines()
    assert code == 2, (out, err)
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in out + err
    assert case.says in lines[0], lines[0]
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores permission bits")
def test_a_folder_without_write_permission_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    code, _, err = _run(["init", str(locked / "mine")], capsys)
    assert code == 2 and err.startswith("error: ") and "cannot write in the folder" in err
    assert list(locked.iterdir()) == []


def test_there_are_at_least_8_bad_input_cases() -> None:
    assert len(CASES) >= 8
