"""Plan notifications for new history events (N1, N2, P5): who, through which channel, what.

Pure. `plan` runs on every saved ticket (App.transaction's finalize), so the
notifications of a transition are recorded as `pending` in the transition's own
commit; the write path (itsmctl/app/deliver.py) delivers them after the commit. A
notification is one message through one channel for one event; its id
`<ticket>-<event index>-<n>` is fixed by the event, so planning again never
duplicates, and receivers can use it as an idempotency key.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from itsmctl.core.model import SETTLED, Notification, Ticket

if TYPE_CHECKING:
    from itsmctl.core.policy import Policy

REPORTER = "reporter"           # recipient token for the ticket's reporter (role U)
GROUP = "group:"                # recipient token prefix for a group's own address
_STATE_KEYS = ("priority", "major", "group", "assignee")


Origin = Union[Optional[str], Callable[[], Optional[str]]]


def plan(ticket: Ticket, policy: Policy, now: datetime, origin: Origin = None) -> Ticket:
    """The ticket with pending notifications for events not yet covered by one.

    Only events after the last covered one and younger than `delivery.plan_window`
    count, so a rule added to notify.yaml later never mails about old events.
    `origin` is the delivering clone's id, or a function giving it, called only when
    something is planned (the shell's lookup costs a git call).
    """
    last = max((n.event for n in ticket.notifications if n.event is not None), default=-1)
    oldest = now - policy.notify.delivery.plan_window
    new: list[Notification] = []
    for index in range(last + 1, len(ticket.history)):
        if ticket.history[index].at >= oldest:
            new += notices_for(ticket, policy, now, index)
    if not new:
        return ticket
    who = origin() if callable(origin) else origin
    if who is not None:
        new = [n.model_copy(update={"origin": who}) for n in new]
    new, mail = with_headers(ticket, policy, new)
    return ticket.evolve(notifications=[*ticket.notifications, *new],
                         mail=mail.model_dump())


def with_headers(ticket: Ticket, policy: Policy,
                 new: list[Notification]) -> tuple[list[Notification], Any]:
    """E5: each notice's mail headers, in the ticket's one thread (core/mailthread.py)."""
    from itsmctl.core.mailthread import thread

    desk = policy.teams.groups.get(policy.teams.desk_group)
    fallback = desk.email if desk is not None else None
    conf = policy.mail
    return thread(ticket, new, conf.message_domain(fallback), conf.address or fallback,
                  lambda t, who: contact(t, policy, who))


def trigger_of(ticket: Ticket, index: int, policy: Policy) -> Optional[str]:
    """The notify.yaml trigger an event fires, or None."""
    event = ticket.history[index]
    conf = policy.notify
    if event.action == "open" and not ticket.verified and "acknowledge" in conf.rules:
        trigger = "acknowledge"         # E1: the user who wrote in is told the id
    elif event.action in conf.triggers:
        trigger = conf.triggers[event.action]
    elif event.to == "closed" and event.from_ != "closed":
        code = event.changes.get("close_code", [None, ticket.close_code])[1]
        trigger = "out_of_scope" if code == "out_of_scope" else "close"
    elif event.to == "resolved" and event.from_ != "resolved":
        trigger = "resolve"
    else:
        trigger = event.action
    if trigger == "escalate":
        # S6: an escalation notifies only when its configured actions say so
        same = [e for e in ticket.escalations if e.at == event.at]
        if same and not any("notify" in e.actions for e in same):
            return None
    return trigger if trigger in conf.rules else None


def state_at(ticket: Ticket, index: int) -> dict[str, Any]:
    """Priority, major, group and assignee right after event `index` (walking back)."""
    state = {k: getattr(ticket, k) for k in _STATE_KEYS}
    for event in reversed(ticket.history[index + 1:]):
        for key in _STATE_KEYS:
            if key in event.changes:
                state[key] = event.changes[key][0]
    return state


def roles_for(ticket: Ticket, policy: Policy, index: int, trigger: str,
              state: dict[str, Any]) -> list[str]:
    """N1 table 3-6 for the priority at the event; P5 adds leadership on major tickets."""
    from itsmctl.core import oncall

    conf = policy.notify
    roles: list[str] = list(conf.rules.get(trigger, {}).get(str(state["priority"]), []))
    roles = oncall.roles(ticket, index, trigger, roles)     # R2: the on-call chain
    if state["major"]:
        roles += [r for r in conf.major if r not in roles]
    if ticket.watchers and "W" not in roles:
        roles.append("W")                  # W6: watchers hear every notice of the ticket
    if ticket.history[index].via:          # mirrored from a master (M2): staff heard there
        roles = [r for r in roles if r in conf.mirrored]
    return roles


def recipients_for(role: str, ticket: Ticket, state: dict[str, Any],
                   policy: Policy) -> list[str]:
    """Person ids (or REPORTER / group:NAME) a role means for this ticket."""
    teams = policy.teams
    if role == "U":
        r = ticket.reporter
        if r is None or not (r.email or r.phone):
            return []
        return [r.id] if r.id and r.id in teams.people else [REPORTER]
    if role == "C":
        opener = teams.people.get(ticket.opened_by)
        if opener is not None and set(opener.roles) - {"monitoring", "intake"}:
            return [ticket.opened_by]
        return _group(policy, teams.desk_group)
    if role == "E":
        if state["assignee"]:
            return [state["assignee"]]
        return _group(policy, state["group"]) if state["group"] else []
    if role == "M":
        if teams.manager_group:
            return _group(policy, teams.manager_group)
        return teams.with_role("incident_manager")
    if role == "L":
        return _group(policy, teams.leadership_group)
    if role == "W":
        return [w for w in ticket.watchers if w in teams.people]
    return []


def _group(policy: Policy, group: str) -> list[str]:
    members = policy.teams.members(group)
    if members:
        return members
    info = policy.teams.groups.get(group)
    return [GROUP + group] if info is not None and info.email else []


def contact(ticket: Ticket, policy: Policy, who: str) -> dict[str, Any]:
    """Name and addresses of a recipient token."""
    if who == REPORTER and ticket.reporter is not None:
        r = ticket.reporter
        return {"id": REPORTER, "name": r.name, "email": r.email, "phone": r.phone}
    if who.startswith(GROUP):
        name = who[len(GROUP):]
        g = policy.teams.groups.get(name)
        return {"id": who, "name": (g.label or name) if g else name,
                "email": g.email if g else None, "phone": None}
    p = policy.teams.people.get(who)
    if p is None:
        return {"id": who, "name": who, "email": None, "phone": None}
    return {"id": who, "name": p.name, "email": p.email, "phone": p.phone}


def notices_for(ticket: Ticket, policy: Policy, now: datetime, index: int,
                origin: Optional[str] = None) -> list[Notification]:
    """The notifications of one event: one per channel that has recipients."""
    trigger = trigger_of(ticket, index, policy)
    if trigger is None:
        return []
    from itsmctl.core import oncall

    conf = policy.notify
    state = state_at(ticket, index)
    # one notice per channel; on mail the user's is apart from staff's (E5: no shared To:)
    slots: dict[tuple[str, bool], tuple[list[str], list[str]]] = {}
    for role in roles_for(ticket, policy, index, trigger, state):
        called = oncall.recipient(ticket, policy, index, trigger, state) if role == "E" \
            else None                                   # R2: on call outside working hours
        for who in called if called is not None else recipients_for(role, ticket, state,
                                                                     policy):
            if role == "W" and who == ticket.history[index].actor:
                continue                   # a watcher is not told of their own change
            for name in conf.channels_for(trigger, role, str(state["priority"])):
                mail = conf.channels[name].type == "smtp"
                if mail and not contact(ticket, policy, who).get("email"):
                    continue
                people, roles = slots.setdefault((name, mail and role == "U"), ([], []))
                if who not in people:
                    people.append(who)
                if role not in roles:
                    roles.append(role)
    for (name, user), (people, _) in slots.items():
        if user and (name, False) in slots:      # staff who are also the user: once
            people[:] = [p for p in people if p not in slots[(name, False)][0]]
    slots = {k: v for k, v in slots.items() if v[0]}
    if not slots:
        return []
    subject, body = render(ticket, policy, now, index, trigger, state)
    event = ticket.history[index]
    facts = {"status": event.to or ticket.status, "title": ticket.title, **state}
    ordered = [(name, user) for name in conf.channels for user in (False, True)
               if (name, user) in slots]
    return [Notification(id=f"{ticket.id}-{index}-{n}", trigger=trigger, at=event.at,
                         recipients=slots[key][0], roles=slots[key][1], channels=[key[0]],
                         event=index, origin=origin, subject=subject, body=body, facts=facts)
            for n, key in enumerate(ordered, 1)]


def render(ticket: Ticket, policy: Policy, now: datetime, index: int, trigger: str,
           state: dict[str, Any]) -> tuple[str, str]:
    """N2: subject and body from the trigger's template (or `default`)."""
    from string import Template  # (its class compiles a pattern: not for a note)

    values = fields(ticket, policy, now, index, trigger, state)
    tpl = policy.notify.template(trigger)
    subject = " ".join(Template(tpl.subject).safe_substitute(values).split())
    body = Template(tpl.body).safe_substitute(values)
    return subject, "".join(line.rstrip() + "\n" for line in body.splitlines())


def fields(ticket: Ticket, policy: Policy, now: datetime, index: int, trigger: str,
           state: dict[str, Any]) -> dict[str, str]:
    """The placeholders a template may use (5.1.9's four items and the context)."""
    event = ticket.history[index]
    teams, conf = policy.teams, policy.notify
    desc = " ".join((ticket.description or ticket.title).split())
    group = teams.groups.get(state["group"] or "")
    person = teams.people.get(state["assignee"] or "")
    actor = teams.people.get(event.actor)
    desk = teams.groups.get(teams.desk_group)
    note = event.note or ""
    return {
        "id": ticket.id, "title": ticket.title,
        "description": desc if len(desc) <= 200 else desc[:199] + "…",
        "service": service(ticket, policy),
        "restore_by": restore_by(ticket, policy, now),
        "contact": conf.contact or (f"{desk.label} {desk.email}".strip() if desk and desk.email
                                    else teams.desk_group),
        "priority": str(state["priority"]), "major": " 重大 MAJOR" if state["major"] else "",
        "status": str(event.to or ticket.status),
        "group": (group.label or str(state["group"])) if group else "",
        "assignee": person.name if person else "",
        "trigger": trigger, "trigger_label": conf.trigger_labels.get(trigger, trigger),
        "actor": actor.name if actor else event.actor, "at": when(event.at, now),
        "note": note, "note_line": f"备注 Note: {note}\n" if note else "",
        "reporter": ticket.reporter.name or "" if ticket.reporter else "",
        "solution": ticket.solution or "", "close_code": ticket.close_code or "",
    }


def service(ticket: Ticket, policy: Policy) -> str:
    """The affected service: category / subtype labels, symptom, configuration items."""
    cls = ticket.classification
    parts = []
    cat = policy.categories.categories.get(cls.category or "")
    if cat is not None:
        parts.append(cat.label or cls.category or "")
        sub = cat.subtypes.get(cls.subtype or "")
        if sub is not None:
            parts.append(sub.label or cls.subtype or "")
            if cls.symptom and cls.symptom in sub.symptoms:
                parts[-1] += f" ({sub.symptoms[cls.symptom]})"
    text = " / ".join(p for p in parts if p)
    if not text and ticket.alert is not None:
        text = ticket.alert.message
    if ticket.links.cis:
        text += ("; " if text else "") + "CI: " + ", ".join(ticket.links.cis)
    return text or "未分类 not classified yet"


def restore_by(ticket: Ticket, policy: Policy, now: datetime) -> str:
    """Expected restoration: the restore deadline, else an estimate from the targets."""
    from itsmctl.core.sla import clocks

    if ticket.status in ("resolved", "closed") and ticket.resolved_at:
        return f"已恢复 restored {when(ticket.resolved_at, now)}"
    c = clocks(ticket, policy, now)
    restore, accept = c["restore"], c["accept"]
    paused = " (暂停 paused while waiting)" if ticket.status == "waiting" else ""
    if restore.deadline is not None:
        if restore.deadline < now:      # a raised priority (S3) or a breach: say so
            return f"已超时 OVERDUE since {when(restore.deadline, now)}{paused}"
        return when(restore.deadline, now) + paused
    start = accept.deadline if accept.running and accept.deadline else now + accept.target
    return f"约 about {when(max(start, now) + restore.target, now)}{paused}"


def when(at: datetime, now: datetime) -> str:
    return at.astimezone(now.tzinfo).strftime("%Y-%m-%d %H:%M %z")


__all__ = [
    "REPORTER",
    "claim",
    "contact",
    "fold",
    "notices_for",
    "plan",
    "recipients_for",
    "render",
    "state_at",
    "trigger_of",
]


# ---------------------------------------------------------------- delivery records
Entries = dict[str, list[dict[str, Any]]]


def settle(n: Notification, got: list[dict[str, Any]]) -> dict[str, Any]:
    """A notification's record from its delivery attempts (ledger entries, in order).

    Per recipient (E5), a `sent` stands for good; otherwise the latest word counts.
    Sent to everyone: `sent`; everyone left refused for good (5xx): `refused`."""
    attempts = max([n.attempts, *(int(e.get("attempt") or 0) for e in got)])
    outcomes = dict(n.outcomes)
    for entry in got:
        for who, what in (entry.get("outcomes") or {}).items():
            if outcomes.get(who) != "sent":
                outcomes[who] = what
    ok = [e for e in got if e.get("outcome") == "sent"]
    dated = [e for e in got if e.get("date")]
    headers = dict(n.headers)
    if dated:
        headers["Date"] = str((ok or dated)[-1]["date"])
    upd: dict[str, Any] = {"attempts": attempts, "outcomes": outcomes, "headers": headers}
    left = {w: o for w, o in outcomes.items() if o != "sent"}
    if ok and not left:
        return {**upd, "status": "sent", "sent_at": datetime.fromisoformat(ok[0]["at"]),
                "error": None}
    error = "; ".join(f"{w}: {o}" for w, o in left.items()) or got[-1].get("error")
    if left and all(o.startswith("refused") for o in left.values()):
        at = ok[0]["at"] if ok else got[-1]["at"]
        return {**upd, "status": "refused", "sent_at": datetime.fromisoformat(at),
                "error": error}
    return {**upd, "status": "failed", "error": error}


def pending_for(n: Notification, got: list[dict[str, Any]]) -> list[str]:
    """Recipients a (re)delivery should still go to: not sent, not refused for good."""
    record = settle(n, got) if got else {"outcomes": n.outcomes}
    outcomes = record["outcomes"]
    return [r for r in n.recipients
            if not str(outcomes.get(r, "")).startswith(("sent", "refused"))]


def fold(ticket: Ticket, entries: Entries, me: str) -> Ticket:
    """This clone's outcomes written into its own notifications' records."""
    out, changed = [], False
    for n in ticket.notifications:
        got = entries.get(n.id)
        if n.status not in SETTLED and n.origin == me and got:
            new = n.model_copy(update=settle(n, got))
            changed = changed or new != n
            n = new
        out.append(n)
    return ticket.evolve(notifications=out) if changed else ticket


def claim(ticket: Ticket, me: str, now: datetime, grace: timedelta) -> Ticket:
    """Take over unsent notifications of clones that did not deliver them in time."""
    out, changed = [], False
    for n in ticket.notifications:
        held_since = n.claimed_at or n.at
        if n.status not in SETTLED and n.origin != me and (n.origin is None
                                                      or now - held_since >= grace):
            n = n.model_copy(update={"origin": me, "claimed_at": now})
            changed = True
        out.append(n)
    return ticket.evolve(notifications=out) if changed else ticket
