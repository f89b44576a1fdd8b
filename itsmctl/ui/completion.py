"""Shell completion from the desk: ticket ids, groups, people, codes, categories, levels.

Completers are click `shell_complete` callbacks. Rather than repeat `shell_complete=`
on every `--group` of every command, `attach()` gives each parameter the completer
its *name* calls for (COMPLETERS below), unless the command set one itself; DeskGroup
calls it for every command it hands out, lazily loaded ones included, so a new
command's `--group` or TICKET completes with no extra line. Choice options complete
from their choices as usual.

The desk is read cheaply: config from the pickled policy (config.load_policy),
ticket ids from the index (`.git/itsmctl/index.sqlite`) when it exists, else from
the file names under tickets/. A completer never raises: outside a desk it offers
nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Optional

import click
import click.shell_completion
from click.shell_completion import CompletionItem

Completer = Callable[[click.Context, click.Parameter, str], list[CompletionItem]]
OPEN = ["new", "assigned", "in_progress", "waiting"]
STATUSES = [*OPEN, "resolved", "closed"]
BUILD_INDEX_AT_MOST = 5000       # tickets; a first TAB on a larger desk lists file names
# which tickets a command's TICKET offers: (command, parameter) or command -> statuses
TICKETS_FOR: dict[Any, Optional[list[str]]] = {
    "accept": ["assigned"], "reject": ["assigned", "in_progress"], "resume": ["waiting"],
    "reopen": ["resolved"], "close": ["resolved"], "visit": ["closed"],
    "show": None, "log": None, "note": None, "link": None, "related": None,
    "recurrence_of": ["closed"],
}


def _repo(ctx: click.Context) -> Optional[str]:
    """--repo as given so far on the command line being completed."""
    from itsmctl.ui.main import State

    state = ctx.find_object(State)
    return state.repo if state is not None else None


def _root(ctx: click.Context) -> Optional[Path]:
    from itsmctl.infra.config import find_root

    repo = _repo(ctx)
    try:
        return find_root(repo)
    except Exception:
        return None


def _policy(ctx: click.Context) -> Any:
    from itsmctl.infra.config import load_policy

    root = _root(ctx)
    return None if root is None else load_policy(root)


def _items(pairs: Any, incomplete: str) -> list[CompletionItem]:
    return [CompletionItem(str(value), help=str(help_ or "") or None)
            for value, help_ in pairs if str(value).startswith(incomplete)]


def _safe(fn: Callable[[click.Context, click.Parameter, str], Any]) -> Completer:
    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> Any:
        try:
            return fn(ctx, param, incomplete) or []
        except Exception:       # a completer must never print a traceback into a shell
            return []

    complete.__name__ = fn.__name__
    complete.__doc__ = fn.__doc__
    return complete


@_safe
def tickets(ctx: click.Context, param: click.Parameter, incomplete: str) -> Any:
    """Ticket ids (open ones, or the states the command accepts), with their state."""
    root = _root(ctx)
    if root is None:
        return []
    name = param.name
    statuses = TICKETS_FOR.get(name, TICKETS_FOR.get(ctx.info_name, OPEN))
    prefix = incomplete.upper()
    files = None
    if not (root / ".git" / "itsmctl" / "index.sqlite").is_file():
        # no index yet: build it when that is quick, else offer the file names
        files = [p.stem for p in (root / "tickets").glob("*/*/*.yaml")]
        if len(files) <= BUILD_INDEX_AT_MOST:
            files = None
    if files is None:
        from itsmctl.infra.index import open_index

        index = open_index(root, lambda done, total: None)    # no bar over the prompt
        try:
            docs = list(index.query(statuses, "id >= ? AND id < ?",
                                    (prefix, prefix + "\uffff")))
        finally:
            index.close()
        return [CompletionItem(d["id"], help=f"{d.get('status')} {d.get('priority') or ''} "
                               f"{d.get('title') or ''}".strip()[:60]) for d in docs]
    return [CompletionItem(i) for i in sorted(f for f in files if f.startswith(prefix))]


@_safe
def groups(ctx: click.Context, param: click.Parameter, incomplete: str) -> Any:
    """Groups of config/teams.yaml, with their labels."""
    policy = _policy(ctx)
    return _items(((g, v.label) for g, v in policy.teams.groups.items()), incomplete)


@_safe
def people(ctx: click.Context, param: click.Parameter, incomplete: str) -> Any:
    """People of config/teams.yaml (members of --group first when one is given)."""
    policy = _policy(ctx)
    group = ctx.params.get("group")
    members = policy.teams.members(group) if group in policy.teams.groups else []
    order = members + [p for p in policy.teams.people if p not in members]
    return _items(((p, policy.teams.people[p].name) for p in order), incomplete)


@_safe
def codes(ctx: click.Context, param: click.Parameter, incomplete: str) -> Any:
    """Wait codes for `wait`, close codes a person may give for `close`."""
    c = _policy(ctx).codes
    if ctx.info_name == "wait":
        return _items(c.wait.items(), incomplete)
    return _items(((k, v) for k, v in c.close.items() if k not in c.close_by_hand_forbidden),
                  incomplete)


def _subtype(ctx: click.Context, policy: Any) -> Any:
    cat = policy.categories.categories.get(ctx.params.get("category") or "")
    return None if cat is None else cat.subtypes.get(ctx.params.get("subtype") or "")


@_safe
def categories(ctx: click.Context, param: click.Parameter, incomplete: str) -> Any:
    """Categories of config/categories.yaml, with their labels."""
    cats = _policy(ctx).categories.categories
    return _items(((k, v.label) for k, v in cats.items()), incomplete)


@_safe
def subtypes(ctx: click.Context, param: click.Parameter, incomplete: str) -> Any:
    """Subtypes of the --category given (of every category when none is)."""
    cats = _policy(ctx).categories.categories
    chosen = ctx.params.get("category")
    pairs = {(s, sub.label) for name, cat in cats.items() if not chosen or name == chosen
             for s, sub in cat.subtypes.items()}
    return _items(sorted(pairs), incomplete)


def _classes(field: str) -> Completer:
    @_safe
    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> Any:
        policy = _policy(ctx)
        sub = _subtype(ctx, policy)
        subs = [sub] if sub is not None else [
            s for c in policy.categories.categories.values() for s in c.subtypes.values()]
        pairs = {kv for s in subs for kv in getattr(s, field).items()}
        return _items(sorted(pairs), incomplete)

    complete.__doc__ = f"The {field} of the --category/--subtype given."
    return complete


@_safe
def impacts(ctx: click.Context, param: click.Parameter, incomplete: str) -> Any:
    m = _policy(ctx).matrix
    return _items(((i, m.impact_labels.get(i, "")) for i in m.impact_levels), incomplete)


@_safe
def urgencies(ctx: click.Context, param: click.Parameter, incomplete: str) -> Any:
    return _items(((u, "") for u in _policy(ctx).matrix.urgency_levels), incomplete)


@_safe
def priorities(ctx: click.Context, param: click.Parameter, incomplete: str) -> Any:
    return _items(((p, "") for p in _policy(ctx).matrix.priority_levels), incomplete)


@_safe
def statuses(ctx: click.Context, param: click.Parameter, incomplete: str) -> Any:
    return _items(((s, "") for s in STATUSES), incomplete)


@_safe
def articles(ctx: click.Context, param: click.Parameter, incomplete: str) -> Any:
    """Knowledge articles by id, from the front matter's `id:` and `title:` lines."""
    root = _root(ctx)
    if root is None:
        return []
    pairs = []
    for path in sorted((root / "kb").glob("*.md")):
        head = path.read_text(encoding="utf-8", errors="replace")[:2000].split("\n---", 1)[0]
        meta = dict(line.split(":", 1) for line in head.splitlines() if ":" in line)
        pairs.append((meta.get("id", path.stem).strip(), meta.get("title", "").strip()[:60]))
    return _items(sorted(pairs), incomplete.upper() if incomplete[:1].isalpha() else incomplete)


