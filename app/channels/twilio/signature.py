"""Twilio request signatures (X-Twilio-Signature): HMAC-SHA1 over URL + sorted form params.

Pure functions; the algorithm of twilio-python's `RequestValidator`, which the tests check
against. The URL is the public one Twilio called (PUBLIC_BASE_URL + path), never the Host header
a proxy rewrote.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit, urlunsplit


def compute(auth_token: str, url: str, params: Mapping[str, Iterable[str]] | None = None) -> str:
    """The signature Twilio sends for a request to `url` with form `params` (name → values)."""
    payload = url
    for name in sorted(params or {}):
        for value in sorted(set((params or {})[name])):
            payload += name + value
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def is_valid(
    auth_token: str, url: str, params: Mapping[str, Iterable[str]] | None, signature: str
) -> bool:
    """True if `signature` matches, with or without the default port in the URL (as Twilio does)."""
    if not signature or not auth_token:
        return False
    sent = signature.encode(errors="replace")  # any header text (lone surrogates too) as bytes
    return any(
        hmac.compare_digest(compute(auth_token, candidate, params).encode(), sent)
        for candidate in _port_variants(url)
    )


def _port_variants(url: str) -> list[str]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    default = {"https": 443, "wss": 443, "http": 80, "ws": 80}.get(parts.scheme)
    port = parts.port or default
    without = urlunsplit(parts._replace(netloc=host))
    with_port = urlunsplit(parts._replace(netloc=f"{host}:{port}")) if port else without
    return [url, without, with_port]
