"""IO pointer kinds, inferred from the name as mltrace did, or set explicitly."""

from __future__ import annotations

from enum import StrEnum


class PointerKind(StrEnum):
    DATA = "data"
    MODEL = "model"
    ENDPOINT = "endpoint"
    UNKNOWN = "unknown"


_DATA_SUFFIXES = (
    ".csv",
    ".parquet",
    ".tsv",
    ".json",
    ".jsonl",
    ".feather",
    ".arrow",
    ".avro",
    ".orc",
    ".txt",
)
_MODEL_SUFFIXES = (".pkl", ".pt", ".pth", ".joblib", ".onnx", ".h5", ".ckpt", ".safetensors", ".pickle")


def infer_kind(name: str) -> PointerKind:
    lowered = name.lower()
    if lowered.startswith(("http://", "https://")):
        return PointerKind.ENDPOINT
    if lowered.endswith(_MODEL_SUFFIXES):
        return PointerKind.MODEL
    if lowered.endswith(_DATA_SUFFIXES):
        return PointerKind.DATA
    return PointerKind.UNKNOWN


def parse_kind(value: str) -> PointerKind:
    try:
        return PointerKind(value.strip().lower())
    except ValueError as exc:
        choices = ", ".join(k.value for k in PointerKind)
        raise ValueError(f"unknown IO pointer kind {value!r}; use one of {choices}") from exc
