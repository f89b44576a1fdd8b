"""Docs that check themselves: the tours run word for word, the generated references
match the code, every command and option has help and appears in docs/commands.md."""

import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
TOURS = sorted(DOCS.glob("tour-*.md"))
HEREDOC = re.compile(r"<<-?\s*'?\"?(\w+)'?\"?")


def console_commands(text: str) -> list[str]:
    """The `$ ` commands of the ```console blocks, with continuations and heredocs."""
    commands: list[str] = []
    in_block = False
    lines = iter(text.splitlines())
    for line in lines:
        if line.startswith("```"):
            in_block = line.strip() == "```console"
            continue
        if not in_block or not line.startswith("$ "):
            continue
        command = [line[2:]]
        while command[-1].endswith("\\"):
            command.append(next(lines))
        heredoc = HEREDOC.search(command[0])
        if heredoc:
            for body in lines:
                command.append(body)
                if body == heredoc.group(1):
                    break
        commands.append("\n".join(command))
    return commands


@pytest.fixture
def shell_env(tmp_path: Path) -> dict[str, str]:
    """A new user's shell: itsmctl on PATH, no itsmctl variables, English."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "itsmctl"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m itsmctl "$@"\n')
    exe.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ITSMCTL_")}
    env["PATH"] = f"{bindir}{os.pathsep}{env['PATH']}"
    return env


def test_four_tours_one_per_role():
    names = {p.stem for p in TOURS}
    assert names == {"tour-desk-engineer", "tour-support-engineer", "tour-incident-manager",
                     "tour-monitoring-integrator"}
    for tour in TOURS:
        assert len(console_commands(tour.read_text(encoding="utf-8"))) >= 8, tour.name


@pytest.mark.slow
@pytest.mark.parametrize("tour", TOURS, ids=[t.stem for t in TOURS])
def test_tour_runs_word_for_word(tour, tmp_path, shell_env):
    commands = console_commands(tour.read_text(encoding="utf-8"))
    script = "set -e\ntrap 'echo \"tour stopped at: $BASH_COMMAND\" >&2' ERR\n"
    script += "\n".join(commands) + "\n"
    work = tmp_path / "work"
    work.mkdir()
    proc = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], cwd=work,
                          env=shell_env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{tour.name}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert "Traceback" not in proc.stderr
    assert (work / "desk" / "config" / "teams.yaml").is_file()


def _script(name: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / name), *args],
                          capture_output=True, text=True, cwd=ROOT)


@pytest.mark.parametrize("script", ["gen_commands.py", "gen_config_reference.py",
                                    "gen_rules.py", "compile_catalogs.py"])
def test_generated_docs_match_the_code(script):
    proc = _script(script, "--check")
    assert proc.returncode == 0, proc.stderr


def _all_commands():
    from itsmctl.ui.main import cli

    def walk(cmd, path):
        yield path, cmd
        if isinstance(cmd, click.Group):
            ctx = click.Context(cmd)
            for name in cmd.list_commands(ctx):
                yield from walk(cmd.get_command(ctx, name), f"{path} {name}")

    yield from walk(cli, "itsmctl")


def test_every_command_and_option_has_help_and_is_documented():
    reference = (DOCS / "commands.md").read_text(encoding="utf-8")
    problems = []
    for path, cmd in _all_commands():
        text = cmd.help or ""
        summary = " ".join(text.strip().split("\n\n")[0].split()) if text.strip() else ""
        if not summary.endswith((".", ")")):
            problems.append(f"{path}: no one-line summary")
        if not isinstance(cmd, click.Group) or path != "itsmctl":
            examples = text.split("Examples:", 1)[1] if "Examples:" in text else ""
            if len([ln for ln in examples.splitlines() if ln.strip()]) < 1:
                problems.append(f"{path}: no examples")
        if not isinstance(cmd, click.Group):
            shown = [ln for ln in text.split("Examples:", 1)[-1].splitlines()
                     if ln.strip().startswith(("itsmctl", "curl", "python", "git", "echo",
                                               "eval", "*"))]
            if len(shown) < 2:
                problems.append(f"{path}: fewer than two examples")
        for param in cmd.params:
            if isinstance(param, click.Option) and not param.hidden and not param.help:
                problems.append(f"{path} {param.opts[0]}: no help text")
            if isinstance(param, click.Option):
                for opt in param.opts:
                    if opt.startswith("--") and opt not in reference:
                        problems.append(f"{path} {opt}: not in docs/commands.md")
        if f"## {path}\n" not in reference and f"# {path}\n" not in reference:
            problems.append(f"{path}: not in docs/commands.md")
    assert not problems, "\n".join(problems)


def test_readme_links_the_docs_and_keeps_its_setup_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install -e . && itsmctl demo" in readme
    test_command = "bash .ci/packages.sh && pip install -e '.[test]' && python -m pytest"
    assert test_command in readme
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")    # the same
    assert "docs/index.md" in readme
