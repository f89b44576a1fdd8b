"""The base of the ticket's parts: a msgspec struct that keeps the few pydantic methods
the code base calls on tickets (model_validate, model_copy, model_dump, model_fields)
with their meaning, so ~120 call sites stay as they were (issue 13)."""

from __future__ import annotations

from collections import namedtuple
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Iterator, Optional, TypeVar
from uuid import UUID

import msgspec

if TYPE_CHECKING:
    # (for the type checker only: a quoted bound, like typing.NamedTuple's annotations
    # under `from __future__ import annotations`, is compiled at run time, and the first
    # compile() of a process sets up the AST types, ~1.5 ms of every command; issue 13)
    P = TypeVar("P", bound="TicketPart")
_KEEP = (datetime, date, time, timedelta, Decimal, UUID, bytes, bytearray)

# what callers read of a pydantic FieldInfo: `alias` (the name on disk, or None) and
# `annotation` (the type)
FieldInfo = namedtuple("FieldInfo", ["alias", "annotation"])


class _Fields:
    """`Model.model_fields`: field name -> FieldInfo, in declaration order."""

    def __get__(self, obj: Any, owner: type) -> dict[str, FieldInfo]:
        return {f.name: FieldInfo(f.encode_name if f.encode_name != f.name else None, f.type)
                for f in msgspec.structs.fields(owner)}


class TicketPart(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A part of a ticket (extra keys refused, like pydantic's extra="forbid")."""

    model_fields = _Fields()

    @classmethod
    def model_validate(cls: type[P], obj: Any) -> P:
        """Validate a plain mapping (pydantic's lax coercions: "5" -> 5, ISO text -> a
        datetime); Invalid when it does not fit."""
        try:
            return msgspec.convert(obj, cls, strict=False)
        except msgspec.ValidationError as exc:
            from itsmctl.core.schema import lax

            fixed = lax(cls, obj)       # what pydantic took and msgspec does not
            if fixed is None:
                raise Invalid(cls, obj, exc) from None
        try:
            return msgspec.convert(fixed, cls, strict=False)
        except msgspec.ValidationError as exc:
            raise Invalid(cls, fixed, exc) from None

    def model_copy(self: P, update: Optional[dict[str, Any]] = None) -> P:
        """A shallow copy with `update` set as given, not validated (as pydantic)."""
        return msgspec.structs.replace(self, **(update or {}))

    def model_dump(self, *, mode: str = "python", by_alias: bool = False,
                   exclude_none: bool = False) -> dict[str, Any]:
        """The fields as a dict: nested parts as dicts; mode="json" also makes times ISO
        text ("Z" for UTC, as pydantic); by_alias names Event.from_ "from"."""
        if exclude_none:
            raise NotImplementedError("exclude_none")
        if mode == "json":
            doc = self._listed(msgspec.to_builtins(self, str_keys=True))
        else:
            doc = msgspec.to_builtins(self, builtin_types=_KEEP)
        return doc if by_alias else self._named(doc)

    # what a subclass with free-form (Any) fields or a renamed field says about its dump
    @staticmethod
    def _listed(doc: dict[str, Any]) -> dict[str, Any]:
        """The json dump with tuples in free-form fields as lists (pydantic made them
        lists; msgspec.to_builtins keeps tuples): Event, Notification, Ticket."""
        return doc

    @staticmethod
    def _named(doc: dict[str, Any]) -> dict[str, Any]:
        """The dump with field names, not names on disk: Event's "from", in Ticket."""
        return doc

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        """(name, value) pairs, as iterating a pydantic model gives."""
        for name in self.__struct_fields__:
            yield name, getattr(self, name)


def lists(value: Any) -> Any:
    """Tuples as lists, at any depth; dicts and lists are changed in place. Only the
    free-form parts are walked: the whole document would cost ~40 us a ticket."""
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list, tuple)):
                value[k] = lists(v)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            if isinstance(v, (dict, list, tuple)):
                value[i] = lists(v)
    elif isinstance(value, tuple):
        return [lists(v) for v in value]
    return value


class Invalid(ValueError):
    """A document that does not fit a model. errors() lists every error in pydantic's
    shape and wording (loc as a tuple, msg), in field order: validate and audit print
    'file: a.b: message' as before (core/schema.py)."""

    def __init__(self, cls: type, doc: Any, exc: msgspec.ValidationError) -> None:
        super().__init__(str(exc))
        self.cls, self.doc = cls, doc

    def errors(self) -> list[dict[str, Any]]:
        from itsmctl.core.schema import errors

        return [{"loc": loc, "msg": msg} for loc, msg in errors(self.cls, self.doc, str(self))]
