#!/usr/bin/env python3
"""Nagios notification command for itsmctl (SPEC H2): PROBLEM opens a monitoring ticket,
one per host/service while it is open; RECOVERY clears it through `itsmctl hook
alertmanager`; other notification types (ACKNOWLEDGEMENT, FLAPPING…, DOWNTIME…) are
ignored. See commands.cfg beside this file for the command definitions.

From Nagios, the macros come from the environment (enable_environment_macros=1 in
nagios.cfg), never from the command line, which Nagios runs through a shell:

    itsmctl-nagios.py --desk /srv/desk --from-env service      # or: --from-env host

By hand (no shell between the caller and this script):

    itsmctl-nagios.py --desk /srv/desk --type PROBLEM --host db01 --service "Disk /var" \\
        --state CRITICAL --output "DISK CRITICAL - /var 97%" --problem-id 4711
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
from datetime import datetime, timezone


def itsmctl(desk: str, *args: str, stdin: str | None = None) -> int:
    cmd = [*shlex.split(os.environ.get("ITSMCTL", "itsmctl")), "--repo", desk, *args]
    proc = subprocess.run(cmd, input=stdin, text=True, capture_output=True)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    return proc.returncode


def _from_env(a: argparse.Namespace, env: "os._Environ[str] | dict[str, str]") -> None:
    """The notification as Nagios' environment macros describe it."""
    kind = "SERVICE" if a.from_env == "service" else "HOST"
    a.type = env.get("NAGIOS_NOTIFICATIONTYPE", "")
    a.host = env.get("NAGIOS_HOSTNAME", "")
    a.service = env.get("NAGIOS_SERVICEDESC", "") if kind == "SERVICE" else ""
    a.state = env.get(f"NAGIOS_{kind}STATE", "")
    a.output = env.get(f"NAGIOS_{kind}OUTPUT", "")
    a.problem_id = env.get(f"NAGIOS_{kind}PROBLEMID", "")
    a.last_problem_id = env.get(f"NAGIOS_LAST{kind}PROBLEMID", "")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--desk", default=os.environ.get("ITSMCTL_REPO", "."))
    ap.add_argument("--type", required=True, help="$NOTIFICATIONTYPE$")
    ap.add_argument("--host", required=True, help="$HOSTNAME$")
    ap.add_argument("--service", default="", help="$SERVICEDESC$ (empty for a host)")
    ap.add_argument("--state", required=True, help="$SERVICESTATE$ or $HOSTSTATE$")
    ap.add_argument("--output", default="", help="$SERVICEOUTPUT$ or $HOSTOUTPUT$")
    ap.add_argument("--problem-id", default="", help="$SERVICEPROBLEMID$ / $HOSTPROBLEMID$")
    ap.add_argument("--last-problem-id", default="",
                    help="$LASTSERVICEPROBLEMID$ / $LASTHOSTPROBLEMID$ (set on recovery)")
    ap.add_argument("--from-env", choices=("service", "host"),
                    help="read the macros from Nagios' environment (NAGIOS_*)")
    a = ap.parse_args(argv if "--from-env" not in argv else argv + [
        "--type", "-", "--host", "-", "--state", "-"])
    if a.from_env:
        _from_env(a, os.environ)
    what = f"{a.host}/{a.service}" if a.service else a.host
    fingerprint = f"nagios:{what}"
    message = a.output or f"{what} is {a.state}"
    kind = a.type.upper()
    if kind == "PROBLEM":
        problem = a.problem_id if a.problem_id not in ("", "0") else "0"
        return itsmctl(a.desk, "--actor", os.environ.get("ITSMCTL_ACTOR", "monitor"), "open",
                       "--source", "monitoring", "--title", f"{what} {a.state}",
                       "--description", message, "--ci", a.host,
                       "--alert-id", f"nagios-{problem}", "--alert-severity", a.state,
                       "--alert-message", message, "--alert-fingerprint", fingerprint)
    if kind != "RECOVERY":
        return 0
    ended = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
    payload = {"version": "4", "status": "resolved", "receiver": "nagios",
               "alerts": [{"status": "resolved", "fingerprint": fingerprint,
                           "labels": {"alertname": what, "instance": a.host,
                                      "severity": a.state},
                           "annotations": {"summary": message}, "endsAt": ended}]}
    return itsmctl(a.desk, "hook", "alertmanager", stdin=json.dumps(payload))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
