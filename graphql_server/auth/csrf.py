"""Cross-site request rules for requests a browser authenticates by itself (the session cookie).

A page of another site can make the browser send the cookie with a form post or a ``fetch``; SameSite=Strict already
keeps the cookie off those, and these rules refuse them even where a browser would not:

- an ``Origin`` (or ``Sec-Fetch-Site: cross-site``) other than the server's own, or one in ``MLTRACE_CORS_ORIGINS``,
  is refused;
- a state-changing request must be ``application/json`` or carry ``X-Mltrace-Request``: neither can be sent
  cross-site without a CORS preflight, which the server does not grant to unknown origins.

Bearer-key requests need none of this: a browser never attaches an ``Authorization`` header by itself.
"""

from __future__ import annotations

from collections.abc import Mapping

CUSTOM_HEADER = "x-mltrace-request"


def own_origin(headers: Mapping[str, str], scheme: str) -> str:
    return f"{scheme}://{headers.get('host', '')}"


def cross_site_refusal(
    headers: Mapping[str, str], scheme: str, allowed: tuple[str, ...], *, changes_state: bool
) -> str | None:
    """Why a cookie-authenticated request is refused, or None when it may proceed."""
    origin = headers.get("origin")
    if origin is not None and origin != own_origin(headers, scheme) and origin not in allowed:
        return f"cross-site request from {origin!r} refused: the session cookie is for this site's own pages"
    if headers.get("sec-fetch-site") == "cross-site" and origin not in allowed:
        return "cross-site request refused: the session cookie is for this site's own pages"
    if changes_state:
        media_type = (headers.get("content-type") or "").split(";")[0].strip().lower()
        if media_type != "application/json" and CUSTOM_HEADER not in headers:
            return (
                "a request signed in by cookie must be application/json or carry an X-Mltrace-Request header "
                "(cross-site forms cannot)"
            )
    return None
