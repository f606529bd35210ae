"""SES's part of the feedback loop: event-publishing events for every e-mail the emulator accepted.

moto never publishes configuration-set events. So for each e-mail the local SES accepted (from any
client; `ses_service` resolves its configuration set — the request's, else the identity's default;
none → SES publishes nothing) this module builds the events SES would publish, in the documented
event-publishing format, with the real message id and the e-mail's tags, and publishes those the
configuration set's event destinations match to their SNS topic — the subscription declared in
the graph carries them on. A recipient on the account-level suppression list (for a reason the send
uses) gets SES's `OnAccountSuppressionList` bounce instead of its mailbox outcome.

The outcome is decided by the mailbox-simulator address (`+label` allowed in the local part):
success@ → Send, Delivery; bounce@ → Send, Bounce (Permanent/General); complaint@ → Send, Delivery,
Complaint (abuse); suppressionlist@ → Send, Bounce (Permanent/OnAccountSuppressionList); ooto@ →
Send, Delivery. Any other address is delivered. `SimulatorOptions` adds DeliveryDelay, Open and
Click, shuffles the order and duplicates events, as SNS/SQS at-least-once delivery would, and
publishes a share of them late (a Delivery after the Complaint, a Send after the Delivery), as SES's
asynchronous event publishing can; a share of e-mails (`very_late_rate`) gets all its events only
after `very_late_seconds`; `delay_events(s)` holds every event back for s seconds (a slow SES);
`pending()` counts the late ones not yet published.
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from order_email.localmode.capture import addresses
from order_email.localmode.emulator import ACCOUNT_ID, REGION
from order_email.localmode.faults import FaultPlan
from order_email.localmode.mailbox import SimulatorOutcome, outcome_for
from order_email.localmode.provisioned import EventDestination

EVENT_TYPE_ENUM = {
    "Send": "SEND", "Reject": "REJECT", "Bounce": "BOUNCE", "Complaint": "COMPLAINT", "Delivery": "DELIVERY",
    "DeliveryDelay": "DELIVERY_DELAY", "Rendering Failure": "RENDERING_FAILURE", "Open": "OPEN",
    "Click": "CLICK", "Subscription": "SUBSCRIPTION",
}
"""`eventType` in a published event → the `matchingEventTypes` value that selects it."""


@dataclass(frozen=True)
class SimulatorOptions:
    engagement: bool = False
    """Add a DeliveryDelay before each delivery, and an Open and a Click after it."""
    reorder: bool = False
    """Publish each batch's events in random order (SNS→SQS does not keep order)."""
    duplicate_rate: float = 0.0
    """Share of events published twice (at-least-once delivery)."""
    late_rate: float = 0.0
    """Share of events published late, after a delay drawn from `late_seconds`."""
    late_seconds: tuple[float, float] = (1.0, 4.0)
    very_late_rate: float = 0.0
    """Share of e-mails all of whose events are published only after `very_late_seconds`."""
    very_late_seconds: float = 60.0
    seed: int | None = None

    @classmethod
    def of_plan(cls, plan: FaultPlan) -> SimulatorOptions:
        """SES's share of a chaos plan: events reordered, repeated and late (pure)."""
        return cls(reorder=plan.reorder_events, duplicate_rate=plan.event_duplicate_rate,
                   late_rate=plan.late_event_rate, late_seconds=plan.late_event_seconds,
                   very_late_rate=plan.very_late_rate, very_late_seconds=plan.very_late_seconds, seed=plan.seed)


def event_message_id(body: str) -> str | None:
    """The SES message id of an SES event body (raw SNS delivery), or None."""
    try:
        document = json.loads(body)
    except ValueError:
        return None
    mail = document.get("mail") if isinstance(document, dict) else None
    message_id = mail.get("messageId") if isinstance(mail, dict) else None
    return message_id if isinstance(message_id, str) else None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _feedback_id(rng: random.Random) -> str:
    return f"0102{rng.getrandbits(64):016x}-{uuid.UUID(int=rng.getrandbits(128))}-000000"


