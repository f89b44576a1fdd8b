"""M6/L16: the text the index keeps of a ticket's condition keys (core/matchkeys.py)
holds an entry for every value keys() gives, so a search by entry misses none."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from itsmctl.core.matchkeys import entry, keys, match_text

TEXT = st.text(max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.fixed_dictionaries({
    "classification": st.fixed_dictionaries({"category": TEXT, "subtype": TEXT,
                                             "symptom": TEXT}),
    "reporter": st.one_of(st.none(), st.fixed_dictionaries(
        {"id": TEXT, "phone": TEXT, "email": TEXT, "department": TEXT, "location": TEXT})),
    "links": st.fixed_dictionaries({"cis": st.lists(TEXT, max_size=3)}),
    "location": st.one_of(st.none(), TEXT),
    "alert": st.one_of(st.none(), st.fixed_dictionaries({"group": TEXT,
                                                          "fingerprint": TEXT}))}))
def test_M6_match_text_holds_an_entry_for_every_value(doc):
    text = match_text(doc)
    for key, values in keys(doc).items():
        for value in values:
            assert entry(key, value) in text


def test_M6_keys_of_a_ticket_lower_cased_and_composite():
    doc = {"classification": {"category": "Billing", "subtype": "application",
                              "symptom": "billing-error"},
           "reporter": {"id": None, "phone": " 138 ", "email": "Wang@Example.com"},
           "links": {"cis": ["DB01"]}, "location": None, "alert": None}
    found = keys(doc)
    assert found["symptom"] == {"billing/application/billing-error"}
    assert found["reporter"] == {"138", "wang@example.com"} and found["ci"] == {"db01"}
    assert found["fingerprint"] == set() and entry("ci", "db01") in match_text(doc)
    assert keys({"classification": "not a mapping"})["category"] == set()
