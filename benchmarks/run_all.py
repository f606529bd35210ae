"""`make bench`: every docs/architecture.md §6 number, measured on this machine, into results.json and RESULTS.md.

What runs (about 3-5 minutes on 2 cores):

1. Sender CPU per e-mail vs the floor (`bench_sender`): batches of 10 against in-process fakes,
   sender and floor runs interleaved so machine noise hits both; the minimum of each (CPU time,
   `time.process_time`).
2. Feedback calls and CPU per event (`bench_feedback`).
3. Cold import of each handler vs a bare `import boto3`: fresh interpreters, interleaved, minimum
   wall time of the import statement (interpreter start excluded from both). Also what a Lambda
   cold start pays on top: the first event (handler's own work against fakes) in the same process.
4. Local mode: `LocalSystem` + the `make local` scenario (200 orders, seed 1) on the moto server:
   throughput, AWS calls per e-mail by function, log bytes per e-mail, EMF metrics, item sizes.
5. Preview: `mockstack.run_stack(stack)` for dev and prod, best of 3, each in a fresh process
   (so it includes importing pulumi, pulumi-aws and the components, as `order-email preview` does).
6. Cost: counted requests x `prices.py` at 2,000 and 1,000,000 e-mails a day (`cost_model`).

Nothing here asserts a timing; the numbers are reported against the targets, met or not.
Environment: BENCH_BATCHES (sender batches per run, default 100), BENCH_IMPORT_RUNS (fresh
interpreters per module, default 9), BENCH_ORDERS (local-mode orders, default 200).
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import bench_feedback  # noqa: E402
import bench_sender  # noqa: E402
import prices  # noqa: E402

SENDER_FUNCTION = "order-email-sender-function"
FEEDBACK_FUNCTION = "order-email-feedback-function"
HANDLERS = ("handlers.send_order_email", "handlers.ses_feedback", "handlers.delivery_status")
IMPORT_ENV = bench_sender.ENV | bench_feedback.ENV
LAMBDA_PLATFORM_LOG_BYTES = 420
"""START, END and REPORT lines Lambda writes per invocation (measured sizes of real ones, ~420 B)."""
TARGETS = {
    "sender_cpu_ratio": 1.3,
    "send_calls_per_email": 3.0,
    "sequential_round_trips_before_accept": 2,
    "cold_import_ratio": 1.8,
    "non_ses_cost_per_1000_usd": prices.SES_PER_EMAIL * 1000 * 0.05,
    "ses_cost_share": 1 / 1.05,
}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- 1. sender CPU -----------------------------------------------------------------------------------

def sender_cpu(batches: int, rounds: int = 7) -> dict[str, Any]:
    os.environ.update(bench_sender.ENV)
    bench_sender.sender_run(5)
    bench_sender.floor_run(5)
    sender, floor = [], []
    calls: Counter[str] = Counter()
    for _ in range(rounds):
        elapsed, calls = bench_sender.sender_run(batches)
        sender.append(elapsed)
        floor.append(bench_sender.floor_run(batches)[0])
    emails = batches * bench_sender.BATCH
    sender_us, floor_us = min(sender) / emails * 1e6, min(floor) / emails * 1e6
    return {
        "emails_per_run": emails,
        "rounds": rounds,
        "sender_us_per_email": round(sender_us, 1),
        "floor_us_per_email": round(floor_us, 1),
        "ratio": round(sender_us / floor_us, 3),
        "sender_us_median": round(statistics.median(sender) / emails * 1e6, 1),
        "floor_us_median": round(statistics.median(floor) / emails * 1e6, 1),
        "calls_per_email": round(sum(calls.values()) / emails, 3),
        "calls_by_operation_per_email": {name: round(n / emails, 3) for name, n in sorted(calls.items())},
    }


# -- 3. cold import and first event ----------------------------------------------------------------

_IMPORT_CODE = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"

_FIRST_EVENT_CODE = """
import io, sys, time
sys.path[:0] = [{root!r}, {here!r}]
t0 = time.perf_counter()
import {module} as handler
t1 = time.perf_counter()
{build}
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""

