"""Pure tests of core/kb.py: tokens, front matter, ranking in Chinese and English (K1, K2)."""

from pathlib import Path

import pytest

from itsmctl.core.article import Article
from itsmctl.core.kb import rank, split_front_matter, tokens

KB = Path(__file__).resolve().parents[2] / "itsmctl" / "profiles" / "kb"
# query -> the article a desk engineer would want first
QUERIES = {
    "打印机 脱机": "KB-0006", "打印任务卡在队列": "KB-0006",
    "vpn connected but cannot reach crm": "KB-0007", "无法访问内网": "KB-0007",
    "登录不了": "KB-0004", "证书过期 无法登录": "KB-0004",
    "磁盘满了": "KB-0003", "disk full": "KB-0003", "日志把磁盘写满": "KB-0003",
    "月底计费很慢": "KB-0002", "出账期间锁等待": "KB-0002",
    "outlook 一直要密码": "KB-0008",
    "客户查询很慢": "KB-0005", "查询手机号慢": "KB-0005",
    "invoice amount wrong": "KB-0001", "账单多收钱": "KB-0001",
}


def shipped() -> list[Article]:
    from itsmctl.infra.yaml import load_config, plain

    out = []
    for path in sorted(KB.glob("*.md")):
        front, body = split_front_matter(path.read_text(encoding="utf-8"))
        out.append(Article.model_validate({**plain(load_config(front, path.name)),
                                           "body": body}))
    return out


def test_K1_shipped_articles_are_valid_and_published():
    arts = shipped()
    assert 5 <= len(arts) <= 10
    assert len({a.id for a in arts}) == len(arts)
    assert {a.category for a in arts} == {"billing", "crm", "office"}
    assert all(a.status == "published" and a.symptoms and "## " in a.body for a in arts)


def test_K1_front_matter_must_be_fenced():
    assert split_front_matter("---\nid: KB-1\n---\nbody\n") == ("id: KB-1\n", "body\n")
    with pytest.raises(ValueError):
        split_front_matter("id: KB-1\n")
    with pytest.raises(ValueError):
        split_front_matter("---\nid: KB-1\n")


def test_K2_tokens_mix_chinese_bigrams_and_english_words():
    assert tokens("磁盘满") == ["磁", "盘", "满", "磁盘", "盘满"]
    assert tokens("The printers are Offline!") == ["printer", "offline"]
    assert tokens("VPN已连接") == ["vpn", "已", "连", "接", "已连", "连接"]


@pytest.mark.parametrize("query, want", sorted(QUERIES.items()))
def test_K2_ranking_puts_the_right_article_first(query, want):
    hits = rank(shipped(), query, {})
    assert hits and hits[0].article.id == want


def test_K2_classification_of_a_ticket_lifts_matching_articles():
    arts = shipped()
    plain = rank(arts, "很慢", {})
    classified = rank(arts, "很慢", {}, {"category": "crm", "subtype": "database",
                                        "symptom": "slow"})
    assert classified[0].article.id == "KB-0005"
    assert plain[0].score < classified[0].score
    assert rank(arts, "zzzz qqqq", {}) == []


def test_K2_records_rank_as_their_articles_do():
    arts = shipped()
    records = [a.record() for a in arts]
    assert [r.id for r in records] == [a.id for a in arts]
    assert records[0].front == arts[0].model_dump(mode="json")
    assert records[0].symptoms == tuple(arts[0].symptoms) and records[0].body == arts[0].body
    for query in QUERIES:
        by_article = [(h.article.id, h.score) for h in rank(arts, query, {})]
        by_record = [(h.article.id, h.score) for h in rank(records, query, {})]
        assert by_record == by_article
    where = {"category": "billing", "subtype": "application", "symptom": "billing-error"}
    assert ([(h.article.id, h.score) for h in rank(records, "slow", {}, where)]
            == [(h.article.id, h.score) for h in rank(arts, "slow", {}, where)])


def test_K2_ranking_imports_no_pydantic():
    import subprocess
    import sys

    code = ("import sys, itsmctl.core.kb, itsmctl.core.tokens; "
            "print('pydantic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert out.strip() == "False"
