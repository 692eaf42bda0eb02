"""Results are never lost silently: ownership rules, next free names, swaps, strays, races.

Before this (issue 11): a second run replaced ``results/NAME``; ``--out``
replaced any folder wholesale, even one btcsim did not write; a kill between
the two renames of a replacement left neither result; killed saves left
``.NAME.XXXX`` temporaries; 113 of 2,400 concurrent saves raised.
"""

from __future__ import annotations

import errno
import json
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from simulator.results import files
from simulator.results.files import TEMP_MARK, exchange, write_folder_atomic
from simulator.results.outputs import (
    OutputError,
    check_existing,
    check_output_folder,
    foreign_entries,
    is_btcsim_result,
    publish_folder,
)
from tests.support import PROJECT


def _result_writer(tag: str) -> object:
    """A write callback producing a tiny btcsim-like result that says which writer it was."""

    def write(tmp: Path) -> None:
        (tmp / "summary.csv").write_text(f"{tag}\n")
        manifest = {"versions": {"btcsim": "test"}, "files": ["summary.csv", "manifest.json"]}
        (tmp / "manifest.json").write_text(json.dumps(manifest))

    return write


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_ownership_rules(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    publish_folder(mine, _result_writer("a"))  # type: ignore[arg-type]
    assert is_btcsim_result(mine) and foreign_entries(mine) == []
    (mine / "notes.txt").write_text("mine, not btcsim's")
    assert not is_btcsim_result(mine) and foreign_entries(mine) == ["notes.txt"]
    other = tmp_path / "other"
    other.mkdir()
    (other / "manifest.json").write_text("{}")  # not written by btcsim: no versions.btcsim
    assert foreign_entries(other) == ["manifest.json"]


def test_error_mode_refuses_an_earlier_result_and_keeps_it(tmp_path: Path) -> None:
    target = tmp_path / "out"
    publish_folder(target, _result_writer("first"))  # type: ignore[arg-type]
    with pytest.raises(OutputError, match="holds an earlier btcsim result; add --overwrite"):
        publish_folder(target, _result_writer("second"))  # type: ignore[arg-type]
    assert (target / "summary.csv").read_text() == "first\n"
    assert _names(tmp_path) == ["out"]  # no temporary left


def test_replace_mode_swaps_but_never_replaces_foreign_files(tmp_path: Path) -> None:
    target = tmp_path / "out"
    publish_folder(target, _result_writer("first"))  # type: ignore[arg-type]
    publish_folder(target, _result_writer("second"), "replace")  # type: ignore[arg-type]
    assert (target / "summary.csv").read_text() == "second\n"
    (target / "thesis.docx").write_text("months of work")
    with pytest.raises(OutputError, match=r"did not write \(thesis.docx\)"):
        publish_folder(target, _result_writer("third"), "replace")  # type: ignore[arg-type]
    assert (target / "thesis.docx").read_text() == "months of work"
    assert (target / "summary.csv").read_text() == "second\n"


def test_next_mode_uses_the_next_free_name_and_passes_foreign_folders(tmp_path: Path) -> None:
    target = tmp_path / "run"
    got = [publish_folder(target, _result_writer(str(i)), "next") for i in range(3)]  # type: ignore[arg-type]
    assert [p.name for p in got] == ["run", "run-2", "run-3"]
    assert [(p / "summary.csv").read_text() for p in got] == ["0\n", "1\n", "2\n"]
    (tmp_path / "run-4").mkdir()
    (tmp_path / "run-4" / "x.txt").write_text("someone else's")
    assert publish_folder(target, _result_writer("4"), "next").name == "run-5"  # type: ignore[arg-type]
    empty = tmp_path / "empty"
    empty.mkdir()  # an empty folder is free in every mode
    assert publish_folder(empty, _result_writer("e")) == empty  # type: ignore[arg-type]


def test_exchange_swaps_two_folders_in_one_step(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("a")
    (b / "x").write_text("b")
    if not exchange(a, b):
        pytest.skip("this system or file system has no renameat2(RENAME_EXCHANGE)")
    assert (a / "x").read_text() == "b" and (b / "x").read_text() == "a"


def test_replacement_without_exchange_still_ends_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "exchange", lambda a, b: False)  # other systems: two renames
    target = tmp_path / "out"
    write_folder_atomic(target, lambda d: (d / "one.csv").write_text("1"))
    write_folder_atomic(target, lambda d: (d / "two.csv").write_text("2"))
    assert _names(target) == ["two.csv"] and _names(tmp_path) == ["out"]


def test_stray_temporaries_of_dead_processes_are_removed(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)  # fmt: skip
    pid = int(dead.stdout)
    host = files._host()
    stray = tmp_path / f".out{TEMP_MARK}{host}-{pid}-abc123"
    stray.mkdir()
    (stray / "half.csv").write_text("partial")
    live = tmp_path / f".out{TEMP_MARK}{host}-{os.getppid()}-def456"  # running: kept
    live.mkdir()
    other_host = tmp_path / f".out{TEMP_MARK}elsewhere-{pid}-ghi789"  # PID not ours to judge
    other_host.mkdir()
    write_folder_atomic(tmp_path / "out", lambda d: (d / "a.csv").write_text("a"))
    assert not stray.exists() and live.exists() and other_host.exists()
    assert foreign_entries(tmp_path / "out") == ["a.csv"]  # no manifest: all foreign


def _concurrent_saver(target: str, tag: str, rounds: int) -> int:
    failures = 0
    for i in range(rounds):
        try:
            publish_folder(target, _result_writer(f"{tag}{i}"), "replace")  # type: ignore[arg-type]
        except Exception:
            failures += 1
    return failures


def test_concurrent_replacing_saves_never_fail_and_end_complete(tmp_path: Path) -> None:
    target = tmp_path / "out"
    ctx = mp.get_context("spawn")
    with ctx.Pool(4) as pool:
        failures = pool.starmap(_concurrent_saver, [(str(target), t, 150) for t in "abcd"])
    assert failures == [0, 0, 0, 0]
    assert _names(target) == ["manifest.json", "summary.csv"]
    assert (target / "summary.csv").read_text()[0] in "abcd"
    assert _names(tmp_path) == ["out"]  # no temporaries left by anyone


def _concurrent_next(target: str, tag: str) -> str:
    return str(publish_folder(target, _result_writer(tag), "next"))  # type: ignore[arg-type]


def test_concurrent_default_saves_each_get_their_own_folder(tmp_path: Path) -> None:
    target = tmp_path / "run"
    ctx = mp.get_context("spawn")
    with ctx.Pool(4) as pool:
        written = pool.starmap(_concurrent_next, [(str(target), f"w{i}") for i in range(16)])
    assert len(set(written)) == 16  # nobody published over anybody
    contents = {(Path(w) / "summary.csv").read_text() for w in written}
    assert contents == {f"w{i}\n" for i in range(16)}


@pytest.mark.parametrize(
    ("folder", "message"),
    [
        ("", "give a folder name"),
        (".", "give a folder name"),
        ("..", "current folder or one of its parents"),
        ("/proc/btcsim", "system folder /proc"),
        ("/sys/x/y", "system folder /sys"),
        ("x" * 300, "too long for the file system"),
    ],
)
def test_output_folders_checked_before_any_work(folder: str, message: str) -> None:
    with pytest.raises(OutputError, match=message):
        check_output_folder(folder, "--out")


def test_output_folder_under_a_file_or_being_a_file(tmp_path: Path) -> None:
    a_file = tmp_path / "a.csv"
    a_file.write_text("x")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        check_output_folder(a_file / "sub")
    with pytest.raises(OutputError, match="exists and is not a folder"):
        check_output_folder(a_file)


def test_unwritable_parent_is_refused_before_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def read_only(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "TemporaryDirectory", read_only)
    with pytest.raises(
        OutputError, match=r"cannot create a folder in .* \(Read-only file system\)"
    ):
        check_output_folder(tmp_path / "new" / "out", "--out")


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores permission bits")
def test_permission_denied_parent_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    with pytest.raises(OutputError, match="cannot create a folder"):
        check_output_folder(locked / "out")


def test_check_existing_matches_publishing(tmp_path: Path) -> None:
    target = tmp_path / "out"
    check_existing(target, "error")  # absent: fine
    publish_folder(target, _result_writer("a"))  # type: ignore[arg-type]
    check_existing(target, "next")
    check_existing(target, "replace")
    with pytest.raises(OutputError, match="--overwrite"):
        check_existing(target, "error")


def test_default_output_folder_of_the_project_is_ignored_by_git() -> None:
    ignored = (PROJECT / ".gitignore").read_text(encoding="utf-8").split()
    assert "/results/" in ignored


def test_ownership_is_checked_inside_listed_sub_folders(tmp_path: Path) -> None:
    """A compare --each folder: scenarios/NAME/ are btcsim's, a note beside them is not.

    Before: listing ``scenarios/a/`` made the whole ``scenarios`` tree count as
    btcsim's, so ``--overwrite`` deleted a user's ``scenarios/mynotes.txt``.
    """
    target = tmp_path / "cmp"

    def write(tmp: Path) -> None:
        inner = tmp / "scenarios" / "a"
        inner.mkdir(parents=True)
        _result_writer("inner")(inner)  # type: ignore[operator]
        files = ["comparison.csv", "manifest.json", "scenarios/a/"]
        (tmp / "comparison.csv").write_text("x\n")
        (tmp / "manifest.json").write_text(
            json.dumps({"versions": {"btcsim": "t"}, "files": files})
        )

    publish_folder(target, write)
    assert is_btcsim_result(target)
    (target / "scenarios" / "mynotes.txt").write_text("mine")
    assert foreign_entries(target) == ["scenarios/mynotes.txt"]
    with pytest.raises(OutputError, match="scenarios/mynotes.txt"):
        publish_folder(target, write, "replace")
    (target / "scenarios" / "mynotes.txt").unlink()
    (target / "scenarios" / "a" / "extra.txt").write_text("mine too")
    assert foreign_entries(target) == ["scenarios/a/extra.txt"]


def test_results_from_before_files_were_listed_can_be_replaced(tmp_path: Path) -> None:
    old = tmp_path / "old"
    old.mkdir()
    for name in ("summary.csv", "percentiles.csv", "inputs.csv", "fan.png"):
        (old / name).write_text("x")
    (old / "manifest.json").write_text(json.dumps({"versions": {"btcsim": "0.1"}}))
    assert is_btcsim_result(old)
    publish_folder(old, _result_writer("new"), "replace")  # type: ignore[arg-type]
    assert (old / "summary.csv").read_text() == "new\n"
    (old / "thesis.docx").write_text("x")
    (old / "manifest.json").write_text(json.dumps({"versions": {"btcsim": "0.1"}}))
    assert foreign_entries(old) == ["thesis.docx"]


def test_symbolic_links_are_refused_before_the_run(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    for target in ("link", "dangling", "dangling/sub"):
        with pytest.raises(OutputError, match="is a symbolic link"):
            check_output_folder(tmp_path / target)
    check_output_folder(tmp_path / "link" / "sub")  # a link above the target is harmless
    inside = tmp_path / "res"
    publish_folder(inside, _result_writer("a"))  # type: ignore[arg-type]
    (inside / "elsewhere").symlink_to(real)
    assert foreign_entries(inside) == ["elsewhere"]  # a link is never btcsim's