@_safe
def tasks(ctx: click.Context, param: click.Parameter, incomplete: str) -> Any:
    """Open tasks of the TICKET given before."""
    from itsmctl.app.queue import load
    from itsmctl.app.session import Session

    ticket = load(Session(repo=_repo(ctx)), ctx.params["ticket"])
    return _items(((t.id, t.title) for t in ticket.tasks if t.status == "open"),
                  incomplete.upper())


@_safe
def customers(ctx: click.Context, param: click.Parameter, incomplete: str) -> Any:
    """Customer ids of the directory (B1), matched by id or by name; the name is the help."""
    from itsmctl.app.customers import complete
    from itsmctl.app.session import Session

    if _root(ctx) is None:
        return []
    found = complete(Session(repo=_repo(ctx)), incomplete)
    return [CompletionItem(cid, help=name) for cid, name in found]


COMPLETERS: dict[str, Completer] = {
    "ticket": tickets, "master": tickets, "related": tickets, "recurrence_of": tickets,
    "duplicate_of": tickets,
    "group": groups, "suggest": groups,
    "person": people, "assignee": people, "actor": people,
    "code": codes,
    "category": categories, "subtype": subtypes,
    "symptom": _classes("symptoms"), "symptoms": _classes("symptoms"),
    "causation": _classes("causations"),
    "impact": impacts, "urgency": urgencies, "priority": priorities, "status": statuses,
    "article": articles, "task": tasks,
    "reporter_id": customers, "customer": customers,
}


