"""The customer directory (B1, IM1.1): who may report, identified by a unique id.

config/customers.yaml (`customers:` a list of records) or config/customers.csv (the same
columns) for tens of thousands. It is not part of Policy: commands look customers up
one at a time through an index (infra/customers.py), so a large directory costs a
command nothing but the lookup.
"""

from __future__ import annotations

from typing import Any, Optional

from pydantic import field_validator

from itsmctl.core.policy.base import Model
from itsmctl.core.policy.rules import CustomerRules

COLUMNS = ("id", "name", "phone", "email", "kind", "department", "location", "in_scope")
_TRUE = {"true", "yes", "y", "1", "on", "是", ""}
_FALSE = {"false", "no", "n", "0", "off", "否"}


class Customer(CustomerRules, Model):
    """One customer: P2's default urgency follows `kind`; out of scope suggests L2."""

    id: str  # unique customer id (employee number, account id)
    name: str  # full name, any script
    phone: Optional[str] = None  # phone number
    email: Optional[str] = None  # e-mail address; mail to the desk is matched by it (E1)
    kind: Optional[str] = None  # staff, manager, vip... (P2 default urgency)
    department: Optional[str] = None  # department
    location: Optional[str] = None  # site, for routing by location
    in_scope: bool = True  # false: the desk does not serve them (L2 out of scope)

    @field_validator("id", "name")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("must not be empty")
        return v

    @field_validator("in_scope", mode="before")
    @classmethod
    def _flag(cls, v: Any) -> Any:
        if isinstance(v, str):
            word = v.strip().lower()
            if word in _TRUE:
                return True
            if word in _FALSE:
                return False
        return v

    @field_validator("phone", "email", "kind", "department", "location", mode="before")
    @classmethod
    def _blank_none(cls, v: Any) -> Any:
        if v is None:
            return None
        text = str(v).strip()
        return text or None

class CustomersFile(Model):
    """config/customers.yaml."""

    version: int = 1
    customers: list[Customer] = []


def changes(old: dict[str, Customer], new: dict[str, Customer]
            ) -> tuple[list[str], list[str], list[str]]:
    """(added, changed, removed) ids between two directories."""
    added = sorted(k for k in new if k not in old)
    removed = sorted(k for k in old if k not in new)
    changed = sorted(k for k in new if k in old and new[k] != old[k])
    return added, changed, removed
