"""Time writing ticket files: PyYAML (what dump_ticket used) against infra/fastdump.

    python bench/dump_speed.py DESK [--tickets 1000] [--rounds 7]

Reads N ticket files spread over the desk's HEAD with one `git cat-file --batch`, loads
them with infra/yaml.load_ticket, checks that fastdump writes every one byte for byte
as PyYAML does (and counts what it declines), then times both writers per dump,
alternating rounds so both see the same machine load. "cold" clears fastdump's caches
before each ticket (a command writing one ticket); "warm" keeps them over the round (a
hook or sweep writing many). Prints the median and the best round of each.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from itsmctl.infra import fastdump, git  # noqa: E402
from itsmctl.infra.yaml import load_ticket, pyyaml_dump_ticket  # noqa: E402


def ticket_files(desk: str, n: int) -> list[bytes]:
    names = [p for p in subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", "HEAD", "tickets"], cwd=desk,
        capture_output=True, text=True, check=True).stdout.split() if p.endswith(".yaml")]
    names = names[::max(1, len(names) // n)][:n]
    return [data for _, data in git.cat_blobs(Path(desk), [f"HEAD:{p}" for p in names])]


def forget() -> None:
    fastdump._KEYS.clear()
    fastdump._BLOCK.clear()
    fastdump._FLOW.clear()


def cold(doc: Any) -> Any:
    forget()
    return fastdump.dump(doc)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("desk")
    ap.add_argument("--tickets", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    files = ticket_files(args.desk, args.tickets)
    docs = [load_ticket(data, "ticket") for data in files]
    declined = sum(fastdump.dump(doc) is None for doc in docs)
    for data, doc in zip(files, docs):
        fast = fastdump.dump(doc)
        assert fast is None or fast == data == pyyaml_dump_ticket(doc)
    print(f"{len(docs)} tickets, {sum(map(len, files)) / len(files):,.0f} bytes each on "
          f"average; fastdump declined {declined}, wrote the rest byte for byte")
    writers: dict[str, Callable[[Any], Any]] = {
        "PyYAML": pyyaml_dump_ticket, "fastdump warm": fastdump.dump, "fastdump cold": cold}
    times: dict[str, list[float]] = {name: [] for name in writers}
    for r in range(args.rounds):
        for name in (list(writers) if r % 2 == 0 else list(writers)[::-1]):
            forget()
            fn = writers[name]
            t0 = time.perf_counter()
            for doc in docs:
                fn(doc)
            times[name].append((time.perf_counter() - t0) / len(docs) * 1e6)
    for name, runs in times.items():
        print(f"{name:14} median {statistics.median(runs):7,.0f} µs per ticket, "
              f"best {min(runs):7,.0f}")


if __name__ == "__main__":
    main()
