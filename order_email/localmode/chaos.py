"""`order-email local --faults chaos`: a seeded order stream with duplicates and poison, published
to a `LocalSystem` that injects faults (`localmode.faults`), then the invariants checked on what
the emulator holds.

Invariants (all must hold; `invariantsOk`):
* exactlyOneEmail — every valid order produced exactly one accepted SendEmail (counted per
  orderId tag from the requests captured in the functions' processes; a pre-suppressed order zero):
  `duplicates` and `lost` are both 0.
* finalStatus — every valid order's delivery item ends in the status its recipient's simulator
  outcome dictates (DELIVERED, BOUNCED, COMPLAINED; SUPPRESSED for the pre-suppressed address).
* deadLettersExact — the DLQs hold exactly the invalid inputs, each with a `reason` and an
  `errorType` attribute (so no valid order was dead-lettered by a redrive). Dead-lettering is
  at-least-once: a crash after the handler dead-lettered a record but before the batch was
  acknowledged redelivers it, and it is dead-lettered again with the same `originalMessageId`;
  such copies count once (`deadLetterCopies` reports them).
* suppressionExact — the suppression list holds exactly the pre-suppressed address plus every
  hard-bounced and complained recipient, and no soft-bounce counter.
* statusEventsDelivered — every status change written to the deliveries table (its stream, read
  independently of the pipe) reached the status bus, at least once and with the same detail each
  time (feedback crashes after the write included).

exactlyOneEmail allows one kind of duplicate, the one the README's guarantee states: a sender died
after SES accepted an e-mail and that e-mail's Send event arrived later than lease + grace
(`very_late_rate`), so the retry could not know; those are counted apart and reported.

With the plan's `send_rate` the local SES refuses what exceeds it ("Maximum sending rate exceeded"),
and `pause_after` pauses sending on the configuration set for `pause_seconds` (SendingPaused): the
invariants above then also prove that held and throttled orders are neither failed nor
dead-lettered, and are sent exactly once when SES takes them again.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from order_email.handlers.feedback.outbox import details_from_stream
from order_email.handlers.shared.event_types import EVENT_TYPE_ATTRIBUTE, ORDER_EVENT_TYPE
from order_email.handlers.shared.masking import address_hash
from order_email.handlers.shared.schema import ORDER_CONFIRMATION, SOFT_BOUNCE_PREFIX
from order_email.localmode.faults import FaultPlan
from order_email.localmode.mailbox import EXPECTED_STATUS, SIMULATOR_DOMAIN, SimulatorOutcome, outcome_for
from order_email.localmode.run import MIX, PACE_EVERY, SUPPRESSED, Reporter, make_order, tagged_order

MISSING = "MISSING"
SUPPRESSING = frozenset({SimulatorOutcome.BOUNCE, SimulatorOutcome.SUPPRESSION_LIST, SimulatorOutcome.COMPLAINT})
"""Simulator outcomes whose events put the recipient on the suppression list (hard bounce, abuse)."""

PLACED_AT = "2026-11-23T07:00:00Z"
"""When every chaos order was placed: a seed fixes every byte of a run's inputs, the clock none."""
POISON_KINDS = ("not_json", "json_array", "zero_quantity", "unknown_currency", "missing_email", "bad_ses_event")
"""Inputs that can never succeed, used in turn; the last goes to the SES events topic."""


@dataclass(frozen=True)
class Input:
    """One message the chaos driver publishes."""

    kind: str
    """"order", "duplicate", "suppressed" or one of POISON_KINDS."""
    body: str
    order: dict[str, Any] | None = None


@dataclass
class Scenario:
    """What is published, and what the system must end with."""

    inputs: list[Input] = field(default_factory=list)
    expected_status: dict[str, str] = field(default_factory=dict)
    """Valid order id → the status its delivery item must end in."""
    expected_emails: dict[str, int] = field(default_factory=dict)
    """Valid order id → e-mails it must produce (1; 0 when its recipient is suppressed up front)."""
    pre_suppressed: list[str] = field(default_factory=list)
    suppressed_hashes: set[str] = field(default_factory=set)
    """Address hashes the suppression list must hold at the end, exactly."""
    sender_poison: list[str] = field(default_factory=list)
    feedback_poison: list[str] = field(default_factory=list)