def attach(command: click.Command) -> click.Command:
    """Give each parameter of command (and of its subcommands) its completer by name."""
    for param in command.params:
        done = getattr(param, "_custom_shell_complete", "absent")
        fn = COMPLETERS.get(param.name or "")
        if fn is not None and done is None and not isinstance(param.type, click.Choice):
            param._custom_shell_complete = fn       # what shell_complete= would set
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            attach(sub)
    return command


_FISH_SOURCE = """\
function %(complete_func)s;
    set -l response (env %(complete_var)s=fish_complete COMP_WORDS=(commandline -cp) \\
COMP_CWORD=(commandline -t) %(prog_name)s);

    for completion in $response;
        set -l metadata (string split -m 1 "," -- $completion);

        if test $metadata[1] = "dir";
            __fish_complete_directories $metadata[2];
        else if test $metadata[1] = "file";
            __fish_complete_path $metadata[2];
        else if test $metadata[1] = "plain";
            echo $metadata[2];
        end;
    end;
end;

complete --no-files --command %(prog_name)s --arguments \\
"(%(complete_func)s)";
"""


class FishComplete(click.shell_completion.FishComplete):
    """Fish completion in the one-line "type,value<TAB>help" protocol. (Some click
    releases print a fish script that fish cannot parse, pallets/click#3502; this one
    works whichever click is installed.)"""

    source_template = _FISH_SOURCE

    def format_completion(self, item: CompletionItem) -> str:
        value = str(item.value).replace("\n", " ")
        if item.help:
            return f"{item.type},{value}\t{' '.join(str(item.help).split())}"
        return f"{item.type},{value}"


click.shell_completion.add_completion_class(FishComplete, "fish")


def script(shell: str, prog: str = "itsmctl") -> str:
    """The completion script click writes for this shell."""
    from click.shell_completion import get_completion_class

    from itsmctl.ui.main import cli

    cls = get_completion_class(shell)
    if cls is None:
        raise click.BadParameter(f"no completion for {shell!r}; one of: bash, zsh, fish")
    return cls(cli, {}, prog, "_" + prog.replace("-", "_").upper() + "_COMPLETE").source()
