"""`itsmctl demo`: a new desk and a morning at the service desk, played through the real
commands with --now, then the open queue."""

from __future__ import annotations

import io
import shutil
from contextlib import redirect_stderr, redirect_stdout
from datetime import date
from pathlib import Path
from typing import Callable

from itsmctl.errors import UsageError

CALLERS = [
    ("王五", "13800000001", "Finance 财务部"), ("李娜", "13800000002", "Sales 销售部"),
    ("Zhang Wei", "13800000003", "Billing ops 计费运营"), ("陈晨", "13800000004", "HR 人力资源"),
    ("Liu Yang", "13800000005", "Finance 财务部"), ("赵敏", "13800000006", "Call centre 客服中心"),
    ("孙丽", "13800000007", "Sales 销售部"), ("周杰", "13800000008", "Logistics 物流部"),
]


class Player:
    """Runs `itsmctl` commands in-process, as a person, at a given minute of the morning."""

    def __init__(self, root: Path, day: date, echo: Callable[[str], None]) -> None:
        self.root, self.day, self.echo = root, day, echo
        self.commands = 0

    def __call__(self, actor: str, hhmm: str, *args: str, quiet: bool = False) -> str:
        from itsmctl.ui.main import main

        argv = ["--repo", str(self.root), "--actor", actor,
                "--now", f"{self.day.isoformat()}T{hhmm}:00", *args]
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            try:
                main(argv)
            except SystemExit as exc:
                if exc.code not in (0, None):
                    raise UsageError(f"demo step failed: itsmctl {' '.join(args)}: "
                                     f"{err.getvalue().strip()}") from None
        self.commands += 1
        if not quiet:
            shown = " ".join(a if " " not in a else repr(a) for a in args)
            self.echo(f"{hhmm}  {actor:<7} itsmctl {shown}")
        return out.getvalue().strip()


def run(directory: str, echo: Callable[[str], None], as_json: bool = False) -> None:
    from itsmctl.app.setup import init

    root = Path(directory).resolve()
    if root.exists() and any(root.iterdir()):
        if not (root / "config").is_dir() or not (root / ".itsmctl-demo").exists():
            raise UsageError(f"{root} exists and is not an earlier demo; choose a new DIR")
        shutil.rmtree(root)
    init(str(root))
    (root / ".git" / "info").mkdir(parents=True, exist_ok=True)
    (root / ".itsmctl-demo").write_text("made by itsmctl demo; safe to delete\n")
    with open(root / ".git" / "info" / "exclude", "a") as fh:
        fh.write(".itsmctl-demo\n")
    echo(f"Demo desk in {root}\n")
    play(Player(root, date.today(), echo))
    play_queue(root, echo, as_json)


def _caller(i: int) -> list[str]:
    name, phone, dept = CALLERS[i % len(CALLERS)]
    return ["--reporter-name", name, "--reporter-phone", phone, "--reporter-dept", dept]