def poison_input(kind: str, index: int, seed: int, rng: random.Random) -> Input:
    """One input that can never succeed (pure but for `rng`)."""
    order_id = f"chaos-{seed}-poison-{index}"
    email = f"success+poison{index}@{SIMULATOR_DOMAIN}"
    if kind == "not_json":
        return Input(kind, f"{{not json: {order_id}")
    if kind == "json_array":
        return Input(kind, json.dumps([order_id, 1, 2]))
    if kind == "bad_ses_event":  # a Bounce without its bounce object
        return Input(kind, json.dumps({"eventType": "Bounce", "mail": {"messageId": f"unknown-{order_id}"}}))
    order = make_order(order_id, email, rng, PLACED_AT)
    if kind == "zero_quantity":
        order["items"][0]["quantity"] = 0
    elif kind == "unknown_currency":
        order["currency"] = "ABC"  # three letters, but no ISO-4217 currency
    else:
        del order["customerEmail"]
    return Input(kind, json.dumps(order), order)


def plan_scenario(orders: int, plan: FaultPlan) -> Scenario:
    """The seeded inputs and the expected end state (pure)."""
    rng = random.Random(plan.seed)  # noqa: S311 - test data
    scenario = Scenario()
    poison = max(1, round(orders * plan.poison_rate)) if plan.poison_rate else 0
    suppressed_address = f"success+suppressed-{plan.seed}@{SIMULATOR_DOMAIN}"
    scenario.pre_suppressed.append(suppressed_address)
    scenario.suppressed_hashes.add(address_hash(suppressed_address))
    valid: list[Input] = []
    first = make_order(f"chaos-{plan.seed}-0", suppressed_address, rng, PLACED_AT)
    valid.append(Input("suppressed", json.dumps(first), first))
    outcomes = [outcome for outcome, _ in MIX]
    weights = [weight for _, weight in MIX]
    for index in range(1, max(1, orders - poison)):
        outcome = rng.choices(outcomes, weights)[0]
        email = f"{outcome.value}+{index}@{SIMULATOR_DOMAIN}"
        order = make_order(f"chaos-{plan.seed}-{index}", email, rng, PLACED_AT)
        valid.append(Input("order", json.dumps(order), order))
        if outcome in SUPPRESSING:
            scenario.suppressed_hashes.add(address_hash(email))
    for item in valid:
        assert item.order is not None
        order_id = str(item.order["orderId"])
        recipient = str(item.order["customerEmail"])
        suppressed = item.kind == "suppressed"
        scenario.expected_status[order_id] = SUPPRESSED if suppressed else EXPECTED_STATUS[outcome_for(recipient)]
        scenario.expected_emails[order_id] = 0 if suppressed else 1
    duplicates = rng.sample(valid, min(len(valid), round(len(valid) * plan.duplicate_rate)))
    bad = [poison_input(POISON_KINDS[index % len(POISON_KINDS)], index, plan.seed, rng) for index in range(poison)]
    for item in bad:
        (scenario.feedback_poison if item.kind == "bad_ses_event" else scenario.sender_poison).append(item.body)
    scenario.inputs = valid + [Input("duplicate", item.body, item.order) for item in duplicates] + bad
    rng.shuffle(scenario.inputs)
    return scenario


def publish(system: Any, item: Input) -> None:
    if item.kind == "bad_ses_event":
        system.publish_ses_event(item.body)
    elif item.order is not None:
        system.publish_order(item.order)
    else:
        system.publish_raw(item.body, {EVENT_TYPE_ATTRIBUTE: ORDER_EVENT_TYPE})