def mail_object(email: dict[str, Any], configuration_set: str, identity: str | None,
                caller: str = "localmode") -> dict[str, Any]:
    """The `mail` object every event of one e-mail shares (pure)."""
    accepted = datetime.fromtimestamp(email["acceptedAt"], UTC)
    source = (addresses([email.get("from") or ""]) or [""])[0]
    destination = addresses([*email.get("to", []), *email.get("cc", []), *email.get("bcc", [])])
    headers = [{"name": "From", "value": email.get("from") or ""}]
    headers += [{"name": "Reply-To", "value": value} for value in email.get("replyTo") or []]
    headers += [{"name": "To", "value": ", ".join(email.get("to") or [])},
                {"name": "Subject", "value": email.get("subject") or ""},
                {"name": "MIME-Version", "value": "1.0"},
                {"name": "Content-Type", "value": "multipart/alternative"}]
    headers += [{"name": name, "value": value} for name, value in (email.get("headers") or {}).items()]
    tags: dict[str, list[str]] = {
        "ses:operation": ["SendEmail"],
        "ses:configuration-set": [configuration_set],
        "ses:source-ip": ["127.0.0.1"],
        "ses:from-domain": [source.rpartition("@")[2]],
        "ses:caller-identity": [caller],
    }
    tags.update({name: [value] for name, value in (email.get("tags") or {}).items()})
    common: dict[str, Any] = {"from": [email.get("from") or ""], "to": list(email.get("to") or []),
                              "messageId": email["messageId"], "subject": email.get("subject") or ""}
    if email.get("replyTo"):
        common["replyTo"] = list(email["replyTo"])
    mail: dict[str, Any] = {
        "timestamp": _iso(accepted),
        "source": source,
        "sendingAccountId": ACCOUNT_ID,
        "messageId": email["messageId"],
        "destination": destination,
        "headersTruncated": False,
        "headers": headers,
        "commonHeaders": common,
        "tags": tags,
    }
    if identity:
        mail["sourceArn"] = f"arn:aws:ses:{REGION}:{ACCOUNT_ID}:identity/{identity}"
    return mail


def events_for(email: dict[str, Any], configuration_set: str, identity: str | None,
               options: SimulatorOptions, rng: random.Random) -> list[dict[str, Any]]:
    """Every event SES publishes for one accepted e-mail, in the order SES would (pure but for `rng`)."""
    mail = mail_object(email, configuration_set, identity)
    accepted = datetime.fromtimestamp(email["acceptedAt"], UTC)
    events: list[dict[str, Any]] = [{"eventType": "Send", "mail": mail, "send": {}}]
    on_account_list = {address.lower() for address in email.get("suppressedRecipients") or []}
    for recipient in mail["destination"]:
        outcome = SimulatorOutcome.SUPPRESSION_LIST if recipient.lower() in on_account_list else outcome_for(recipient)
        moment = accepted + timedelta(milliseconds=rng.randint(200, 900))
        if options.engagement and outcome in (SimulatorOutcome.SUCCESS, SimulatorOutcome.OOTO,
                                              SimulatorOutcome.COMPLAINT):
            events.append({"eventType": "DeliveryDelay", "mail": mail, "deliveryDelay": {
                "timestamp": _iso(moment), "delayType": "TransientCommunicationFailure",
                "expirationTime": _iso(moment + timedelta(hours=12)),
                "delayedRecipients": [{"emailAddress": recipient, "status": "4.4.1",
                                       "diagnosticCode": "smtp; 421 4.4.1 try again later"}]}})
            moment += timedelta(milliseconds=rng.randint(100, 500))
        if outcome in (SimulatorOutcome.BOUNCE, SimulatorOutcome.SUPPRESSION_LIST):
            events.append(_bounce(mail, recipient, outcome, moment, rng))
            continue
        events.append({"eventType": "Delivery", "mail": mail, "delivery": {
            "timestamp": _iso(moment), "processingTimeMillis": int((moment - accepted).total_seconds() * 1000),
            "recipients": [recipient], "smtpResponse": "250 2.6.0 Message received",
            "reportingMTA": f"a1-1.smtp-out.{REGION}.amazonses.com", "remoteMtaIp": "127.0.0.1"}})
        if outcome is SimulatorOutcome.COMPLAINT:
            moment += timedelta(milliseconds=rng.randint(100, 900))
            events.append({"eventType": "Complaint", "mail": mail, "complaint": {
                "feedbackId": _feedback_id(rng), "complaintSubType": None,
                "complainedRecipients": [{"emailAddress": recipient}], "timestamp": _iso(moment),
                "userAgent": "Amazon SES Mailbox Simulator", "complaintFeedbackType": "abuse",
                "arrivalDate": _iso(moment)}})
        if options.engagement:
            moment += timedelta(seconds=rng.randint(1, 60))
            agent = "Mozilla/5.0 (localmode)"
            events.append({"eventType": "Open", "mail": mail, "open": {
                "timestamp": _iso(moment), "ipAddress": "192.0.2.1", "userAgent": agent}})
            moment += timedelta(seconds=rng.randint(1, 30))
            events.append({"eventType": "Click", "mail": mail, "click": {
                "timestamp": _iso(moment), "ipAddress": "192.0.2.1", "userAgent": agent,
                "link": "https://example-shop.com/orders", "linkTags": {}}})
    return events


