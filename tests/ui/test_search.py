"""W1: `search TEXT` ranks tickets by their words, from the index, Chinese-aware."""

from tests.helpers import git, itsm, ok, open_ticket


def _ids(desk, *args, **kw):
    return [h["id"] for h in ok(itsm(desk, "--json", "search", *args, **kw)).json]


def test_W1_search_finds_by_every_part_of_a_ticket(desk):
    billing = open_ticket(desk, "--description", "用户反馈本月账单金额异常", "--ci", "billing-db01",
                          title="计费出错")
    vpn = ok(itsm(desk, "open", "--title", "VPN down on the third floor",
                  "--reporter-name", "李四", "--reporter-phone", "139-1234-5678",
                  "--reporter-email", "li.si@example.com", "--location", "HQ-3F")).out.strip()
    alert = ok(itsm(desk, "open", "--source", "monitoring", "--title", "db01 unreachable",
                    "--alert-id", "zbx-778", "--alert-severity", "disaster",
                    "--alert-message", "ICMP ping loss 100% on db01",
                    actor="monitor")).out.strip()
    ok(itsm(desk, "note", vpn, "--text", "用户说打印机也连不上"))
    assert _ids(desk, "王五") == [billing]                       # reporter name (Chinese)
    assert _ids(desk, "13800000000") == [billing]               # phone
    assert _ids(desk, "1391234") == [vpn]                        # the start of a phone
    assert _ids(desk, "5678") == [vpn]                           # its last four digits
    assert _ids(desk, "li.si@example.com") == [vpn]              # e-mail
    assert _ids(desk, "账单") == [billing]                       # description, Chinese words
    assert _ids(desk, "billing-db01") == [billing]              # CI
    assert _ids(desk, "打印机") == [vpn]                         # a note
    assert _ids(desk, "ping loss") == [alert]                    # alert text
    assert _ids(desk, "zbx-778") == [alert]                      # alert id
    assert _ids(desk, "hq-3f") == [vpn]                          # location
    out = ok(itsm(desk, "search", "13800000000")).out
    assert billing in out and "reporter: 王五 13800000000" in out


def test_W1_search_ranks_title_over_body_and_falls_back_to_some_words(desk):
    in_body = open_ticket(desk, "--description", "the printer queue is stuck",
                          title="office issue")
    in_title = open_ticket(desk, title="printer offline")
    assert _ids(desk, "printer") == [in_title, in_body]
    # no ticket has both words: those with most of them, rather than nothing
    assert _ids(desk, "printer", "nosuchword") == [in_title, in_body]
    assert _ids(desk, "printer", "--limit", "1") == [in_title]


def test_W1_search_follows_new_commits(desk):
    a = open_ticket(desk, title="first")
    assert _ids(desk, "second") == []
    b = open_ticket(desk, title="second")
    assert _ids(desk, "second") == [b]
    ok(itsm(desk, "note", a, "--text", "second opinion"))
    assert sorted(_ids(desk, "second")) == sorted([a, b])


def test_W1_search_reads_history_of_hand_made_commits_and_deletions(desk):
    a = open_ticket(desk, title="kept")
    b = open_ticket(desk, title="kept too")
    assert sorted(_ids(desk, "kept")) == sorted([a, b])
    git(desk, "rm", "-q", next(p.relative_to(desk).as_posix()
                               for p in desk.glob(f"tickets/*/*/{b}.yaml")))
    git(desk, "commit", "-qm", "remove")
    assert _ids(desk, "kept") == [a]


def test_W1_search_usage_errors(desk):
    r = itsm(desk, "search", "的")             # only a stop word
    assert r.code == 2 and "[W1]" in r.err
    r = itsm(desk, "search", "x", "--limit", "0")
    assert r.code == 2


def test_W1_names_with_accents_or_in_other_scripts_are_found(desk):
    franz = ok(itsm(desk, "open", "--title", "Réseau lent au 3e étage",
                    "--reporter-name", "Zoë Müller", "--reporter-phone", "0612345678")).out.strip()
    olga = ok(itsm(desk, "open", "--title", "VPN", "--reporter-name", "Ольга Петрова",
                   "--reporter-phone", "0711111111")).out.strip()
    assert _ids(desk, "Müller") == _ids(desk, "muller") == _ids(desk, "zoe") == [franz]
    assert _ids(desk, "reseau") == _ids(desk, "étage") == [franz]
    assert _ids(desk, "Ольга") == [olga]
    assert [t["id"] for t in ok(itsm(desk, "--json", "list", "--reporter", "Muller")).json] \
        == [franz]
