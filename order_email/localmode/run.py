"""`make local`: N realistic orders through the whole system on the emulator, and what happened to each.

The mix: most recipients at success@, some at bounce@, complaint@, suppressionlist@ and ooto@ of the
SES mailbox simulator (simulator addresses pass the dev stack's sandbox rewrite unchanged, so each
order's outcome is known in advance), a few orders published twice, a few invalid ones, and one
address suppressed up front. `ok` says every order ended where its recipient dictates.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from order_email.handlers.shared.order_ids import from_tag_value
from order_email.localmode.mailbox import EXPECTED_STATUS, SIMULATOR_DOMAIN, SimulatorOutcome, outcome_for
from order_email.localmode.ses_simulator import SimulatorOptions

MIX = ((SimulatorOutcome.SUCCESS, 0.80), (SimulatorOutcome.BOUNCE, 0.06),
       (SimulatorOutcome.COMPLAINT, 0.04),
       (SimulatorOutcome.SUPPRESSION_LIST, 0.04), (SimulatorOutcome.OOTO, 0.06))
"""Share of valid orders per simulator outcome."""
SUPPRESSED = "SUPPRESSED"
DEAD_LETTERED = "DEAD_LETTERED"
MISSING = "MISSING"

Progress = Callable[[str], None]
PACE_EVERY = 25
"""Publishes between two backlog checks (`LocalSystem.wait_for_backlog`)."""


@dataclass(frozen=True)
class PlannedOrder:
    order: dict[str, Any]
    expected: str
    duplicate: bool = False
    invalid: bool = False


def make_order(order_id: str, email: str, rng: random.Random, placed_at: str | None = None) -> dict[str, Any]:
    """A valid order drawn from `rng`, placed now unless `placed_at` fixes the moment (seeded plans do)."""
    quantity = rng.randint(1, 3)
    cents = rng.randint(199, 9_999)
    price = f"{cents // 100}.{cents % 100:02d}"
    total = f"{quantity * cents // 100}.{quantity * cents % 100:02d}"
    return {
        "orderId": order_id,
        "customerEmail": email,
        "customerName": rng.choice(["Jane Doe", "Jörg Müller", "Aiko Tanaka", "Sam O'Neil"]),
        "items": [{"name": "Stoneware mug", "quantity": quantity, "unitPrice": price, "sku": "MUG-1"}],
        "total": total,
        "currency": "EUR",
        "timestamp": placed_at or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "metadata": {"channel": "web"},
    }


def plan_orders(count: int, seed: int) -> tuple[list[PlannedOrder], str]:
    """The orders to publish (duplicates appear twice) and the address to suppress up front (pure)."""
    rng = random.Random(seed)  # noqa: S311 - test data
    suppressed_address = f"success+suppressed-{seed}@{SIMULATOR_DOMAIN}"
    invalid = max(1, count // 100)
    plan: list[PlannedOrder] = [PlannedOrder(make_order(f"ord-{seed}-0", suppressed_address, rng), SUPPRESSED)]
    for index in range(1, invalid + 1):
        broken = make_order(f"ord-{seed}-{index}", f"success+{index}@{SIMULATOR_DOMAIN}", rng)
        broken["items"][0]["quantity"] = 0  # can never succeed: straight to the DLQ
        plan.append(PlannedOrder(broken, DEAD_LETTERED, invalid=True))
    outcomes = [outcome for outcome, _ in MIX]
    weights = [weight for _, weight in MIX]
    for index in range(invalid + 1, count):
        outcome = rng.choices(outcomes, weights)[0]
        email = f"{outcome.value}+{index}@{SIMULATOR_DOMAIN}"
        plan.append(PlannedOrder(make_order(f"ord-{seed}-{index}", email, rng), EXPECTED_STATUS[outcome]))
    valid = [planned for planned in plan if not planned.invalid and planned.expected != SUPPRESSED]
    duplicates = rng.sample(valid, min(len(valid), max(1, count // 50)))
    plan += [PlannedOrder(planned.order, planned.expected, duplicate=True) for planned in duplicates]
    rng.shuffle(plan)
    return plan, suppressed_address


def tagged_order(email: dict[str, Any]) -> str | None:
    """The order id an accepted e-mail's `orderId` tag carries (escape-decoded), or None."""
    tag = (email.get("tags") or {}).get("orderId")
    try:
        return from_tag_value(tag) if isinstance(tag, str) else None
    except ValueError:
        return None


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (pure); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(share * len(ordered)) - 1)], 1)


