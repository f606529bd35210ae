"""What local mode observes of the handlers: their AWS calls and their EMF.

`CallRecorder` runs inside a function's process. It hooks botocore's event system on every
botocore `Session` created there (boto3's default session and any `boto3.session.Session()` a
handler builds), so handler code is untouched. What SES accepted is the local SES's to say
(`ses_service`, read by `LocalSystem` from the emulator), whoever sent it.

`parse_emf` runs in the parent, on each line a function printed to stdout: Powertools' EMF
documents are the metrics CloudWatch would extract.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from email.utils import getaddresses
from typing import Any


class CallRecorder:
    """Counts API calls per `service.Operation`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()

    def install(self, also: Callable[[Any], None] | None = None) -> None:
        """Attach to every botocore Session created from now on in this process.

        `also` attaches more hooks to each session, after ours (a fault injector's).
        """
        import botocore.session

        original = botocore.session.Session.__init__
        recorder = self

        def init(session: Any, *args: Any, **kwargs: Any) -> None:
            original(session, *args, **kwargs)
            recorder.attach(session)
            if also is not None:
                also(session)

        botocore.session.Session.__init__ = init  # type: ignore[method-assign,assignment]

    def attach(self, session: Any) -> None:
        session.register("before-parameter-build", self._before)

    def _before(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.calls[f"{model.service_model.service_name}.{model.name}"] += 1

    def drain(self) -> dict[str, int]:
        """Calls since the last drain (one invocation's worth)."""
        with self._lock:
            calls, self.calls = dict(self.calls), Counter()
        return calls


def sent_email(request: dict[str, Any], message_id: str, accepted_at: float) -> dict[str, Any]:
    """What SES accepted, in the shape `LocalSystem.sent_emails()` returns (pure)."""
    destination = request.get("Destination") or {}
    simple = (request.get("Content") or {}).get("Simple") or {}
    body = simple.get("Body") or {}
    return {
        "messageId": message_id,
        "from": request.get("FromEmailAddress"),
        "to": list(destination.get("ToAddresses") or []),
        "cc": list(destination.get("CcAddresses") or []),
        "bcc": list(destination.get("BccAddresses") or []),
        "replyTo": list(request.get("ReplyToAddresses") or []),
        "subject": (simple.get("Subject") or {}).get("Data"),
        "html": (body.get("Html") or {}).get("Data"),
        "text": (body.get("Text") or {}).get("Data"),
        "headers": {header["Name"]: header["Value"] for header in simple.get("Headers") or []},
        "tags": {tag["Name"]: tag["Value"] for tag in request.get("EmailTags") or []},
        "configurationSet": request.get("ConfigurationSetName"),
        "acceptedAt": accepted_at,
    }


def addresses(headers: Iterable[str]) -> list[str]:
    """Bare addresses from `Name <address>` header values."""
    return [address for _, address in getaddresses(list(headers)) if address]


def parse_emf(line: str) -> dict[str, Any] | None:
    """The EMF document on a stdout line, or None for log lines and anything else."""
    text = line.strip()
    if not text.startswith("{") or '"_aws"' not in text:
        return None
    try:
        document = json.loads(text)
    except ValueError:
        return None
    if not isinstance(document, dict) or "CloudWatchMetrics" not in (document.get("_aws") or {}):
        return None
    return document


def emf_values(document: dict[str, Any]) -> dict[str, list[float]]:
    """Metric name → values of one EMF document (a value may be a number or a list of numbers)."""
    values: dict[str, list[float]] = {}
    for directive in document["_aws"].get("CloudWatchMetrics") or []:
        for metric in directive.get("Metrics") or []:
            raw = document.get(metric.get("Name"))
            items = raw if isinstance(raw, list) else [raw]
            values.setdefault(metric["Name"], []).extend(float(v) for v in items if isinstance(v, int | float))
    return values
