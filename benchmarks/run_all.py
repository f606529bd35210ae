"""`make bench`: every docs/architecture.md §6 number, measured on this machine, into results.json and RESULTS.md.

What runs (about two minutes on 2 cores):

1. Sender CPU per e-mail vs the floor (`bench_sender`): batches of 10 against in-process fakes,
   sender, sender less each behaviour the floor lacks, and floor runs interleaved so machine noise
   hits all; the minimum of each (CPU time, `time.process_time`).
2. Feedback calls and CPU per event (`bench_feedback`).
3. Cold import of each handler vs a bare `import boto3`: fresh interpreters, each import right after
   a bare one, the median of the rounds' ratios (interpreter start excluded from both); and the
   library modules of each cold start imported alone. Also what a Lambda cold start pays on top: the
   first event (handler's own work against fakes) in the same process.
4. Local mode: `LocalSystem` + the `make local` scenario (200 orders, seed 1) on the moto server:
   throughput, AWS calls per e-mail by function, log bytes per e-mail, EMF metrics, item sizes.
5. Preview: `mockstack.run_stack(stack)` for dev and prod, best of 3, each in a fresh process
   (so it includes importing pulumi, pulumi-aws and the components, as `order-email preview` does).
6. Cost (`cost_model`): fixed per month of the dev and prod resource graphs, and counted requests x
   `prices.py` at 2,000 and 1,000,000 e-mails a day, priced at each stack's retention and at 14-400 days.

Nothing here asserts a timing; the numbers are reported against the targets, met or not.
Environment: BENCH_BATCHES (sender batches per run, default 100), BENCH_IMPORT_RUNS (fresh
interpreters per module, default 15), BENCH_ORDERS (local-mode orders, default 200).
"""

from __future__ import annotations

import ast
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

import bench_feedback  # noqa: E402
import bench_sender  # noqa: E402
import cost_model  # noqa: E402
import prices  # noqa: E402

SENDER_FUNCTION = cost_model.SENDER_FUNCTION
FEEDBACK_FUNCTION = cost_model.FEEDBACK_FUNCTION
HANDLERS = ("handlers.send_order_email", "handlers.ses_feedback", "handlers.delivery_status")
IMPORT_ENV = bench_sender.ENV | bench_feedback.ENV
TARGETS = {
    "sender_cpu_ratio": 1.3,
    "send_calls_per_email": 3.0,
    "sequential_round_trips_before_accept": 2,
    "cold_import_ratio": 1.8,
    "non_ses_cost_per_1000_usd": prices.SES_PER_EMAIL * 1000 * 0.05,
    "fixed_cost_per_month_usd": {"dev": 1.0, "prod": 6.0},
    "ses_cost_share": 1 / 1.05,
}
VOLUMES = {"2k_per_day": 2_000, "1m_per_day": 1_000_000}
RETENTIONS = (14, 90, 180, 400)
"""Data retentions the variable cost is also priced at (the target asks for at least 90 days)."""


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- 1. sender CPU -----------------------------------------------------------------------------------

_CUMULATIVE_ABLATIONS = {", ".join(bench_sender.ABLATIONS[:count]): frozenset(bench_sender.ABLATIONS[:count])
                         for count in range(1, len(bench_sender.ABLATIONS) + 1)}
"""`log_line`, then `log_line, emf`, then all three: the sender less each required behaviour in turn."""


