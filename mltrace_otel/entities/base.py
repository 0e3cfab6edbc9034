"""What mltrace 0.17's entities share: named fields that read as a dictionary and rebuild from one."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, Self


class Entity:
    """``dict(entity)``, ``entity.to_dictionary()`` and ``Type.from_dictionary(d)`` over the fields in ``FIELDS``.

    Only the fields mltrace 0.17 had (plus, for runs read back, ours) take part: convenience properties such as
    ``IOPointer.kind`` stay out of the dictionary, so a dictionary rebuilds the same entity.
    """

    FIELDS: ClassVar[tuple[str, ...]] = ()

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        for name in self.FIELDS:
            yield name, getattr(self, name)

    def to_dictionary(self) -> dict[str, Any]:
        return dict(self)

    @classmethod
    def from_dictionary(cls, d: Mapping[str, Any]) -> Self:
        """Build from a dictionary; keys that are not fields (a stored row's extras, say) are ignored."""
        return cls(**{k: v for k, v in d.items() if k in cls.FIELDS})
