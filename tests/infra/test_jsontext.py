"""infra/jsontext.py writes what json writes and reads what json reads (issue 13): the
call trailer (G4) and the delivery ledger (N3) keep their text without `import json`."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from itsmctl.infra import jsontext, ledger

_LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.text(), st.floats(),
                  st.dates(), st.sets(st.integers(), max_size=2))
_VALUES = st.recursive(_LEAF, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)),
    max_leaves=10)


@settings(max_examples=300, deadline=None)
@given(_VALUES, st.booleans())
@example({"b": "计费\n\t\x00\x1f\x7f\u2028\"\\ \U0001f600", "a": 2**70, "f": 1e16}, True)
@example({"argv": "undecodable \udcff"}, False)
@example({"at": date(2026, 12, 8), "z": {"y": 1, "x": [None, True]}}, True)
def test_N3_dumps_writes_the_text_json_dumps_writes(value, sort_keys):
    assert jsontext.dumps(value, sort_keys=sort_keys) == json.dumps(
        value, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys, default=str)


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text()),
                    lambda inner: st.one_of(st.lists(inner, max_size=3),
                                            st.dictionaries(st.text(max_size=4), inner,
                                                            max_size=3)), max_leaves=10))
def test_N3_loads_reads_what_json_wrote(value):
    assert jsontext.loads(json.dumps(value)) == value
    assert jsontext.loads(json.dumps(value, ensure_ascii=False).encode()) == value


@pytest.mark.parametrize("text", ["", "{", '{"id": 1', "NaN1", "[1,]"])
def test_N3_loads_refuses_what_is_not_json_with_a_value_error(text):
    with pytest.raises(ValueError):
        jsontext.loads(text)


def test_N3_the_ledger_reads_lines_written_by_json_and_skips_a_torn_one(tmp_path):
    """A ledger written before (json's spaced text) is read beside new lines."""
    (tmp_path / ".git").mkdir()
    path = ledger.state_dir(tmp_path) / ledger.LEDGER
    path.parent.mkdir(parents=True)
    old = {"at": "2026-12-01T09:00:00+08:00", "id": "n1", "outcome": "sent"}
    path.write_bytes(json.dumps(old, ensure_ascii=False, sort_keys=True).encode() + b"\n"
                     + b'{"id": "n2", "outc')
    new = {"id": "n2", "outcome": "failed", "error": "连接被拒绝", "at": "2026-12-08"}
    ledger.append_ledger(tmp_path, new)
    assert ledger.read_ledger(tmp_path) == {"n1": [old], "n2": [new]}
    assert ledger.read_ledger(tmp_path, ["n2"]) == {"n2": [new]}
