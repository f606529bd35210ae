"""The DynamoDB contract between the handlers, the operator CLI and the `DeliveryStore` component.

Deliveries: one item per e-mail, key (`orderId`, `kind`). Suppression: one item per address, keyed
by the SHA-256 of the normalised address so an erased address stays blocked without its PII.

Glossary (the words the code uses, each for one thing):
- order event: the SNS message a shop publishes (`eventType = order.confirmed`, `shared.event_types`).
- delivery record: one e-mail's item in the deliveries table (`FeedbackRecords`, `ClaimStore`).
  Not to be confused with
- SES event: SES's Send / Delivery / Bounce / Complaint / DeliveryDelay / Reject / Rendering
  Failure / Open / Click notification (`feedback.events`); "Delivery" alone means that event.
- claim: the sender's conditional write that makes one worker the only one sending an e-mail,
  for a lease (`sender.claims`, `sender.leases`).
- status: an e-mail's `EmailStatus`, which only ever moves up its ranking (`shared.statuses`).
- status event: the `Email Status Changed` event on the status bus, from the table's stream
  (`feedback.outbox`).
- suppression: an address that is not e-mailed, with a `SuppressionReason`; temporary when it has
  `expiresAt` (`shared.suppression_item`).
- held: refused by SES for an account or stack reason, waiting to be retried; deferred: re-enqueued
  with a delay (`sender.deferrals`).
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime

ORDER_CONFIRMATION = "order-confirmation"
"""The e-mail kind (sort key) of the order-confirmation e-mail."""

# Deliveries table
ORDER_ID = "orderId"
KIND = "kind"
SES_MESSAGE_ID = "sesMessageId"
ORDER = "order"
"""The validated order, kept with its record (`sender.stored_order`): shown masked, erased by `erase`."""
MESSAGE_ID_INDEX = "bySesMessageId"
"""GSI (KEYS_ONLY) from an SES message id to the delivery's key, for events without our tags."""
STATUS_SHARD = "statusShard"
STATUS_SORT_KEY = "statusSortKey"
STATUS_INDEX = "recentByStatus"
"""GSI answering "recent e-mails with status X"; see `status_index_keys` for why it is sharded."""
STATUS_INDEX_SHARDS = 8
STATUS_INDEX_ATTRIBUTES = ("status", "statusReason", "recipientMasked", SES_MESSAGE_ID, "createdAt", "sentAt",
                           "lastUpdated")
"""Attributes projected into `recentByStatus` (INCLUDE): what a listing shows, and small enough that
history appends and counter updates do not also write the index."""
RECIPIENT_HASH = "recipientHash"
"""`masking.address_hash` of the recipient: the one normalisation, never the address itself."""
CREATED_AT = "createdAt"
RECIPIENT_INDEX = "byRecipient"
"""GSI (KEYS_ONLY) answering "which e-mails went to this address?", newest first: partition key
`recipientHash`, sort key `createdAt`. Keys only, so it is written once, when the claim creates the
item, and never by a status change. An erased record loses its `recipientHash`, so it leaves the index."""
RECIPIENT_ROW_ATTRIBUTES = tuple(name for name in (*STATUS_INDEX_ATTRIBUTES, STATUS_SORT_KEY) if name != CREATED_AT)
"""What a by-recipient listing row reads from the table for each key the index lists: the same row as
`recentByStatus` (`statusSortKey` tells when the status was taken; `createdAt` is the index's own key)."""
HISTORY_LIMIT = 20
"""Newest events kept in a delivery item's `history` (the feedback path's default, the sender's bound)."""
EXPIRES_AT = "expiresAt"
"""TTL attribute (epoch seconds) on both tables."""

# Suppression table
ADDRESS_HASH = "addressHash"
SOFT_BOUNCE_PREFIX = "softbounce#"
"""Prefix of the suppression-table key that counts an address's recent soft bounces."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds and a `Z`: sorts lexically in time order.

    Formatted from the date fields (an f-string is several times cheaper than `strftime`, and the
    sender formats a few timestamps per e-mail); the output is exactly that of the former
    `astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.")` + milliseconds, which a property test checks.
    """
    return _iso_utc(moment.astimezone(UTC), moment.microsecond)


def _day(utc: datetime) -> str:
    """`YYYY-MM-DD` of a UTC datetime (the year unpadded, as glibc's `%Y` prints it)."""
    return f"{utc.year}-{utc.month:02d}-{utc.day:02d}"


def _iso_utc(utc: datetime, microsecond: int) -> str:
    return (f"{_day(utc)}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}."
            f"{microsecond // 1000:03d}Z")


def status_index_keys(status: str, updated_at: datetime, order_id: str, kind: str) -> dict[str, str]:
    """Keys of the `recentByStatus` index for an item that took `status` at `updated_at`.

    The partition key is `STATUS#YYYY-MM-DD#shard`: the day bounds each partition to one day of one
    status, and the shard (crc32 of the delivery key, 0-7) spreads a day's writes over eight
    partitions, so at 1M e-mails/day (~12/s, peaks of a few hundred/s) no index partition gets near
    DynamoDB's 1,000 writes/s per partition limit. Readers query the shards of each day and merge
    by the sort key `updatedAt#orderId#kind`, newest first.
    """
    shard = zlib.crc32(f"{order_id}#{kind}".encode()) % STATUS_INDEX_SHARDS
    utc = updated_at.astimezone(UTC)
    return {STATUS_SHARD: f"{status}#{_day(utc)}#{shard}",
            STATUS_SORT_KEY: f"{_iso_utc(utc, updated_at.microsecond)}#{order_id}#{kind}"}