def _bounce(mail: dict[str, Any], recipient: str, outcome: SimulatorOutcome, moment: datetime,
            rng: random.Random) -> dict[str, Any]:
    if outcome is SimulatorOutcome.SUPPRESSION_LIST:
        subtype, diagnostic = "OnAccountSuppressionList", (
            "Amazon SES did not send the message to this address because it is on the suppression list "
            "for your account.")
    else:
        subtype, diagnostic = "General", "smtp; 550 5.1.1 user unknown"
    return {"eventType": "Bounce", "mail": mail, "bounce": {
        "feedbackId": _feedback_id(rng), "bounceType": "Permanent", "bounceSubType": subtype,
        "bouncedRecipients": [{"emailAddress": recipient, "action": "failed", "status": "5.1.1",
                               "diagnosticCode": diagnostic}],
        "timestamp": _iso(moment), "reportingMTA": f"dsn; a1-1.smtp-out.{REGION}.amazonses.com"}}


Publisher = Callable[[str, list[str]], None]
"""(topic ARN, messages) → publish them to SNS."""


class SesSimulator:
    """Routes the events of accepted e-mails to the configuration sets' event destinations."""

    def __init__(self, destinations: Iterable[EventDestination], publish: Publisher,
                 options: SimulatorOptions | None = None):
        self._destinations = list(destinations)
        self._publish = publish
        self.options = options or SimulatorOptions()
        self._rng = random.Random(self.options.seed)  # noqa: S311 - simulation, not security
        self._lock = threading.Lock()
        self._late: set[threading.Timer] = set()
        self._delay_seconds = 0.0
        self.late_published = 0
        self.duplicated = 0
        self.very_late_message_ids: set[str] = set()
        """E-mails whose events were all held back past lease + grace (`very_late_rate`)."""

    def delay_events(self, seconds: float) -> None:
        """From now on, hold every event back `seconds` (0 restores SES's usual pace)."""
        if seconds < 0:
            raise ValueError("a delay cannot be negative")
        with self._lock:
            self._delay_seconds = float(seconds)

    def events(self, emails: Iterable[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
        """(topic ARN, event) for every event the e-mails produce that a destination matches."""
        routed: list[tuple[str, dict[str, Any]]] = []
        for email in emails:
            configuration_set = email.get("configurationSet")
            if not configuration_set:
                continue
            destinations = [d for d in self._destinations if d.configuration_set == configuration_set]
            for event in events_for(email, configuration_set, email.get("identity"), self.options, self._rng):
                routed.extend((destination.topic_arn, event) for destination in destinations
                              if EVENT_TYPE_ENUM[event["eventType"]] in destination.event_types)
        if self.options.duplicate_rate:
            again = [entry for entry in routed if self._rng.random() < self.options.duplicate_rate]
            self.duplicated += len(again)
            routed += again
        if self.options.reorder:
            self._rng.shuffle(routed)
        return routed

    def accept(self, emails: list[dict[str, Any]]) -> int:
        """Publish the events of these accepted e-mails (some late); returns how many there are."""
        with self._lock:
            very_late = [email for email in emails
                         if self.options.very_late_rate and self._rng.random() < self.options.very_late_rate]
            self.very_late_message_ids.update(str(email["messageId"]) for email in very_late)
        normal = [email for email in emails if email not in very_late]
        routed = self.events(normal)
        held_back = self.events(very_late)
        now: list[tuple[str, dict[str, Any]]] = []
        with self._lock:
            for entry in routed:
                late = bool(self.options.late_rate) and self._rng.random() < self.options.late_rate
                delay = self._delay_seconds + (self._rng.uniform(*self.options.late_seconds) if late else 0.0)
                if delay:
                    self._schedule(delay, entry)
                else:
                    now.append(entry)
            for entry in held_back:
                self._schedule(self._delay_seconds + self.options.very_late_seconds, entry)
        self._publish_now(now)
        return len(routed) + len(held_back)

    def _publish_now(self, routed: list[tuple[str, dict[str, Any]]]) -> None:
        by_topic: dict[str, list[str]] = {}
        for topic, event in routed:
            by_topic.setdefault(topic, []).append(json.dumps(event))
        for topic, messages in by_topic.items():
            self._publish(topic, messages)

    def _schedule(self, delay: float, entry: tuple[str, dict[str, Any]]) -> None:
        """Publish one event after `delay` seconds (caller holds the lock)."""

        def fire() -> None:
            try:
                self._publish_now([entry])
            finally:
                with self._lock:
                    self._late.discard(timer)
                    self.late_published += 1

        timer = threading.Timer(delay, fire)
        timer.daemon = True
        self._late.add(timer)
        timer.start()

    def pending(self) -> int:
        """Late events not published yet (the idle check counts them as work in flight)."""
        with self._lock:
            return len(self._late)

    def close(self) -> None:
        """Drop late events still waiting (the system is stopping)."""
        with self._lock:
            timers, self._late = list(self._late), set()
        for timer in timers:
            timer.cancel()
