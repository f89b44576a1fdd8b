"""The pydantic model of a knowledge article's front matter (K1): the validator of kb/
files, kept apart from core/kb.py so that ranking (each `open`) never imports pydantic."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

from itsmctl.core.kb import ID_RE, Record


class Article(BaseModel):
    """Front matter (K1) plus the markdown body holding the solution."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(pattern=ID_RE)
    title: str = Field(min_length=1)
    category: Optional[str] = None
    subtype: Optional[str] = None
    symptoms: list[str] = []
    causation: Optional[str] = None
    tags: list[str] = []
    status: Literal["candidate", "published"] = "candidate"
    source_ticket: Optional[str] = None
    created: Optional[datetime] = None
    created_by: Optional[str] = None
    body: str = Field(default="", exclude=True)
    path: str = Field(default="", exclude=True)

    def record(self) -> Record:
        """The plain twin the article cache keeps and ranking reads."""
        return Record(id=self.id, title=self.title, category=self.category,
                      subtype=self.subtype, symptoms=tuple(self.symptoms),
                      causation=self.causation, tags=tuple(self.tags), status=self.status,
                      source_ticket=self.source_ticket, body=self.body, path=self.path,
                      front=self.model_dump(mode="json"))
