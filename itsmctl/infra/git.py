"""The one place itsmctl runs git: a runner, a `cat-file --batch` reader, `fast-import`.

Every other module asks these functions; none spawns git itself. Network operations
pass a timeout and never prompt (GIT_TERMINAL_PROMPT=0).
"""

from __future__ import annotations

import os
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterable, Iterator, Optional

from itsmctl.errors import GitError


@dataclass
class Result:
    """A finished git process: its exit code and both outputs."""

    code: int
    out: bytes
    err: bytes

    def last_error(self) -> str:
        lines = self.err.decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else f"exit {self.code}"


def _env(extra: Optional[dict[str, str]]) -> Optional[dict[str, str]]:
    if not extra:
        return None
    env = dict(os.environ)
    env.update(extra)
    return env


def call(root: Path, *args: str, input: Optional[bytes] = None,
         env: Optional[dict[str, str]] = None, timeout: Optional[float] = None) -> Result:
    """Run git and return what happened, whatever its exit code (124: timed out)."""
    if timeout is not None:
        env = {"GIT_TERMINAL_PROMPT": "0", **(env or {})}
    try:
        proc = subprocess.run(["git", *args], cwd=root, input=input, capture_output=True,
                              env=_env(env), timeout=timeout)
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    except subprocess.TimeoutExpired:
        return Result(124, b"", b"timed out")
    return Result(proc.returncode, proc.stdout, proc.stderr)


def run(root: Path, *args: str, input: Optional[bytes] = None,
        env: Optional[dict[str, str]] = None, check: bool = True) -> bytes:
    """Run git and return its stdout; a failure raises GitError unless check=False."""
    res = call(root, *args, input=input, env=env)
    if check and res.code != 0:
        raise GitError(f"git {args[0]} failed: {res.last_error()}")
    return res.out


def config(root: Path, key: str) -> Optional[str]:
    """One git config value of the repository, or None."""
    out = run(root, "config", "--get", key, check=False).decode().strip()
    return out or None


def tree_names(root: Path, rev: str, folder: str) -> set[str]:
    """The names in one folder of a commit's tree (empty when it has no such folder)."""
    res = call(root, "ls-tree", "-z", "--name-only", f"{rev}:{folder}")
    if res.code != 0:
        return set()
    return {name.decode() for name in res.out.split(b"\0") if name}


def spawn_detached(root: Path, *args: str) -> None:
    """Start git in the background and forget it (housekeeping such as `gc --auto`)."""
    subprocess.Popen(["git", *args], cwd=root, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)


class CatFile:
    """A `git cat-file --batch` process: many object reads for one process start."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._proc: Optional[subprocess.Popen[bytes]] = None

    def get(self, spec: str) -> Optional[bytes]:
        """An object's content by any spec (`HEAD:path`, a sha); None when missing."""
        if self._proc is None:
            self._proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=self.root,
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        stdin, stdout = self._proc.stdin, self._proc.stdout
        assert stdin is not None and stdout is not None
        stdin.write(spec.encode() + b"\n")
        stdin.flush()
        header = stdout.readline().split()
        if len(header) < 3 or header[1] == b"missing":
            return None
        return stdout.read(int(header[2]) + 1)[:-1]

    def close(self) -> None:
        if self._proc is not None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            self._proc.wait()
            self._proc = None

    def __enter__(self) -> "CatFile":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _feed(stream: IO[bytes], chunks: Iterable[bytes]) -> threading.Thread:
    """Write a process's input from a thread (a large input would fill the pipe)."""

    def write() -> None:
        try:
            for chunk in chunks:
                stream.write(chunk)
            stream.close()
        except (BrokenPipeError, OSError):
            pass

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def cat_blobs(root: Path, shas: list[str]) -> Iterator[tuple[str, bytes]]:
    """Stream many blobs through one `cat-file --batch`, in the order asked."""
    proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=root, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, bufsize=1 << 16)
    assert proc.stdin is not None and proc.stdout is not None
    writer = _feed(proc.stdin, (sha.encode() + b"\n" for sha in shas))
    out = proc.stdout
    try:
        for sha in shas:
            header = out.readline().split()
            if len(header) < 3 or header[1] == b"missing":
                continue
            yield sha, out.read(int(header[2]) + 1)[:-1]
    finally:
        writer.join()
        proc.wait()


def cat_batch(root: Path, shas: list[str]) -> dict[str, bytes]:
    """Many blobs at once, for a worker process (one run, output in memory)."""
    res = call(root, "cat-file", "--batch", input="".join(s + "\n" for s in shas).encode())
    out, pos, found = res.out, 0, {}
    for sha in shas:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        found[sha] = out[pos:pos + size]
        pos += size + 1
    return found


class FastImport:
    """A running `git fast-import` fed from a thread, so the caller can work meanwhile."""

    def __init__(self, root: Path, stream: bytes) -> None:
        self._proc = subprocess.Popen(["git", "fast-import", "--quiet", "--done"], cwd=root,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE)
        assert self._proc.stdin is not None
        self._feeder = _feed(self._proc.stdin, [stream])

    def finish(self) -> Result:
        self._feeder.join()
        self._proc.stdin = None                 # the feeder closed it
        out, err = self._proc.communicate()
        return Result(self._proc.returncode, out, err)
