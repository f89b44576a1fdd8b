"""The console script: `itsmctl --help` from a cache, `list`, `show`, `note`, `assign`,
`open` and `hook alertmanager` without click (ui/quick.py), everything else to ui.main.

`itsmctl --help` is what people type first and what completion scripts and wrappers
call; rendering it imports click and the translations (~3x a bare Python start,
measured in issue 13). The text depends only on the code, the language variables and
the terminal width, so it is kept in the user's cache directory under a key made of
those and printed from there; any other command line goes to ui.main untouched.
"""

from __future__ import annotations

import os
import sys

_LANG = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
# the first words of ui/quick.py's commands (tests/ui/test_quick.py checks them)
QUICK = frozenset({"list", "show", "note", "assign", "open", "hook"})
# the young generation's threshold while ui/quick.py runs a command: at Python's 700,
# importing ~110 modules and reading a ticket ran ~35 collections (~3% of a `note`'s
# instructions), and `open`'s duplicate search over the open queue (~1,300 states at
# 10,000 tickets) ~6%; a few thousand objects more before each young collection is a
# short process's few MB at most (issue 13)
QUICK_GC = 20000


def _columns() -> int:
    """The width click formats help for (shutil.get_terminal_size's answer)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


def _cache_path() -> str | None:
    """Where the help text for this code, language and width is kept; None if unknown."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    stamp = []
    for rel in ("__init__.py", "ui/main.py", "locale/zh_CN/LC_MESSAGES/itsmctl.mo"):
        try:
            st = os.stat(os.path.join(here, rel))
        except OSError:
            return None
        stamp.append(f"{st.st_mtime_ns}.{st.st_size}")
    stamp += [os.environ.get(name, "") for name in _LANG]
    stamp.append(str(_columns()))
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    import zlib

    key = zlib.crc32("\0".join([here, *stamp]).encode("utf-8", "replace"))
    return os.path.join(base, "itsmctl", f"help-{key:08x}.txt")


def _help() -> None:
    path = _cache_path()
    if path is not None:
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError):
            pass
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
            sys.exit(0)
    import io

    from itsmctl.ui.main import main as full

    real, captured = sys.stdout, io.StringIO()
    sys.stdout = captured
    try:
        full(sys.argv[1:])
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.stdout = real
    text = captured.getvalue()
    sys.stdout.write(text)
    sys.stdout.flush()
    if code in (0, None) and path is not None:
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = f"{path}.{os.getpid()}"
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, path)
        except OSError:
            pass
    sys.exit(code)


def main() -> None:
    """Entry point of the `itsmctl` console script and of `python -m itsmctl`."""
    from itsmctl.infra import lifetime

    lifetime.ENDS_WITH_EXIT = True      # SQLite connections stay open to `leave`
    try:
        _main()
    finally:                            # (not reached after os._exit)
        lifetime.release()


def _main() -> None:
    args = sys.argv[1:]
    if args in (["--help"], ["-h"]):
        _help()
    if not QUICK.isdisjoint(args):
        import gc

        default = gc.get_threshold()
        gc.set_threshold(QUICK_GC, *default[1:])
        from itsmctl.ui.quick import run

        code = run(args)
        if code is not None:
            leave(code)
        gc.set_threshold(*default)
    from itsmctl.infra.startup import lean_click

    lean_click()
    from itsmctl.ui.main import main as full

    try:
        full()
    except SystemExit as exc:
        if isinstance(exc.code, int) or exc.code is None:
            leave(exc.code or 0)
        raise


def leave(code: int) -> None:
    """Exit with code, skipping the interpreter's teardown (freeing the objects of the
    ~100 modules a transition loads: ~5 ms of a 50 ms process, measured) when nothing is
    left to do at exit: output flushed, no atexit callback (a temporary directory's
    cleanup, logging), no thread but this one, no SQLite connection in use (those
    closed are kept open for this end, so that the last close does not checkpoint
    the WAL: infra/lifetime.py) and no process pool. Otherwise the usual way, the
    connections kept closed first."""
    from itsmctl.infra import lifetime

    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        lifetime.release()
        sys.exit(code)
    import atexit

    callbacks = getattr(atexit, "_ncallbacks", None)
    threading = sys.modules.get("threading")
    if (callbacks is None or callbacks() or not lifetime.all_closed()
            or "multiprocessing" in sys.modules
            or (threading is not None and threading.active_count() > 1)):
        lifetime.release()
        sys.exit(code)
    os._exit(code)
