"""Knowledge articles (K1-K3): their plain record, front matter, and BM25 ranking that
reads Chinese and English alike (the pydantic model that validates them: core/article.py).

Tokens: Latin words (lower-cased, lightly stemmed) and, for Chinese, every character
plus every pair of neighbouring characters. Bigrams carry most of the meaning of
two-character words (磁盘, 登录, 账单) with no dictionary; unigrams keep recall for
single-character words. Measured against jieba 0.42 (cut_for_search) on the shipped
articles with 16 Chinese and English queries (tests/core/test_kb.py): bigrams put the
right article first 16/16 times, jieba 15/16, and jieba costs a 20 MB dictionary and a
~0.5 s load in every process that searches (each `open`).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable, Optional, Union

from itsmctl.core.tokens import tokens  # K2's words, shared with search (W1)

ID_RE = r"^KB-[0-9A-Z][0-9A-Z-]*$"
FRONT = "---\n"


@dataclass(frozen=True)
class Record:
    """A validated article (core/article.py `Article.record()`) as plain data: what the
    article cache keeps and rank/suggest/`kb show` read, so they never import pydantic.
    `front` is the front matter as `Article.model_dump(mode="json")` gave it."""

    id: str
    title: str
    category: Optional[str] = None
    subtype: Optional[str] = None
    symptoms: tuple[str, ...] = ()
    causation: Optional[str] = None
    tags: tuple[str, ...] = ()
    status: str = "candidate"
    source_ticket: Optional[str] = None
    body: str = ""
    path: str = ""
    front: dict[str, Any] = field(default_factory=dict)


if TYPE_CHECKING:
    from itsmctl.core.article import Article

    Doc = Union[Record, Article]        # rank and Hit take either


def split_front_matter(text: str) -> tuple[str, str]:
    """('front matter YAML', 'body') of a `---`-fenced markdown file."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    if not text.startswith(FRONT):
        raise ValueError("no front matter: the file must start with a '---' line")
    end = text.find("\n---\n", len(FRONT) - 1)
    if end < 0:
        if text.rstrip().endswith("\n---"):
            end = len(text.rstrip()) - 4
        else:
            raise ValueError("front matter is not closed by a '---' line")
    return text[len(FRONT):end + 1], text[end + 5:]


def slug(text: str, limit: int = 48) -> str:
    """ascii-words-of-the-title, for file names."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(words)[:limit].strip("-")


def article_text(article: "Doc", labels: dict[str, str]) -> str:
    """What an article is found by: title twice (it says the most), symptoms with their
    configured labels, causation, tags and body."""
    words = [article.title, article.title, *article.tags, article.body]
    for key in [*article.symptoms, article.causation or ""]:
        words += [key, labels.get(key, "")]
    return "\n".join(words)


@dataclass
class Hit:
    """A knowledge article and how well it matches the query."""

    article: "Doc"
    score: float


def terms(article: "Doc", labels: dict[str, str]) -> Counter[str]:
    """The search terms of an article's text (article_text) and how often each occurs."""
    return Counter(tokens(article_text(article, labels)))


def labels_used(article: "Doc", labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """The labels an article's terms were made with (its symptoms' and causation's):
    its terms stay valid while these do."""
    return tuple((key, labels.get(key, "")) for key in [*article.symptoms,
                                                        article.causation or ""])


def rank(articles: Iterable["Doc"], query: str, labels: dict[str, str],
         where: Optional[dict[str, Optional[str]]] = None, limit: int = 5,
         k1: float = 1.2, b: float = 0.75, cutoff: float = 0.25,
         counted: Optional[Iterable[Counter[str]]] = None) -> list[Hit]:
    """BM25 over article_text; `where` (category/subtype/symptom of a ticket) adds a bonus
    for articles classified the same way. Articles matching nothing, or scoring under
    `cutoff` times the best hit (stray shared words), are left out. `counted`, when
    given, is each article's `terms` in the same order (kept between processes)."""
    pool = list(articles)
    docs = list(zip(pool, counted)) if counted is not None else \
        [(a, terms(a, labels)) for a in pool]
    if not docs:
        return []
    q = Counter(tokens(query))
    n = len(docs)
    avg = sum(sum(c.values()) for _, c in docs) / n or 1.0
    df = Counter(t for _, c in docs for t in c)
    hits = []
    for article, counts in docs:
        length = sum(counts.values())
        score = 0.0
        for term, qn in q.items():
            tf = counts.get(term, 0)
            if not tf:
                continue
            idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
            score += qn ** 0.5 * idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avg))
        score += _bonus(article, where or {}) * (1 + score / 10)
        if score > 0:
            hits.append(Hit(article, round(score, 3)))
    hits.sort(key=lambda h: (-h.score, h.article.status != "published", h.article.id))
    best = hits[0].score if hits else 0.0
    return [h for h in hits if h.score >= cutoff * best][:limit]


def _bonus(article: "Doc", where: dict[str, Optional[str]]) -> float:
    """Same category 1, and subtype 2, and a shared symptom 3 more."""
    if not where.get("category") or article.category != where.get("category"):
        return 0.0
    bonus = 1.0
    if where.get("subtype") and article.subtype == where.get("subtype"):
        bonus += 2.0
    if where.get("symptom") and where.get("symptom") in article.symptoms:
        bonus += 3.0
    return bonus


def ticket_query(ticket: Any, labels: dict[str, str]) -> tuple[str, dict[str, Optional[str]]]:
    """K2: a ticket as a search, its words and its classification."""
    cls = ticket.classification
    parts = [ticket.title, ticket.description or ""]
    for key in (cls.symptom, cls.causation):
        if key:
            parts += [key, labels.get(key, "")]
    if ticket.alert:
        parts.append(ticket.alert.message)
    where = {"category": cls.category, "subtype": cls.subtype, "symptom": cls.symptom}
    return "\n".join(parts), where


def candidate_from(ticket: Any, labels: dict[str, str], now: datetime,
                   actor: str) -> tuple[dict[str, Any], str]:
    """K3 (IM5.4): front matter and body of a candidate article from a closed ticket's
    causation and solution."""
    cls = ticket.classification
    front: dict[str, Any] = {
        "id": "KB-" + ticket.id.split("-", 1)[1], "title": ticket.title,
        "category": cls.category, "subtype": cls.subtype,
        "symptoms": [cls.symptom] if cls.symptom else [], "causation": cls.causation,
        "tags": [], "status": "candidate", "source_ticket": ticket.id,
        "created": now.isoformat(), "created_by": actor}
    cause = labels.get(cls.causation or "", "")
    sections = [
        "## Symptom\n\n" + (ticket.description or ticket.title).strip(),
        "## Cause\n\n" + (f"{cls.causation} ({cause})" if cls.causation and cause
                          else cls.causation or "not recorded"),
        "## Solution\n\n" + (ticket.solution or "").strip()
        + ("\n\nThis is a workaround, not a fix." if ticket.workaround else ""),
        f"Written from {ticket.id} when it was closed; review and publish with "
        f"`itsmctl kb publish {front['id']}`.",
    ]
    return front, "\n\n".join(sections) + "\n"
