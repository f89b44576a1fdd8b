"""Click commands of the knowledge base: `kb search|show|add|publish` (K1-K3)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Optional

import click

from itsmctl.ui.main import State, emit, pass_state
from itsmctl.ui.texts import TEXT

if TYPE_CHECKING:
    from itsmctl.core.kb import Doc


@click.group("kb")
def kb_group() -> None:
    """Knowledge base: search, show, add, publish (K1-K3).

    The knowledge base in kb/: markdown articles with front matter (K1-K3).

    \b
    Examples:
      itsmctl kb search 计费出错
      itsmctl kb search --ticket INC-2611-7KQ3X
      itsmctl kb show KB-0001
    """


def _doc(article: "Doc") -> dict:
    """The article as --json prints it: its validated front matter, path and body."""
    from itsmctl.core.kb import Record

    front = article.front if isinstance(article, Record) else article.model_dump(mode="json")
    return {**front, "path": article.path, "body": article.body}


@kb_group.command("search")
@click.argument("query", nargs=-1)
@click.option("--ticket", metavar="ID", help="Search for this ticket: its words, category, "
              "subtype and symptom.")
@click.option("--published", is_flag=True, help="Only published articles (not candidates).")
@click.option("--limit", type=click.IntRange(min=1), default=5, show_default=True,
              help="How many hits.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]),
              default="table", show_default=True, help="Output format.")
@pass_state
def search_cmd(state: State, query: tuple[str, ...], ticket: Optional[str], published: bool,
               limit: int, fmt: str = "table") -> None:
    """Rank articles for free text (Chinese or English) or for a ticket (K2).

    \b
    Examples:
      itsmctl kb search 打印机 脱机
      itsmctl kb search "outlook password"
      itsmctl kb search --ticket INC-2611-7KQ3X --published
    """
    from itsmctl.app.knowledge import search
    from itsmctl.ui.output import table

    hits = search(state.session, " ".join(query), ticket, published, limit)
    rows = [[h.article.id, f"{h.score:.2f}", h.article.status,
             "/".join(x for x in (h.article.category, h.article.subtype) if x), h.article.title]
            for h in hits]
    cols = ["id", "score", "status", "class", "title"]
    if fmt == "csv" and not state.json:
        from itsmctl.ui.output import csv_text

        click.echo(csv_text(rows, cols), nl=False)
        return
    state.json = state.json or fmt == "json"
    emit(state, table(rows, cols), [{**_doc(h.article), "score": h.score} for h in hits])


@kb_group.command("show")
@click.argument("article")
@pass_state
def show_cmd(state: State, article: str) -> None:
    """Show an article: its front matter and its body.

    \b
    Examples:
      itsmctl kb show KB-0001
      itsmctl kb show kb-2611-7kq3x --json
    """
    from itsmctl.app.knowledge import find

    a = find(state.session, article)
    head = [f"{a.id}  {a.title}",
            f"  status     {a.status}",
            "  class      " + " / ".join(x or "-" for x in (a.category, a.subtype,
                                                            ", ".join(a.symptoms) or None,
                                                            a.causation)),
            f"  tags       {', '.join(a.tags) or '-'}",
            f"  file       {a.path}"]
    if a.source_ticket:
        head.append(f"  ticket     {a.source_ticket}")
    emit(state, "\n".join(head) + "\n\n" + a.body.strip(), _doc(a))


@kb_group.command("add")
@click.option("--title", required=True, type=TEXT, help="What the article solves ('-': "
              "stdin).")
@click.option("--body", help="The markdown body with the solution ('-': read stdin).")
@click.option("--body-file", type=click.Path(exists=True, dir_okay=False),
              help="Read the body from this file.")
@click.option("--category", help="Category from config/categories.yaml.")
@click.option("--subtype", help="Subtype of the category.")
@click.option("--symptom", "symptoms", multiple=True, help="A symptom it answers "
              "(repeatable).")
@click.option("--causation", help="The root cause it describes.")
@click.option("--tag", "tags", multiple=True, help="A search tag (repeatable).")
@click.option("--publish", is_flag=True, help="Publish at once instead of as a candidate.")
@pass_state
def add_cmd(state: State, title: str, body: Optional[str], body_file: Optional[str],
            **kw: object) -> None:
    """Write a new article (a candidate unless --publish) in its own commit (K1).

    \b
    Examples:
      itsmctl kb add --title "VPN 无法连接" --category office --subtype network \\
          --symptom unavailable --tag VPN --body-file vpn.md
      echo "Restart the spooler." | itsmctl kb add --title "Printer stuck" --body -
    """
    from pathlib import Path

    from itsmctl.app.knowledge import add

    if body_file:
        body = Path(body_file).read_text(encoding="utf-8")
    elif body == "-":
        from itsmctl.ui.tickets import claim_stdin

        claim_stdin(click.get_current_context(), "--body")
        body = sys.stdin.read()
    a = add(state.session, title, body or "", **kw)       # type: ignore[arg-type]
    emit(state, a.id, _doc(a))


@kb_group.command("publish")
@click.argument("article")
@pass_state
def publish_cmd(state: State, article: str) -> None:
    """Promote a reviewed candidate to published, in one commit (K3).

    \b
    Examples:
      itsmctl --actor mike kb publish KB-2611-7KQ3X
      itsmctl kb search --ticket INC-2611-7KQ3X && itsmctl --actor mike kb publish KB-0009
    """
    from itsmctl.app.knowledge import publish

    a = publish(state.session, article)
    emit(state, f"{a.id}: published", _doc(a))


COMMANDS = {"kb": kb_group}