def run_chaos(system: Any, orders: int, reporter: Reporter | None = None, *,
              timeout: float | None = None) -> dict[str, Any]:
    """Publish the plan's scenario to a running `LocalSystem(faults=...)`, drain it, check invariants."""
    plan: FaultPlan = system.faults
    reporter = reporter or Reporter()
    scenario = plan_scenario(orders, plan)
    for address in scenario.pre_suppressed:
        system.suppress(address)
    if plan.send_rate:
        system.ses.set_limits(max_send_rate=plan.send_rate)
    pause_at = max(1, round(len(scenario.inputs) * plan.pause_after)) if plan.pause_after is not None else None
    resume: threading.Timer | None = None
    reporter.step(f"publishing {len(scenario.inputs)} messages ({orders} orders, seed {plan.seed}, chaos)")
    started = time.time()
    for done, item in enumerate(scenario.inputs, start=1):
        publish(system, item)
        reporter.published(done, len(scenario.inputs))
        if done == pause_at:
            system.ses.pause()  # as the reputation guard would; the sender holds what SES refuses
            resume = threading.Timer(plan.pause_seconds, system.ses.resume)
            resume.start()
        if done % PACE_EVERY == 0:
            system.wait_for_backlog()
    if resume is not None:
        resume.join()
    reporter.step("waiting until every queue is drained and every late SES event is delivered")
    system.run_until_idle(timeout=timeout or 300.0 + orders * 1.2, on_poll=reporter.in_flight)
    elapsed = time.time() - started
    reporter.step("checking invariants")
    summary = check_invariants(system, scenario)
    sent = summary["emailsSent"]
    errors = system.errors()
    summary |= {
        "stack": system.stack,
        "seed": plan.seed,
        "orders": orders,
        "published": len(scenario.inputs),
        "elapsedSeconds": round(elapsed, 2),
        "emailsPerSecond": round(sent / elapsed, 2) if elapsed else None,
        "faultsInjected": system.faults_injected(),
        "sesRefusals": system.ses.stats()["refused"],
        "heldOrders": int(system.metrics().get("HeldOrders", 0)),
        "throttledSends": int(system.metrics().get("SendThrottled", 0)),
        "functionErrors": len(errors),
        "functionErrorsByType": dict(Counter(str(error["errorType"]) for error in errors)),
        "timeCompression": dict(system.time_compression),
        "plan": plan.report(),
    }
    return summary


def _inner_body(body: str) -> str:
    """The published message of a DLQ body: unwraps an SNS envelope (no raw delivery) if there is one."""
    try:
        document = json.loads(body)
    except ValueError:
        return body
    if isinstance(document, dict) and document.get("Type") == "Notification" and "Message" in document:
        return str(document["Message"])
    return body


