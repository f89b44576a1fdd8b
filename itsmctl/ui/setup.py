"""Click commands that set a desk up: init, demo, and the shell's completion script."""

from __future__ import annotations

import os
from typing import Optional

import click

from itsmctl.ui.main import State, emit, pass_state

SHELLS = ("bash", "zsh", "fish")


@click.command("init")
@click.argument("directory", default=".", metavar="[DIR]")
@click.option("--profile", type=click.Choice(["default", "desktop"]), default="default",
              show_default=True, help="Which process profile to start from.")
@click.option("--gitops", is_flag=True, help="Also write the GitOps kit: CI for GitHub "
              "Actions and GitLab (validate and audit every pull request, sweep on a "
              "schedule), .pre-commit-config.yaml and a CODEOWNERS putting config/ under "
              "the incident managers' review. On an existing bare repository (the desk's "
              "self-hosted remote): install the pre-receive hook that refuses forged, "
              "unsigned and history-rewriting pushes (I6).")
@click.option("--signed", is_flag=True, help="A signed desk (I4): every commit signed by "
              "the person acting. The first commit is signed by the incident manager named "
              "by --actor with their git user.signingkey (or ITSMCTL_SIGNING_KEY), and "
              "lists that key in teams.yaml.")
@click.option("--key", "keys", multiple=True, metavar="ID=PUBKEY", help="With --signed: "
              "also list this person's (or the sweep's) public key, a .pub file or the key "
              "line; repeat for each.")
@pass_state
def init_cmd(state: State, directory: str, profile: str, gitops: bool, signed: bool,
             keys: tuple[str, ...]) -> None:
    """Make a new desk repository (config, tickets/, kb/) with its first commit.

    \b
    Examples:
      itsmctl init my-desk
      itsmctl init desk-it --profile desktop
      itsmctl init my-desk --gitops    # with CI, pre-commit and CODEOWNERS
      itsmctl init my-desk --signed --actor mike --key alice=alice.pub --key sweep=sweep.pub
      itsmctl init /srv/git/desk.git --gitops    # a bare remote: the pre-receive hook
    """
    from pathlib import Path

    from itsmctl.app.setup import init, install_hook, is_bare

    if gitops and is_bare(Path(directory)):
        written = install_hook(Path(directory))
        emit(state, f"pre-receive hook installed in {Path(directory).resolve()} (I6); "
                    "non-fast-forward pushes refused",
             {"root": str(Path(directory).resolve()), "hooks": written})
        return
    pairs = {}
    for item in keys:
        owner, sep, value = item.partition("=")
        if not sep or not owner or not value:
            raise click.BadParameter(f"{item!r}: expected ID=PUBKEY", param_hint="--key")
        pairs[owner] = value
    if pairs and not signed:
        raise click.BadParameter("only with --signed", param_hint="--key")
    root = init(directory, profile, gitops, signed, pairs, state.actor)
    emit(state, f"desk created in {root} ({profile} profile"
                f"{', signed' if signed else ''})",
         {"root": str(root), "profile": profile, "gitops": gitops, "signed": signed})


@click.command("demo")
@click.argument("directory", default="itsmctl-demo", metavar="[DIR]")
@pass_state
def demo_cmd(state: State, directory: str) -> None:
    """Build a demo desk and play a morning at the service desk through real commands.

    \b
    Examples:
      itsmctl demo
      itsmctl demo /tmp/desk && cd /tmp/desk && git log --oneline | head
    """
    from itsmctl.ui.demo import run

    run(directory, echo=lambda s: click.echo(s, err=state.json), as_json=state.json)


@click.command("completion")
@click.argument("shell", required=False, type=click.Choice(SHELLS))
@pass_state
def completion_cmd(state: State, shell: Optional[str]) -> None:
    """Print the shell completion script for bash, zsh or fish.

    The script completes commands and options, and from the desk you are in: ticket
    ids, groups, people, wait and close codes, categories, subtypes, symptoms and
    causations, impact, urgency and priority levels, knowledge articles. SHELL
    defaults to the one in $SHELL.

    \b
    Examples:
      eval "$(itsmctl completion bash)"                            # in ~/.bashrc
      itsmctl completion zsh > ~/.zfunc/_itsmctl                   # fpath=(~/.zfunc $fpath)
      itsmctl completion fish > ~/.config/fish/completions/itsmctl.fish
    """
    from itsmctl.ui.completion import script

    if shell is None:
        shell = os.path.basename(os.environ.get("SHELL", ""))
        if shell not in SHELLS:
            raise click.UsageError("name the shell: itsmctl completion bash|zsh|fish")
    text = script(shell)
    emit(state, text.rstrip("\n"), {"shell": shell, "script": text})


@click.command("contrib")
@click.argument("name", required=False)
@click.option("--out", metavar="DIR", help="Write the files into DIR instead of printing.")
@pass_state
def contrib_cmd(state: State, name: Optional[str], out: Optional[str]) -> None:
    """Print or install the integration files: cron, systemd, Nagios, Zabbix, CI.

    Without NAME, lists every file. NAME is a folder (cron, systemd, nagios, zabbix,
    alertmanager, ci, nginx, prometheus) or one file of it; a folder of one file, or one
    file, is printed on stdout; --out DIR writes them into DIR (scripts executable). They
    are the files the README's set-up steps name, shipped inside the package, so an
    installed itsmctl has them without a clone.

    \b
    Examples:
      itsmctl contrib
      itsmctl contrib cron | sudo tee /etc/cron.d/itsmctl-sweep
      sudo itsmctl contrib systemd --out /etc/systemd/system
      itsmctl contrib nagios/itsmctl-nagios.py > /usr/local/lib/itsmctl-nagios.py
    """
    from itsmctl.app.setup import contrib, contrib_files, install_contrib

    if name is None:
        files = sorted(contrib_files())
        emit(state, "\n".join(files), {"files": files})
        return
    if out is not None:
        paths = [str(p) for p in install_contrib(name, out)]
        emit(state, "\n".join(f"wrote {p}" for p in paths), {"written": paths})
        return
    found = contrib(name)
    if len(found) != 1:
        raise click.UsageError(f"{name} has {len(found)} files: "
                               f"{', '.join(rel for rel, _ in found)}; name one, or give "
                               "--out DIR")
    rel, data = found[0]
    if state.json:
        emit(state, "", {"file": rel, "text": data.decode("utf-8")})
        return
    click.echo(data.decode("utf-8"), nl=False)


COMMANDS = {"init": init_cmd, "demo": demo_cmd, "completion": completion_cmd,
            "contrib": contrib_cmd}
