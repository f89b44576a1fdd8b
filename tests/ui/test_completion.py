"""Shell completion: the scripts, and completions from the desk exercised in a real bash."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import BILLING, dispatched, itsm, ok, open_ticket


@pytest.fixture
def shim(tmp_path: Path) -> Path:
    """A directory with an `itsmctl` executable running this checkout's CLI."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "itsmctl"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m itsmctl "$@"\n')
    exe.chmod(0o755)
    return bindir


def bash_complete(desk: Path, shim: Path, line: str) -> list[str]:
    """Source `itsmctl completion bash` in bash, complete `line` as if TAB was pressed."""
    words = line.split(" ")
    script = (f'eval "$(itsmctl completion bash)"\n'
              f'complete -p itsmctl >/dev/null || exit 9\n'
              f'COMP_WORDS=({" ".join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}\n'
              f'_itsmctl_completion itsmctl\n'
              f'printf "%s\\n" "${{COMPREPLY[@]}}"\n')
    env = {**os.environ, "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], cwd=desk, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and not proc.stderr, proc.stderr
    return [x for x in proc.stdout.splitlines() if x]


@pytest.mark.slow
def test_bash_completes_from_the_desk(desk, shim):
    assigned = dispatched(desk)
    new = open_ticket(desk, *BILLING, title="second")
    ok(itsm(desk, "accept", assigned, actor="carol"))
    ok(itsm(desk, "task", "add", assigned, "--title", "check", "--group", "dba", actor="carol"))
    ok(itsm(desk, "wait", new, "--code", "user-info"))
    assert sorted(bash_complete(desk, shim, "itsmctl show INC-")) == sorted([assigned, new])
    assert bash_complete(desk, shim, f"itsmctl show {new[:-1].lower()}") == [new]
    assert bash_complete(desk, shim, "itsmctl resume ") == [new]          # waiting only
    assert bash_complete(desk, shim, f"itsmctl assign {new} --group b") == ["billing-app"]
    assert "mike" in bash_complete(desk, shim, "itsmctl --actor m")
    assert bash_complete(desk, shim, f"itsmctl task done {assigned} ") == ["T1"]
    assert bash_complete(desk, shim, f"itsmctl wait {new} --code ") == [
        "user-info", "change", "requirement", "vendor", "scheduled"]
    close_codes = bash_complete(desk, shim, f"itsmctl close {new} --code ")
    assert "solved" in close_codes and "auto_closed" not in close_codes
    assert bash_complete(desk, shim, "itsmctl open --category ") == ["billing", "crm", "office"]
    assert bash_complete(desk, shim, "itsmctl open --category billing --subtype ") == [
        "application", "database", "host"]
    assert "billing-error" in bash_complete(
        desk, shim, "itsmctl open --category billing --subtype application --symptom ")
    assert bash_complete(desk, shim, "itsmctl classify x --category billing --subtype host "
                         "--causation ") == ["capacity", "config-error", "hardware"]
    assert bash_complete(desk, shim, "itsmctl list --priority P") == ["P1", "P2", "P3", "P4"]
    assert bash_complete(desk, shim, "itsmctl list --format ") == ["table", "json", "csv"]
    assert bash_complete(desk, shim, "itsmctl kb show KB-000")[:1] == ["KB-0001"]
    assert bash_complete(desk, shim, "itsmctl comp") == ["completion"]


def test_completion_outside_a_desk_offers_nothing(tmp_path, shim):
    assert bash_complete(tmp_path, shim, "itsmctl show ") == []
    assert bash_complete(tmp_path, shim, "itsmctl assign X --group ") == []


def _protocol(desk: Path, shell: str, words: str, cword: str) -> str:
    env = {**os.environ, "COMP_WORDS": words, "COMP_CWORD": cword,
           "_ITSMCTL_COMPLETE": f"{shell}_complete"}
    proc = subprocess.run([sys.executable, "-m", "itsmctl"], cwd=desk, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.slow
def test_zsh_and_fish_protocols_carry_descriptions(desk):
    """zsh and fish show each value's description: the group's label, the code's text."""
    zsh = _protocol(desk, "zsh", "itsmctl assign X --group bill", "4")
    assert zsh.splitlines()[:3] == ["plain", "billing-app", "计费应用组"]
    fish = _protocol(desk, "fish", "itsmctl wait X --code ", "vend")
    assert "vendor" in fish and "waiting for the vendor 等待厂商" in fish and "change" not in fish


@pytest.mark.parametrize("shell,marker", [("bash", "complete -o nosort -F"),
                                          ("zsh", "#compdef itsmctl"),
                                          ("fish", "complete --no-files --command itsmctl")])
def test_completion_scripts(desk, shell, marker):
    out = ok(itsm(desk, "completion", shell)).out
    assert marker in out and "_ITSMCTL_COMPLETE" in out
    assert ok(itsm(desk, "--json", "completion", shell)).json["shell"] == shell


def _shell(shell: list[str], script: str, desk: Path, shim: Path) -> list[str]:
    env = {**os.environ, "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run([*shell, script], cwd=desk, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and not proc.stderr, proc.stderr
    return proc.stdout.splitlines()


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_completes_from_the_desk(desk, shim):
    tid = open_ticket(desk, *BILLING)
    out = _shell(["fish", "--no-config", "-c"],
                 "itsmctl completion fish | source\n"
                 "complete -C 'itsmctl wait x --code v'\n"
                 "complete -C 'itsmctl show INC'\n"
                 "complete -C 'itsmctl assign x --group bil'", desk, shim)
    assert out == ["vendor\twaiting for the vendor 等待厂商", f"{tid}\tnew P4 计费出错",
                   "billing-app\t计费应用组"]


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_completes_from_the_desk(desk, shim):
    """The zsh script's own function, with zsh's completion builtins replaced by ones
    that print what they were given."""
    tid = open_ticket(desk, *BILLING)
    out = _shell(["zsh", "-f", "-c"],
                 "compdef() { :; }\n"
                 "_describe() { print -l -- ${(P)3}; }\n"
                 "compadd() { print -l -- ${(P)${@[-1]}}; }\n"
                 'eval "$(itsmctl completion zsh)"\n'
                 "words=(itsmctl wait x --code v); CURRENT=5; _itsmctl_completion\n"
                 "words=(itsmctl show ''); CURRENT=3; _itsmctl_completion\n", desk, shim)
    assert out == ["vendor:waiting for the vendor 等待厂商", f"{tid}:new P4 计费出错"]


@pytest.mark.slow
def test_B1_completion_offers_customer_ids_by_id_and_by_name(desk, shim):
    (desk / "config" / "customers.csv").write_text(
        "id,name,phone\nC001,王五,1\nC002,王小明,2\nD003,李四,3\n")
    subprocess.run(["git", "add", "-A"], cwd=desk, check=True)
    subprocess.run(["git", "commit", "-qm", "customers"], cwd=desk, check=True)
    assert bash_complete(desk, shim, "itsmctl open --reporter-id C") == ["C001", "C002"]
    assert bash_complete(desk, shim, "itsmctl open --reporter-id 王") == ["C001", "C002"]
    assert bash_complete(desk, shim, "itsmctl customers show D") == ["D003"]
