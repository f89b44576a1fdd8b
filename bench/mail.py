"""Figures of the mail gateway and the customer directory (issue 15), fresh processes.

    python bench/mail.py [--runs 7]

Prints the median wall time (ms) of: `hook mail` for a new Outlook message with an
attachment, a reply, a redelivered message and an auto-reply; `open` with a typed
reporter and with `--reporter-id` on a desk of 50,000 customers (CSV); building the
directory's index once. Scratch desks live in a temporary directory.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import mailbuild as mb  # noqa: E402

NOW = "2026-11-25T09:00:00+08:00"


def run(desk: Path, *args: str, stdin: bytes = b"", actor: str = "alice") -> tuple[float, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ITSMCTL_")}
    argv = [sys.executable, "-m", "itsmctl", "--repo", str(desk), "--now", NOW]
    if actor:
        argv += ["--actor", actor]
    start = time.perf_counter()
    proc = subprocess.run(argv + list(args), input=stdin, capture_output=True, env=env,
                          timeout=300)
    took = (time.perf_counter() - start) * 1000
    if proc.returncode != 0:
        raise SystemExit(f"{args}: exit {proc.returncode}: {proc.stderr.decode()}")
    return took, proc.stdout.decode().strip()


def median(samples: list[float]) -> str:
    return f"{statistics.median(samples):,.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    n = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        desk = Path(tmp) / "desk"
        subprocess.run([sys.executable, "-m", "itsmctl", "init", str(desk)], check=True,
                       capture_output=True)
        rows = []
        new = [run(desk, "hook", "mail", actor="", stdin=mb.outlook(
            f"计费出错 {i}", "账单金额不对\n王五", mid=f"<bench-{i}@example.org>",
            attachments=(("截图.png", bytes(20000)),)))[0] for i in range(n)]
        rows.append(("hook mail: new Outlook message + attachment", median(new)))
        tid = run(desk, "hook", "mail", actor="", stdin=mb.gmail("x", "y", mid="<t@x>"))[1]
        tid = tid.split()[1]
        replies = [run(desk, "hook", "mail", actor="", stdin=mb.gmail(
            f"Re: [{tid}] x", "补充说明" + mb.gmail_quote(tid), mid=f"<r{i}@x>"))[0]
            for i in range(n)]
        rows.append(("hook mail: reply (tag, quoted history stripped)", median(replies)))
        dup = [run(desk, "hook", "mail", actor="", stdin=mb.gmail("x", "y", mid="<t@x>"))[0]
               for _ in range(n)]
        rows.append(("hook mail: the same Message-ID again (no commit)", median(dup)))
        auto = [run(desk, "hook", "mail", actor="", stdin=mb.auto_reply())[0]
                for _ in range(n)]
        rows.append(("hook mail: auto-reply (ignored)", median(auto)))

        lines = ["id,name,phone,email,kind,department,location,in_scope"]
        lines += [f"C{i:06d},客户{i},138{i:08d},c{i}@example.org,staff,部门{i % 50},"
                  f"site{i % 9},true" for i in range(50000)]
        (desk / "config" / "customers.csv").write_text("\n".join(lines) + "\n")
        subprocess.run(["git", "-C", str(desk), "add", "-A"], check=True)
        subprocess.run(["git", "-C", str(desk), "commit", "-qm", "customers"], check=True)
        build = run(desk, "customers", "show", "C000001")[0]
        rows.append(("customers: index of 50,000 built once (first lookup)", f"{build:,.0f} ms"))
        plain = [run(desk, "open", "--title", "x", "--reporter-name", "甲",
                     "--reporter-phone", "1")[0] for _ in range(n)]
        rows.append(("open, reporter typed (50,000 customers)", median(plain)))
        by_id = [run(desk, "open", "--title", "x", "--reporter-id", f"C{(i * 7919) % 50000:06d}")[0]
                 for i in range(n)]
        rows.append(("open --reporter-id (50,000 customers)", median(by_id)))
    width = max(len(r[0]) for r in rows)
    print(f"median of {n} fresh processes, {os.cpu_count()} cores, Python "
          f"{sys.version.split()[0]}")
    for what, value in rows:
        print(f"{what:<{width}}  {value:>9}")


if __name__ == "__main__":
    main()