def play(do: Player) -> None:
    """The morning: intake, dispatch, a reject, a transfer, waiting, a duplicate storm,
    resolutions, a reopen and closes."""
    billing = ["--category", "billing", "--subtype", "application"]
    # 08:30 the phones start: invoices are wrong for some customers
    a = do("alice", "08:30", "open", "--title", "账单金额错误 invoice totals wrong",
           *_caller(0), *billing, "--symptom", "billing-error", "--impact", "3")
    b = do("bob", "08:34", "open", "--title", "CRM 客户资料打不开 customer card will not open",
           *_caller(1), "--category", "crm", "--subtype", "application", "--symptom",
           "unavailable", "--impact", "3")
    c = do("alice", "08:36", "open", "--title", "打印机卡纸 printer jammed on floor 3",
           *_caller(3), "--category", "office", "--subtype", "desktop", "--symptom", "printer")
    d = do("bob", "08:38", "open", "--title", "How do I export last month's bills?",
           *_caller(4), "--type", "consultation")
    e = do("monitor", "08:41", "open", "--source", "monitoring", "--title",
           "billing-db01 query latency high", "--alert-id", "zbx-20931",
           "--alert-severity", "high", "--alert-message", "avg query time 4.2s > 2s",
           "--category", "billing", "--subtype", "database", "--symptom", "slow",
           "--impact", "2")
    do("alice", "08:44", "open", "--title", "Please fix my home Wi-Fi", *_caller(5),
       "--out-of-scope", quiet=False)
    f = do("bob", "08:47", "open", "--title", "VIP: 计费查询很慢 bill lookup is slow",
           *_caller(6), "--reporter-kind", "vip", *billing, "--symptom", "slow")
    # dispatches
    do("alice", "08:50", "assign", a, "--group", "billing-app")
    do("bob", "08:51", "assign", b, "--group", "crm-app")
    do("alice", "08:52", "assign", c, "--group", "desktop", "--person", "heidi")
    do("alice", "08:53", "assign", e, "--group", "dba")
    do("bob", "08:54", "assign", f, "--group", "billing-app")
    do("bob", "08:55", "resolve", d, "--solution",
       "Billing portal > Reports > Monthly export; sent the user the KB link")
    # the support lines take their work
    do("carol", "09:00", "accept", a)
    do("erin", "09:02", "accept", e)
    do("heidi", "09:05", "accept", c)
    do("grace", "09:06", "reject", b, "--reason",
       "customer card fails inside the billing plug-in, not CRM", "--suggest", "billing-app")
    do("bob", "09:09", "classify", b, "--category", "billing", "--subtype", "application",
       "--symptom", "unavailable", "--reason", "grace: fault is in the billing plug-in")
    do("bob", "09:10", "assign", b, "--group", "billing-app")
    do("dave", "09:12", "accept", b)
    # 09:15 a duplicate storm: the billing portal is down for everyone
    master = do("alice", "09:15", "open", "--title", "计费门户无法访问 billing portal down",
                *_caller(2), *billing, "--symptom", "unavailable", "--affected-users", "40")
    for i, minute in enumerate(("16", "17", "17", "18", "19", "21")):
        dup = do("alice" if i % 2 else "bob", f"09:{minute}", "open", "--title",
                 "billing portal not loading 门户打不开", *_caller(i + 1), *billing,
                 "--symptom", "unavailable", quiet=True)
        do("alice", f"09:{minute}", "link-master", dup, "--master", master)
    do("alice", "09:22", "assign", master, "--group", "billing-app")
    do("dave", "09:24", "accept", master)
    # work goes on
    do("carol", "09:30", "assign", a, "--group", "dba", "--causation", "data-error")
    do("erin", "09:33", "accept", a)
    do("heidi", "09:40", "wait", c, "--code", "user-info")
    do("mike", "09:45", "escalate", master, "--reason", "all billing users affected")
    do("dave", "10:05", "resolve", master, "--solution",
       "restarted the portal app servers after a stuck deployment", "--causation",
       "config-error")
    do("erin", "10:20", "resolve", e, "--solution", "rebuilt the bills index",
       "--causation", "capacity")
    do("heidi", "10:25", "resume", c)
    do("heidi", "10:40", "resolve", c, "--solution", "cleared the jam, replaced the roller",
       "--causation", "hardware")
    do("erin", "10:50", "resolve", a, "--solution",
       "corrected 12 rate-table rows; re-rated the affected invoices", "--causation",
       "data-error")
    # the user calls back: still wrong on two invoices
    do("alice", "11:05", "reopen", a, "--reason", "two invoices still show the old totals")
    do("erin", "11:10", "accept", a)
    do("erin", "11:40", "resolve", a, "--solution",
       "re-rated the two remaining invoices; verified with the user", "--causation",
       "data-error")
    # closes after confirming with the users
    do("alice", "11:45", "close", master, "--code", "solved", "--satisfaction", "4")
    do("bob", "11:47", "close", c, "--code", "solved", "--satisfaction", "5")
    do("monitor", "11:50", "close", e, "--code", "solved")
    do("alice", "11:55", "note", f, "--text", "VIP called again; told them dave is on it")
    do("dave", "11:56", "accept", f)
    do.echo(f"\n{do.commands} commands, {do.commands} commits.")


def play_queue(root: Path, echo: Callable[[str], None], as_json: bool) -> None:
    from itsmctl.ui.main import main

    echo("\nThe open queue at noon:\n")
    argv = ["--repo", str(root), "--now", f"{date.today().isoformat()}T12:00:00", "list"]
    if as_json:
        argv.insert(0, "--json")
    try:
        main(argv)
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
