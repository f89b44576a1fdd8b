"""W4: long text on the command line: `-` reads stdin, --X-file, canned texts by name,
$EDITOR on a terminal (never in a pipe)."""

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import NOW, dispatched, in_progress, itsm, ok, open_ticket, show


def test_W4_dash_reads_stdin(desk):
    tid = open_ticket(desk)
    ok(itsm(desk, "note", tid, "--text", "-", input="line one\n第二行\n"))
    assert show(desk, tid)["history"][-1]["note"] == "line one\n第二行"


def test_W4_a_literal_dash_goes_through_text_file(desk, tmp_path):
    tid = open_ticket(desk)
    path = tmp_path / "note.txt"
    path.write_text("-\n")
    ok(itsm(desk, "note", tid, "--text-file", str(path)))
    assert show(desk, tid)["history"][-1]["note"] == "-"


def test_W4_text_file_from_stdin_and_conflicts(desk, tmp_path):
    tid = in_progress(desk)
    ok(itsm(desk, "resolve", tid, "--solution-file", "-", "--causation", "data-error",
            input="restored the rate table\n", actor="carol"))
    assert show(desk, tid)["solution"] == "restored the rate table"
    r = itsm(desk, "note", tid, "--text", "x", "--text-file", "-", input="y")
    assert r.code == 2 and "not both" in r.err
    r = itsm(desk, "note", "--from", "-", "--text", "-", input=f"{tid}\n")
    assert r.code == 2 and "standard input" in r.err
    r = itsm(desk, "note", tid, "--text-file", str(tmp_path / "missing.txt"))
    assert r.code == 2 and "missing.txt" in r.err


def test_W4_every_text_option_reads_stdin(desk):
    tid = ok(itsm(desk, "open", "--title", "-", "--reporter-name", "王五",
                  "--reporter-phone", "1", input="标题来自标准输入\n")).out.strip()
    assert show(desk, tid)["title"] == "标题来自标准输入"
    ok(itsm(desk, "open", "--title", "t", "--description", "-", "--reporter-name", "x",
            "--reporter-phone", "1", input="long\ndescription\n"))
    tid = dispatched(desk)
    ok(itsm(desk, "reject", tid, "--reason", "-", input="not ours\n", actor="carol"))
    assert show(desk, tid)["history"][-1]["note"] == "not ours"


def test_W4_canned_texts_by_name(desk):
    tid = open_ticket(desk)
    ok(itsm(desk, "note", tid, "--template", "called-back"))
    note = show(desk, tid)["history"][-1]["note"]
    assert note.startswith("Called the user back") and "#" not in note
    r = itsm(desk, "note", tid, "--template", "nosuch")
    assert r.code == 2 and "called-back" in r.err and "password-reset" in r.err


def test_W4_no_editor_without_a_terminal(desk):
    tid = open_ticket(desk)
    r = itsm(desk, "note", tid, env={"EDITOR": "false"})
    assert r.code == 2 and "[W4]" in r.err and "--text is required" in r.err


# ---------------------------------------------------------------- a real terminal
def _in_terminal(desk: Path, editor: Path, *args: str, env: dict[str, str]) -> str:
    """Run the CLI with stdin and stdout on a pseudo-terminal; its output."""
    main, child = pty.openpty()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ITSMCTL_")}
    full_env.update(env)
    proc = subprocess.Popen([sys.executable, "-m", "itsmctl", "--repo", str(desk),
                             "--actor", "alice", "--now", NOW, *args],
                            stdin=child, stdout=child, stderr=child, env=full_env)
    os.close(child)
    out = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 1)
        if ready:
            try:
                chunk = os.read(main, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    proc.wait(timeout=30)
    os.close(main)
    assert proc.returncode == 0, out.decode(errors="replace")
    return out.decode(errors="replace")


@pytest.fixture
def editor(tmp_path: Path) -> Path:
    """An 'editor' that keeps the template (for the test to read) and writes a text."""
    script = tmp_path / "fake-editor"
    script.write_text('#!/bin/sh\ncp "$1" "$1.seen"; cp "$1" ' + str(tmp_path / "seen")
                      + '\nprintf "from the editor\\n\\n第二段\\n# a comment line\\n" > "$1"\n')
    script.chmod(0o755)
    return script


@pytest.mark.slow
def test_W4_editor_opens_for_a_missing_required_text(desk, editor, tmp_path):
    tid = open_ticket(desk)
    _in_terminal(desk, editor, "note", tid, env={"EDITOR": str(editor), "VISUAL": "false"})
    assert show(desk, tid)["history"][-1]["note"] == "from the editor\n\n第二段"
    seen = (tmp_path / "seen").read_text()
    assert f"# A work note for {tid}: 计费出错." in seen
    assert "# Lines starting with '#' are ignored" in seen


@pytest.mark.slow
def test_W4_visual_when_editor_is_unset_and_open_takes_title_and_description(
        desk, editor):
    env = {"VISUAL": str(editor), "EDITOR": ""}
    out = _in_terminal(desk, editor, "open", "--reporter-name", "王五", "--reporter-phone",
                       "1", env=env)
    tid = out.strip().splitlines()[-1].strip()
    t = show(desk, tid)
    assert t["title"] == "from the editor" and t["description"] == "第二段"
