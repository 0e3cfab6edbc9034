"""``IOPointer``: something a run read or wrote (a path, table, model id, endpoint), as mltrace 0.17 had it."""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Any

from mltrace_otel.entities.base import Entity
from mltrace_otel.pointers import PointerKind, infer_kind


class PointerTypeEnum(StrEnum):
    """mltrace 0.17's pointer types; each is one of our pointer kinds (``PointerKind``) in upper case."""

    DATA = "DATA"
    MODEL = "MODEL"
    ENDPOINT = "ENDPOINT"
    UNKNOWN = "UNKNOWN"

    @classmethod
    def of(cls, value: PointerTypeEnum | PointerKind | str | None) -> PointerTypeEnum:
        if isinstance(value, PointerTypeEnum):
            return value
        if value is None:
            return cls.UNKNOWN
        try:
            return cls(str(value.value if isinstance(value, PointerKind) else value).upper())
        except ValueError as exc:
            raise ValueError(f"unknown pointer type {value!r}; use one of {', '.join(m.name for m in cls)}") from exc

    @classmethod
    def inferred(cls, name: str) -> PointerTypeEnum:
        """The type our store infers from a name (``.csv`` data, ``.pkl`` model, ``https://`` endpoint, ...)."""
        return cls.of(infer_kind(name))

    @property
    def kind(self) -> PointerKind:
        return PointerKind(self.value.lower())


class IOPointer(Entity):
    """A pointer with an optional value, a type and a flag. Two pointers with the same name are the same pointer
    (the store keys pointers by name), so runs list each name once."""

    FIELDS = ("name", "value", "pointer_type", "flag")

    def __init__(
        self,
        name: str,
        value: Any = "",
        pointer_type: PointerTypeEnum | PointerKind | str | None = PointerTypeEnum.UNKNOWN,
        flag: bool = False,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"an IOPointer's name must be a non-empty string (got {name!r})")
        self._name = name
        self._value = value
        self._pointer_type = PointerTypeEnum.of(pointer_type)
        self._flag = bool(flag)

    @property
    def name(self) -> str:
        return self._name

    @property
    def value(self) -> Any:
        return self._value

    @property
    def pointer_type(self) -> PointerTypeEnum:
        return self._pointer_type

    @property
    def flag(self) -> bool:
        return self._flag

    # Our names for the same facts (the store's and GraphQL's spelling).
    @property
    def kind(self) -> str:
        return self._pointer_type.kind.value

    @property
    def flagged(self) -> bool:
        return self._flag

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IOPointer) and other._name == self._name

    def __hash__(self) -> int:
        # A digest rather than hash(str), which changes per process: sets of pointers (mltrace dedupes a run's IO
        # through one) then iterate in the same order in every process.
        return int.from_bytes(hashlib.blake2b(self._name.encode("utf-8", "surrogatepass"), digest_size=8).digest())

    def __repr__(self) -> str:
        return json.dumps({"name": self._name, "pointer_type": self._pointer_type.value, "flag": self._flag})


def as_pointer(value: IOPointer | str | dict[str, Any], pointer_type: PointerTypeEnum | str | None = None) -> IOPointer:
    """A pointer from what mltrace accepted: an IOPointer, a name (type inferred unless given) or a dictionary."""
    if isinstance(value, IOPointer):
        return value
    if isinstance(value, dict):
        return IOPointer.from_dictionary(value)
    if isinstance(value, str):
        return IOPointer(
            value, pointer_type=pointer_type if pointer_type is not None else PointerTypeEnum.inferred(value)
        )
    raise TypeError(f"an input or output must be an IOPointer or a string (got {type(value).__name__}: {value!r})")
