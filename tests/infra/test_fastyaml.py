"""The fast ticket reader agrees with libyaml on everything the dumper writes."""

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from itsmctl.infra import fastyaml
from itsmctl.infra.yaml import dump_ticket

TRICKY = ["no", "yes", "On", "off", "null", "~", "1:30", "0o17", "017", "0x1F", "1_000", "1e5",
          ".5", "3.", "2026-11-25", "2026-11-25T09:00:00+08:00", "- dash", "a: b", "x #y",
          "#hash", "'quoted'", '"dq"', "trailing ", " leading", "", "计费出错 no", "[x]",
          "{y}", "a\nb", "a\n\nb\n", "end\n", "tab\there", "back\\slash", "@at", "%pct",
          "&amp", "*star", "!bang", "?q", ":colon", "a,b", "100%", "é", "\u3000全角",
          "line\r\nbreak", "-", "--", "---", "...", "=", "<<", "x:", "http://x/y?a=1#f",
          # Unicode spaces and line breaks Python's str.strip() and YAML disagree on
          "\u3000db01", "db01\u3000", "\xa0x", "x\xa0", "a\u2028b", "a\u2029b", "a\x85b",
          "x\u2028", "\u2028", "a\u2028b\nc\n", "cr\r", "\t", "tab\t",
          # leading-zero digits: an octal int with 0-7 only, text with an 8 or 9
          "0013880000000001", "0017", "09", "0", "00", "08_1", "0_9", "+09", "0.9", "0:9"]

scalars = st.one_of(st.sampled_from(TRICKY), st.text(max_size=30), st.integers(-10**6, 10**6),
                    st.booleans(), st.none())
keys = st.from_regex(r"[a-z][a-z_.]{0,10}", fullmatch=True)
docs = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)), max_leaves=25)


def agree(doc):
    text = dump_ticket(doc).decode()
    fast = fastyaml.parse(text)
    slow = yaml.load(text, Loader=yaml.CSafeLoader)
    assert slow == doc
    if fast is not None:
        assert fast == slow, text
    return fast is not None


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(st.dictionaries(keys, docs, min_size=1, max_size=6))
# failures found so far (issue 11), kept so they are tried on every run
@example({"cis": ["\u3000db01", "\xa0x", "y\u3000"]})     # flow items lost their edges
@example({"t": "a\u2028b", "u": "a\u2029b", "l": ["a\u2028b"], "b": "a\u2028b\nc\n"})
@example({"t": "x\u2028", "v": "\xa0", "w": "\u3000\n\u3000\n"})
def test_fast_reader_agrees_with_libyaml(doc):
    agree(doc)


def test_fast_reader_declines_hand_edited_line_endings():
    text = "id: INC-2611-AAAAA\r\ntitle: x  \r\n"
    assert fastyaml.parse(text) is None or fastyaml.parse(text) == yaml.load(
        text, Loader=yaml.CSafeLoader)
    text = "title: plain with trailing spaces   \n"
    assert fastyaml.parse(text) in (None, yaml.load(text, Loader=yaml.CSafeLoader))
    for bad in ("title: [unclosed\n", "title: ]x\n", "title: ,x\n", "title: }x\n",
                "title: #x\n", "title: -\n", "title: ?\n"):
        assert fastyaml.parse(bad) is None, bad         # libyaml decides (or refuses)


def test_unicode_spaces_and_line_separators_survive_every_write(desk):
    """`open --ci $'\\u3000db01'` read back `db01`; U+2028 gained two spaces per write."""
    from tests.helpers import itsm, ok, open_ticket, show

    text = "before\u2028after\u2029end"
    tid = open_ticket(desk, "--ci", "\u3000db01", "--ci", "db02\xa0", "--description", text)
    ok(itsm(desk, "note", tid, "--text", "one"))
    ok(itsm(desk, "note", tid, "--text", "two"))
    t = show(desk, tid)
    assert t["links"]["cis"] == ["\u3000db01", "db02\xa0"]
    assert t["description"] == text
    ok(itsm(desk, "audit"))
    ok(itsm(desk, "validate"))


def test_fast_reader_handles_real_tickets(desk):
    from tests.helpers import in_progress, itsm, ok

    tid = in_progress(desk, "--description", "第一行\n第二行: no\n")
    ok(itsm(desk, "note", tid, "--text", "yes: it's 1:30 'quoted' #x", actor="carol"))
    text = next((desk / "tickets").glob("*/*/*.yaml")).read_text()
    assert agree(yaml.load(text, Loader=yaml.CSafeLoader))
    assert fastyaml.parse(text) == yaml.load(text, Loader=yaml.CSafeLoader)
    head = fastyaml.head(text)
    assert head["id"] == tid and "history" not in head


