"""SPEC 8 K1-K3: the knowledge base through the CLI against a real desk."""

from tests.helpers import BILLING, USER, commit_count, git, in_progress, itsm, ok, resolved, show


def test_K1_new_desk_ships_articles_and_kb_show_reads_them(desk):
    files = sorted(p.name for p in (desk / "kb").glob("*.md"))
    assert "billing-rate-table-error.md" in files and len(files) >= 5
    assert "kb/billing-rate-table-error.md" in git(desk, "ls-files", "kb")
    r = ok(itsm(desk, "kb", "show", "KB-0001"))
    assert "资费表" in r.out and "published" in r.out and "## 解决 Solution" in r.out
    doc = ok(itsm(desk, "--json", "kb", "show", "kb-0001")).json
    assert doc["category"] == "billing" and doc["symptoms"] == ["billing-error"]
    assert itsm(desk, "kb", "show", "KB-9999").code == 3


def test_K1_kb_add_writes_front_matter_and_one_commit(desk):
    n = commit_count(desk)
    r = ok(itsm(desk, "kb", "add", "--title", "Billing export stuck / 计费导出卡住",
                "--category", "billing", "--subtype", "application", "--symptom", "slow",
                "--causation", "capacity", "--tag", "export", "--body",
                "Restart the export worker: `systemctl restart billing-export`.",
                actor="carol"))
    kid = r.out.strip()
    assert kid.startswith("KB-2611-") and commit_count(desk) == n + 1
    (path,) = [p for p in (desk / "kb").glob("*.md") if p.name.startswith(kid.lower())]
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\nid: " + kid) and "status: candidate" in text
    assert "symptoms:\n  - slow" in text and "systemctl restart billing-export" in text
    assert git(desk, "show", "--name-only", "--format=", "HEAD").split() == [
        f"kb/{path.name}"]
    assert "Itsmctl-Article: " + kid in git(desk, "log", "-1", "--format=%B")
    assert git(desk, "log", "-1", "--format=%an").strip() == "Carol 陈静"


def test_K1_kb_add_checks_classification_and_permission(desk):
    n = commit_count(desk)
    r = itsm(desk, "kb", "add", "--title", "t", "--body", "b", "--category", "nope",
             "--subtype", "x")
    assert r.code == 3
    assert itsm(desk, "kb", "add", "--title", "t", "--body", "b", actor="monitor").code == 6
    assert itsm(desk, "kb", "add", "--title", "t", "--body", " ").code == 1
    assert commit_count(desk) == n


def test_K1_broken_article_is_named_but_does_not_break_open(desk):
    (desk / "kb" / "broken.md").write_text("no front matter here\n")
    r = itsm(desk, "kb", "show", "KB-0001")
    assert r.code == 4 and "kb/broken.md" in r.err and "[K1]" in r.err
    r = ok(itsm(desk, "open", "--title", "打印机脱机", *USER))
    assert "KB-0006" in r.err


def test_K2_kb_search_free_text_chinese_and_english(desk):
    r = ok(itsm(desk, "--json", "kb", "search", "打印机", "脱机"))
    assert r.json[0]["id"] == "KB-0006" and r.json[0]["score"] > 0
    r = ok(itsm(desk, "--json", "kb", "search", "outlook keeps asking for password"))
    assert r.json[0]["id"] == "KB-0008"
    out = ok(itsm(desk, "kb", "search", "磁盘满了")).out
    assert out.splitlines()[2].startswith("KB-0003")
    assert ok(itsm(desk, "kb", "search", "zzzz")).out.strip() == "(none)"
    assert itsm(desk, "kb", "search").code == 2


def test_K2_kb_search_for_a_ticket(desk):
    tid = ok(itsm(desk, "open", "--title", "客户查询很慢", *USER, "--category", "crm",
                  "--subtype", "database", "--symptom", "slow")).out.strip()
    r = ok(itsm(desk, "--json", "kb", "search", "--ticket", tid))
    assert r.json[0]["id"] == "KB-0005"


