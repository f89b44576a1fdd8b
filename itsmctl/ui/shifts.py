"""Click commands of shifts (R1-R4): `oncall`, `handover`, `diary add`; the checklist as a
table or as markdown to paste into a chat."""

from __future__ import annotations

from typing import Any, Optional

import click

from itsmctl.ui.main import State, emit, pass_state

# checklist section -> (title, columns: (header, key))
SECTIONS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("major", "Major incidents opened in the shift or still open",
     [("id", "id"), ("priority", "priority"), ("status", "status"), ("group", "group"),
      ("title", "title")]),
    ("breaches", "SLA breaches in the shift",
     [("at", "at"), ("id", "id"), ("phase", "phase"), ("priority", "priority"),
      ("group", "group"), ("title", "title")]),
    ("escalations", "Escalations in the shift",
     [("at", "at"), ("id", "id"), ("trigger", "trigger"), ("level", "level"),
      ("reason", "reason")]),
    ("waits", "Waits ending in the next shift",
     [("until", "until"), ("id", "id"), ("code", "code"), ("group", "group"),
      ("title", "title")]),
    ("announcements", "Open announcements",
     [("id", "id"), ("kind", "kind"), ("announcement", "announcement"), ("since", "since")]),
    ("tasks", "Open tasks",
     [("id", "id"), ("task", "task"), ("task group", "task_group"),
      ("task title", "task_title")]),
]


def _short(value: Any) -> str:
    from itsmctl.ui.output import short_time

    text = "" if value is None else str(value)
    return short_time(text) if len(text) >= 19 and text[10] == "T" else text


def _who(part: dict[str, Any]) -> str:
    return part.get("supervisor") or "-"


def _head(doc: dict[str, Any]) -> list[str]:
    s, n = doc["shift"], doc["next"]
    ack = doc["acknowledged"]
    lines = [f"Handover {s['id']} {s['label']} ({_short(s['start'])} - {_short(s['end'])}): "
             f"supervisor {_who(s)} -> {n['id']} {n['label']}: supervisor {_who(n)}"]
    if s.get("desk"):
        lines.append(f"desk staff: {', '.join(s['desk'])}")
    lines += [f"  {note}" for note in [*s.get("notes", []), *n.get("notes", [])]]
    lines.append(f"acknowledged by {ack['by']} at {_short(ack['at'])}" if ack else
                 "not acknowledged yet (itsmctl handover --ack, by the incoming supervisor)")
    return lines


def as_table(doc: dict[str, Any]) -> str:
    from itsmctl.ui.output import table

    lines = _head(doc)
    for key, title, columns in SECTIONS:
        rows = [[_short(r.get(k)) for _, k in columns] for r in doc[key]]
        lines += ["", f"{title} ({len(rows)})", table(rows, [h for h, _ in columns])]
    lines += ["", f"Duty diary ({len(doc['diary'])})"]
    lines += [f"  {_short(e['at'])} {e['by']} [{e['kind']}] {e['text']}" for e in doc["diary"]]
    if not doc["diary"]:
        lines.append("  (none)")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    return _short(value).replace("|", "\\|").replace("\n", " ")


def as_markdown(doc: dict[str, Any]) -> str:
    """The checklist for a chat or a pull-request comment."""
    s, n, ack = doc["shift"], doc["next"], doc["acknowledged"]
    out = [f"### 交接班 Handover {s['id']} → {n['id']}", "",
           f"- Shift: {s['label'] or s['name']} {_short(s['start'])} – {_short(s['end'])}",
           f"- Outgoing supervisor: **{_who(s)}** · incoming supervisor: **{_who(n)}**",
           "- Acknowledged: " + (f"by **{ack['by']}** at {_short(ack['at'])}" if ack
                                 else "not yet")]
    out += [f"- {note}" for note in [*s.get("notes", []), *n.get("notes", [])]]
    for key, title, columns in SECTIONS:
        out += ["", f"#### {title} ({len(doc[key])})", ""]
        if not doc[key]:
            out.append("_none_")
            continue
        out.append("| " + " | ".join(h for h, _ in columns) + " |")
        out.append("|" + "---|" * len(columns))
        out += ["| " + " | ".join(_cell(r.get(k)) for _, k in columns) + " |"
                for r in doc[key]]
    out += ["", f"#### Duty diary 值班日记 ({len(doc['diary'])})", ""]
    out += [f"- {_short(e['at'])} **{e['by']}** [{e['kind']}] {_cell(e['text'])}"
            for e in doc["diary"]] or ["_none_"]
    return "\n".join(out)


