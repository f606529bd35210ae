"""How a webhook is signed: HMAC-SHA256 under the shared secret over `<timestamp>.<body>`, in hex.

The timestamp (Unix seconds, its own header) is part of what is signed, so a receiver that refuses
timestamps older than `REPLAY_WINDOW_SECONDS` cannot be fed a captured request again later. The
body is signed as the exact bytes sent; a receiver must verify the raw body before parsing it.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Order-Email-Signature"
"""`v1=<64 hex digits>`; the version prefix lets a later scheme be added beside this one."""
TIMESTAMP_HEADER = "X-Order-Email-Timestamp"
EVENT_ID_HEADER = "X-Order-Email-Event-Id"
"""The status change's `eventId`: the same change delivered twice has the same id (dedupe by it)."""
SIGNATURE_VERSION = "v1"
REPLAY_WINDOW_SECONDS = 300
"""What the README tells receivers to accept: a timestamp at most five minutes from their clock."""


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `<timestamp>.<body>` under `secret` (pure)."""
    return hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signed_headers(secret: bytes, timestamp: int, body: bytes, event_id: str) -> dict[str, str]:
    """Every header of one delivery attempt (pure)."""
    return {
        "Content-Type": "application/json",
        "User-Agent": "order-email-webhook/1",
        EVENT_ID_HEADER: event_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: f"{SIGNATURE_VERSION}={signature(secret, timestamp, body)}",
    }
