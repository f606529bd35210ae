"""Which webhook URLs are allowed: HTTPS anywhere, plain HTTP only to a loopback address.

The loopback exception exists for local mode, whose receiver listens on 127.0.0.1; from a Lambda
function a loopback URL reaches nothing but the function itself, so it cannot leak a status change.
Standard library only: the stack config (`components.config`) and the handler both call it.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint(url: str) -> str:
    """`url` when it may receive webhooks; ValueError saying why not."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host:
        raise ValueError("must be an absolute URL such as https://shop.example.com/hooks/order-email")
    if parts.username or parts.password:
        raise ValueError("must not carry credentials (the signature authenticates the sender)")
    if parts.scheme == "https":
        return url
    if parts.scheme == "http" and is_loopback(host):
        return url
    raise ValueError("must be an https:// URL (plain http only to a loopback address, for local mode)")