_BUILD = {
    "handlers.send_order_email": """
import bench_sender as b
from order_email.handlers.sender.clients import Clients
from order_email.handlers.sender.process import BatchSender
from order_email.handlers.sender.settings import SenderSettings
fake = b.FakeAws()
sender = BatchSender.build(SenderSettings.from_env(b.ENV), Clients(fake, fake, fake), metrics=handler.metrics,
                           logger=handler.logger)
sink, sys.stdout = sys.stdout, io.StringIO()
sender.process(b.event(0))
handler.metrics.flush_metrics()
sys.stdout = sink
""",
    "handlers.ses_feedback": """
import bench_feedback as b
from tests.support import feedback_samples as s
fake = b.FakeAws()
b.seed(fake, 10)
processor = b.build_processor(fake)
processor.process(s.sqs_event(*[s.event("Delivery", f"m-{{n}}", f"o-{{n}}") for n in range(10)]))
""",
}


def _run_python(code: str) -> list[float]:
    env = os.environ | IMPORT_ENV
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                            env=env).stdout
    return [float(value) for value in output.split()]


def cold_imports(runs: int) -> dict[str, Any]:
    """Min over fresh interpreters of `import X` wall time; modules interleaved round by round."""
    modules = ("boto3", *HANDLERS)
    timings: dict[str, list[float]] = {module: [] for module in modules}
    for _ in range(runs):
        for module in modules:
            timings[module].append(_run_python(_IMPORT_CODE.format(module=module))[0] * 1000)
    boto3_ms = min(timings["boto3"])
    detail: dict[str, Any] = {"boto3_ms": round(boto3_ms, 1), "runs": runs, "handlers": {}}
    for module in HANDLERS:
        best = min(timings[module])
        detail["handlers"][module] = {"import_ms": round(best, 1), "ratio": round(best / boto3_ms, 3),
                                      "median_ratio": round(statistics.median(timings[module])
                                                            / statistics.median(timings["boto3"]), 3)}
    for module, build in _BUILD.items():
        pairs = [_run_python(_FIRST_EVENT_CODE.format(root=str(ROOT), here=str(HERE), module=module, build=build))
                 for _ in range(max(3, runs // 2))]
        first_ms = min(pair[1] for pair in pairs) * 1000
        import_ms = detail["handlers"][module]["import_ms"]
        detail["handlers"][module] |= {
            "first_event_ms": round(first_ms, 1),
            "import_plus_first_event_ratio": round((import_ms + first_ms) / boto3_ms, 3),
        }
    detail["worst"] = max(HANDLERS, key=lambda module: detail["handlers"][module]["ratio"])
    return detail


# -- 4. local mode -----------------------------------------------------------------------------------

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


def local_run(orders: int, seed: int = 1) -> dict[str, Any]:
    from order_email.localmode.run import run_scenario
    from order_email.localmode.system import LocalSystem

    with LocalSystem("dev") as system:
        summary = run_scenario(system, orders, seed)
        sent = summary["sent"]
        by_function = {name: system.aws_calls(name) for name in (SENDER_FUNCTION, FEEDBACK_FUNCTION)}
        log_bytes = {name: sum(len(line.encode()) + 1 for line in system.logs(name))
                     for name in (SENDER_FUNCTION, FEEDBACK_FUNCTION)}
        emf = system.emf_documents()
        emf_bytes = sum(len(json.dumps({k: v for k, v in doc.items() if k != "function"},
                                       separators=(",", ":")).encode()) + 1 for doc in emf)
        metric_keys = set()
        for doc in emf:
            for directive in doc.get("_aws", {}).get("CloudWatchMetrics", []):
                for dimensions in directive.get("Dimensions", [[]]):
                    for metric in directive.get("Metrics", []):
                        metric_keys.add((directive.get("Namespace"), metric.get("Name"), tuple(dimensions)))
        items = system.delivery_items()
        sizes = sorted(dynamodb_size(item) for item in items)
    events = by_function[FEEDBACK_FUNCTION].get("dynamodb.GetItem", 0) - by_function[FEEDBACK_FUNCTION].get(
        "dynamodb.PutItem", 0)  # one GetItem of the delivery per event, one more per suppression written
    return {
        "orders": summary["orders"],
        "sent": sent,
        "ok": summary["ok"],
        "elapsed_seconds": summary["elapsedSeconds"],
        "emails_per_second": summary["emailsPerSecond"],
        "invocations": summary["invocations"],
        "aws_calls": summary["awsCalls"],
        "aws_calls_by_function": by_function,
        "put_metric_data_calls": summary["putMetricDataCalls"],
        "send_path_calls_per_email": summary["sendPathCallsPerEmail"],
        "feedback_events": events,
        "feedback_events_per_email": round(events / sent, 3) if sent else None,
        "feedback_calls_per_event": round(sum(by_function[FEEDBACK_FUNCTION].values()) / events, 3)
        if events else None,
        "log_bytes_per_email": {name.removeprefix("order-email-").removesuffix("-function"): round(n / sent, 1)
                                for name, n in log_bytes.items()} | {"emf": round(emf_bytes / sent, 1)},
        "emf_metrics": len(metric_keys),
        "delivery_item_bytes": {"median": sizes[len(sizes) // 2], "max": sizes[-1]} if sizes else {},
    }


# -- 5. preview ---------------------------------------------------------------------------------------

_PREVIEW_CODE = """
import time, sys
sys.path.insert(0, {root!r})
t = time.perf_counter()
from order_email.mockstack import run_stack
run = run_stack({stack!r})
print(time.perf_counter() - t, len(run.resources))
"""


def preview_seconds(runs: int = 3) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for stack in ("dev", "prod"):
        timings = [_run_python(_PREVIEW_CODE.format(root=str(ROOT), stack=stack)) for _ in range(runs)]
        result[stack] = round(min(seconds for seconds, _ in timings), 2)
        result[f"{stack}_resources"] = int(timings[0][1])
    return result


# -- 6. cost ------------------------------------------------------------------------------------------

def stack_inventory(stack: str = "prod") -> dict[str, Any]:
    """What in the deployed stack costs money every month whatever the volume."""
    from order_email.mockstack import run_stack, stack_config

    run = run_stack(stack)
    config = stack_config(stack)
    alarms = run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    alarm_metrics = sum(
        sum(1 for query in alarm.inputs["metricQueries"] if query.get("metric")) if alarm.inputs.get("metricQueries")
        else 1
        for alarm in alarms
    )
    encrypted = [resource for resource in run.of_type("aws:sqs/queue:Queue") + run.of_type("aws:sns/topic:Topic")
                 if resource.inputs.get("kmsMasterKeyId")]
    tables = run.of_type("aws:dynamodb/table:Table")
    functions = {resource.name: resource for resource in run.of_type("aws:lambda/function:Function")}
    return {
        "stack": stack,
        "kms_keys": len(run.of_type("aws:kms/key:Key")),
        "kms_encrypted_queues_and_topics": len(encrypted),
        "kms_encrypted_tables": sum(1 for table in tables
                                    if (table.inputs.get("serverSideEncryption") or {}).get("kmsKeyArn")),
        "pitr": any((table.inputs.get("pointInTimeRecovery") or {}).get("enabled") for table in tables),
        "alarm_metrics": alarm_metrics,
        "composite_alarms": len(run.of_type("aws:cloudwatch/compositeAlarm:CompositeAlarm")),
        "dashboards": len(run.of_type("aws:cloudwatch/dashboard:Dashboard")),
        "queues_polled": len(run.of_type("aws:lambda/eventSourceMapping:EventSourceMapping")),
        "sender_memory_mb": float(functions[SENDER_FUNCTION].inputs.get("memorySize", 128)),
        "feedback_memory_mb": float(functions[FEEDBACK_FUNCTION].inputs.get("memorySize", 128)),
        "retention_days": int(config["order-email:dataRetentionDays"]),
        "log_retention_days": int(config["order-email:logRetentionDays"]),
    }


def cost_model(per_day: int, local: dict[str, Any], sender: dict[str, Any], feedback_cpu_us: float,
               inventory: dict[str, Any]) -> dict[str, Any]:
    """Non-SES dollars per 1,000 e-mails at `per_day`, by line, from counted requests x list prices."""
    emails_month = per_day * prices.DAYS_PER_MONTH
    sent = local["sent"]
    send_calls = Counter(local["aws_calls_by_function"][SENDER_FUNCTION])
    feedback_calls = Counter(local["aws_calls_by_function"][FEEDBACK_FUNCTION])
    events = local["feedback_events_per_email"]  # SES events per e-mail (Send, Delivery/Bounce/…)
    # batch sizes: the event source mapping waits up to 1 s for 10 messages
    send_batch = max(1.0, min(10.0, per_day / 86_400))
    feedback_batch = max(1.0, min(10.0, per_day * events / 86_400))
    item_kb = local["delivery_item_bytes"]["median"] / 1024
    wru_item = math.ceil(item_kb)
    per_email: dict[str, float] = {}

    per_email["sns"] = (1 + events) * prices.SNS_PER_PUBLISH
    per_email["sqs"] = ((1 + 2 / send_batch) + events * (1 + 2 / feedback_batch)) * prices.SQS_PER_REQUEST

    sender_ms = (prices.LAMBDA_INVOKE_OVERHEAD_MS / send_batch + prices.DYNAMODB_LATENCY_MS / send_batch
                 + sender["sender_us_per_email"] / 1000 + 2 * prices.DYNAMODB_LATENCY_MS + prices.SES_SEND_LATENCY_MS)
    feedback_ms = events * (feedback_cpu_us / 1000 + 2 * prices.DYNAMODB_LATENCY_MS
                            + (prices.LAMBDA_INVOKE_OVERHEAD_MS + prices.EVENTBRIDGE_LATENCY_MS) / feedback_batch)
    gb_seconds = (sender_ms * inventory["sender_memory_mb"]
                  + feedback_ms * inventory["feedback_memory_mb"]) / 1024 / 1000
    per_email["lambda"] = ((1 / send_batch + events / feedback_batch) * prices.LAMBDA_PER_REQUEST
                           + gb_seconds * prices.LAMBDA_ARM_PER_GB_SECOND)

    # DynamoDB units: BatchGetItem 0.5 RRU per key (eventually consistent, absent items too); the
    # sender's two updates write the item plus recentByStatus (a put, then a key change = delete +
    # put) and bySesMessageId (one put): +1.5 index writes per update on average. Feedback reads are
    # strongly consistent (1 RRU per 4 KB); its updates move the status index about every other time.
    rru = (0.5 + feedback_calls["dynamodb.GetItem"] / sent * math.ceil(item_kb / 4))
    wru = (send_calls["dynamodb.UpdateItem"] / sent * (wru_item + 2.0)
           + feedback_calls["dynamodb.UpdateItem"] / sent * (wru_item + 1.5)
           + feedback_calls["dynamodb.PutItem"] / sent * 1)
    per_email["dynamodb_requests"] = rru * prices.DYNAMODB_PER_RRU + wru * prices.DYNAMODB_PER_WRU
    stored_bytes = local["delivery_item_bytes"]["median"] + 100 + 400 + 200  # + overhead, two GSIs
    storage_price = (prices.DYNAMODB_STORAGE_PER_GB_MONTH
                     + (prices.DYNAMODB_PITR_PER_GB_MONTH if inventory["pitr"] else 0))
    retention_months = inventory["retention_days"] / prices.DAYS_PER_MONTH
    per_email["dynamodb_storage"] = stored_bytes / 1e9 * retention_months * storage_price

    per_email["eventbridge"] = events * prices.EVENTBRIDGE_PER_EVENT  # upper bound: one event per SES event
    log_bytes = (sum(local["log_bytes_per_email"].values())
                 + LAMBDA_PLATFORM_LOG_BYTES * (1 / send_batch + events / feedback_batch))
    per_email["logs"] = log_bytes / 1e9 * (prices.LOGS_INGEST_PER_GB + prices.LOGS_STORAGE_PER_GB_MONTH
                                           * inventory["log_retention_days"] / prices.DAYS_PER_MONTH)

    fixed_month = {
        "kms_keys": inventory["kms_keys"] * prices.KMS_KEY_PER_MONTH,
        "kms_requests": (inventory["kms_encrypted_queues_and_topics"] + inventory["kms_encrypted_tables"])
        * prices.KMS_REQUESTS_PER_KEY_USER_MONTH * prices.KMS_PER_REQUEST,
        "custom_metrics": local["emf_metrics"] * prices.CUSTOM_METRIC_PER_MONTH,
        "alarms": inventory["alarm_metrics"] * prices.ALARM_PER_METRIC_MONTH
        + inventory["composite_alarms"] * prices.COMPOSITE_ALARM_PER_MONTH,
        "dashboards": inventory["dashboards"] * prices.DASHBOARD_PER_MONTH,
        "sqs_idle_polling": inventory["queues_polled"] * prices.SQS_IDLE_RECEIVES_PER_QUEUE_MONTH
        * prices.SQS_PER_REQUEST,
    }
    variable_1000 = {name: value * 1000 for name, value in per_email.items()}
    fixed_1000 = {name: value / emails_month * 1000 for name, value in fixed_month.items()}
    total = sum(variable_1000.values()) + sum(fixed_1000.values())
    ses_1000 = prices.SES_PER_EMAIL * 1000
    return {
        "emails_per_day": per_day,
        "send_batch": round(send_batch, 2),
        "feedback_batch": round(feedback_batch, 2),
        "variable_per_1000_usd": {name: round(value, 6) for name, value in variable_1000.items()},
        "fixed_per_month_usd": {name: round(value, 3) for name, value in fixed_month.items()},
        "fixed_per_1000_usd": {name: round(value, 6) for name, value in fixed_1000.items()},
        "variable_total_per_1000_usd": round(sum(variable_1000.values()), 6),
        "total_per_1000_usd": round(total, 6),
        "share_of_ses_price": round(total / ses_1000, 4),
        "ses_cost_share": round(ses_1000 / (ses_1000 + total), 4),
        "assumed_ms_per_email": {"sender": round(sender_ms, 1), "feedback": round(feedback_ms, 1)},
        "log_bytes_per_email": round(log_bytes, 1),
    }


# -- report ------------------------------------------------------------------------------------------

def markdown(results: dict[str, Any]) -> str:
    cold = results["cold_import_detail"]
    cost = results["cost_detail"]
    send_ratio = cold["handlers"]["handlers.send_order_email"]
    feed_ratio = cold["handlers"]["handlers.ses_feedback"]
    usd = results["non_ses_cost_per_1000_usd"]
    rows = [
        ("Non-SES cost per 1,000 e-mails, 2k/day (all-in)", f"${usd['2k_per_day']:.4f}", "≤ $0.0050",
         usd["2k_per_day"] <= 0.005),
        ("Non-SES cost per 1,000 e-mails, 1M/day (all-in)", f"${usd['1m_per_day']:.4f}", "≤ $0.0050",
         usd["1m_per_day"] <= 0.005),
        ("… of which per-request (variable), 1M/day", f"${cost['1m_per_day']['variable_total_per_1000_usd']:.4f}",
         "", None),
        ("SES share of the bill (2k/day · 1M/day)",
         f"{results['ses_cost_share']['2k_per_day']:.1%} · {results['ses_cost_share']['1m_per_day']:.1%}", "≥ 95.2%",
         None),
        ("Sequential AWS round trips before SES accepts", results["sequential_round_trips_before_accept"], "≤ 2",
         results["sequential_round_trips_before_accept"] <= 2),
        ("AWS calls per e-mail, send path (local run · batches of 10)",
         f"{results['send_calls_per_email']} · {results['sender_cpu_detail']['calls_per_email']}", "≤ 3",
         results["send_calls_per_email"] <= 3),
        ("PutMetricData calls", results["put_metric_data_calls"], "0", results["put_metric_data_calls"] == 0),
        ("AWS calls per SES event, feedback path", results["feedback_calls_per_event"], "—", None),
        ("Cold import vs bare `import boto3`, worst handler", f"{results['cold_import_ratio']:.2f}x", "≤ 1.8x",
         results["cold_import_ratio"] <= 1.8),
        ("… sender · feedback import (+ first event)",
         f"{send_ratio['ratio']:.2f}x ({send_ratio['import_plus_first_event_ratio']:.2f}x) · "
         f"{feed_ratio['ratio']:.2f}x ({feed_ratio['import_plus_first_event_ratio']:.2f}x)", "", None),
        ("Sender CPU per e-mail vs floor", f"{results['sender_cpu_ratio']:.2f}x "
         f"({results['sender_cpu_detail']['sender_us_per_email']:.0f} vs "
         f"{results['sender_cpu_detail']['floor_us_per_email']:.0f} µs)", "≤ 1.3x",
         results["sender_cpu_ratio"] <= 1.3),
        ("Local mode throughput (moto server bound)", f"{results['local_throughput_emails_per_s']} e-mails/s", "—",
         None),
        ("Preview (`run_stack`, fresh process, best of 3) dev · prod",
         f"{results['preview_seconds']['dev']} s · {results['preview_seconds']['prod']} s", "—", None),
    ]
    lines = [
        f"Measured {results['measured_at']} on {results['machine']} (`make bench`; "
        "timings are minima of repeated runs on a shared machine).",
        "",
        "| Measure | Result | Target | Met |",
        "|---|---|---|---|",
    ]
    for name, value, target, met in rows:
        mark = "" if met is None else ("yes" if met else "**no**")
        lines.append(f"| {name} | {value} | {target} | {mark} |")
    lines += ["", "Cost per 1,000 e-mails by line (USD, us-east-1 list prices, `benchmarks/prices.py`):", "",
              "| Line | 2k/day | 1M/day |", "|---|---|---|"]
    low, high = cost["2k_per_day"], cost["1m_per_day"]
    for name in low["variable_per_1000_usd"]:
        lines.append(f"| {name} | {low['variable_per_1000_usd'][name]:.5f} | "
                     f"{high['variable_per_1000_usd'][name]:.5f} |")
    for name in low["fixed_per_1000_usd"]:
        lines.append(f"| {name} (fixed ${low['fixed_per_month_usd'][name]:.2f}/month) | "
                     f"{low['fixed_per_1000_usd'][name]:.5f} | {high['fixed_per_1000_usd'][name]:.5f} |")
    lines.append(f"| **total** | **{low['total_per_1000_usd']:.4f}** | **{high['total_per_1000_usd']:.4f}** |")
    inventory, local = results["cost_inventory"], results["local_detail"]
    lines += [
        "",
        f"Model inputs: the prod stack ({inventory['retention_days']}-day item retention, PITR "
        f"{'on' if inventory['pitr'] else 'off'}, {inventory['log_retention_days']}-day logs, "
        f"{inventory['kms_keys']} customer-managed key, {inventory['alarm_metrics']} alarm metrics, "
        f"{inventory['dashboards']} dashboard); calls per e-mail from the local run "
        f"({local['sent']} e-mails, {local['feedback_events_per_email']} SES events each); delivery item "
        f"{local['delivery_item_bytes'].get('median')} B (median); {high['log_bytes_per_email']:.0f} B of logs "
        f"per e-mail at 1M/day; batches of {low['send_batch']:g} at 2k/day and {high['send_batch']:g} at 1M/day; "
        f"billed Lambda time from measured CPU plus typical AWS latencies (`prices.py`).",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    started = time.time()
    batches = int(os.environ.get("BENCH_BATCHES", "100"))
    runs = int(os.environ.get("BENCH_IMPORT_RUNS", "9"))
    orders = int(os.environ.get("BENCH_ORDERS", "200"))

    log("sender CPU vs floor")
    sender = sender_cpu(batches)
    log("feedback calls and CPU per event")
    feedback = bench_feedback.measure(2000)
    log(f"cold imports ({runs} fresh interpreters per module)")
    cold = cold_imports(runs)
    log(f"local mode: {orders} orders, seed 1 (moto server)")
    local = local_run(orders)
    log("preview timings")
    preview = preview_seconds()
    log("cost model")
    inventory = stack_inventory("prod")
    feedback_cpu = feedback["delivery+open+click+delivery-redelivered"]["cpu_us_per_event"]
    costs = {label: cost_model(per_day, local, sender, feedback_cpu, inventory)
             for label, per_day in (("2k_per_day", 2_000), ("1m_per_day", 1_000_000))}

    results: dict[str, Any] = {
        "sender_cpu_ratio": sender["ratio"],
        "send_calls_per_email": local["send_path_calls_per_email"],
        "feedback_calls_per_event": local["feedback_calls_per_event"],
        "sequential_round_trips_before_accept": 2,
        "cold_import_ratio": cold["handlers"][cold["worst"]]["ratio"],
        "non_ses_cost_per_1000_usd": {label: cost["total_per_1000_usd"] for label, cost in costs.items()},
        "ses_cost_share": {label: cost["ses_cost_share"] for label, cost in costs.items()},
        "local_throughput_emails_per_s": local["emails_per_second"],
        "preview_seconds": {"dev": preview["dev"], "prod": preview["prod"]},
        "put_metric_data_calls": local["put_metric_data_calls"],
        "targets": TARGETS,
        "sender_cpu_detail": sender,
        "send_calls_detail": {
            "local_mode_per_email": local["send_path_calls_per_email"],
            "fakes_per_email": sender["calls_per_email"],
            "fakes_by_operation": sender["calls_by_operation_per_email"],
            "sequential_before_accept": ["dynamodb.BatchGetItem (suppression, once per batch)",
                                         "dynamodb.UpdateItem (claim)"],
        },
        "feedback_detail": feedback,
        "cold_import_detail": cold,
        "local_detail": local,
        "preview_detail": preview | {"method": "mockstack.run_stack(stack), fresh process each, best of 3, "
                                               "imports included"},
        "cost_inventory": inventory,
        "cost_detail": costs,
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "bench_seconds": round(time.time() - started, 1),
    }
    (HERE / "results.json").write_text(json.dumps(results, indent=2, sort_keys=False) + "\n")
    (HERE / "RESULTS.md").write_text(markdown(results))
    log(f"done in {results['bench_seconds']} s: benchmarks/results.json, benchmarks/RESULTS.md")
    print(markdown(results))


if __name__ == "__main__":
    main()
