"""Addresses in logs, metrics, events and API answers are masked; keys use a hash of the address."""

from __future__ import annotations

import hashlib


def normalise_address(address: str) -> str:
    """The form suppression compares: trimmed and lower-cased (mailbox providers ignore case)."""
    return address.strip().lower()


def address_hash(address: str) -> str:
    """SHA-256 hex of the normalised address: the suppression key and the erasure handle."""
    return hashlib.sha256(normalise_address(address).encode()).hexdigest()


def mask_address(address: str) -> str:
    """`jane.doe@example.com` → `j***@example.com`: enough to tell cases apart, not to mail anyone."""
    local, at, domain = address.strip().rpartition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"
