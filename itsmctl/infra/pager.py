"""Page long output through a pager program, as git does (W8)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess


def page(text: str, command: str) -> bool:
    """Feed `text` to the pager `command` (split like a shell line, run without one);
    False when it cannot run (the caller prints instead). LESS defaults to FRX: quit
    if one screen, keep colours, leave the screen as it was."""
    argv = shlex.split(command)
    if not argv or shutil.which(argv[0]) is None:
        return False
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    env.setdefault("LV", "-c")
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, env=env)
    except OSError:
        return False
    assert proc.stdin is not None
    try:
        proc.stdin.write(text.encode("utf-8", "replace"))
        proc.stdin.close()
    except BrokenPipeError:           # the reader quit early (q in less)
        pass
    try:
        proc.wait()
    except KeyboardInterrupt:
        proc.wait()
    return True
