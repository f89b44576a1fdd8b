"""P1-P5 as pure rules: every matrix cell of both profiles, defaults, thresholds, major."""

import pytest

from itsmctl.core import priority as prio
from itsmctl.errors import UsageError
from tests.core.policy_fixtures import new_ticket, policy

DEFAULT = {  # SPEC 5, telecom handbook
    1: {"high": "P1", "medium": "P1", "low": "P2"},
    2: {"high": "P1", "medium": "P2", "low": "P3"},
    3: {"high": "P2", "medium": "P3", "low": "P4"},
    4: {"high": "P3", "medium": "P4", "low": "P4"},
}
DESKTOP = {  # desktop standard 3.1.3
    "large": {"high": "urgent", "medium": "high", "low": "normal"},
    "medium": {"high": "high", "medium": "high", "low": "normal"},
    "small": {"high": "normal", "medium": "normal", "low": "low"},
}


@pytest.mark.parametrize("impact,urgency,expected",
                         [(i, u, p) for i, row in DEFAULT.items() for u, p in row.items()])
def test_P1_default_matrix_every_cell(impact, urgency, expected):
    assert prio.lookup(policy().matrix, impact, urgency) == expected


@pytest.mark.parametrize("impact,urgency,expected",
                         [(i, u, p) for i, row in DESKTOP.items() for u, p in row.items()])
def test_P1_desktop_matrix_every_cell(impact, urgency, expected):
    assert prio.lookup(policy("desktop").matrix, impact, urgency) == expected


def test_P1_missing_cell_is_a_config_error():
    from pydantic import ValidationError

    from itsmctl.core.policy import PriorityMatrix

    with pytest.raises(ValidationError, match="cell is missing"):
        PriorityMatrix(impact_levels=[1], urgency_levels=["high", "low"],
                       priority_levels=["P1"], matrix={1: {"high": "P1"}})


def test_P1_unknown_impact_is_usage_error():
    with pytest.raises(UsageError):
        prio.parse_impact(policy().matrix, "9")


@pytest.mark.parametrize("kind,ticket_type,expected", [
    (None, "incident", "medium"), ("vip", "incident", "high"), ("VIP", "incident", "high"),
    ("manager", "incident", "high"), ("staff", "incident", "medium"),
    (None, "complaint", "high")])
def test_P2_urgency_defaults(kind, ticket_type, expected):
    assert prio.default_urgency(policy().matrix, kind, ticket_type) == expected


@pytest.mark.parametrize("users,impact", [(0, 4), (1, 4), (3, 4), (4, 3), (9, 3), (10, 2),
                                          (99, 2), (100, 1), (5000, 1)])
def test_P3_affected_users_default(users, impact):
    assert prio.impact_from_users(policy().matrix, users) == impact


@pytest.mark.parametrize("users,impact", [(1, "small"), (3, "small"), (4, "medium"),
                                          (9, "medium"), (10, "large"), (250, "large")])
def test_P3_affected_users_desktop_thresholds(users, impact):
    """Desktop standard 3.1.2: >=10 large, 3-10 medium, <=3 small."""
    assert prio.impact_from_users(policy("desktop").matrix, users) == impact


def test_P5_major_is_top_priority_with_top_impact():
    m = policy().matrix
    assert prio.is_major(m, 1, "P1")
    assert not prio.is_major(m, 2, "P1")
    assert not prio.is_major(m, 1, "P2")
    assert new_ticket(impact="1", urgency="high").major


def test_P2_complaint_ticket_is_high_and_escalated():
    t = new_ticket(type="complaint")
    assert t.urgency == "high"
    assert [e.trigger for e in t.escalations] == ["complaint"]


def test_L12_raise_never_passes_top():
    m = policy().matrix
    assert prio.raise_levels(m, "P3", 1) == "P2"
    assert prio.raise_levels(m, "P1", 3) == "P1"
