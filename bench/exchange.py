"""Time `import` of a GLPI-style CSV export of N tickets into a new desk (W7 goal: 10,000
rows in 60 s or less, one commit), and `export` back.

    python bench/exchange.py [N] [--keep DIR] [--xlsx]

--xlsx: the same rows as an Excel workbook (written by openpyxl), imported only.

The CSV has GLPI's column names, separator, date format and status/urgency/impact
vocabulary, with varied titles (Chinese and English), requesters, technicians, groups,
categories, multi-line descriptions and every status. Figures: wall time of fresh
processes (the console command, as a desk engineer runs it), and the CPU time they and
their children used (steadier than wall time on a shared machine).
"""

from __future__ import annotations

import csv
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NOW = "2026-11-25T09:00:00+08:00"
HEADER = ["ID", "Title", "Entity", "Status", "Last update", "Opening date", "Priority",
          "Requester - Requester", "Assigned to - Technician",
          "Assigned to - Technician group", "Category", "Time to resolve", "Urgency",
          "Impact", "Type", "Description", "Resolution date", "Closing date",
          "Solution - Solution", "Requester - Phone", "Requester - Email for followup"]
TITLES = ["计费出错：账单金额异常", "VPN cannot reach the intranet", "打印机脱机", "Outlook keeps "
          "asking for the password", "月末计费库响应慢", "CRM customer search times out",
          "无法登录营业厅系统", "Disk full on billing host", "邮件发送失败", "Laptop will not boot"]
WORDS = ["用户反馈", "多次重试", "影响营业厅", "since this morning", "after the update",
         "only on the 3rd floor", "报错代码 0x80070005", "intermittent", "所有用户", "one user"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明"]
PINYIN = ["wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou"]
TECHS = [("Carol 陈静", "计费应用组"), ("dave", "billing-app"), ("Erin", "dba"),
         ("frank", "ops"), ("Heidi", "Desktop support"), ("", "")]
CATEGORIES = ["Billing > Application", "Billing > Database", "Office > Desktop",
              "Office > Network", "CRM > Application", ""]
STATUS = (["Closed"] * 14 + ["Solved"] * 2 + ["New", "Processing (assigned)",
                                              "Processing (planned)", "Pending"])
LEVELS = ["Very high", "High", "Medium", "Low", "Very low"]


def glpi_csv(path: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    callers = [(rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN]),
                f"1{rng.choice('358')}{rng.randrange(10**9):09d}",
                f"{rng.choice(PINYIN)}.{rng.choice(PINYIN)}{rng.randrange(100)}@example.com")
               for _ in range(max(50, n // 20))]
    end = datetime(2026, 11, 19, 18, 0)      # solved and closed dates stay before NOW
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", quoting=csv.QUOTE_ALL)
        writer.writerow(HEADER)
        for i in range(n):
            opened = end - timedelta(minutes=rng.randrange(60 * 24 * 700))
            status = rng.choice(STATUS)
            caller = rng.choice(callers)
            tech, group = rng.choice(TECHS)
            if status != "New" and not group:
                tech, group = TECHS[1]
            solved = opened + timedelta(hours=rng.randrange(1, 72))
            closed = solved + timedelta(hours=rng.randrange(1, 48))
            done = status in ("Closed", "Solved")
            fmt = "%Y-%m-%d %H:%M"
            writer.writerow([
                f"{1000 + i}", f"{rng.choice(TITLES)} #{i}", "Root entity", status,
                opened.strftime(fmt), opened.strftime(fmt), rng.choice(LEVELS),
                caller[0], tech if status != "New" else "",
                group if status != "New" else "", rng.choice(CATEGORIES), "",
                rng.choice(LEVELS), rng.choice(LEVELS), rng.choice(["Incident", "Request"]),
                "\n".join(rng.sample(WORDS, 3)),
                solved.strftime(fmt) if done else "",
                closed.strftime(fmt) if status == "Closed" else "",
                "重启服务后恢复 restarted the service" if done else "", caller[1], caller[2]])


def as_xlsx(rows: Path) -> Path:
    """The CSV's rows as a workbook's first sheet (openpyxl's streaming writer)."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    with rows.open(encoding="utf-8", newline="") as fh:
        for values in csv.reader(fh, delimiter=";"):
            sheet.append(values)
    out = rows.with_suffix(".xlsx")
    book.save(out)
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 10_000
    keep = sys.argv[sys.argv.index("--keep") + 1] if "--keep" in sys.argv else None
    work = Path(keep or tempfile.mkdtemp(prefix="itsmctl-exchange-"))
    work.mkdir(parents=True, exist_ok=True)
    desk, rows = work / "desk", work / f"glpi-{n}.csv"
    glpi_csv(rows, n)
    xlsx = "--xlsx" in sys.argv
    if xlsx:
        rows = as_xlsx(rows)
    exe = [sys.executable, "-m", "itsmctl", "--repo", str(desk), "--actor", "alice",
           "--now", NOW]
    subprocess.run([sys.executable, "-m", "itsmctl", "init", str(desk)], check=True,
                   capture_output=True)
    before = int(subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=desk,
                                capture_output=True, text=True).stdout)
    steps = [("import --dry-run", ["import", str(rows), "--mapping", "glpi", "--dry-run"]),
             ("import", ["import", str(rows), "--mapping", "glpi"]),
             ("export --format json", ["export", "--out", str(work / "out.json")]),
             ("export --format csv", ["export", "--format", "csv", "--out",
                                      str(work / "out.csv")]),
             ("audit (the import commit)", ["audit", "--since", "HEAD~1"])]
    for label, args in steps[:2] if xlsx else steps:
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(exe + args, capture_output=True, text=True)
        took = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}: {proc.stderr[-300:]}"
        print(f"{label:28} {took:7.1f} s wall {cpu:7.1f} s cpu  {status}", flush=True)
    after = int(subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=desk,
                               capture_output=True, text=True).stdout)
    print(f"{n} rows -> {after - before} commit(s); desk in {desk}")


if __name__ == "__main__":
    main()
