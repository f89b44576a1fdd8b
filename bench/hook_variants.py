"""Run a sequence of `hook alertmanager` payloads through two source trees and compare.

    python bench/hook_variants.py --before SRC [--desk DESK] [--keep DIR]

Both trees start from the same desk (a new default desk, or a clone of DESK without its
remote) and run the same steps: payloads (new alerts, redeliveries, storms that make
slaves of new and of committed masters, clearings that resolve and close, alerts firing
again on resolved and closed holders, truncatedAlerts, Grafana, broken and oversized
payloads) and the human commands and config changes between them. Ticket ids are drawn
from a random generator seeded per step, so both trees open the same ids. After each
step the exit code, stdout, stderr, the commit (sha, message, tree) and the working tree
must be the same; prints one line per step and exits 1 when any differs.
--slave-deltas compares two trees whose masters record slave-list changes in different
forms (the tickets must be the same but for that form; see `snapshot`).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESOURCES = ROOT / "tests" / "resources" / "hooks"
NOW = "2026-11-25T09:00:00+08:00"
# new ticket ids from a generator seeded by the step (infra/store.new_id takes an rng)
DRIVER = r"""
import random, sys
import itsmctl.infra.store as store
rng = random.Random(int(sys.argv.pop(1)))
plain = store.new_id
store.new_id = lambda prefix, opened, r=None: plain(prefix, opened, r or rng)
from itsmctl.ui.entry import main
sys.argv[0] = "itsmctl"
main()
"""
Step = dict[str, Any]


def _doc(name: str = "alertmanager-firing.json") -> dict[str, Any]:
    return json.loads((RESOURCES / name).read_text(encoding="utf-8"))


def storm(n: int, cluster: str, starts: str = "2026-11-25T00:58:30Z", first: int = 0,
          name: str = "InstanceDown") -> dict[str, Any]:
    """n alerts of one storm group (alertname, cluster) in one notification."""
    doc = _doc()
    base = doc["alerts"][0]
    doc["alerts"] = []
    for i in range(first, first + n):
        a = copy.deepcopy(base)
        a["labels"].update(alertname=name, instance=f"{cluster}-app{i:02d}:9100",
                           cluster=cluster)
        a["annotations"]["summary"] = f"Instance {cluster}-app{i:02d}:9100 down"
        a["fingerprint"] = hashlib.sha1(f"{name}-{cluster}-{i}".encode()).hexdigest()[:16]
        a["startsAt"] = starts
        doc["alerts"].append(a)
    return doc


def resolved(doc: dict[str, Any], ends: str = "2026-11-25T01:15:30.5Z",
             only: Optional[slice] = None) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    if only is not None:
        doc["alerts"] = doc["alerts"][only]
    doc["status"] = "resolved"
    for a in doc["alerts"]:
        a["status"], a["endsAt"] = "resolved", ends
    return doc


def starting(doc: dict[str, Any], starts: str) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    for a in doc["alerts"]:
        a["startsAt"] = starts
    return doc


def bench_like(n: int, seed: int) -> dict[str, Any]:
    """bench/run.py's payload: new fingerprints, storms by alertname (no cluster)."""
    sys.path.insert(0, str(HERE))
    from run import alerts_payload

    doc: dict[str, Any] = json.loads(alerts_payload(n, seed))
    return doc


