"""The cost model `make bench` reports: what a stack costs a month standing idle, and what each e-mail adds.

* **Fixed** (`fixed_monthly`): what the stack's resource graph (`mockstack.run_stack(stack)`, the
  resources `pulumi up` would create) costs a month with no e-mail at all: customer-managed keys,
  alarms (per metric they watch), composite alarms, dashboards, the idle long-polling of every SQS
  event source mapping, scheduled functions and the custom metric a scheduled function emits whatever
  the traffic.
* **Volume-dependent** (`volume_monthly`): billed per hour or per key-reuse window *with traffic*, so
  neither fixed nor proportional: custom metric series (CloudWatch prorates a series by the hours it
  receives data) and KMS requests (one data key per reuse window per encrypted resource in use).
* **Variable** (`variable_per_email`): requests, bytes and stored item sizes counted in a local run
  (`run_all.local_run`), times the list prices in `prices.py`, at a given daily volume (batch sizes grow
  with it) and data retention (the item's TTL; point-in-time recovery bills the same bytes again).

Assumptions that are not prices are in `prices.py` too, each with its reason. Free tiers are ignored.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from decimal import Decimal
from typing import Any

import prices

SENDER_FUNCTION = "order-email-sender-function"
FEEDBACK_FUNCTION = "order-email-feedback-function"
OUTBOX_FUNCTION = "order-email-feedback-outbox-function"
LAMBDA_PLATFORM_LOG_BYTES = 420
"""START, END and REPORT lines Lambda writes per invocation (measured sizes of real ones, ~420 B)."""
ITEM_OVERHEAD_BYTES = 100
"""DynamoDB bills 100 bytes of overhead per stored item, in the table and in every index holding it."""
STATUS_ATTRIBUTES = {"status", "lastUpdated"}
"""What every status write changes: an index projecting either is written on every status change."""
_RATE = re.compile(r"^rate\((\d+) minutes?\)$")


def dynamodb_size(value: Any) -> int:
    """Approximate DynamoDB item/attribute size in bytes (names + values, per the documented rules)."""
    if isinstance(value, dict):
        return 3 + sum(len(str(name).encode()) + dynamodb_size(inner) for name, inner in value.items())
    if isinstance(value, list | set | tuple):
        return 3 + sum(1 + dynamodb_size(inner) for inner in value)
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int | float | Decimal):
        return 1 + math.ceil(len(str(value).lstrip("-").replace(".", "")) / 2)
    if isinstance(value, bytes | bytearray):
        return len(value)
    return len(str(value).encode())


def projected(item: dict[str, Any], index: dict[str, Any], table_keys: tuple[str, ...]) -> dict[str, Any] | None:
    """The part of `item` a GSI stores (None when the item lacks the index's keys: not in the index)."""
    keys = [index["hashKey"], *([index["rangeKey"]] if index.get("rangeKey") else [])]
    if any(key not in item for key in keys):
        return None
    kept = set(keys) | set(table_keys)
    if index["projectionType"] == "ALL":
        return dict(item)
    if index["projectionType"] == "INCLUDE":
        kept |= set(index.get("nonKeyAttributes") or [])
    return {name: value for name, value in item.items() if name in kept}


def stored_bytes(items: list[dict[str, Any]], table: dict[str, Any]) -> dict[str, int]:
    """Median stored bytes per delivery record: the item and each index's copy, overhead included."""
    def median(values: list[int]) -> int:
        return sorted(values)[len(values) // 2] if values else 0

    sizes = {"item": median([dynamodb_size(item) + ITEM_OVERHEAD_BYTES for item in items])}
    for index in table["indexes"]:
        copies = [projected(item, index, table["keys"]) for item in items]
        sizes[index["name"]] = median([dynamodb_size(copy) + ITEM_OVERHEAD_BYTES for copy in copies
                                       if copy is not None])
    return sizes


# -- the stack's resource graph ------------------------------------------------------------------------

def _alarm_metrics(alarm: Any) -> int:
    queries = alarm.inputs.get("metricQueries")
    return sum(1 for query in queries if query.get("metric")) if queries else 1


def stack_inventory(stack: str) -> dict[str, Any]:
    """What `pulumi up` of `stack` creates that the model prices, read from the mock deployment."""
    from order_email.mockstack import run_stack, stack_config

    run = run_stack(stack)
    config = stack_config(stack)
    queues = run.of_type("aws:sqs/queue:Queue")
    topics = run.of_type("aws:sns/topic:Topic")
    tables = {table.name: table for table in run.of_type("aws:dynamodb/table:Table")}
    deliveries = next(table for name, table in tables.items() if name.endswith("deliveries"))
    schedules = [rule.inputs["scheduleExpression"] for rule in run.of_type("aws:cloudwatch/eventRule:EventRule")
                 if rule.inputs.get("scheduleExpression")]
    return {
        "stack": stack,
        "kms_keys": len(run.of_type("aws:kms/key:Key")),
        "kms_encrypted": {
            **{queue.name: ("queue", int(queue.inputs.get("kmsDataKeyReusePeriodSeconds") or 300))
               for queue in queues if queue.inputs.get("kmsMasterKeyId")},
            **{topic.name: ("topic", prices.KMS_SERVICE_REUSE_SECONDS)
               for topic in topics if topic.inputs.get("kmsMasterKeyId")},
            **{name: ("table", prices.KMS_SERVICE_REUSE_SECONDS) for name, table in tables.items()
               if (table.inputs.get("serverSideEncryption") or {}).get("kmsKeyArn")},
        },
        "pitr": bool((deliveries.inputs.get("pointInTimeRecovery") or {}).get("enabled")),
        "alarms": len(run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")),
        "alarm_metrics": sum(_alarm_metrics(alarm) for alarm in run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")),
        "composite_alarms": len(run.of_type("aws:cloudwatch/compositeAlarm:CompositeAlarm")),
        "dashboards": len(run.of_type("aws:cloudwatch/dashboard:Dashboard")),
        "queues_polled": sum(1 for mapping in run.of_type("aws:lambda/eventSourceMapping:EventSourceMapping")
                             if ":sqs:" in str(mapping.inputs.get("eventSourceArn"))),
        "scheduled_invocations_per_month": sum(
            prices.DAYS_PER_MONTH * 24 * 60 / int(match.group(1))
            for match in (_RATE.match(expression) for expression in schedules) if match),
        "scheduled_functions": len(schedules),
        "memory_mb": {function.name: float(function.inputs.get("memorySize", 128))
                      for function in run.of_type("aws:lambda/function:Function")},
        "deliveries_table": {
            "keys": tuple(key for key in (deliveries.inputs.get("hashKey"), deliveries.inputs.get("rangeKey")) if key),
            "indexes": list(deliveries.inputs.get("globalSecondaryIndexes") or []),
        },
        "retention_days": int(config["order-email:dataRetentionDays"]),
        "log_retention_days": int(config["order-email:logRetentionDays"]),
    }


def fixed_monthly(inventory: dict[str, Any]) -> dict[str, float]:
    """USD a month for the stack standing idle, by resource class."""
    probe_ms = prices.SCHEDULED_FUNCTION_MS
    return {
        "kms_keys": inventory["kms_keys"] * prices.KMS_KEY_PER_MONTH,
        "alarms": inventory["alarm_metrics"] * prices.ALARM_PER_METRIC_MONTH,
        "composite_alarms": inventory["composite_alarms"] * prices.COMPOSITE_ALARM_PER_MONTH,
        "dashboards": inventory["dashboards"] * prices.DASHBOARD_PER_MONTH,
        "sqs_idle_polling": inventory["queues_polled"] * prices.SQS_IDLE_RECEIVES_PER_QUEUE_MONTH
        * prices.SQS_PER_REQUEST,
        "scheduled_functions": inventory["scheduled_invocations_per_month"]
        * (prices.LAMBDA_PER_REQUEST + probe_ms / 1000 * 128 / 1024 * prices.LAMBDA_ARM_PER_GB_SECOND),
        # the quota probe reports every interval whatever the traffic: its series is always billed
        "always_on_metrics": inventory["scheduled_functions"] * prices.CUSTOM_METRIC_PER_MONTH,
    }


def snapstart_what_if(inventory: dict[str, Any]) -> dict[str, Any]:
    """What SnapStart (the issue's cold-start lever) would cost: its snapshot cache is billed while the
    version is active, so it is a fixed monthly cost per function, paid idle or not; each cold start
    then pays a restore instead of its init."""
    seconds = prices.DAYS_PER_MONTH * 24 * 3600
    cache = {name: memory / 1024 * seconds * prices.SNAPSTART_CACHE_PER_GB_SECOND
             for name, memory in inventory["memory_mb"].items()}
    return {
        "cache_per_month_usd": {name: round(cost, 3) for name, cost in cache.items()},
        "cache_total_per_month_usd": round(sum(cache.values()), 2),
        "restore_per_cold_start_usd": {name: round(memory / 1024 * prices.SNAPSTART_RESTORE_PER_GB, 7)
                                       for name, memory in inventory["memory_mb"].items()},
    }


# -- what traffic adds ---------------------------------------------------------------------------------

def _hour_share(events_per_hour: float) -> float:
    """Share of hours with at least one event, for events arriving at random (Poisson)."""
    return 1 - math.exp(-events_per_hour)


def _resource_rate(name: str, per_day: float, events: float, writes: float) -> float:
    """Messages (or requests) a second through the encrypted resource `name`: what makes it use its key."""
    if "dlq" in name or "alarms" in name:
        return 0.0  # only on failures or alarm state changes
    if "feedback" in name or "ses-events" in name:
        return per_day * events / 86_400
    if "deliveries" in name:
        return per_day * writes / 86_400
    return per_day / 86_400  # the orders topic, the send queue, the suppression table


def volume_monthly(per_day: float, inventory: dict[str, Any], local: dict[str, Any]) -> dict[str, float]:
    """USD a month billed by the hours or key windows that see traffic, at `per_day` e-mails."""
    per_hour = per_day / 24
    metrics = sum(prices.CUSTOM_METRIC_PER_MONTH * _hour_share(per_hour * rate)
                  for rate in local["metric_series_per_email"].values())
    month_seconds = prices.DAYS_PER_MONTH * 86_400
    writes = local["deliveries_writes_per_email"]
    kms_requests = 0.0
    for name, (_, reuse) in inventory["kms_encrypted"].items():
        rate = _resource_rate(name, per_day, local["feedback_events_per_email"], writes)
        windows_in_use = month_seconds / reuse * (1 - math.exp(-rate * reuse))
        kms_requests += 2 * windows_in_use  # one GenerateDataKey (writer) and one Decrypt (reader) each
    return {"custom_metrics": metrics, "kms_requests": kms_requests * prices.KMS_PER_REQUEST}


def variable_per_email(per_day: float, inventory: dict[str, Any], local: dict[str, Any], sender_us: float,
                       feedback_us: float, retention_days: int) -> dict[str, float]:
    """USD per e-mail by service at `per_day` e-mails, records kept `retention_days`."""
    sent = local["sent"]
    feedback_calls = Counter(local["aws_calls_by_function"][FEEDBACK_FUNCTION])
    events = local["feedback_events_per_email"]
    status_events = local["status_events_per_email"]
    memory = inventory["memory_mb"]
    # batch sizes: each event source mapping (and the outbox pipe) waits up to 1 s for 10 messages
    send_batch = max(1.0, min(10.0, per_day / 86_400))
    feedback_batch = max(1.0, min(10.0, per_day * events / 86_400))
    outbox_batch = max(1.0, min(10.0, per_day * status_events / 86_400))
    cost: dict[str, float] = {}

    cost["sns"] = (1 + events) * prices.SNS_PER_PUBLISH  # the order, and each SES event
    # SNS's SendMessage into the queue, then a ReceiveMessage and a DeleteMessageBatch per batch
    cost["sqs"] = ((1 + 2 / send_batch) + events * (1 + 2 / feedback_batch)) * prices.SQS_PER_REQUEST

    sender_ms = (prices.LAMBDA_INVOKE_OVERHEAD_MS / send_batch + prices.DYNAMODB_LATENCY_MS / send_batch
                 + sender_us / 1000 + 2 * prices.DYNAMODB_LATENCY_MS + prices.SES_SEND_LATENCY_MS)
    feedback_ms = events * (feedback_us / 1000 + 2 * prices.DYNAMODB_LATENCY_MS
                            + prices.LAMBDA_INVOKE_OVERHEAD_MS / feedback_batch)
    outbox_ms = status_events * (prices.OUTBOX_US_PER_EVENT / 1000 + prices.LAMBDA_INVOKE_OVERHEAD_MS / outbox_batch)
    gb_seconds = (sender_ms * memory[SENDER_FUNCTION] + feedback_ms * memory[FEEDBACK_FUNCTION]
                  + outbox_ms * memory[OUTBOX_FUNCTION]) / 1024 / 1000
    cost["lambda"] = ((1 / send_batch + events / feedback_batch + status_events / outbox_batch)
                      * prices.LAMBDA_PER_REQUEST + gb_seconds * prices.LAMBDA_ARM_PER_GB_SECOND)

    sizes = local["delivery_stored_bytes"]
    # the suppression BatchGetItem reads one key per e-mail, eventually consistent (0.5 RRU, found or
    # not); the feedback path reads the record strongly consistent (1 RRU per 4 KB) once per event
    reads = 0.5 + feedback_calls["dynamodb.GetItem"] / sent * math.ceil(sizes["item"] / 4096)
    cost["dynamodb_requests"] = (reads * prices.DYNAMODB_PER_RRU
                                 + local["deliveries_writes_per_email"] * prices.DYNAMODB_PER_WRU
                                 + feedback_calls["dynamodb.PutItem"] / sent * prices.DYNAMODB_PER_WRU)
    storage_price = (prices.DYNAMODB_STORAGE_PER_GB_MONTH
                     + (prices.DYNAMODB_PITR_PER_GB_MONTH if inventory["pitr"] else 0))
    cost["dynamodb_storage"] = (sum(sizes.values()) / 1e9 * retention_days / prices.DAYS_PER_MONTH
                                * storage_price)

    cost["eventbridge"] = status_events * prices.EVENTBRIDGE_PER_EVENT
    cost["pipes"] = status_events * prices.PIPES_PER_REQUEST

    log_bytes = (sum(local["log_bytes_per_email"].values())
                 + LAMBDA_PLATFORM_LOG_BYTES * (1 / send_batch + events / feedback_batch
                                                + status_events / outbox_batch))
    cost["logs"] = log_bytes / 1e9 * (prices.LOGS_INGEST_PER_GB + prices.LOGS_STORAGE_PER_GB_MONTH
                                      * inventory["log_retention_days"] / prices.DAYS_PER_MONTH)
    return cost


def deliveries_writes(local_calls: dict[str, Counter[str]], sent: int, table: dict[str, Any],
                      item_bytes: int) -> float:
    """Write request units per e-mail on the deliveries table and its indexes (DynamoDB's rules).

    Each write costs ceil(item KB) in the table; each index holding the item is written too: a put
    when the item enters it, a delete + put when its index key changes, a put when an attribute it
    projects changes. The claim creates the item (enters every index whose keys it sets: all but
    bySesMessageId); the record (SENT) and every feedback status write change the status index key
    and `status`/`lastUpdated`; the record also sets `sesMessageId`.
    """
    item_units = math.ceil(item_bytes / 1024)
    claims = sent
    records = local_calls[SENDER_FUNCTION]["dynamodb.UpdateItem"] - claims
    status_writes = records + local_calls[FEEDBACK_FUNCTION]["dynamodb.UpdateItem"]
    per_claim = float(item_units)
    per_status_write = float(item_units)
    for index in table["indexes"]:
        keys = {index["hashKey"], index.get("rangeKey")}
        projects_status = (index["projectionType"] == "ALL"
                           or bool(STATUS_ATTRIBUTES & set(index.get("nonKeyAttributes") or [])))
        if "statusSortKey" in keys:
            per_claim += 1
            per_status_write += 2  # the key moves: delete + put
        elif "sesMessageId" in keys:
            per_status_write += records / status_writes if status_writes else 0  # entered once, by the record
        else:
            per_claim += 1
            per_status_write += 1 if projects_status else 0
    return (claims * per_claim + status_writes * per_status_write) / sent


def provisioned_requests_per_email(per_day: float, local: dict[str, Any]) -> float:
    """USD per e-mail for the deliveries table's requests in provisioned mode with auto scaling: the
    alternative to on-demand at high volume (`prices.PROVISIONED_HEADROOM` above the average rate)."""
    hours = 24
    writes_per_hour = per_day * local["deliveries_writes_per_email"] / hours
    reads_per_hour = per_day * local["feedback_events_per_email"] / hours
    capacity = (writes_per_hour / 3600 * prices.DYNAMODB_PER_WCU_HOUR + reads_per_hour / 3600
                * prices.DYNAMODB_PER_RCU_HOUR) * prices.PROVISIONED_HEADROOM
    return capacity * hours / per_day


def stack_costs(per_day: float, inventory: dict[str, Any], local: dict[str, Any], sender_us: float,
                feedback_us: float, retention_days: int | None = None) -> dict[str, Any]:
    """Everything about one stack at one volume: fixed, volume-dependent and variable, per month and per 1,000."""
    retention = inventory["retention_days"] if retention_days is None else retention_days
    emails_month = per_day * prices.DAYS_PER_MONTH
    fixed = fixed_monthly(inventory)
    volume = volume_monthly(per_day, inventory, local)
    variable = {name: value * 1000 for name, value in
                variable_per_email(per_day, inventory, local, sender_us, feedback_us, retention).items()}
    variable_total = sum(variable.values())
    volume_per_1000 = {name: value / emails_month * 1000 for name, value in volume.items()}
    fixed_per_1000 = sum(fixed.values()) / emails_month * 1000
    total_per_1000 = variable_total + sum(volume_per_1000.values()) + fixed_per_1000
    ses_1000 = prices.SES_PER_EMAIL * 1000
    return {
        "stack": inventory["stack"],
        "emails_per_day": per_day,
        "retention_days": retention,
        "log_retention_days": inventory["log_retention_days"],
        "pitr": inventory["pitr"],
        "fixed_per_month_usd": {name: round(value, 3) for name, value in fixed.items()},
        "volume_per_month_usd": {name: round(value, 3) for name, value in volume.items()},
        "variable_per_1000_usd": {name: round(value, 6) for name, value in variable.items()},
        "variable_total_per_1000_usd": round(variable_total, 6),
        "deliveries_requests_provisioned_per_1000_usd": round(provisioned_requests_per_email(per_day, local) * 1000,
                                                              6),
        "total_per_1000_usd": round(total_per_1000, 6),
        "total_per_month_usd": round(sum(fixed.values()) + sum(volume.values()) + variable_total * emails_month / 1000,
                                     2),
        "ses_per_month_usd": round(ses_1000 * emails_month / 1000, 2),
        "ses_cost_share": round(ses_1000 / (ses_1000 + total_per_1000), 4),
    }
