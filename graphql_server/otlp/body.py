"""Reading a request body with a size cap that holds *after* decompression (gzip, deflate or none).

A 1 MB gzip bomb can expand to gigabytes, so the cap is enforced while inflating, never on the inflated whole.
Starlette's own size limit answers in plain text, which OTLP clients cannot read; here the caller turns
:class:`BodyTooLarge` into a google.rpc.Status 413.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator

ENCODINGS = ("gzip", "deflate", "identity")


class BodyTooLarge(ValueError):
    """The (decompressed) body exceeds the cap."""


class BadEncoding(ValueError):
    """The body does not decompress with the encoding it claims."""


def content_encoding(header: str | None) -> str | None:
    """The one encoding named by a Content-Encoding header ('identity' when absent), or None if unsupported."""
    value = (header or "identity").strip().lower() or "identity"
    if value == "none":  # not a registered coding, but some clients send it
        value = "identity"
    return value if value in ENCODINGS else None


async def read_capped(chunks: AsyncIterator[bytes], limit: int) -> bytes:
    """The raw body, refusing to buffer more than ``limit`` bytes of it."""
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"the request body exceeds {limit} bytes")
        parts.append(chunk)
    return b"".join(parts)


def decompress(body: bytes, encoding: str, limit: int) -> bytes:
    """``body`` decoded from ``encoding``, failing as soon as the output would pass ``limit`` bytes."""
    if encoding == "identity":
        if len(body) > limit:
            raise BodyTooLarge(f"the request body exceeds {limit} bytes")
        return body
    if encoding == "gzip":
        wbits = 16 + zlib.MAX_WBITS
    else:
        # HTTP's "deflate" is zlib-wrapped (RFC 9110), but some clients send raw deflate: accept both.
        wbits = zlib.MAX_WBITS if _looks_zlib_wrapped(body) else -zlib.MAX_WBITS
    out = bytearray()
    data = body
    try:
        while True:
            inflater = zlib.decompressobj(wbits)
            out += inflater.decompress(data, limit + 1 - len(out))
            if len(out) > limit or inflater.unconsumed_tail:
                raise BodyTooLarge(f"the request body decompresses to more than {limit} bytes")
            if not inflater.eof:
                raise BadEncoding(f"the {encoding} stream is truncated")
            data = inflater.unused_data
            # gzip allows several members back to back (concatenated files); anything else after the end is junk.
            if not data or encoding != "gzip":
                if data:
                    raise BadEncoding(f"unexpected bytes after the end of the {encoding} stream")
                return bytes(out)
    except zlib.error as exc:
        raise BadEncoding(f"the body is not valid {encoding}: {exc}") from None


def _looks_zlib_wrapped(body: bytes) -> bool:
    return len(body) >= 2 and body[0] & 0x0F == 8 and (body[0] << 8 | body[1]) % 31 == 0
