"""Click commands that check the desk: validate (G5), qa (Q3), audit (G6)."""

from __future__ import annotations

from typing import Optional

import click

from itsmctl.errors import Findings
from itsmctl.ui.main import State, emit, pass_state


@click.command("validate")
@click.argument("paths", nargs=-1, metavar="[FILE]...")
@click.option("--since", metavar="REV", help="Only the tickets changed since REV (all of "
              "them when config/ changed); the config is always checked, and each config "
              "commit after REV for its approval and change window (C1).")
@pass_state
def validate_cmd(state: State, paths: tuple[str, ...], since: Optional[str]) -> None:
    """Check every config and ticket file (G5); exit 4 with one line per problem.

    Schemas, cross-references (groups, people, codes, matrix, routing, delegates, the
    rota: every core group on call every night, R1) and derived values recomputed
    (priority, major, stored SLA); config values that look like secrets (tokens in
    robot URLs, passwords, private keys) are refused (I8). FILEs limit the ticket
    files checked (pre-commit passes the staged ones). With --since, every config
    commit after REV needs an approval by a person of its class's approver roles (a
    signed commit, or a review trailer such as Itsmctl-Approved-By) and must keep its
    class's change window unless an incident manager overrides it
    (config/governance.yaml, C1).

    \b
    Examples:
      itsmctl validate
      itsmctl validate tickets/2026/11/INC-2611-7KQ3X.yaml
      itsmctl validate --since origin/main   # in CI on a pull request
    """
    from itsmctl.app.checks import validate

    problems = validate(state.session, paths, since)
    if state.json:
        emit(state, "", {"ok": not problems, "problems": problems})
    else:
        for line in problems:
            click.echo(line, err=True)
        if not problems:
            click.echo("desk is valid")
    if problems:
        raise Findings(f"{len(problems)} problem(s)", exit_code=4, rule="G5")


@click.command("qa")
@click.option("--month", metavar="YYYY-MM", help="Only tickets opened in this month.")
@click.option("--open", "open_only", is_flag=True, help="Only open tickets (the daily "
              "review).")
@pass_state
def qa_cmd(state: State, month: Optional[str], open_only: bool) -> None:
    """Quality checks of handbook 6.1 (Q3).

    Quality checks of handbook 6.1: one line 'ID: rule: message' per finding (Q3).

    Exit 1 when there is any finding, 0 when the tickets are clean. Rules:
    classification-dispatch, classification-close, classification-known,
    required-fields, verification, severity, close, escalation (see itsmctl/core/qa.py).

    \b
    Examples:
      itsmctl qa
      itsmctl qa --month 2026-11 --json | jq '.findings[].rule' | sort | uniq -c
      itsmctl qa --open
    """
    from itsmctl.app.checks import qa

    findings = qa(state.session, month, open_only)
    if state.json:
        emit(state, "", {"ok": not findings, "findings": [
            {"ticket": f.ticket, "rule": f.rule, "message": f.message} for f in findings]})
    else:
        for f in findings:
            click.echo(f.line())
        click.echo(f"{len(findings)} finding(s)" if findings else "no findings", err=True)
    if findings:
        raise Findings(f"{len(findings)} finding(s)")


@click.command("audit")
@click.option("--since", metavar="REV", envvar="PRE_COMMIT_FROM_REF", help="Only commits "
              "after REV (e.g. the merge base of a pull request); default: the whole history "
              "(or PRE_COMMIT_FROM_REF in a pre-push hook).")
@click.option("--pre-receive", "pre_receive", is_flag=True, help="Run as git's pre-receive "
              "hook of a bare remote: read 'OLD NEW REF' lines on stdin and refuse (exit 1) "
              "a push whose new commits fail I5 or G6 or that rewrites the desk's branch "
              "(I6). The pusher, if the server authenticated one, is GL_USER (gitolite) or "
              "ITSMCTL_PUSHER.")
@pass_state
def audit_cmd(state: State, since: Optional[str], pre_receive: bool) -> None:
    """Replay git history, flag illegal changes (G6).

    Replay the git history of tickets/, config/, kb/ and attachments/ and flag every
    change that was not a legal transition of an authorised actor (G6); on a signed
    desk also every commit not signed by a key teams.yaml listed at its parent, by the
    person it names, at the time it says (I4, I5, I7).

    One line per finding: 'COMMIT PATH: kind (RULE): message', kinds history, hand-edit,
    status, illegal-step, unknown-action, closed, actor, author, invalid, deleted,
    merge (G6); unsigned, signature, signer, time, rewrite (I5); anchor (I4); teams (I7);
    pusher (I6). Exit 1 when there is any finding, 0 when the history is clean. A clean
    audit records the verified tip (refs/itsmctl/verified); a later one reports the
    commits a force-push dropped or reordered.

    \b
    Examples:
      itsmctl audit
      itsmctl audit --since origin/main        # the commits of a pull request
      itsmctl audit --since v2026.11 --json | jq '.findings[].kind'
      itsmctl audit --pre-receive < updates    # hooks/pre-receive of a bare remote
    """
    if pre_receive:
        _pre_receive(state)
        return
    from itsmctl.app.audit import audit

    count, findings = audit(state.session, since)
    if state.json:
        emit(state, "", {"ok": not findings, "commits": count,
                       "findings": [f.doc() for f in findings]})
    else:
        for f in findings:
            click.echo(f.line())
        click.echo(f"{count} commit(s) replayed, {len(findings)} finding(s)", err=True)
    if findings:
        raise Findings(f"{len(findings)} finding(s)")


def _pre_receive(state: State) -> None:
    import os
    import sys
    from pathlib import Path

    from itsmctl.app.audit import parse_updates, pre_receive

    root = Path(state.repo or os.environ.get("GIT_DIR") or ".").resolve()
    pusher = os.environ.get("ITSMCTL_PUSHER") or os.environ.get("GL_USER")
    count, findings = pre_receive(root, parse_updates(sys.stdin.read()), pusher=pusher)
    if state.json:
        emit(state, "", {"ok": not findings, "commits": count,
                       "findings": [f.doc() for f in findings]})
    else:
        for f in findings:
            click.echo(f"itsmctl: refused: {f.line()}", err=True)
    if findings:
        raise Findings(f"push refused: {len(findings)} finding(s)")


COMMANDS = {"validate": validate_cmd, "qa": qa_cmd, "audit": audit_cmd}
