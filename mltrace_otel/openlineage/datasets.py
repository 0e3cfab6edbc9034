"""OpenLineage datasets (namespace, name) as mltrace IO pointers, and back.

A dataset is one IO pointer, named so that the same data meet whichever tool named it:

1. Local files: namespace ``file`` (or ``file://HOST``), name a path or a ``file:`` URI -> the absolute path,
   normalised (``/data/./raw//x.csv`` -> ``/data/raw/x.csv``; ``file:///data/a%20b.csv`` -> ``/data/a b.csv``).
   A Python step that logs ``/data/raw/x.csv`` and a Spark job that reads ``file:///data/raw/x.csv`` meet. The
   host is dropped: a Python step does not say which machine a path was on.
2. Any namespace that is a URI (``s3://bucket``, ``gs://bucket``, ``hdfs://nn:8020``, ``postgres://host:5432``,
   ``kafka://broker:9092``, ...) -> ``namespace/name``: ``s3://bucket/key``, ``postgres://host:5432/db.schema.t``.
   ``s3a://`` and ``s3n://`` (Hadoop's spellings) become ``s3://``; a name that repeats the whole URI (same
   scheme) is taken as it is. Schemes are lowercased.
3. The namespace ``mltrace`` holds plain mltrace pointers: (``mltrace``, ``model.pkl``) -> ``model.pkl``.
4. Any other namespace (``bigquery``, a custom one) -> ``namespace/name``.

Going out (:func:`dataset_for`) is the inverse: absolute paths to ``file``, URIs split after their authority,
anything else into the ``mltrace`` namespace, so ``pointer_for(*dataset_for(p)) == p`` for any pointer ``p`` in
normal form (and normalising twice changes nothing).
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote

POINTER_NAMESPACE = "mltrace"

_URI = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://([^/]*)(.*)$")
_SCHEME_ALIASES = {"s3a": "s3", "s3n": "s3"}


def _scheme(scheme: str) -> str:
    lowered = scheme.lower()
    return _SCHEME_ALIASES.get(lowered, lowered)


def _file_path(name: str) -> str:
    if name.lower().startswith("file:"):
        rest = name[5:]
        if rest.startswith("//"):
            rest = rest[2:]
            rest = rest[rest.find("/") :] if "/" in rest else "/"  # drop the host
        name = unquote(rest)
    if not name.startswith("/"):
        return name  # a relative path stays as the tool wrote it
    path = posixpath.normpath(name)
    return "/" + path.lstrip("/")  # normpath keeps a leading '//' (POSIX leaves it implementation-defined)


def pointer_for(namespace: str, name: str) -> str:
    """The IO pointer of the dataset (``namespace``, ``name``); the module docstring states the rules."""
    ns = namespace.strip()
    if ns.lower() == "file" or ns.lower().startswith("file:"):
        return _file_path(name)
    if ns == POINTER_NAMESPACE:
        return name
    uri = _URI.match(ns)
    if uri is not None:
        scheme = _scheme(uri.group(1))
        if scheme == "file":
            return _file_path(name)
        named = _URI.match(name)
        if named is not None and _scheme(named.group(1)) == scheme:  # some producers repeat the URI in the name
            return f"{_scheme(named.group(1))}://{named.group(2)}{named.group(3)}"
        base = f"{scheme}://{uri.group(2)}{uri.group(3).rstrip('/')}"
        return f"{base}/{name.lstrip('/')}"
    return f"{ns}/{name}"


def dataset_for(pointer: str) -> tuple[str, str]:
    """(namespace, name) of an IO pointer, as OpenLineage consumers (Marquez, DataHub) expect them."""
    if pointer.startswith("/"):
        return "file", pointer
    uri = _URI.match(pointer)
    if uri is not None:
        scheme = uri.group(1).lower()
        if scheme == "file":
            return "file", _file_path(pointer)
        path = uri.group(3)
        if path.startswith("/") and len(path) > 1:
            return f"{scheme}://{uri.group(2)}", path[1:]
    return POINTER_NAMESPACE, pointer