def distinct_letters(letters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One letter per input: copies with the same `originalMessageId` (the SQS message the handler
    dead-lettered, redelivered after a crash before its batch was acknowledged) count once, as a DLQ
    consumer deduplicating on that attribute would. Letters without it are kept as they are."""
    seen: set[str] = set()
    distinct: list[dict[str, Any]] = []
    for letter in letters:
        original = letter["attributes"].get("originalMessageId")
        if original and original in seen:
            continue
        if original:
            seen.add(original)
        distinct.append(letter)
    return distinct


def _multiset_check(name: str, letters: list[dict[str, Any]], expected: Iterable[str]) -> dict[str, Any]:
    distinct = distinct_letters(letters)
    actual = Counter(_inner_body(letter.get("body") or "") for letter in distinct)
    wanted = Counter(expected)
    unexpected, missing = actual - wanted, wanted - actual
    unexplained = [letter for letter in letters
                   if not (letter["attributes"].get("reason") and letter["attributes"].get("errorType"))]
    detail = (f"{name}: {sum(actual.values())} distinct input(s) held ({len(letters) - len(distinct)} "
              f"at-least-once copies), {sum(wanted.values())} expected; {sum(unexpected.values())} unexpected, "
              f"{sum(missing.values())} missing, {len(unexplained)} without reason/errorType")
    problems = [body[:160] for body in list(unexpected)[:5]]
    return {"ok": not unexpected and not missing and not unexplained, "detail": detail, "examples": problems}


def check_invariants(system: Any, scenario: Scenario) -> dict[str, Any]:
    """The issue's invariants, from the emulator's state and the captured SES requests."""
    sent = system.sent_emails()
    per_order = Counter(str(tagged_order(email)) for email in sent)
    duplicates = sum(max(0, count - scenario.expected_emails.get(order_id, 0)) for order_id, count in per_order.items())
    lost_orders = [order_id for order_id, wanted in scenario.expected_emails.items() if per_order[order_id] < wanted]
    twice = sorted(order_id for order_id, count in per_order.items()
                   if count > scenario.expected_emails.get(order_id, 0))
    explained = explained_duplicates(sent, set(twice), system.very_late_message_ids())

    items = {str(item["orderId"]): item for item in system.delivery_items() if item.get("kind") == ORDER_CONFIRMATION}
    wrong = {order_id: {"expected": wanted, "actual": str(items.get(order_id, {}).get("status") or MISSING)}
             for order_id, wanted in scenario.expected_status.items()
             if str(items.get(order_id, {}).get("status") or MISSING) != wanted}
    unplanned_items = sorted(set(items) - set(scenario.expected_status))

    dead = system.dead_letters()
    sender = [letter for name, letters in dead.items() if "sender" in name for letter in letters]
    feedback = [letter for name, letters in dead.items() if "sender" not in name for letter in letters]

    suppression = system.suppression_items()
    counters = [item for item in suppression if str(item["addressHash"]).startswith(SOFT_BOUNCE_PREFIX)]
    listed = {str(item["addressHash"]) for item in suppression} - {str(item["addressHash"]) for item in counters}
    extra, absent = listed - scenario.suppressed_hashes, scenario.suppressed_hashes - listed

    invariants = {
        "exactlyOneEmail": {
            "ok": not (set(twice) - explained) and not lost_orders,
            "detail": f"{len(sent)} e-mails for {len(scenario.expected_emails)} valid orders; "
                      f"{duplicates} duplicate(s), {len(explained)} of them after a crash whose Send event came "
                      f"later than lease + grace (the stated bound); {len(lost_orders)} lost",
            "examples": (sorted(set(twice) - explained) + lost_orders)[:10],
        },
        "statusEventsDelivered": status_events_delivered(system),
        "finalStatus": {
            "ok": not wrong and not unplanned_items,
            "detail": f"{len(wrong)} valid order(s) not in their expected final status; "
                      f"{len(unplanned_items)} unplanned delivery item(s)",
            "examples": [f"{order_id}: {o['actual']} (expected {o['expected']})"
                         for order_id, o in sorted(wrong.items())[:10]] + unplanned_items[:5],
        },
        "deadLettersExact": _combine(_multiset_check("sender DLQ", sender, scenario.sender_poison),
                                       _multiset_check("feedback DLQ", feedback, scenario.feedback_poison)),
        "suppressionExact": {
            "ok": not extra and not absent and not counters,
            "detail": f"{len(listed)} suppressed, {len(scenario.suppressed_hashes)} expected; {len(extra)} "
                      f"unexpected, {len(absent)} missing, {len(counters)} soft-bounce counter(s)",
            "examples": [],
        },
    }
    return {
        "validOrders": len(scenario.expected_emails),
        "emailsSent": len(sent),
        "duplicates": duplicates,
        "duplicatesAfterVeryLateSendEvents": len(explained),
        "lost": len(lost_orders),
        "deadLettered": len(distinct_letters(sender)) + len(distinct_letters(feedback)),
        "deadLetterCopies": len(sender) + len(feedback) - len(distinct_letters(sender))
        - len(distinct_letters(feedback)),
        "invariantsOk": all(check["ok"] for check in invariants.values()),
        "invariants": invariants,
        "statuses": dict(sorted(Counter(str(item.get("status")) for item in items.values()).items())),
    }


def explained_duplicates(sent: list[dict[str, Any]], twice: set[str], very_late: set[str]) -> set[str]:
    """Orders mailed twice because the first e-mail's events came only after lease + grace: the
    sender that sent it died before recording it, and the retry could not know (pure)."""
    first: dict[str, str] = {}
    for email in sent:  # in acceptance order
        order_id = str(tagged_order(email))
        first.setdefault(order_id, str(email["messageId"]))
    return {order_id for order_id in twice if first.get(order_id) in very_late}


def status_events_delivered(system: Any) -> dict[str, Any]:
    """Every status change the table's stream holds reached the bus, at least once, the same each time."""
    expected = {detail["eventId"]: detail for detail in details_from_stream(system.deliveries_stream())}
    on_bus: dict[str, list[dict[str, Any]]] = {}
    for event in system.status_events():
        on_bus.setdefault(str(event["detail"]["eventId"]), []).append(event["detail"])
    missing = sorted(set(expected) - set(on_bus))
    differing = sorted(event_id for event_id, copies in on_bus.items()
                       if any(copy != expected.get(event_id, copies[0]) for copy in copies))
    unknown = sorted(set(on_bus) - set(expected))
    repeats = sum(len(copies) - 1 for copies in on_bus.values())
    return {"ok": not missing and not differing and not unknown,
            "detail": f"{len(expected)} status changes written, {len(set(expected) & set(on_bus))} on the bus "
                      f"({repeats} repeated, same eventId); {len(missing)} missing, {len(differing)} differing, "
                      f"{len(unknown)} not written",
            "examples": (missing + differing + unknown)[:10]}


def _combine(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    return {"ok": first["ok"] and second["ok"], "detail": f"{first['detail']}; {second['detail']}",
            "examples": first["examples"] + second["examples"]}


def render_chaos(summary: dict[str, Any]) -> Any:
    """A rich renderable of a chaos summary (the CLI prints it; --json prints the dict)."""
    from rich.console import Group
    from rich.table import Table

    headline = Table(title=f"order-email chaos run — stack {summary['stack']} (seed {summary['seed']})",
                     show_header=False)
    headline.add_column("what", style="bold")
    headline.add_column("value", justify="right")
    for name, key in (("orders (messages published)", None), ("valid orders", "validOrders"),
                      ("e-mails sent", "emailsSent"), ("duplicates", "duplicates"), ("lost", "lost"),
                      ("dead-lettered", "deadLettered"), ("e-mails / second", "emailsPerSecond"),
                      ("elapsed (s)", "elapsedSeconds"), ("function errors (crashes included)", "functionErrors"),
                      ("orders held (SES paused)", "heldOrders"), ("sends throttled", "throttledSends")):
        value = f"{summary['orders']} ({summary['published']})" if key is None else summary[key]
        headline.add_row(name, str(value))
    ok = summary["invariantsOk"]
    headline.add_row("invariants", "[green]all hold[/green]" if ok else "[red]VIOLATED[/red]")
    checks = Table(title="invariants")
    for column in ("invariant", "ok", "detail"):
        checks.add_column(column)
    for name, check in summary["invariants"].items():
        checks.add_row(name, "[green]yes[/green]" if check["ok"] else "[red]no[/red]",
                       check["detail"] + "".join(f"\n  {example}" for example in check["examples"][:5]))
    faults = Table(title="faults injected")
    faults.add_column("fault")
    faults.add_column("count", justify="right")
    for name, count in summary["faultsInjected"].items():
        faults.add_row(name, str(count))
    parts: list[Any] = [headline, checks, faults]
    if summary["timeCompression"]:
        compressed = ", ".join(f"{name}={change}" for name, change in summary["timeCompression"].items())
        parts.append(f"Time compressed for the local run: {compressed}.")
    return Group(*parts)
