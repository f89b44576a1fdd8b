"""categories.yaml (L3, L6): category -> subtype -> symptoms, causations, routing."""

from __future__ import annotations

from itsmctl.core.policy.base import Model


class Subtype(Model):
    label: str = ""  # display label
    groups: list[str]  # groups the desk may dispatch to (L3)
    by_location: dict[str, list[str]] = {}  # location -> groups, for tickets with --location
    symptoms: dict[str, str] = {}  # symptom id -> label
    causations: dict[str, str] = {}  # causation id -> label


class Category(Model):
    label: str = ""  # display label
    subtypes: dict[str, Subtype]  # subtype id -> subtype


class Categories(Model):
    version: int = 1
    categories: dict[str, Category]  # category id -> category

    def subtype(self, category: str, subtype: str) -> Subtype:
        cat = self.categories.get(category)
        if cat is None:
            raise KeyError(f"category {category!r}")
        sub = cat.subtypes.get(subtype)
        if sub is None:
            raise KeyError(f"subtype {category}/{subtype}")
        return sub
