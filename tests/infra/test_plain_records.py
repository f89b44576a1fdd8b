"""git.Result, git.SignWith and app/write.Tx are plain classes (a dataclass compiles its
methods as its module loads: issue 13); they keep what their dataclasses gave."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from itsmctl.app.write import Tx
from itsmctl.infra.git import Result, SignWith


def test_result_compares_and_prints_as_its_dataclass_did():
    assert Result(0, b"out", b"") == Result(0, b"out", b"")
    assert Result(0, b"out", b"") != Result(1, b"out", b"")
    assert repr(Result(1, b"a", b"b")) == "Result(code=1, out=b'a', err=b'b')"
    assert Result.__hash__ is None                # unhashable, as an eq dataclass
    assert Result(2, b"", b"boom\nlast line\n").last_error() == "last line"


def test_sign_with_is_frozen_hashable_and_pickles():
    key = SignWith("ssh", "/k/id_ed25519")
    assert key.program == "" and key == SignWith("ssh", "/k/id_ed25519", "")
    assert hash(key) == hash(SignWith("ssh", "/k/id_ed25519")) and len({key, key}) == 1
    assert key != SignWith("openpgp", "/k/id_ed25519")
    assert repr(key) == "SignWith(format='ssh', key='/k/id_ed25519', program='')"
    with pytest.raises(dataclasses.FrozenInstanceError):
        key.key = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del key.format
    assert pickle.loads(pickle.dumps(key)) == key
    assert key.by_ssh_keygen and not SignWith("ssh", "key::ssh-ed25519 AAAA").by_ssh_keygen


def test_tx_defaults_are_fresh_per_transaction():
    a, b = Tx(None, None), Tx(None, None)  # type: ignore[arg-type]
    a.reads.add("tickets/x.yaml")
    a.calls.append({})
    assert b.reads == set() and b.calls == [] and b.call_args == {} and b.watching == set()
    assert a != b and Tx(None, None) == b  # type: ignore[arg-type]
    assert repr(b).startswith("Tx(session=None, inner=None, action=''")