def sender_cpu(batches: int, rounds: int = 9) -> dict[str, Any]:
    os.environ.update(bench_sender.ENV)
    bench_sender.sender_run(5)
    bench_sender.floor_run(5)
    sender, floor = [], []
    without: dict[str, list[float]] = {label: [] for label in _CUMULATIVE_ABLATIONS}
    calls: Counter[str] = Counter()
    for _ in range(rounds):  # interleaved, so machine noise hits every variant alike
        elapsed, calls = bench_sender.sender_run(batches)
        sender.append(elapsed)
        for label, left_out in _CUMULATIVE_ABLATIONS.items():
            without[label].append(bench_sender.sender_run(batches, left_out)[0])
        floor.append(bench_sender.floor_run(batches)[0])
    emails = batches * bench_sender.BATCH
    sender_us, floor_us = min(sender) / emails * 1e6, min(floor) / emails * 1e6
    return {
        "emails_per_run": emails,
        "rounds": rounds,
        "sender_us_per_email": round(sender_us, 1),
        "floor_us_per_email": round(floor_us, 1),
        "ratio": round(sender_us / floor_us, 3),
        # what the floor leaves out that the sender must do: its ratio with each left out in turn
        "ratio_without": {label: round(min(times) / emails * 1e6 / floor_us, 3) for label, times in without.items()},
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
at_start = set(sys.modules)
t0 = time.perf_counter()
import {module} as handler
t1 = time.perf_counter()
after_import = set(sys.modules)
{fixtures}
after_fixtures = set(sys.modules)
t2 = time.perf_counter()
{build}
t3 = time.perf_counter()
print(t1 - t0, t3 - t2)
cold_start = [name for name in sys.modules if name not in at_start
              and (name in after_import or name not in after_fixtures)]
print(repr([name for name in cold_start if name.partition(".")[0] not in {project!r}]))
"""
"""Import, then (untimed) the benchmark's fakes and sample events, then (timed) what a cold start does
with its first event: build the handler's objects from the modules the handler imported (`handlers.*`,
the names Lambda imports them by) and process one batch. Last, the library modules (not this project's)
that the import and the first event loaded, in load order."""

_PROJECT_PACKAGES = ("handlers", "order_email", "tests", "bench_sender", "bench_feedback")

_LIBRARIES_CODE = """
import importlib, time
t0 = time.perf_counter()
for name in {names!r}:
    try:
        importlib.import_module(name)
    except ImportError:  # a module only its package's own import creates (six.moves.*)
        pass
print(time.perf_counter() - t0)
"""
"""The libraries' share of a cold start: import exactly the library modules the handler's import and
first event loaded, and nothing of this project."""

_FIRST_EVENT = {
    "handlers.send_order_email": ("import bench_sender as b", """
from handlers.sender.clients import Clients
from handlers.sender.process import BatchSender
from handlers.sender.settings import SenderSettings
fake = b.FakeAws()
sender = BatchSender.build(SenderSettings.from_env(b.ENV), Clients(fake, fake, fake), metrics=handler.metrics,
                           logger=handler.logger)
sink, sys.stdout = sys.stdout, io.StringIO()
sender.process(b.event(0))
handler.metrics.flush_metrics()
sys.stdout = sink
"""),
    "handlers.ses_feedback": ("""
import bench_feedback as b
from tests.support import feedback_samples as s
fake = b.FakeAws()
b.seed(fake, 10)
event = s.sqs_event(*[s.event("Delivery", f"m-{{n}}", f"o-{{n}}") for n in range(10)])
""", """
processor = b.build_processor(fake)
processor.process(event)
"""),
}


def _run_python(code: str) -> list[str]:
    """Run `code` in a fresh interpreter with bytecode caching on, as installed packages have it (a
    machine-wide PYTHONDONTWRITEBYTECODE would make every run compile this project's modules anew);
    the lines it printed."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"} | IMPORT_ENV
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                          env=env).stdout.splitlines()


def _seconds(line: str) -> list[float]:
    return [float(value) for value in line.split()]


def _per_round(values: list[float], baseline: list[float]) -> float:
    """The median over rounds of each round's `value / baseline`: the two runs follow one another, so
    they share the speed this shared machine has then (it changes by a quarter within seconds), which a
    minimum of each, taken from different moments, does not."""
    return statistics.median(value / base for value, base in zip(values, baseline, strict=True))