def test_fast_reader_reads_lists_of_lists_of_mappings():
    """A history event's `changes.tasks: [old, new]` holds lists of mappings ("- - id:"):
    read fast, not handed to libyaml (a third of a realistic desk's files, issue 13)."""
    task = {"id": "T1", "title": "协调网络组排查专线", "status": "open", "result": None}
    doc = {"history": [{"action": "task-add", "changes": {"tasks": [[], [dict(task)]]}},
                       {"action": "task-done",
                        "changes": {"tasks": [[dict(task)], [{**task, "status": "done"}]]}}],
           "nested": [[[1, 2], ["a"]], [], "x"]}
    assert agree(doc)


# lines whose head (what comes before the first ": ") is, or only looks like, a key
HEADS = ["key:: x", "key:x", "key", "key:", "key: ", "key:  two spaces", "a: b: c",
         "a.b-c_d: 1", "_x: y", "9key: v", "-key: v", "- key: v", "key :v", "ke y: v",
         "键: 值", "key:\t", "key: 'a: b'", "key: '它''s'", "key: ''", "key: null",
         "key: ~", "key: [a, b]", "key: []", "key: {}", "key: |-\n  一\n  二",
         "key: |\n  line: not a key\n\n  more\n", "key:\n  inner: 1\n  deeper:\n    x: null",
         "key:\n- a: 1\n  b: '2'\n- plain", "key:\n  - x\n  - y", "  key: indented"]


@pytest.mark.parametrize("line", HEADS)
def test_line_heads_read_as_libyaml_reads_them(line):
    """infra/fastyaml cuts each line at its first ': ' and matches its head once per
    distinct head (issue 13): whatever it reads equals libyaml's reading, first and
    again from the table of heads, before and after a line of it follows another."""
    for text in (f"{line}\n", f"id: INC-2611-AAAAA\n{line}\nafter: 1\n",
                 f"outer:\n  {line.replace(chr(10), chr(10) + '  ')}\nafter: 1\n"):
        try:
            slow = yaml.load(text, Loader=yaml.CSafeLoader)
        except yaml.YAMLError:
            slow = None
        for _ in range(2):
            fast = fastyaml.parse(text)
            assert fast is None or fast == slow, text


def test_a_ticket_state_is_read_fast_and_whole():
    """The shape the dumper writes: Chinese text, quoted times, nulls, nested maps, a
    multi-line description, flow lists and a list of mappings, read without libyaml."""
    doc = {"id": "INC-2507-SZCC2", "title": "MySQL 主从延迟: 95 秒 'x'", "status": "closed",
           "group": None, "major": False, "impact": 3, "opened_at": "2025-07-21T05:03:14+08:00",
           "description": "第一行: no\n  缩进的行\n\n最后一行\n", "solution": "a: b # c",
           "alert": {"labels": {"alertname": "X", "severity": "error"}, "mode": "auto"},
           "counters": {"returns": 0, "reopens": 1}, "slaves": [], "related": ["INC-1", "INC-2"],
           "links": {"problem": None, "cis": ["db01", "\u3000db02"]},
           "escalations": [{"trigger": "breach", "level": 1, "actions": ["notify"]}],
           "sla": {"respond": {"start": "2025-07-21T05:03:14+08:00", "stop": None}},
           "outcomes": {}}
    assert agree(doc)


def test_the_table_of_heads_stays_bounded_and_right(monkeypatch):
    monkeypatch.setattr(fastyaml, "_HEADS", {})
    monkeypatch.setattr(fastyaml, "_HEADS_MAX", 8)
    for i in range(40):
        text = f"k{i}: {i}\nnested:\n  inner{i}: 'v'\n  x: null\n"
        assert fastyaml.parse(text) == {f"k{i}": i, "nested": {f"inner{i}": "v", "x": None}}
        assert len(fastyaml._HEADS) <= 8


@pytest.mark.parametrize("value", ["0013880000000001", "09", "0000000000000098", "0898"])
def test_H1_a_fingerprint_of_digits_is_read_fast(value):
    """An all-digit Alertmanager fingerprint with a leading 0 and an 8 or 9 is text to
    YAML 1.1, written plain; the fast reader reads it (it sent the whole ticket to
    libyaml, ~15 ms for a storm master, issue 13), as libyaml does."""
    doc = {"alert": {"fingerprint": value, "firings": [{"fingerprint": value}]}}
    text = dump_ticket(doc).decode()
    assert f"fingerprint: {value}\n" in text
    assert fastyaml.parse(text) == yaml.load(text, Loader=yaml.CSafeLoader) == doc


@pytest.mark.parametrize("value", ["0017", "0_7", "00"])
def test_H1_octal_looking_digits_are_quoted_or_left_to_libyaml(value):
    doc = {"fingerprint": value}
    text = dump_ticket(doc).decode()
    assert yaml.load(text, Loader=yaml.CSafeLoader) == doc
    assert fastyaml.parse(text) in (None, doc)