@dataclass(frozen=True)
class Reporter:
    """Where a run tells how it is going: free-text steps, publishing progress, messages in flight."""

    step: Progress = lambda _message: None
    published: Callable[[int, int], None] = lambda _done, _total: None
    in_flight: Callable[[int], None] = lambda _waiting: None


def run_local(orders: int = 300, stack: str = "dev", seed: int | None = None,
              progress: Progress | None = None, *, concurrency: int | None = None,
              simulator: SimulatorOptions | None = None, timeout: float | None = None,
              project_dir: Path | str | None = None) -> dict[str, Any]:
    """Run the scenario on a fresh local system and return its summary (see module docstring)."""
    from order_email.localmode.system import LocalSystem

    reporter = Reporter(step=progress) if progress else Reporter()
    reporter.step(f"starting local system for stack {stack!r} (emulator, resources from the graph, workers)")
    with LocalSystem(stack, project_dir=project_dir, concurrency=concurrency, simulator=simulator) as system:
        return run_scenario(system, orders, seed, reporter, timeout=timeout)


def run_scenario(system: Any, orders: int, seed: int | None = None, reporter: Reporter | None = None, *,
                 timeout: float | None = None) -> dict[str, Any]:
    """Publish the planned orders to a running `LocalSystem`, drain it, and summarise what happened."""
    seed = random.SystemRandom().randrange(1_000_000) if seed is None else seed
    reporter = reporter or Reporter()
    plan, suppressed_address = plan_orders(orders, seed)
    system.suppress(suppressed_address)
    reporter.step(f"publishing {len(plan)} messages ({orders} orders, seed {seed})")
    started = time.time()
    for done, planned in enumerate(plan, start=1):
        system.publish_order(planned.order)
        reporter.published(done, len(plan))
        if done % PACE_EVERY == 0:
            system.wait_for_backlog()
    reporter.step("waiting until every queue is drained")
    system.run_until_idle(timeout=timeout or max(120.0, orders * 0.5), on_poll=reporter.in_flight)
    elapsed = time.time() - started
    reporter.step("collecting outcomes")
    return summarise(system, plan, elapsed, seed, system.stack)


def summarise(system: Any, plan: list[PlannedOrder], elapsed: float, seed: int, stack: str) -> dict[str, Any]:
    items = {item["orderId"]: item for item in system.delivery_items()}
    dead = system.dead_letters()
    dead_bodies = [letter["body"] or "" for letters in dead.values() for letter in letters]
    expected = {planned.order["orderId"]: planned.expected for planned in plan}
    outcomes: dict[str, dict[str, str]] = {}
    for order_id, wanted in expected.items():
        if order_id in items:
            actual = str(items[order_id].get("status"))
        elif any(f'"{order_id}"' in body for body in dead_bodies):
            actual = DEAD_LETTERED
        else:
            actual = MISSING
        outcomes[order_id] = {"expected": wanted, "actual": actual}
    statuses = Counter(outcome["actual"] for outcome in outcomes.values())
    sent = system.sent_emails()
    calls = system.aws_calls()
    sender_calls = sum(system.aws_calls(system.roles.sender_function).values()) if sent else 0
    metrics = system.metrics()
    send_latency = [(email["acceptedAt"] - system.published_at[tagged_order(email) or ""]) * 1000
                    for email in sent if tagged_order(email) in system.published_at]
    feedback_latency = [(system.feedback_done_at[email["messageId"]] - email["acceptedAt"]) * 1000
                        for email in sent if email["messageId"] in system.feedback_done_at]
    errors = system.errors()
    recipients_by_order = Counter(tagged_order(email) for email in sent)
    return {
        "stack": stack,
        "seed": seed,
        "orders": len(expected),
        "published": len(plan),
        "sent": len(sent),
        "delivered": statuses.get("DELIVERED", 0),
        "bounced": statuses.get("BOUNCED", 0),
        "complained": statuses.get("COMPLAINED", 0),
        "suppressed": statuses.get(SUPPRESSED, 0),
        "deadLettered": sum(len(letters) for letters in dead.values()),
        "deadLettersByQueue": {name: len(letters) for name, letters in dead.items()},
        "duplicatesSkipped": int(metrics.get("DuplicatesSkipped", 0)),
        "emailsSentTwice": sum(1 for count in recipients_by_order.values() if count > 1),
        "elapsedSeconds": round(elapsed, 2),
        "emailsPerSecond": round(len(sent) / elapsed, 1) if elapsed else None,
        "awsCalls": dict(sorted(calls.items())),
        "awsCallsPerEmail": round(sum(calls.values()) / len(sent), 2) if sent else None,
        "sendPathCallsPerEmail": round(sender_calls / len(sent), 2) if sent else None,
        "putMetricDataCalls": calls.get("cloudwatch.PutMetricData", 0),
        "p50SendLatencyMs": percentile(send_latency, 0.50),
        "p95SendLatencyMs": percentile(send_latency, 0.95),
        "p50FeedbackLatencyMs": percentile(feedback_latency, 0.50),
        "p95FeedbackLatencyMs": percentile(feedback_latency, 0.95),
        "invocations": system.invocations(),
        "functionErrors": len(errors),
        "firstErrors": errors[:3],
        "sesRefusals": system.ses.stats()["refused"],
        "metrics": {name: round(value, 1) for name, value in sorted(metrics.items())
                    if not name.endswith("Latency")},
        "outcomes": outcomes,
        "ok": all(outcome["expected"] == outcome["actual"] for outcome in outcomes.values())
        and not errors and not any(count > 1 for count in recipients_by_order.values()),
    }