def cold_imports(runs: int) -> dict[str, Any]:
    """`import X` wall time in fresh interpreters against a bare `import boto3`, and the library modules
    each handler's cold start loads imported alone; every kind run once per round, round after round."""
    first_event = {module: _FIRST_EVENT_CODE.format(root=str(ROOT), here=str(HERE), module=module, fixtures=fixtures,
                                                     build=build, project=_PROJECT_PACKAGES)
                   for module, (fixtures, build) in _FIRST_EVENT.items()}
    first_runs = {module: [_run_python(code) for _ in range(max(3, runs // 2))] for module, code in first_event.items()}
    libraries = {module: ast.literal_eval(outputs[0][1]) for module, outputs in first_runs.items()}

    def timed(code: str) -> float:
        return _seconds(_run_python(code)[0])[0] * 1000

    boto3_code = _IMPORT_CODE.format(module="boto3")
    timings: dict[str, list[float]] = {name: [] for module in HANDLERS
                                       for name in (module, f"{module} boto3", f"{module} libraries")}
    for _ in range(runs):
        for module in HANDLERS:  # each handler right after its own bare boto3, its libraries right after it
            timings[f"{module} boto3"].append(timed(boto3_code))
            timings[module].append(timed(_IMPORT_CODE.format(module=module)))
            if module in libraries:
                timings[f"{module} libraries"].append(timed(_LIBRARIES_CODE.format(names=libraries[module])))
    all_boto3 = [ms for module in HANDLERS for ms in timings[f"{module} boto3"]]
    detail: dict[str, Any] = {"boto3_ms": round(min(all_boto3), 1), "runs": runs,
                              "method": "median over rounds of each round's ratio; *_ms are minima", "handlers": {}}
    for module in HANDLERS:
        boto3 = timings[f"{module} boto3"]
        detail["handlers"][module] = {"import_ms": round(min(timings[module]), 1),
                                      "ratio": round(_per_round(timings[module], boto3), 3),
                                      "min_over_min_ratio": round(min(timings[module]) / min(boto3), 3)}
    for module, outputs in first_runs.items():
        boto3 = timings[f"{module} boto3"]
        first_ms = min(_seconds(lines[0])[1] for lines in outputs) * 1000
        cold_start = [import_ms + first_ms for import_ms in timings[module]]
        library_ms = timings[f"{module} libraries"]
        detail["handlers"][module] |= {
            "first_event_ms": round(first_ms, 1),
            "import_plus_first_event_ratio": round(_per_round(cold_start, boto3), 3),
            # the same cold start's library modules alone: our code lowers this only by loading fewer of them
            "library_modules": len(libraries[module]),
            "libraries_ms": round(min(library_ms), 1),
            "libraries_ratio": round(_per_round(library_ms, boto3), 3),
            "own_ms": round(statistics.median(total - alone for total, alone in zip(cold_start, library_ms,
                                                                                     strict=True)), 1),
        }
    for measured in detail["handlers"].values():  # a handler without a first-event build: its import alone
        measured.setdefault("import_plus_first_event_ratio", measured["ratio"])
    detail["worst"] = max(HANDLERS, key=lambda module: detail["handlers"][module]["import_plus_first_event_ratio"])
    return detail


# -- 4. local mode -----------------------------------------------------------------------------------

def metric_series_per_email(documents: list[dict[str, Any]], sent: int) -> dict[str, float]:
    """Data points per e-mail of each custom metric series (name x dimension set), from EMF documents:
    a count's value is how many things it counts, any other metric one point per value."""
    points: Counter[str] = Counter()
    for doc in documents:
        for directive in doc.get("_aws", {}).get("CloudWatchMetrics", []):
            for dimensions in directive.get("Dimensions", [[]]):
                for metric in directive.get("Metrics", []):
                    values = doc.get(metric["Name"])
                    values = values if isinstance(values, list) else [values]
                    key = f"{directive.get('Namespace')}/{metric['Name']}/{','.join(dimensions)}"
                    points[key] += sum(values) if metric.get("Unit") == "Count" else len(values)
    return {key: round(count / sent, 4) for key, count in sorted(points.items())}


def local_run(orders: int, table: dict[str, Any], seed: int = 1) -> dict[str, Any]:
    """The `make local` scenario; `table` is the deliveries table's definition (keys, indexes) for sizes."""
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
        items = system.delivery_items()
        status_events = len(system.status_events())
    stored = cost_model.stored_bytes(items, table)
    events = by_function[FEEDBACK_FUNCTION].get("dynamodb.GetItem", 0) - by_function[FEEDBACK_FUNCTION].get(
        "dynamodb.PutItem", 0)  # one GetItem of the delivery per event, one more per suppression written
    series = metric_series_per_email(emf, sent)
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
        "feedback_events_per_email": round(events / sent, 3),
        "feedback_calls_per_event": round(sum(by_function[FEEDBACK_FUNCTION].values()) / events, 3),
        "status_events_per_email": round(status_events / sent, 3),
        "log_bytes_per_email": {name.removeprefix("order-email-").removesuffix("-function"): round(n / sent, 1)
                                for name, n in log_bytes.items()} | {"emf": round(emf_bytes / sent, 1)},
        "emf_metrics": len(series),
        "metric_series_per_email": series,
        "delivery_item_bytes": {"median": stored["item"] - cost_model.ITEM_OVERHEAD_BYTES,
                                "max": max(cost_model.dynamodb_size(item) for item in items)},
        "delivery_stored_bytes": stored,
        "deliveries_writes_per_email": round(cost_model.deliveries_writes(
            {name: Counter(calls) for name, calls in by_function.items()}, sent, table,
            stored["item"] - cost_model.ITEM_OVERHEAD_BYTES), 3),
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
        timings = [_seconds(_run_python(_PREVIEW_CODE.format(root=str(ROOT), stack=stack))[0]) for _ in range(runs)]
        result[stack] = round(min(seconds for seconds, _ in timings), 2)
        result[f"{stack}_resources"] = int(timings[0][1])
    return result


# -- report ------------------------------------------------------------------------------------------

def markdown(results: dict[str, Any]) -> str:
    cold = results["cold_import_detail"]
    cost = results["cost_detail"]
    send_ratio = cold["handlers"]["handlers.send_order_email"]
    feed_ratio = cold["handlers"]["handlers.ses_feedback"]
    variable = results["non_ses_variable_cost_per_1000_usd"]
    fixed = results["fixed_cost_per_month_usd"]
    by_retention = cost["prod_1m_per_day_by_retention_days"]
    prod_days = cost["priced_at"]["prod"]["retention_days"]
    rows = [
        (f"Non-SES variable cost per 1,000 e-mails, 1M/day (prod: {prod_days}-day records, PITR)",
         f"${variable['1m_per_day']:.4f}", "≤ $0.0050", variable["1m_per_day"] <= 0.005),
        ("… the same with 90-day records", f"${by_retention['90']:.4f}", "≤ $0.0050", by_retention["90"] <= 0.005),
        ("Fixed cost per month, prod (idle stack)", f"${fixed['prod']:.2f}", "≤ $6", fixed["prod"] <= 6),
        ("Fixed cost per month, dev (idle stack)", f"${fixed['dev']:.2f}", "≤ $1", fixed["dev"] <= 1),
        ("Prod all-in per month at 2k/day · SES itself",
         f"${cost['prod']['2k_per_day']['total_per_month_usd']:.2f} · "
         f"${cost['prod']['2k_per_day']['ses_per_month_usd']:.2f}", "—", None),
        ("SES share of the bill (2k/day · 1M/day)",
         f"{results['ses_cost_share']['2k_per_day']:.1%} · {results['ses_cost_share']['1m_per_day']:.1%}", "—",
         None),
        ("Sequential AWS round trips before SES accepts", results["sequential_round_trips_before_accept"], "≤ 2",
         results["sequential_round_trips_before_accept"] <= 2),
        ("AWS calls per e-mail, send path (local run · batches of 10)",
         f"{results['send_calls_per_email']} · {results['sender_cpu_detail']['calls_per_email']}", "≤ 3",
         results["send_calls_per_email"] <= 3),
        ("PutMetricData calls", results["put_metric_data_calls"], "0", results["put_metric_data_calls"] == 0),
        ("AWS calls per SES event, feedback path", results["feedback_calls_per_event"], "—", None),
        ("Cold import + first event vs bare `import boto3`, worst handler", f"{results['cold_import_ratio']:.2f}x",
         "≤ 1.8x", results["cold_import_ratio"] <= 1.8),
        ("… sender · feedback import alone (+ first event)",
         f"{send_ratio['ratio']:.2f}x ({send_ratio['import_plus_first_event_ratio']:.2f}x) · "
         f"{feed_ratio['ratio']:.2f}x ({feed_ratio['import_plus_first_event_ratio']:.2f}x)", "", None),
        ("… sender: the library modules it loads, alone · its own code",
         f"{send_ratio['libraries_ratio']:.2f}x · {send_ratio['own_ms']:.0f} ms", "", None),
        ("SnapStart what-if: snapshot cache per month, dev · prod",
         f"${cost['snapstart_what_if']['dev']['cache_total_per_month_usd']:.2f} · "
         f"${cost['snapstart_what_if']['prod']['cache_total_per_month_usd']:.2f}", "—", None),
        ("Sender CPU per e-mail vs floor", f"{results['sender_cpu_ratio']:.2f}x "
         f"({results['sender_cpu_detail']['sender_us_per_email']:.0f} vs "
         f"{results['sender_cpu_detail']['floor_us_per_email']:.0f} µs)", "≤ 1.3x",
         results["sender_cpu_ratio"] <= 1.3),
        ("… less the log line · and the EMF metrics · and the stored order (none in the floor)",
         " · ".join(f"{ratio:.2f}x" for ratio in results["sender_cpu_detail"]["ratio_without"].values()), "", None),
        ("Local mode throughput (moto server bound)", f"{results['local_throughput_emails_per_s']} e-mails/s", "—",
         None),
        ("Preview (`run_stack`, fresh process, best of 3) dev · prod",
         f"{results['preview_seconds']['dev']} s · {results['preview_seconds']['prod']} s", "—", None),
    ]
    lines = [
        f"Measured {results['measured_at']} on {results['machine']} (`make bench`; "
        "CPU timings are minima of repeated runs, cold-start ratios medians of rounds that pair each import "
        "with a bare `import boto3` run just before it, on a shared machine).",
        "",
        "| Measure | Result | Target | Met |",
        "|---|---|---|---|",
    ]
    for name, value, target, met in rows:
        mark = "" if met is None else ("yes" if met else "**no**")
        lines.append(f"| {name} | {value} | {target} | {mark} |")
    low, high, dev = cost["prod"]["2k_per_day"], cost["prod"]["1m_per_day"], cost["dev"]["2k_per_day"]
    lines += ["", "Fixed cost per month of an idle stack, by resource class (USD, `benchmarks/cost_model.py`):", "",
              "| Resource class | dev | prod |", "|---|---|---|"]
    for name in low["fixed_per_month_usd"]:
        lines.append(f"| {name} | {dev['fixed_per_month_usd'][name]:.2f} | {low['fixed_per_month_usd'][name]:.2f} |")
    lines.append(f"| **total** | **{fixed['dev']:.2f}** | **{fixed['prod']:.2f}** |")
    lines += ["", "Billed by the hours and key windows with traffic, per month (prod):", "",
              "| Line | 2k/day | 1M/day |", "|---|---|---|"]
    for name in low["volume_per_month_usd"]:
        lines.append(f"| {name} | {low['volume_per_month_usd'][name]:.2f} | {high['volume_per_month_usd'][name]:.2f} |")
    lines += ["", f"Variable cost per 1,000 e-mails by line (prod, {prod_days}-day records; USD, us-east-1 list "
              "prices, `benchmarks/prices.py`):", "", "| Line | 2k/day | 1M/day |", "|---|---|---|"]
    for name in low["variable_per_1000_usd"]:
        lines.append(f"| {name} | {low['variable_per_1000_usd'][name]:.5f} | "
                     f"{high['variable_per_1000_usd'][name]:.5f} |")
    lines.append(f"| **total** | **{low['variable_total_per_1000_usd']:.4f}** | "
                 f"**{high['variable_total_per_1000_usd']:.4f}** |")
    lines += ["", "Variable cost per 1,000 at 1M/day by record retention (prod, PITR on): "
              + ", ".join(f"{days} days ${value:.4f}" for days, value in by_retention.items()) + "."]
    local = results["local_detail"]
    lines += [
        "",
        f"Model inputs: requests from the local run ({local['sent']} e-mails, {local['feedback_events_per_email']} "
        f"SES events and {local['status_events_per_email']} status events each, "
        f"{local['deliveries_writes_per_email']} deliveries-table write units per e-mail); stored bytes per record "
        f"{local['delivery_stored_bytes']} (median, item and each index); "
        f"{sum(local['log_bytes_per_email'].values()):.0f} B of handler logs per e-mail; "
        f"{local['emf_metrics']} custom metric series; billed Lambda time from measured CPU plus typical AWS "
        "latencies (`prices.py`).",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    started = time.time()
    batches = int(os.environ.get("BENCH_BATCHES", "100"))
    runs = int(os.environ.get("BENCH_IMPORT_RUNS", "15"))
    orders = int(os.environ.get("BENCH_ORDERS", "200"))

    log("sender CPU vs floor")
    sender = sender_cpu(batches)
    log("feedback calls and CPU per event")
    feedback = bench_feedback.measure(2000)
    log(f"cold imports ({runs} fresh interpreters per module)")
    cold = cold_imports(runs)
    log("cost model: the dev and prod resource graphs")
    inventories = {stack: cost_model.stack_inventory(stack) for stack in ("dev", "prod")}
    log(f"local mode: {orders} orders, seed 1 (moto server)")
    local = local_run(orders, inventories["dev"]["deliveries_table"])
    log("preview timings")
    preview = preview_seconds()
    feedback_us = feedback["delivery+open+click+delivery-redelivered"]["cpu_us_per_event"]

    def priced(stack: str, per_day: int, retention_days: int | None = None) -> dict[str, Any]:
        return cost_model.stack_costs(per_day, inventories[stack], local, sender["sender_us_per_email"], feedback_us,
                                      retention_days)

    costs = {label: priced("prod", per_day) for label, per_day in VOLUMES.items()}
    cost_detail = {
        "prod": costs,
        "dev": {"2k_per_day": priced("dev", 2_000)},
        "prod_1m_per_day_by_retention_days": {
            str(days): priced("prod", 1_000_000, days)["variable_total_per_1000_usd"] for days in RETENTIONS},
        "snapstart_what_if": {stack: cost_model.snapstart_what_if(inventory)
                              for stack, inventory in inventories.items()},
        "priced_at": {stack: {"retention_days": inventory["retention_days"], "pitr": inventory["pitr"],
                              "log_retention_days": inventory["log_retention_days"]}
                      for stack, inventory in inventories.items()},
    }
    fixed = {stack: round(sum(cost_model.fixed_monthly(inventory).values()), 2)
             for stack, inventory in inventories.items()}

    results: dict[str, Any] = {
        "sender_cpu_ratio": sender["ratio"],
        "send_calls_per_email": local["send_path_calls_per_email"],
        "feedback_calls_per_event": local["feedback_calls_per_event"],
        "sequential_round_trips_before_accept": 2,
        "cold_import_ratio": cold["handlers"][cold["worst"]]["import_plus_first_event_ratio"],
        "non_ses_cost_per_1000_usd": {label: cost["total_per_1000_usd"] for label, cost in costs.items()},
        "non_ses_variable_cost_per_1000_usd": {label: cost["variable_total_per_1000_usd"]
                                               for label, cost in costs.items()},
        "fixed_cost_per_month_usd": fixed,
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
        "cost_inventory": {stack: {key: value for key, value in inventory.items() if key != "deliveries_table"}
                           for stack, inventory in inventories.items()},
        "cost_detail": cost_detail,
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
