"""K1/K2 (issue 13): articles are parsed once per file version, kept by their stat."""

import os

from itsmctl.app import knowledge
from tests.app.helpers import session


def counting(monkeypatch):
    seen = []
    real = knowledge.parse

    def parse(text, where):
        seen.append(where)
        return real(text, where)

    monkeypatch.setattr(knowledge, "parse", parse)
    return seen


def test_K1_articles_parsed_once_then_again_when_a_file_changes_or_goes(desk, monkeypatch):
    first = knowledge.articles(session(desk))
    assert first and (desk / ".git" / "itsmctl" / "kb.pickle").is_file()
    seen = counting(monkeypatch)
    again = knowledge.articles(session(desk))
    assert seen == [] and again == first
    path = sorted((desk / "kb").glob("*.md"))[0]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title: ", "title: Edited ", 1), encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    changed = knowledge.articles(session(desk))
    assert seen == [f"kb/{path.name}"]
    assert any(a.title.startswith("Edited ") for a in changed)
    path.unlink()
    assert len(knowledge.articles(session(desk))) == len(first) - 1


def test_K1_a_broken_article_is_never_cached(desk, monkeypatch):
    bad = desk / "kb" / "kb-9999-broken.md"
    bad.write_text("---\nid: [\n---\n\nbody\n", encoding="utf-8")
    good = knowledge.articles(session(desk), strict=False)
    seen = counting(monkeypatch)
    assert len(knowledge.articles(session(desk), strict=False)) == len(good)
    assert seen == ["kb/kb-9999-broken.md"]


def test_K1_the_cache_holds_plain_records_that_unpickle_without_pydantic(desk):
    import pickle
    import subprocess
    import sys

    from itsmctl.core.kb import Record

    knowledge.articles(session(desk))
    stored = desk / ".git" / "itsmctl" / "kb.pickle"
    _, entries = pickle.loads(stored.read_bytes())
    assert entries and all(isinstance(v[0], Record) for _, v in entries.values())
    code = (f"import pickle, sys; pickle.loads(open({str(stored)!r}, 'rb').read()); "
            "print('pydantic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert out.strip() == "False"


def test_K2_terms_are_kept_and_made_again_when_a_label_changes(desk, monkeypatch):
    """An article's search terms are kept with its record (issue 13): a second search
    tokenises no article; a changed symptom label makes that article's terms again,
    and the ranking is the one fresh terms give."""
    from itsmctl.core import kb

    first = knowledge.search(session(desk), "计费出错 invoice")
    made = []
    real = kb.terms

    def terms(article, labels):
        made.append(article.id)
        return real(article, labels)

    monkeypatch.setattr(kb, "terms", terms)
    again = knowledge.search(session(desk), "计费出错 invoice")
    assert made == [] and [(h.article.id, h.score) for h in again] == \
        [(h.article.id, h.score) for h in first]
    labelled = [a for a in knowledge.articles(session(desk)) if a.symptoms]
    assert labelled
    symptom = labelled[0].symptoms[0]
    cats = desk / "config" / "categories.yaml"
    text = cats.read_text(encoding="utf-8")
    lines = [x.split(":")[0] + ": 全新标签 relabelled"
             if x.strip().startswith(f"{symptom}:") else x for x in text.splitlines()]
    assert lines != text.splitlines()       # (a symptom may be listed in two subtypes)
    cats.write_text("\n".join(lines) + "\n", encoding="utf-8")
    hits = knowledge.search(session(desk), "全新标签 relabelled")
    assert labelled[0].id in made
    assert hits and hits[0].article.id in {a.id for a in labelled
                                           if symptom in a.symptoms}
    monkeypatch.setattr(kb, "terms", real)
    fresh = kb.rank([a for a in knowledge.articles(session(desk))], "全新标签 relabelled",
                    knowledge.labels(session(desk)))
    assert [(h.article.id, h.score) for h in hits] == \
        [(h.article.id, h.score) for h in fresh][:len(hits)]
