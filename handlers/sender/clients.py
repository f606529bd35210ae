"""boto3 clients of the sender, created once per cold start, with timeouts chosen on purpose.

Worst cases, from these settings (botocore "standard" retries back off at most 1 s before the
second attempt):

* DynamoDB and SQS: 2 attempts x (0.5 s connect + 1 s read) + 1 s backoff = **4 s** per call.
  Normal latency is ~5-20 ms, so 1 s only ever cuts off a broken connection.
* SES SendEmail: 1 attempt x (1 s connect + 3 s read) = **4 s**. No botocore retry, on purpose:
  SendEmail has no idempotency token, so retrying after a read timeout could mail twice, and
  botocore counts the daily-quota error as a throttle and would retry it pointlessly. Throttles
  and 5xx come back through SQS (partial batch failure) instead.
* One e-mail = claim + send + record (or release) = 3 x 4 s = **12 s**; the batch-wide
  suppression read adds up to 3 BatchGetItem calls (UnprocessedKeys) = 12 s; re-enqueueing the
  orders that must wait (`deferrals`) is one SendMessageBatch = 4 s.

The batch loop (`process.BatchSender`) never starts an e-mail unless the Lambda has at least
`EMAIL_WORST_CASE_MS + DEFER_WORST_CASE_MS + SAFETY_MARGIN_MS` left (plus any pacing wait); the
rest of the batch is re-enqueued to wait. So with a function timeout of at least 30 s (suppression
12 s + one e-mail 12 s + re-enqueue 4 s + 1 s margin) an invocation can never time out half-way,
whatever the network does; a healthy batch of 10 takes well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import botocore.session
from botocore.config import Config

# `total_max_attempts` counts the first attempt; botocore's `max_attempts` counts retries (one more).
DYNAMODB_CONFIG = Config(connect_timeout=0.5, read_timeout=1, retries={"mode": "standard", "total_max_attempts": 2})
SQS_CONFIG = Config(connect_timeout=0.5, read_timeout=1, retries={"mode": "standard", "total_max_attempts": 2})
SES_CONFIG = Config(connect_timeout=1, read_timeout=3, retries={"mode": "standard", "total_max_attempts": 1})

CALL_WORST_CASE_MS = 4_000
EMAIL_WORST_CASE_MS = 3 * CALL_WORST_CASE_MS
"""Claim + send + record (or release/fail), each at its worst."""
DEFER_WORST_CASE_MS = CALL_WORST_CASE_MS
"""The batch's one SendMessageBatch of orders that must wait."""
SAFETY_MARGIN_MS = 1_000


@dataclass(frozen=True)
class Clients:
    dynamodb: Any
    sesv2: Any
    sqs: Any


def make_clients() -> Clients:
    """Region and endpoint come from the standard AWS_* variables (AWS_ENDPOINT_URL for emulators).

    Straight from botocore: the sender uses low-level clients only, and `import boto3` would add its
    resource layer and s3transfer (about 13 ms of every cold start) for nothing."""
    session = botocore.session.get_session()
    return Clients(
        dynamodb=session.create_client("dynamodb", config=DYNAMODB_CONFIG),
        sesv2=session.create_client("sesv2", config=SES_CONFIG),
        sqs=session.create_client("sqs", config=SQS_CONFIG),
    )
