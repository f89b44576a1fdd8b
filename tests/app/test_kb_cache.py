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
    assert entries and all(isinstance(v, Record) for _, v in entries.values())
    code = (f"import pickle, sys; pickle.loads(open({str(stored)!r}, 'rb').read()); "
            "print('pydantic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert out.strip() == "False"
