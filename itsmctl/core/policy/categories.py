"""categories.yaml (L3, L6): category -> subtype -> symptoms, causations, routing."""

from __future__ import annotations

from itsmctl.core.policy.base import Model
from itsmctl.core.policy.rules import CategoriesRules


class Subtype(Model):
    label: str = ""  # display label
    groups: list[str]  # groups the desk may dispatch to (L3)
    by_location: dict[str, list[str]] = {}  # location -> groups, for tickets with --location
    symptoms: dict[str, str] = {}  # symptom id -> label
    causations: dict[str, str] = {}  # causation id -> label


class Category(Model):
    label: str = ""  # display label
    subtypes: dict[str, Subtype]  # subtype id -> subtype


class Categories(CategoriesRules, Model):
    version: int = 1
    categories: dict[str, Category]  # category id -> category