@click.command("oncall")
@click.argument("group", required=False)
@click.option("--at", metavar="TIME", help="Who is on duty at this time (default: now).")
@pass_state
def oncall_cmd(state: State, group: Optional[str], at: Optional[str]) -> None:
    """Who is on duty: shift supervisor, desk staff, each group's on-call pair (R1).

    Outside working hours (sla.yaml calendar) the on-call primary answers for a group,
    the backup when the primary does not (handbook appendix 1 1.1.3); absences (D1)
    apply: a person away is replaced by their delegate.

    \b
    Examples:
      itsmctl oncall
      itsmctl oncall billing-app --at 2026-11-25T23:00
      itsmctl oncall billing-app --json | jq -r .oncall[0].primary
    """
    from itsmctl.app.shifts import oncall

    doc = oncall(state.session, group, at)
    emit(state, _oncall_text(doc), doc)


def _oncall_text(doc: dict[str, Any]) -> str:
    from itsmctl.ui.output import table

    when = "working hours: the groups answer" if doc["working_hours"] else \
        "outside working hours: the on-call primary answers"
    lines = [f"{_short(doc['at'])}  {when}"]
    duty = doc["duty"]
    if duty:
        s = duty["shift"]
        lines.append(f"shift {s['id']} {s['label']} ({_short(s['start'])} - "
                     f"{_short(s['end'])}): supervisor {duty['supervisor'] or '-'}; desk: "
                     f"{', '.join(duty['desk']) or '-'}")
        lines += [f"  {n}" for n in duty["notes"]]
    rows = [[p["group"], p["label"], p["primary"] or "-", p["backup"] or "-",
             "yes" if p["active"] else "no", ", ".join(p["notes"])] for p in doc["oncall"]]
    if rows:
        lines.append(table(rows, ["group", "label", "primary", "backup", "on call now",
                                  "notes"]))
    return "\n".join(lines)


@click.command("handover")
@click.option("--shift", default="current", show_default=True, metavar="SHIFT",
              help="current, previous, or DATE/NAME (2026-11-25/night).")
@click.option("--ack", is_flag=True, help="Acknowledge, as the incoming supervisor, the "
              "handover of the most recent shift that has ended (one commit).")
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "json"]),
              default="table", show_default=True, help="markdown to paste into a chat.")
@pass_state
def handover_cmd(state: State, shift: str, ack: bool, fmt: str) -> None:
    """The handover checklist of a shift; --ack takes the shift over (R3).

    Major incidents opened in the shift or still open, SLA breaches and escalations in
    the shift, waits ending in the next shift, open announcements and tasks, and the
    duty diary (handbook appendix 1 1.2.1-1.2.4). `--ack` records the incoming
    supervisor's acceptance of the last shift that ended, naming both supervisors
    (service-desk design 3.4); sweep reminds them when it is late.

    \b
    Examples:
      itsmctl handover
      itsmctl handover --shift previous --format markdown
      itsmctl --actor bob handover --ack
      itsmctl handover --shift 2026-11-25/night --json | jq .counts
    """
    from itsmctl.app import shifts

    session = state.session
    if ack:
        doc = shifts.acknowledge(session, None if shift == "current" else shift)
        session.say(f"handover of {doc['shift']['id']} acknowledged by "
                    f"{doc['acknowledged']['by']} (commit {(doc.get('commit') or '')[:10]})")
    else:
        doc = shifts.handover(session, shift)
    if state.json or fmt == "json":
        state.json = True
        emit(state, "", doc)
    else:
        emit(state, as_markdown(doc) if fmt == "markdown" else as_table(doc))


@click.group("diary")
def diary_group() -> None:
    """The duty diary of the shift: add notes, incidents, lessons (R4).

    Kept in the desk repository under diary/, one file per shift, one commit per entry
    (handbook appendix 1 1.2.4); `itsmctl handover` shows it.

    \b
    Examples:
      itsmctl diary add --text "计费库主备切换演练 22:00 开始" --kind note
      itsmctl --actor bob diary add --kind lesson --text "check the rate table job first"
    """


@diary_group.command("add")
@click.option("--text", help="The entry; - reads it from stdin.")
@click.option("--kind", type=click.Choice(["note", "incident", "lesson"]), default="note",
              show_default=True, help="注意事项 note, 意外情况 incident, 经验教训 lesson.")
@pass_state
def diary_add_cmd(state: State, text: Optional[str], kind: str) -> None:
    """Add an entry to the duty diary of the current shift; one commit (R4).

    \b
    Examples:
      itsmctl diary add --text "vendor called back about db01" --kind incident
      echo "long entry" | itsmctl diary add --text - --kind note
    """
    from itsmctl.app.shifts import diary_add

    if text == "-":
        text = click.get_text_stream("stdin").read()
    result = diary_add(state.session, text, kind)
    emit(state, f"diary {result['shift']}: {kind} #{result['index']} added", result)


COMMANDS = {"oncall": oncall_cmd, "handover": handover_cmd, "diary": diary_group}