def render_summary(summary: dict[str, Any]) -> Any:
    """A rich renderable of the summary (the CLI prints it; --json prints the dict instead)."""
    from rich.console import Group
    from rich.table import Table

    headline = Table(title=f"order-email local run — stack {summary['stack']} (seed {summary['seed']})",
                     show_header=False)
    headline.add_column("what", style="bold")
    headline.add_column("value", justify="right")
    rows = [
        ("orders (published incl. duplicates)", f"{summary['orders']} ({summary['published']})"),
        ("e-mails sent", summary["sent"]), ("delivered", summary["delivered"]),
        ("bounced", summary["bounced"]), ("complained", summary["complained"]),
        ("suppressed (not sent)", summary["suppressed"]), ("dead-lettered", summary["deadLettered"]),
        ("duplicates skipped", summary["duplicatesSkipped"]),
        ("e-mails / second (end to end)", summary["emailsPerSecond"]),
        ("AWS calls / e-mail (all handlers)", summary["awsCallsPerEmail"]),
        ("AWS calls / e-mail (send path)", summary["sendPathCallsPerEmail"]),
        ("send latency p50 / p95 (ms)", f"{summary['p50SendLatencyMs']} / {summary['p95SendLatencyMs']}"),
        ("feedback latency p50 / p95 (ms)",
         f"{summary['p50FeedbackLatencyMs']} / {summary['p95FeedbackLatencyMs']}"),
        ("function errors", summary["functionErrors"]),
        ("result", "[green]OK[/green]" if summary["ok"] else "[red]MISMATCH[/red]"),
    ]
    for name, value in rows:
        headline.add_row(name, str(value))
    calls = Table(title="AWS calls made by the handlers")
    calls.add_column("service.Operation")
    calls.add_column("count", justify="right")
    for name, count in summary["awsCalls"].items():
        calls.add_row(name, str(count))
    parts: list[Any] = [headline, calls]
    wrong = {order_id: o for order_id, o in summary["outcomes"].items() if o["expected"] != o["actual"]}
    if wrong:
        mismatches = Table(title="orders that did not end as expected")
        for column in ("orderId", "expected", "actual"):
            mismatches.add_column(column)
        for order_id, outcome in sorted(wrong.items())[:20]:
            mismatches.add_row(order_id, outcome["expected"], outcome["actual"])
        parts.append(mismatches)
    return Group(*parts)


def expected_status(address: str) -> str:
    """The final status an e-mail to `address` must reach (for tests and the CLI)."""
    return EXPECTED_STATUS[outcome_for(address)]
