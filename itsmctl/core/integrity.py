"""What `validate` checks inside one ticket and across tickets (G5). Pure: models in,
'path.to.field: message' problems out (the shell prefixes the file)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

from itsmctl.core import priority as prio
from itsmctl.core.model import Ticket, ticket_path
from itsmctl.core.sla import stored
from itsmctl.core.transitions import SWEEP

if TYPE_CHECKING:
    from itsmctl.core.policy import Policy

Lookup = Callable[[str], Optional[Ticket]]


def ticket(policy: Policy, t: Ticket, where: str) -> Iterator[str]:
    """Schema-valid ticket: references to config, and derived values recomputed."""
    if where != ticket_path(t.id):
        yield f"id: {t.id} belongs at {ticket_path(t.id)}"
    yield from _people_and_groups(policy, t)
    yield from _classification(policy, t)
    yield from _derived(policy, t)
    yield from _state(policy, t)


def _people_and_groups(policy: Policy, t: Ticket) -> Iterator[str]:
    teams = policy.teams
    if t.group and t.group not in teams.groups:
        yield f"group: unknown group {t.group!r}"
    if t.resolved_group and t.resolved_group not in teams.groups:
        yield f"resolved_group: unknown group {t.resolved_group!r}"
    for name in ("assignee", "opened_by"):
        who = getattr(t, name)
        if who and who not in teams.people:
            yield f"{name}: unknown person {who!r}"
    for i, e in enumerate(t.history):
        if e.actor not in teams.people and e.actor != SWEEP:
            yield f"history.{i}.actor: unknown person {e.actor!r}"
    for i, task in enumerate(t.tasks):
        if task.group and task.group not in teams.groups:
            yield f"tasks.{i}.group: unknown group {task.group!r}"


def _classification(policy: Policy, t: Ticket) -> Iterator[str]:
    c = t.classification
    if c.category is None:
        if c.subtype or c.symptom or c.causation:
            yield "classification.category: missing while subtype/symptom/causation are set"
        return
    cat = policy.categories.categories.get(c.category)
    if cat is None:
        yield f"classification.category: unknown category {c.category!r}"
        return
    sub = cat.subtypes.get(c.subtype or "")
    if sub is None:
        yield f"classification.subtype: unknown subtype {c.category}/{c.subtype}"
        return
    if c.symptom is not None and c.symptom not in sub.symptoms:
        yield f"classification.symptom: unknown symptom {c.symptom!r} for {c.category}/{c.subtype}"
    if c.causation is not None and c.causation not in sub.causations:
        yield (f"classification.causation: unknown causation {c.causation!r} for "
               f"{c.category}/{c.subtype}")


def _derived(policy: Policy, t: Ticket) -> Iterator[str]:
    """P1, P5 and the stored SLA values (S1-S3), recomputed from the file itself."""
    matrix = policy.matrix
    if str(t.impact) not in [str(x) for x in matrix.impact_levels]:
        yield f"impact: unknown impact {t.impact!r}"
        return
    if t.urgency not in matrix.urgency_levels:
        yield f"urgency: unknown urgency {t.urgency!r}"
        return
    impact = matrix.impact(t.impact)
    want = prio.compute(matrix, impact, t.urgency, t.priority_raise)
    if t.priority != want:
        yield f"priority: {t.priority} but the matrix gives {want} (P1)"
        return
    if t.major != prio.is_major(matrix, impact, t.priority):
        yield f"major: {t.major} but P5 gives {not t.major}"
    if t.priority not in policy.sla.targets:
        return
    fresh = stored(t, policy)
    for phase in sorted(set(fresh) | set(t.sla)):
        have, want_doc = t.sla.get(phase), fresh.get(phase)
        if have == want_doc:
            continue
        if have is None or want_doc is None:
            yield f"sla.{phase}: stored {have!r} but recomputed {want_doc!r} (S1)"
            continue
        for key in sorted(set(have) | set(want_doc)):
            if have.get(key) != want_doc.get(key):
                yield (f"sla.{phase}.{key}: stored {have.get(key)!r} but recomputed "
                       f"{want_doc.get(key)!r} (S1-S3)")


def _state(policy: Policy, t: Ticket) -> Iterator[str]:
    codes = policy.codes
    if t.close_code and t.close_code not in codes.close:
        yield f"close_code: unknown code {t.close_code!r}"
    if t.wait and t.wait.code not in codes.wait:
        yield f"wait.code: unknown code {t.wait.code!r}"
    if (t.status == "waiting") != (t.wait is not None):
        yield f"wait: status {t.status} with {'a' if t.wait else 'no'} wait record"
    if t.status == "closed" and not t.close_code:
        yield "close_code: a closed ticket needs one (L10)"
    if t.status == "closed" and t.closed_at is None:
        yield "closed_at: a closed ticket needs it"
    if t.status in ("resolved", "closed") and t.resolved_at is None \
            and t.close_code != "out_of_scope":
        yield "resolved_at: a resolved ticket needs it"
    if not t.history:
        yield "history: empty; every ticket starts with its open event"
    elif t.history[-1].to != t.status:
        yield f"status: {t.status} but the last history event leads to {t.history[-1].to}"


def across(t: Ticket, find: Lookup) -> Iterator[str]:
    """References between tickets: master/slaves, related, recurrence."""
    if t.master:
        m = find(t.master)
        if m is None:
            yield f"master: no ticket {t.master}"
        elif t.id not in m.slaves:
            yield f"master: {t.master} does not list it as a slave"
    for sid in t.slaves:
        s = find(sid)
        if s is None or s.master != t.id:
            yield f"slaves: {sid} does not name it as master"
    for rid in t.related:
        r = find(rid)
        if r is None:
            yield f"related: no ticket {rid}"
        elif t.id not in r.related:
            yield f"related: {rid} does not list it back"
    if t.recurrence_of and find(t.recurrence_of) is None:
        yield f"recurrence_of: no ticket {t.recurrence_of}"


def config(policy: Policy) -> Iterator[tuple[str, str, str]]:
    """Cross-references beyond Policy.problems(): (file, key path, message)."""
    teams = policy.teams
    if teams.manager_group and teams.manager_group not in teams.groups:
        yield "teams.yaml", "manager_group", f"unknown group {teams.manager_group!r}"
    for i, d in enumerate(teams.delegates):
        if d.person == d.delegate:
            yield "teams.yaml", f"delegates.{i}", f"{d.person} cannot delegate to themselves"
    routed: set[str] = set()
    for cname, cat in policy.categories.categories.items():
        for sname, sub in cat.subtypes.items():
            groups = [*sub.groups, *(g for gs in sub.by_location.values() for g in gs)]
            if not sub.groups:
                yield ("categories.yaml", f"categories.{cname}.subtypes.{sname}.groups",
                       "no group to dispatch to (L3)")
            routed.update(groups)
    for g in sorted(routed):
        if g in teams.groups and not teams.members(g):
            yield "teams.yaml", f"groups.{g}", "a routing target with no members (L3, L4)"
    for prio_name in policy.sla.targets:
        if prio_name not in policy.matrix.priority_levels:
            yield "sla.yaml", f"targets.{prio_name}", "not a priority of priority_matrix.yaml"
    for code in policy.codes.close_by_hand_forbidden:
        if code not in policy.codes.close:
            yield "codes.yaml", "close_by_hand_forbidden", f"unknown code {code!r}"
    # saved views name only what the desk knows (W2); a broken view is reported here
    # and refused when used, it does not stop every other command loading the config
    from itsmctl.core.filters import view_problems

    yield from view_problems(policy)


def schema_errors(exc: Any) -> list[str]:
    """Every error of a ValidationError (pydantic's, or the ticket model's Invalid) as
    'a.b: message'."""
    out = []
    for err in exc.errors():
        at = ".".join(str(x) for x in err["loc"]) or "(top)"
        out.append(f"{at}: {err['msg'].removeprefix('Value error, ')}")
    return out