def nodata(rule: str, kind: str = "DatasourceNoData") -> dict[str, Any]:
    return {"status": "firing",
            "labels": {"alertname": kind, "datasource_uid": "P1809F7CD0C75ACF3",
                       "grafana_folder": "CRM", "ref_id": "A", "rulename": rule},
            "annotations": {}, "startsAt": "2026-11-25T08:51:03+08:00",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://grafana.example.com/alerting/grafana/x/view"}


def hook(doc: Any, now: str = NOW, json_out: bool = True, raw: Optional[str] = None,
         actor: str = "monitor") -> Step:
    body = raw if raw is not None else json.dumps(doc, ensure_ascii=False)
    args = ["--json"] if json_out else []
    return {"args": ["--actor", actor, "--now", now, *args, "hook", "alertmanager"],
            "stdin": body}


def cli(*args: str, actor: str = "alice", now: str = NOW) -> Step:
    return {"args": ["--actor", actor, "--now", now, *args]}


def config(old: str, new: str, name: str = "monitoring.yaml") -> Step:
    return {"config": (name, old, new)}


def steps() -> list[Step]:
    """Each step may name ids opened by earlier steps: {N} is the N-th id opened."""
    a = _doc()
    grafana = _doc("grafana-firing.json")
    nodatas = copy.deepcopy(grafana)
    nodatas["alerts"] = [nodata("CRM API latency"), nodata("Billing errors", "DatasourceError")]
    truncated = storm(3, "c3", first=20)
    truncated["truncatedAlerts"] = 5
    mixed = storm(3, "c1", first=10, starts="2026-11-25T01:05:00Z")
    mixed["alerts"] += resolved(storm(2, "c1"))["alerts"] + storm(1, "c1")["alerts"]
    big = storm(1001, "c9")
    return [
        hook(a),                                                    # a new alert
        hook(a, now="2026-11-25T09:01:00+08:00"),                   # redelivered
        hook(storm(6, "c1"), json_out=False),                       # a storm: 1 + 5 slaves
        hook(storm(4, "c1", first=6, starts="2026-11-25T01:10:00Z"),
             now="2026-11-25T09:05:00+08:00"),                      # slaves of a committed master
        hook(storm(3, "c2")),                                       # another group
        hook(mixed, now="2026-11-25T09:06:00+08:00"),               # new, cleared, redelivered
        hook(resolved(storm(6, "c1"), only=slice(1, 4)),
             now="2026-11-25T09:10:00+08:00"),                      # some slaves clear
        hook(resolved(storm(10, "c1")), now="2026-11-25T09:20:00+08:00"),   # the rest: resolved
        hook(starting(storm(1, "c1", first=2), "2026-11-25T01:40:00Z"),
             now="2026-11-25T09:30:00+08:00"),                      # a slave: master reopens
        hook(resolved(a), now="2026-11-25T09:31:00+08:00", json_out=False),  # resolves {0}
        cli("close", "{0}", "--code", "solved", now="2026-11-25T09:32:00+08:00"),
        hook(starting(a, "2026-11-25T01:45:00Z"), now="2026-11-25T09:33:00+08:00"),  # closed
        hook(truncated, now="2026-11-25T09:34:00+08:00"),
        hook(grafana, now="2026-11-25T09:35:00+08:00"),
        hook(nodatas, now="2026-11-25T09:36:00+08:00", json_out=False),
        hook(None, raw="{not json", now="2026-11-25T09:37:00+08:00"),
        hook(None, raw=json.dumps({"version": "4", "alerts": [{"status": "weird"}]}),
             now="2026-11-25T09:37:00+08:00"),
        hook(None, raw=json.dumps({"version": "9", "alerts": []}),
             now="2026-11-25T09:37:00+08:00"),
        hook(big, now="2026-11-25T09:38:00+08:00"),                 # over limits.alerts
        cli("classify", "{11}", "--category", "billing", "--subtype", "database", "--symptom",
            "unavailable", "--reason", "db down", now="2026-11-25T09:38:30+08:00"),
        cli("assign", "{11}", "--group", "dba", now="2026-11-25T09:39:00+08:00"),
        hook(storm(3, "c2", first=3, starts="2026-11-25T01:01:00Z"),
             now="2026-11-25T09:40:00+08:00"),                      # slaves of an assigned master
        cli("wait", "{11}", "--code", "vendor", actor="alice", now="2026-11-25T09:41:00+08:00"),
        hook(storm(2, "c2", first=6, starts="2026-11-25T01:02:00Z"),
             now="2026-11-25T09:42:00+08:00"),                      # ... of a waiting master
        hook(bench_like(50, 1000), now="2026-11-25T12:01:00+08:00"),
        hook(bench_like(50, 1001), now="2026-11-25T12:02:00+08:00", json_out=False),
        hook(bench_like(50, 1000), now="2026-11-25T12:03:00+08:00"),   # all redelivered
        config("on_clear: resolve", "on_clear: close"),
        hook(resolved(storm(3, "c3", first=20)), now="2026-11-25T12:04:00+08:00"),  # closes
        config("on_refire: reopen", "on_refire: link"),
        hook(resolved(storm(9, "c2"), ends="2026-11-25T01:30:00Z"),
             now="2026-11-25T12:05:00+08:00"),
        hook(starting(storm(3, "c2"), "2026-11-25T02:00:00Z"),
             now="2026-11-25T12:06:00+08:00"),                      # linked, not reopened
        config("group_by: [alertname, cluster]", "group_by: [alertname]"),
        hook(bench_like(20, 1002), now="2026-11-25T12:07:00+08:00"),
        hook(starting(nodatas, "2026-11-25T09:00:00+08:00"), now="2026-11-25T12:08:00+08:00"),
        cli("open", "--source", "monitoring", "--title", "disk full", "--alert-id", "nag-7",
            "--alert-severity", "WARNING", "--alert-message", "/var 95%", actor="monitor",
            now="2026-11-25T12:09:00+08:00"),
        cli("open", "--source", "monitoring", "--title", "disk full", "--alert-id", "nag-7",
            "--alert-severity", "WARNING", "--alert-message", "/var 95%", actor="monitor",
            now="2026-11-25T12:10:00+08:00"),
        cli("--json", "open", "--source", "monitoring", "--title", "disk full", "--alert-id",
            "nag-8", "--alert-severity", "critical", "--alert-message", "/var 99%", actor="monitor",
            now="2026-11-25T12:10:30+08:00"),
        hook(a, actor="alice", now="2026-11-25T12:11:00+08:00"),    # not the monitoring role
        # rules that notify on the steps a storm takes: every intermediate state counts
        config("  dispatch: {P1:", "  link-slave: {P1: [M], P2: [M], P3: [M], P4: [M]}\n"
               "  alert-fire: {P1: [M], P2: [M], P3: [M], P4: [M]}\n  dispatch: {P1:",
               "notify.yaml"),
        hook(storm(5, "c7", starts="2026-11-25T04:00:00Z"), now="2026-11-25T12:12:00+08:00"),
        hook(starting(storm(7, "c7"), "2026-11-25T04:05:00Z"), now="2026-11-25T12:13:00+08:00"),
        hook(bench_like(30, 1003), now="2026-11-25T12:14:00+08:00"),
        config("  link-slave: {P1: [M], P2: [M], P3: [M], P4: [M]}\n", "", "notify.yaml"),
        config("  alert-fire: {P1: [M], P2: [M], P3: [M], P4: [M]}\n",
               "  open: {P1: [M], P2: [M], P3: [M], P4: [M]}\n", "notify.yaml"),
        hook(storm(4, "c8", starts="2026-11-25T04:00:00Z"), now="2026-11-25T12:15:00+08:00"),
        hook(starting(storm(6, "c8"), "2026-11-25T04:01:00Z"), now="2026-11-25T12:16:00+08:00"),
    ]


def git(desk: Path, *args: str, env: Optional[dict[str, str]] = None) -> str:
    return subprocess.run(["git", *args], cwd=desk, capture_output=True, text=True,
                          env=env, check=True).stdout


def snapshot(desk: Path, deltas: bool = False) -> dict[str, Any]:
    """The last commit but its committer line (the commit time is the clock's, not
    --now): author, date, message, tree and parent count; the working tree's state.

    With `deltas`, the tree is compared as the files the commit changed, read as YAML
    with every master's link-slave/unlink-slave `[old, new]` slave lists turned into the
    ids added or removed (the form the history records since): each side's changed files
    equal after each step means the trees equal but for that form."""
    fmt = "%an <%ae> %ad%n%B%n" + ("%P" if deltas else "%T %P")
    out: dict[str, Any] = {
        "commit": git(desk, "log", "-1", f"--format={fmt}").rsplit(" ", 1)[0] +
        f" ({len(git(desk, 'log', '-1', '--format=%P').split())} parents)",
        "commits": git(desk, "rev-list", "--count", "HEAD").strip(),
        "status": git(desk, "status", "--porcelain")}
    if deltas:
        paths = git(desk, "diff-tree", "-r", "--root", "--no-commit-id", "--name-only",
                    "HEAD").split()
        out["files"] = {p: _as_deltas(git(desk, "show", f"HEAD:{p}")) for p in paths}
        out["_blobs"] = git(desk, "rev-parse", *[f"HEAD:{p}" for p in paths]) if paths else ""
    return out


def _as_deltas(text: str) -> Any:
    """A ticket file as data, its masters' slave-list pairs as deltas (other files as
    they are)."""
    import yaml

    try:
        doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return text
    if not isinstance(doc, dict) or not isinstance(doc.get("history"), list):
        return text
    for e in doc["history"]:
        pair = (e.get("changes") or {}).get("slaves") if isinstance(e, dict) else None
        if e.get("action") in ("link-slave", "unlink-slave") and isinstance(pair, list):
            old, new = pair
            delta = {"added": [x for x in new if x not in old],
                     "removed": [x for x in old if x not in new]}
            e["changes"]["slaves"] = {k: v for k, v in delta.items() if v}
    return json.dumps(doc, ensure_ascii=False, default=str)



def run_side(src: Path, desk: Path, plan: list[Step],
             deltas: bool = False) -> list[dict[str, Any]]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ITSMCTL_") and k not in ("PYTHONPATH",)}
    env.update(PYTHONPATH=str(src), ITSMCTL_UPKEEP="off", LANG="C.UTF-8",
               GIT_AUTHOR_DATE="2026-11-25T12:00:00+08:00",
               GIT_COMMITTER_DATE="2026-11-25T12:00:00+08:00")
    opened: list[str] = []
    out = []
    for n, step in enumerate(plan):
        if "config" in step:
            name, old, new = step["config"]
            path = desk / "config" / name
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace(old, new), encoding="utf-8")
            git(desk, "commit", "-qam", f"config: {new}", env=env)
            out.append({"step": n, "config": new, **snapshot(desk, deltas)})
            continue
        args = [a.format(*opened) if "{" in a else a for a in step["args"]]
        proc = subprocess.run([sys.executable, "-c", DRIVER, str(n), "--repo", str(desk),
                               *args], input=step.get("stdin"), capture_output=True,
                              text=True, env=env, cwd=desk)
        opened += re.findall(r"(?:opened |\")([A-Z]+-\d{4}-[0-9A-Z]{5})(?=\"|\n|$)",
                             _opened_part(proc.stdout))
        head = git(desk, "rev-parse", "HEAD").strip()
        out.append({"step": n, "args": args, "rc": proc.returncode,
                    "stdout": proc.stdout.replace(str(desk), "DESK").replace(head, "HEAD"),
                    "stderr": proc.stderr.replace(str(desk), "DESK"), **snapshot(desk, deltas)})
    return out


