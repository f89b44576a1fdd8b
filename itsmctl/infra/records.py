"""FieldsRecord: a plain class with a dataclass's repr and eq over its FIELDS.

For the classes every command builds (git.Result, git.SignWith, app/session's Call and
Session, app/write.Tx): a dataclass compiles its methods from text as its module loads
(~2.3M instructions each), in every process (issue 13). Each subclass writes its own
__init__; FIELDS names what repr shows and eq compares, in order.
"""

from __future__ import annotations


class FieldsRecord:
    """repr and eq over FIELDS, unhashable (as an eq dataclass)."""

    FIELDS: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(" + ", ".join(
            f"{k}={getattr(self, k)!r}" for k in self.FIELDS) + ")"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, k) == getattr(other, k) for k in self.FIELDS)

    __hash__ = None  # type: ignore[assignment]
