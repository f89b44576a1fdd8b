#!/usr/bin/env python3
"""Zabbix media type script for itsmctl (SPEC H2): a problem opens a monitoring ticket,
de-duplicated by trigger; its recovery clears it through `itsmctl hook alertmanager`.

Install: copy to the server's AlertScriptsPath, then Alerts -> Media types -> Create,
type "Script", script name "itsmctl-zabbix.py", parameters in this order:

    {ALERT.SENDTO}      the desk repository (the user's media "Send to" field)
    {EVENT.VALUE}       1 problem, 0 recovery
    {EVENT.ID}          the problem's event id (also in recovery messages)
    {TRIGGER.ID}        de-duplication key: one open ticket per trigger
    {EVENT.SEVERITY}    Disaster, High, Average, Warning, Information, Not classified
    {HOST.NAME}
    {EVENT.NAME}
    {EVENT.OPDATA}      optional operational data

Severity names map to impact and urgency in config/monitoring.yaml. The script runs
`itsmctl` from PATH (or the command in $ITSMCTL) as the monitoring account.
"""

from __future__ import annotations

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


def main(argv: list[str]) -> int:
    if len(argv) < 7:
        print(__doc__, file=sys.stderr)
        return 2
    desk, value, event_id, trigger_id, severity, host, name = argv[:7]
    opdata = argv[7] if len(argv) > 7 else ""
    fingerprint = f"zabbix:{trigger_id}"
    message = f"{name}{' (' + opdata + ')' if opdata else ''}"
    if value.strip() == "1":
        return itsmctl(desk, "--actor", os.environ.get("ITSMCTL_ACTOR", "monitor"), "open",
                       "--source", "monitoring", "--title", f"{host}: {name}",
                       "--description", f"Zabbix problem {event_id} on {host}: {message}",
                       "--ci", host, "--alert-id", f"zbx-{event_id}",
                       "--alert-severity", severity, "--alert-message", message,
                       "--alert-fingerprint", fingerprint)
    ended = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
    payload = {"version": "4", "status": "resolved", "receiver": "zabbix",
               "alerts": [{"status": "resolved", "fingerprint": fingerprint,
                           "labels": {"alertname": f"zbx-{event_id}", "instance": host,
                                      "severity": severity},
                           "annotations": {"summary": message}, "endsAt": ended}]}
    return itsmctl(desk, "hook", "alertmanager", stdin=json.dumps(payload))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
