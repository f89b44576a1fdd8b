"""Click commands for the shell itself: `completion` (bash, zsh, fish). Loaded lazily."""

from __future__ import annotations

import os
from typing import Optional

import click

from itsmctl.ui.main import Obj, emit, pass_obj

SHELLS = ("bash", "zsh", "fish")


@click.command("completion")
@click.argument("shell", required=False, type=click.Choice(SHELLS))
@pass_obj
def completion_cmd(obj: Obj, shell: Optional[str]) -> None:
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
    emit(obj, text.rstrip("\n"), {"shell": shell, "script": text})