def test_K2_open_shows_best_matches_on_stderr_and_only_the_id_on_stdout(desk):
    r = ok(itsm(desk, "open", "--title", "账单金额不对，多收了钱", *USER, *BILLING))
    assert r.out.count("\n") == 1 and r.out.strip().startswith("INC-")
    lines = [x for x in r.err.splitlines() if x.startswith("knowledge:")]
    assert lines and lines[0].startswith("knowledge: KB-0001 ")
    r = ok(itsm(desk, "--json", "open", "--title", "打印机脱机", *USER))
    assert r.json["id"].startswith("INC-") and "KB-0006" in r.err


def test_K3_close_kb_writes_candidate_in_the_same_commit(desk):
    tid = resolved(desk)
    n = commit_count(desk)
    ok(itsm(desk, "close", tid, "--code", "solved", "--kb"))
    assert commit_count(desk) == n + 1
    kid = "KB-" + tid.split("-", 1)[1]
    rel = f"kb/{kid.lower()}.md"
    changed = sorted(git(desk, "show", "--name-only", "--format=", "HEAD").split())
    assert changed == sorted([rel, f"tickets/2026/11/{tid}.yaml"])
    text = (desk / rel).read_text(encoding="utf-8")
    assert "status: candidate" in text and f"source_ticket: {tid}" in text
    assert "data-error (数据错误)" in text and "fixed the rate table" in text
    t = show(desk, tid)
    assert t["status"] == "closed" and kid in t["history"][-1]["note"]
    assert git(desk, "status", "--porcelain").strip() == ""
    doc = ok(itsm(desk, "--json", "kb", "show", kid)).json
    assert doc["status"] == "candidate" and doc["causation"] == "data-error"
    hits = ok(itsm(desk, "--json", "kb", "search", "rate table")).json
    assert kid in [h["id"] for h in hits]
    assert kid not in [h["id"] for h in ok(itsm(desk, "--json", "kb", "search", "rate table",
                                                  "--published")).json]


def test_K3_close_kb_refused_changes_nothing(desk):
    tid = resolved(desk)
    n = commit_count(desk)
    r = itsm(desk, "close", tid, "--code", "workaround", "--kb")
    assert r.code == 1 and "[L10]" in r.err
    assert commit_count(desk) == n and not list((desk / "kb").glob("kb-*.md"))
    assert git(desk, "status", "--porcelain").strip() == ""


def test_K3_kb_publish_promotes_a_candidate_in_one_commit(desk):
    tid = resolved(desk)
    ok(itsm(desk, "close", tid, "--code", "solved", "--kb"))
    kid = "KB-" + tid.split("-", 1)[1]
    path = desk / "kb" / f"{kid.lower()}.md"
    before = path.read_text(encoding="utf-8")
    assert itsm(desk, "kb", "publish", kid, actor="carol").code == 6
    n = commit_count(desk)
    r = ok(itsm(desk, "kb", "publish", kid.lower(), actor="mike"))
    assert r.out.strip() == f"{kid}: published" and commit_count(desk) == n + 1
    after = path.read_text(encoding="utf-8")
    assert after == before.replace("status: candidate", "status: published")
    assert git(desk, "show", "--name-only", "--format=", "HEAD").split() == [
        f"kb/{path.name}"]
    r = itsm(desk, "kb", "publish", kid, actor="mike")
    assert r.code == 1 and "[K3]" in r.err and commit_count(desk) == n + 1
    r = ok(itsm(desk, "open", "--title", "计费出错", *USER, *BILLING))
    assert kid in r.err                                   # published: offered at intake


def test_K3_close_kb_without_causation_at_first_line(desk):
    tid = ok(itsm(desk, "open", "--title", "Outlook 一直要密码", *USER)).out.strip()
    ok(itsm(desk, "resolve", tid, "--solution", "cleared the credential manager"))
    ok(itsm(desk, "close", tid, "--code", "solved", "--kb"))
    (path,) = (desk / "kb").glob(f"kb-{tid.split('-', 1)[1].lower()}*.md")
    text = path.read_text(encoding="utf-8")
    assert "not recorded" in text and "credential manager" in text


def test_K3_in_progress_ticket_cannot_close(desk):
    tid = in_progress(desk)
    assert itsm(desk, "close", tid, "--code", "solved", "--kb").code == 1
