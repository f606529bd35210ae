"""The one price table the cost benchmark uses: AWS list prices, us-east-1, USD.

Source: the public AWS pricing pages (aws.amazon.com/<service>/pricing) as published in 2025 —
DynamoDB on-demand after the 1 Nov 2024 price cut. Written down on 2026-11-23 from those pages
without network access to re-check them, so treat them as list prices to within a few percent and
re-check before quoting money to anyone. eu-west-1 (where the stacks deploy) is the same for
Lambda, SQS, SNS, EventBridge, KMS and SES, and 10-15 % higher for DynamoDB and CloudWatch Logs
(noted per line); the verdict of `make bench` does not change with the region.

Free tiers are ignored on purpose (they are per account, and shared with everything else in it).
"""

from __future__ import annotations

SES_PER_EMAIL = 0.10 / 1000
"""SES outbound e-mail, $0.10 per 1,000 (no attachments, so no per-GB charge). The yardstick."""

# -- per request / per unit ------------------------------------------------------------------------
SNS_PER_PUBLISH = 0.50 / 1e6
"""SNS standard topic, $0.50 per million publishes (64 KB chunks). Deliveries to SQS are free."""
SQS_PER_REQUEST = 0.40 / 1e6
"""SQS standard queue, $0.40 per million requests (64 KB chunks), any action, incl. empty receives
and the SendMessage SNS makes when it delivers to a queue."""
LAMBDA_PER_REQUEST = 0.20 / 1e6
"""Lambda, $0.20 per million invocations."""
LAMBDA_ARM_PER_GB_SECOND = 0.0000133334
"""Lambda arm64 (what the stacks deploy), per GB-second of billed duration (1 ms granularity)."""
DYNAMODB_PER_WRU = 0.625 / 1e6
"""DynamoDB on-demand write request unit (1 KB), $0.625 per million (eu-west-1 ≈ $0.71)."""
DYNAMODB_PER_RRU = 0.125 / 1e6
"""DynamoDB on-demand read request unit (4 KB strongly consistent, or two eventually consistent),
$0.125 per million (eu-west-1 ≈ $0.14)."""
EVENTBRIDGE_PER_EVENT = 1.00 / 1e6
"""EventBridge PutEvents to a custom bus, $1.00 per million events (64 KB chunks)."""
PIPES_PER_REQUEST = 0.40 / 1e6
"""EventBridge Pipes, $0.40 per million requests after filtering (64 KB chunks): one per status event.
The pipe's reads of the table's stream are not priced here (not verified offline: see the README)."""
KMS_PER_REQUEST = 0.03 / 10_000
"""KMS API requests (GenerateDataKey, Decrypt), $0.03 per 10,000."""
LOGS_INGEST_PER_GB = 0.50
"""CloudWatch Logs standard ingestion, $0.50 per GB (eu-west-1 $0.57)."""
LOGS_STORAGE_PER_GB_MONTH = 0.03
"""CloudWatch Logs archive storage, $0.03 per GB-month (counted uncompressed: an upper bound)."""
DYNAMODB_PER_WCU_HOUR = 0.00065
"""DynamoDB provisioned write capacity unit, per hour (eu-west-1 ≈ $0.000735)."""
DYNAMODB_PER_RCU_HOUR = 0.00013
"""DynamoDB provisioned read capacity unit, per hour (eu-west-1 ≈ $0.000147)."""
PROVISIONED_HEADROOM = 2.0 / 0.7
"""Provisioned capacity over the average rate: peaks at twice the average, auto scaling at 70 % target
utilisation (an assumption about traffic, not a price)."""
DYNAMODB_STORAGE_PER_GB_MONTH = 0.25
"""DynamoDB standard table class storage, $0.25 per GB-month (eu-west-1 ≈ $0.283)."""
DYNAMODB_PITR_PER_GB_MONTH = 0.20
"""DynamoDB continuous backups (point-in-time recovery), $0.20 per GB-month."""

SNAPSTART_CACHE_PER_GB_SECOND = 0.0000015046
"""Lambda SnapStart (Python), the snapshot cache: per GB of the function's memory, per second its
published version stays active (3 hours at least). Priced for the what-if only: no stack enables it.
This and the restore price are the Lambda pricing page's us-east-1 rates as quoted in May 2026 (not
re-checked here offline, like every price in this file)."""
SNAPSTART_RESTORE_PER_GB = 0.0001397998
"""Lambda SnapStart (Python), each restore of an execution environment from the snapshot, per GB of memory."""

# -- fixed, per month --------------------------------------------------------------------------------
KMS_KEY_PER_MONTH = 1.00
"""A customer-managed KMS key ($1/month; AWS-managed keys cost nothing per month)."""
CUSTOM_METRIC_PER_MONTH = 0.30
"""A CloudWatch custom metric (each metric name x dimension set from EMF), first 10,000 tier."""
ALARM_PER_METRIC_MONTH = 0.10
"""A standard-resolution metric alarm, per metric it evaluates."""
COMPOSITE_ALARM_PER_MONTH = 0.50
DASHBOARD_PER_MONTH = 3.00
"""Per dashboard beyond the account's first three free ones (assumed used up)."""

# -- assumptions that are not prices, kept here so the cost model has one place of record --------------
DAYS_PER_MONTH = 30.4
SQS_IDLE_RECEIVES_PER_QUEUE_MONTH = 5 * 3 * 60 * 24 * DAYS_PER_MONTH
"""A Lambda SQS event source mapping long-polls even when idle: about 5 pollers x one 20 s receive
each = 15 receives/minute per queue (≈ 657,000 per month, ≈ $0.26)."""
KMS_SERVICE_REUSE_SECONDS = 300
"""SNS topics and DynamoDB tables on a customer-managed key reuse a data key for about 5 minutes (not
configurable); SQS queues state their own period (`kmsDataKeyReusePeriodSeconds`). Each reuse window
with traffic costs about one GenerateDataKey (writer) and one Decrypt (reader); an idle one nothing."""
SCHEDULED_FUNCTION_MS = 150.0
"""Billed time of one scheduled quota-probe run (one SES GetAccount call at 128 MB)."""
OUTBOX_US_PER_EVENT = 300.0
"""The status-outbox function's work per status event (stream record → event detail, no AWS call)."""
SES_SEND_LATENCY_MS = 60.0
DYNAMODB_LATENCY_MS = 6.0
EVENTBRIDGE_LATENCY_MS = 15.0
"""Typical in-region latencies of one call, for billed Lambda duration (the local emulator's
latencies are those of moto on this machine, not of AWS)."""
LAMBDA_INVOKE_OVERHEAD_MS = 2.0
"""Billed time per invocation outside the handler's own work (runtime event loop, EMF flush)."""
