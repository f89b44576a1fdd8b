"""L16: the byte test `open` applies to a closed ticket's stored state before reading it
(issue 13) keeps every ticket that meets a recurrence condition with the new one."""

from __future__ import annotations

import itertools
import pickle
from datetime import datetime, timedelta, timezone

from itsmctl.core.duplicates import candidates, recurrence_filter
from tests.core.policy_fixtures import policy

CN = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=CN)


def closed(n: int, cat, sub, sym, cis=(), title="计费出错") -> dict:
    return {"id": f"INC-2611-{n:05d}", "status": "closed", "title": title,
            "closed_at": (NOW - timedelta(days=1)).isoformat(),
            "classification": {"category": cat, "subtype": sub, "symptom": sym},
            "links": {"cis": list(cis)}}


def new(cat="billing", sub="application", sym="billing-error", cis=()) -> dict:
    return {"id": "INC-2611-NEW00", "opened_at": NOW.isoformat(),
            "classification": {"category": cat, "subtype": sub, "symptom": sym},
            "links": {"cis": list(cis)}}


VALUES = {  # what another ticket's fields may hold, the odd ones included
    "cat": ["billing", "Billing", " BILLING ", "network", "billing/application", 7, None,
            "\u212ailling", "b\u0130lling"],
    "sub": ["application", "APPLICATION", "database", "application/billing-error", None],
    "sym": ["billing-error", "Billing-Error ", "slow", "", None],
    "cis": [(), ("billing-db01",), ("BILLING-DB01", "x"), ("other",)],
}


def _others() -> list[dict]:
    out = []
    for n, (cat, sub, sym, cis) in enumerate(itertools.product(*VALUES.values())):
        out.append(closed(n, cat, sub, sym, cis))
    return out


def test_L16_the_byte_test_keeps_every_ticket_a_recurrence_condition_names():
    config = policy().duplicates
    others = _others()
    for mine in (new(), new(cis=("billing-db01",)), new(cat="Billing", sym="Billing-Error"),
                 new(sym="slow")):
        keep = recurrence_filter(mine, config)
        assert keep is not None
        kept = [d for d in others if keep(pickle.dumps(d, protocol=pickle.HIGHEST_PROTOCOL))]
        config_all = config.model_copy(update={"limit": len(others)})
        whole = {c["id"] for c in candidates(mine, others, config_all, NOW)["recurrences"]}
        assert whole, "the test tests something"
        assert whole <= {d["id"] for d in kept}
        assert {c["id"] for c in candidates(mine, kept, config_all, NOW)["recurrences"]} \
            == whole
        assert len(kept) < len(others)                   # and it does leave some out


def test_L16_no_byte_test_when_a_condition_has_no_text_to_look_for():
    config = policy().duplicates
    # numbers and bools: str() of a value that is no text could equal them; a subtype
    # and symptom whose parts "/" cannot tell apart
    assert recurrence_filter(new(cat="2024", sub="true", sym="1"), config) is None
    assert recurrence_filter(new(cat="2024", sub="a/b", sym="c"), config) is None
    # a ci with a letter is enough for same-ci; same-symptom still has nothing to test
    assert recurrence_filter(new(cat="2024", sub="a/b", sym="c", cis=("db01",)),
                             config) is None
    assert recurrence_filter(new(cis=("db01",)), config) is not None


def test_L16_the_byte_test_keeps_a_kelvin_sign_that_lowers_to_ascii():
    config = policy().duplicates
    mine = new(cat="kit", sub="app", sym="slow")
    other = closed(1, "\u212aIT", "APP", "Slow")                 # K (Kelvin) -> k
    assert candidates(mine, [other], config, NOW)["recurrences"]
    keep = recurrence_filter(mine, config)
    assert keep is not None and keep(pickle.dumps(other, protocol=pickle.HIGHEST_PROTOCOL))
    assert not keep(pickle.dumps(closed(2, "kat", "app", "slow"),
                                 protocol=pickle.HIGHEST_PROTOCOL))