def _opened_part(stdout: str) -> str:
    """The ids a command opened: `opened X` lines, the --json "opened" list, or the id
    `open` prints."""
    try:
        doc = json.loads(stdout)
    except ValueError:
        lines = stdout.splitlines()
        if len(lines) == 1 and re.fullmatch(r"[A-Z]+-\d{4}-[0-9A-Z]{5}", lines[0]):
            return "opened " + lines[0]
        return stdout
    if isinstance(doc, dict) and isinstance(doc.get("opened"), list):
        return "\n".join(f"opened {t}" for t in doc["opened"])
    return ""


def new_desk(where: Path, src: Path, source: Optional[Path]) -> Path:
    """A clone of `source` without its remote, or a new default desk (made once: both
    sides start from a copy of the same first commit)."""
    desk = where / "desk"
    if source is not None:
        subprocess.run(["git", "clone", "-q", str(source), str(desk)], check=True)
        subprocess.run(["git", "remote", "remove", "origin"], cwd=desk, check=True)
    else:
        base = where.parent / "base"
        if not base.exists():
            env = {**os.environ, "PYTHONPATH": str(src), "ITSMCTL_UPKEEP": "off"}
            subprocess.run([sys.executable, "-c", "import sys; from itsmctl.app.setup import "
                            "init; init(sys.argv[1])", str(base)], check=True, env=env)
        shutil.copytree(base, desk, symlinks=True)
    git(desk, "config", "user.name", "Bench")
    git(desk, "config", "user.email", "bench@example.com")
    # the same clone id on both sides: planned notifications name it as their origin
    state = desk / ".git" / "itsmctl"
    state.mkdir(parents=True, exist_ok=True)
    (state / "clone-id").write_text(json.dumps({"id": "bench-0000000000",
                                                "root": str(desk.resolve())}))
    return desk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the old source tree")
    parser.add_argument("--after", type=Path, default=ROOT, help="the new source tree")
    parser.add_argument("--desk", type=Path, help="clone this desk instead of a new one")
    parser.add_argument("--keep", type=Path, help="work here and keep the desks")
    parser.add_argument("--slave-deltas", action="store_true",
                        help="the trees may differ in the form of link-slave/unlink-slave "
                        "changes only ([old, new] slave lists before, ids added/removed "
                        "after): compare each commit's files with the lists as deltas")
    opts = parser.parse_args()
    work = opts.keep or Path(tempfile.mkdtemp(prefix="hook-variants-"))
    work.mkdir(parents=True, exist_ok=True)
    plan = steps()
    results = {}
    try:
        for side, src in (("before", opts.before), ("after", opts.after)):
            desk = new_desk(work / side, src.resolve(), opts.desk)
            results[side] = run_side(src.resolve(), desk, plan, opts.slave_deltas)
    finally:
        if opts.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    bad = raw = 0
    for old, new in zip(results["before"], results["after"]):
        raw += old.pop("_blobs", None) != new.pop("_blobs", None)
        same = old == new
        bad += not same
        what = old["config"] if "config" in old else " ".join(old["args"][4:])[:60]
        what = what.replace("\n", " ")[:60]
        said = (old.get("stderr") or "").strip().splitlines()
        print(f"{'same' if same else 'DIFFERS':8} step {old['step']:2} "
              f"rc={old.get('rc', '-')} {what}" + (f"  [{said[-1][:70]}]" if said else ""))
        if not same:
            for key in old:
                if old[key] != new[key]:
                    print(f"    {key}:\n      before: {str(old[key])[:600]!r}\n"
                          f"      after:  {str(new[key])[:600]!r}")
    hooks = sum(1 for s in plan if "stdin" in s)
    print(f"{len(plan)} steps ({hooks} payloads): {bad} differ" +
          (f"; {raw} steps whose files differ only in the form of slave-list changes"
           if opts.slave_deltas else ""))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
