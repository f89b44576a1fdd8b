"""The knowledge base in kb/ (K1-K3): read, search, add, publish, and the candidate
article `close --kb` writes in the close commit."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from itsmctl.app.session import Session
from itsmctl.app.write import Tx, recorded, write
from itsmctl.errors import InvalidFile, ItsmError, NotFound, RuleViolation, UsageError

if TYPE_CHECKING:
    from itsmctl.core.article import Article
    from itsmctl.core.events import Ctx
    from itsmctl.core.kb import Hit, Record
    from itsmctl.core.model import Ticket

KB_DIR = "kb"


def labels(session: Session) -> dict[str, str]:
    """Symptom and causation keys -> their labels (计费出错…), for matching either."""
    out: dict[str, str] = {}
    for cat in session.policy.categories.categories.values():
        for sub in cat.subtypes.values():
            out.update(sub.symptoms)
            out.update(sub.causations)
    return out


def parse(text: str, where: str) -> "Article":
    """One article file -> Article (pydantic validates it); errors name the file (and line
    where known)."""
    from pydantic import ValidationError

    from itsmctl.core.article import Article
    from itsmctl.core.kb import split_front_matter
    from itsmctl.infra.yaml import load_config, plain

    try:
        front, body = split_front_matter(text)
    except ValueError as exc:
        raise InvalidFile(f"{where}: {exc}", rule="K1") from None
    doc = load_config(front, where)
    if not isinstance(doc, dict):
        raise InvalidFile(f"{where}: front matter must be a mapping", rule="K1")
    try:
        return Article.model_validate({**plain(doc), "body": body, "path": where})
    except ValidationError as exc:
        err = exc.errors()[0]
        at = ".".join(str(x) for x in err["loc"]) or "(top)"
        raise InvalidFile(f"{where}: {at}: {err['msg']}", rule="K1") from None


def articles(session: Session, strict: bool = True) -> list["Record"]:
    """Every article under kb/, validated, as plain records; with strict=False a broken
    one is skipped, not fatal.

    Each article parsed is kept by its file's stat (infra/filecache.py): `open` ranks
    the knowledge base for every new ticket, and parsing it again cost ~25 ms of CPU
    per article (issue 13). The cache holds `Record`s, not pydantic `Article`s, so
    reading it (each `open`) imports no pydantic."""
    return [record for record, _ in _articles(session, strict, None)]


def _articles(session: Session, strict: bool, names: Optional[dict[str, str]]
              ) -> list[tuple["Record", Any]]:
    """(record, its search terms) of every article; terms only when `names` (labels)
    are given. The terms are kept with the record, beside the labels they were made
    with: tokenising the knowledge base again was ~2 ms of every `open` (issue 13)."""
    from itsmctl.core.kb import labels_used, terms
    from itsmctl.infra.filecache import StatCache

    here = Path(__file__).resolve().parent.parent
    cache = StatCache(session.root, "kb", (Path(__file__).resolve(), here / "core" / "kb.py",
                                           here / "core" / "article.py",
                                           here / "core" / "tokens.py",
                                           here / "infra" / "yaml.py"))
    out = []
    paths = sorted((session.root / KB_DIR).glob("*.md"))
    for path in paths:
        where = path.relative_to(session.root).as_posix()
        known = cache.get(path)
        if known is None:
            stat = cache.stat(path)
            try:
                record = parse(path.read_text(encoding="utf-8"), where).record()
            except (ItsmError, UnicodeDecodeError) as exc:
                if strict:
                    raise InvalidFile(getattr(exc, "message", f"{where}: {exc}"),
                                      rule="K1") from None
                continue
            known = (record, None)
            cache.put(path, known, stat)
        record, counted = known
        if names is not None:
            used = labels_used(record, names)
            if counted is None or counted[0] != used:
                counted = (used, terms(record, names))
                cache.replace(path, (record, counted))
        out.append((record, counted[1] if counted is not None and names is not None
                    else None))
    cache.keep_only(p.name for p in paths)
    cache.save()
    return out


def _pool(session: Session, names: dict[str, str], published_only: bool
          ) -> tuple[list["Record"], list[Any]]:
    """The articles to rank and their terms, in the same order."""
    chosen = [(r, c) for r, c in _articles(session, False, names)
              if r.status == "published" or not published_only]
    return [r for r, _ in chosen], [c for _, c in chosen]


def find(session: Session, ref: str) -> "Record":
    """An article by id (or unique id prefix, any case) or by file name."""
    wanted = ref.strip()
    found = articles(session)
    exact = [a for a in found if a.id.upper() == wanted.upper() or Path(a.path).stem == wanted]
    if exact:
        return exact[0]
    prefix = [a for a in found if a.id.upper().startswith(wanted.upper())]
    if len(prefix) == 1:
        return prefix[0]
    if prefix:
        raise UsageError(f"{ref!r} is ambiguous: {', '.join(a.id for a in prefix[:5])}",
                         rule="K1")
    raise NotFound(f"no knowledge article {ref!r} in {KB_DIR}/", rule="K1")


def search(session: Session, query: Optional[str] = None, ticket: Optional[str] = None,
           published_only: bool = False, limit: int = 5) -> list["Hit"]:
    """K2: rank articles for free text, or for a ticket (words and classification)."""
    from itsmctl.core.kb import rank, ticket_query

    names = labels(session)
    where: dict[str, Optional[str]] = {}
    text = query or ""
    if ticket:
        from itsmctl.app.queue import load

        ticket_text, where = ticket_query(load(session, ticket), names)
        text = f"{text}\n{ticket_text}"
    if not text.strip():
        raise UsageError("give a query or --ticket ID", rule="K2")
    pool, counted = _pool(session, names, published_only)
    return rank(pool, text, names, where, limit=limit, counted=counted)


def suggest(session: Session, ticket: "Ticket", limit: int = 3) -> None:
    """K2 (2.5 initial support): the best published matches for a new ticket, on stderr."""
    from itsmctl.core.kb import rank, ticket_query

    names = labels(session)
    text, where = ticket_query(ticket, names)
    pool, counted = _pool(session, names, True)
    for hit in rank(pool, text, names, where, limit=limit, counted=counted):
        session.say(f"knowledge: {hit.article.id} {hit.article.title} (itsmctl kb show "
                f"{hit.article.id})")


def _file_name(article_id: str, title: str) -> str:
    from itsmctl.core.kb import slug

    name = "-".join(x for x in (article_id.lower(), slug(title)) if x)
    return f"{KB_DIR}/{name}.md"


def render(front: dict[str, Any], body: str) -> bytes:
    from itsmctl.infra.yaml import dump_config

    clean = {k: v for k, v in front.items() if v not in (None, "")}
    return ("---\n" + dump_config(clean) + "---\n\n" + body.lstrip("\n")).encode("utf-8")


def _commit(session: Session, rel: str, data: bytes, action: str, article: "Record") -> None:
    """One commit of one article file (G1: refused over uncommitted edits to it)."""

    def decide(tx: Tx) -> None:
        tx.read(rel)                    # refuses a file with uncommitted edits
        tx.write(rel, data)
        tx.message = (f"{article.id}: {action} by {session.actor}\n\n{article.title}\n\n"
                      f"Itsmctl-Article: {article.id}\nItsmctl-Action: {action}\n"
                      f"Itsmctl-Actor: {session.actor}\n")

    write(session, decide)


@recorded(symptoms=tuple, tags=tuple)
def add(session: Session, title: str, body: str, category: Optional[str] = None,
        subtype: Optional[str] = None, symptoms: tuple[str, ...] = (),
        causation: Optional[str] = None, tags: tuple[str, ...] = (),
        publish: bool = False) -> "Record":
    """K1: a new article file in its own commit (candidate unless --publish)."""
    from itsmctl.core.permissions import require
    from itsmctl.infra.store import new_id

    require(session.policy, session.actor, "kb-publish" if publish else "kb-add")
    _check_classification(session, category, subtype, symptoms, causation)
    if not title.strip() or not body.strip():
        raise RuleViolation("an article needs --title and a body with the solution", rule="K1")
    existing = {a.id for a in articles(session, strict=False)}
    article_id = next(i for i in (new_id("KB", session.now) for _ in range(50))
                      if i not in existing)
    front = {"id": article_id, "title": title.strip(), "category": category,
             "subtype": subtype, "symptoms": list(symptoms), "causation": causation,
             "tags": list(tags), "status": "published" if publish else "candidate",
             "created": session.now.isoformat(), "created_by": session.actor}
    rel = _file_name(article_id, title)
    data = render(front, body.strip() + "\n")
    article = parse(data.decode(), rel).record()
    _commit(session, rel, data, "kb-add", article)
    return article


def _check_classification(session: Session, category: Optional[str], subtype: Optional[str],
                          symptoms: tuple[str, ...], causation: Optional[str]) -> None:
    from itsmctl.core.classification import validate_classification
    from itsmctl.core.model import Classification

    for symptom in symptoms or (None,):
        validate_classification(session.policy, Classification(
            category=category, subtype=subtype, symptom=symptom, causation=causation), "K1")


@recorded()
def publish(session: Session, ref: str) -> "Record":
    """K3: a reviewed candidate becomes published; the file keeps its comments and order."""
    from itsmctl.core.kb import split_front_matter
    from itsmctl.core.permissions import require
    from itsmctl.infra.yaml import dump_config, load_config

    require(session.policy, session.actor, "kb-publish")
    article = find(session, ref)
    if article.status == "published":
        raise RuleViolation(f"{article.id} is already published", rule="K3")
    text = (session.root / article.path).read_text(encoding="utf-8")
    front, body = split_front_matter(text)
    doc = load_config(front, article.path)
    doc["status"] = "published"
    data = ("---\n" + dump_config(doc) + "---\n" + body).encode("utf-8")
    _commit(session, article.path, data, "kb-publish", article)
    return parse(data.decode(), article.path).record()


def close_with_candidate(ticket: "Ticket", ctx: "Ctx", tx: Tx, names: dict[str, str],
                         code: str, satisfaction: Optional[int] = None) -> "Ticket":
    """K3 (IM5.4): close, and write a candidate article from the causation and solution
    in the same commit."""
    from itsmctl.core import workflow
    from itsmctl.core.kb import candidate_from

    front, body = candidate_from(ticket, names, ctx.now, ctx.actor)
    rel = _file_name(front["id"], ticket.title)
    if (tx.session.root / rel).exists():
        raise RuleViolation(f"{rel} exists already", rule="K3")
    closed = workflow.close(ticket, ctx, code, satisfaction,
                            note=f"knowledge candidate {front['id']} written to {rel} (K3)")
    tx.write(rel, render(front, body))
    return closed
