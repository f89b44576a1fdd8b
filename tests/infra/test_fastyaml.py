"""The fast ticket reader agrees with libyaml on everything the dumper writes."""

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from itsmctl.infra import fastyaml
from itsmctl.infra.yaml import dump_ticket

TRICKY = ["no", "yes", "On", "off", "null", "~", "1:30", "0o17", "017", "0x1F", "1_000", "1e5",
          ".5", "3.", "2026-11-25", "2026-11-25T09:00:00+08:00", "- dash", "a: b", "x #y",
          "#hash", "'quoted'", '"dq"', "trailing ", " leading", "", "计费出错 no", "[x]",
          "{y}", "a\nb", "a\n\nb\n", "end\n", "tab\there", "back\\slash", "@at", "%pct",
          "&amp", "*star", "!bang", "?q", ":colon", "a,b", "100%", "é", "\u3000全角",
          "line\r\nbreak", "-", "--", "---", "...", "=", "<<", "x:", "http://x/y?a=1#f"]

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


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(keys, docs, min_size=1, max_size=6))
def test_fast_reader_agrees_with_libyaml(doc):
    agree(doc)


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
