"""``mltrace serve`` refuses to publish an open server: off mode on a non-loopback address needs ``--insecure``."""

from __future__ import annotations

import ipaddress
import os


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def exposure_refusal(host: str, insecure: bool) -> str | None:
    mode = (os.environ.get("MLTRACE_AUTH") or "off").strip().lower()
    if mode != "off" or insecure or is_loopback(host):
        return None
    return (
        f"refusing to listen on {host} with MLTRACE_AUTH=off: anyone who reaches it could read every run and rewrite "
        "flags, notes and tags. Set MLTRACE_AUTH=keys and create keys (`mltrace keys create --name NAME --scope "
        "read`), or pass --insecure if a proxy in front does the authentication"
    )
