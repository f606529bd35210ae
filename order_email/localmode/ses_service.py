"""`LocalSes`: one Amazon SES (API v2) account in memory, refusing what SES refuses.

Reproduced: account settings (production access and its request by PutAccountDetails, sending,
suspension, probation, quotas, suppression reasons), email and domain identities (PENDING until
verified, or FAILED / TEMPORARY_FAILURE as the controls say; default configuration sets, MAIL
FROM), configuration sets with sending and suppression options, event destinations (stored), the
account-level suppression list, and SendEmail with every check of `ses_rules`, SES-shaped message
ids, the daily quota and the send rate. Accepted e-mails are logged (`accepted`), and mailbox-
simulator hard bounces and complaints join the suppression list as they do in SES.

Not reproduced: DKIM signing and DNS (an identity is verified by `set_verification`, which local
mode's provisioning calls for the stack's identities), delivery and event publishing (the parent's
SES simulator plays them), templates, tenants, sending authorization, contact lists, dedicated IPs,
regions (one account, one region) and request signatures. Unlimited quotas are answered as -1
(SES documents -1 as unlimited for Max24HourSend; local mode uses it for MaxSendRate too).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from order_email.localmode import ses_rules as rules
from order_email.localmode.capture import sent_email
from order_email.localmode.emulator import REGION
from order_email.localmode.ses_identities import IdentityOperations
from order_email.localmode.ses_records import (
    REVIEW_STATUSES,
    UNVERIFIED_STATUSES,
    Account,
    ConfigurationSet,
    Identity,
    SesError,
    TokenBucket,
)

DAY_SECONDS = 24 * 60 * 60
IMPLEMENTED = frozenset({
    "GetAccount", "PutAccountDetails", "PutAccountSendingAttributes", "PutAccountSuppressionAttributes",
    "CreateEmailIdentity", "GetEmailIdentity", "ListEmailIdentities", "DeleteEmailIdentity",
    "PutEmailIdentityMailFromAttributes", "PutEmailIdentityConfigurationSetAttributes", "CreateConfigurationSet",
    "GetConfigurationSet", "ListConfigurationSets", "DeleteConfigurationSet", "PutConfigurationSetSendingOptions",
    "PutConfigurationSetSuppressionOptions", "CreateConfigurationSetEventDestination",
    "GetConfigurationSetEventDestinations", "DeleteConfigurationSetEventDestination", "PutSuppressedDestination",
    "GetSuppressedDestination", "DeleteSuppressedDestination", "ListSuppressedDestinations", "SendEmail"})
"""SESv2 operations `LocalSes` answers, each by the method named as boto3 names it (`send_email`)."""
_NOT_EMULATED_SEND = ("FromEmailAddressIdentityArn", "TenantName", "EndpointId", "ListManagementOptions",
                      "ConfigurationOverrides")


def _epoch(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


class LocalSes(IdentityOperations):
    """The account; every public method holds the one lock. Operation methods take and return botocore dicts."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time,
                 region: str = REGION):
        """`clock` paces the send rate and the 24-hour window; `wall` stamps what SES reports as times."""
        self._lock = threading.Lock()
        self._clock = clock
        self._wall = wall
        self.region = region
        self._account = Account()
        self._identities: dict[str, Identity] = {}
        self._sets: dict[str, ConfigurationSet] = {}
        self._destinations: dict[str, dict[str, dict[str, Any]]] = {}
        self._suppressed: dict[str, dict[str, Any]] = {}
        """Lower-case address → SuppressedDestination (the spelling given is kept inside)."""
        self._sent: deque[tuple[float, int]] = deque()
        """(clock, recipients) of the sends in the trailing 24 hours, oldest first; `_sent_total` sums them."""
        self._sent_total = 0
        self._bucket: TokenBucket | None = None
        self._accepted: list[dict[str, Any]] = []
        self._refused: Counter[str] = Counter()

    # -- account ---------------------------------------------------------------------------------

    def get_account(self, params: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            account = self._account
            answer: dict[str, Any] = {
                "EnforcementStatus": account.enforcement_status,
                "ProductionAccessEnabled": account.production_access,
                "SendingEnabled": account.sending_enabled and not account.suspended,
                "SendQuota": {
                    "Max24HourSend": -1 if account.max_24_hour_send is None else account.max_24_hour_send,
                    "MaxSendRate": -1 if account.max_send_rate is None else account.max_send_rate,
                    "SentLast24Hours": self._sent_last_24_hours(self._clock()),
                },
                "SuppressionAttributes": {"SuppressedReasons": list(account.suppressed_reasons)},
            }
            if account.details or account.review_status:
                details: dict[str, Any] = {key: list(value) if isinstance(value, tuple) else value
                                           for key, value in account.details}
                if account.review_status:
                    details["ReviewDetails"] = {"Status": account.review_status, "CaseId": account.case_id}
                answer["Details"] = details
            return answer

    def put_account_details(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The account's details; with ProductionAccessEnabled, from the sandbox, a request for production access.

        The request waits for review (ReviewDetails PENDING with a case id; `set_account(review_status=…)` decides
        it) and leaves the account in the sandbox meanwhile; a second request during review is SES's
        ConflictException.
        """
        details = rules.account_details(params)
        with self._lock:
            account = self._account
            if account.review_status == "PENDING":
                raise SesError("ConflictException", "An account details update is already under review.")
            account = replace(account, details=details)
            if params.get("ProductionAccessEnabled") and not account.production_access:
                account = replace(account, review_status="PENDING", case_id=str(uuid.uuid4().int)[:10])
            self._account = account
            return {}

    def put_account_sending_attributes(self, params: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._account = replace(self._account, sending_enabled=bool(params.get("SendingEnabled", False)))
            return {}

    def put_account_suppression_attributes(self, params: Mapping[str, Any]) -> dict[str, Any]:
        rules.refuse_not_emulated(params, ["ValidationAttributes"])
        with self._lock:
            reasons = rules.suppression_reasons(params.get("SuppressedReasons") or [])
            self._account = replace(self._account, suppressed_reasons=reasons)
            return {}

    # -- account-level suppression list ----------------------------------------------------------

    def put_suppressed_destination(self, params: Mapping[str, Any]) -> dict[str, Any]:
        rules.refuse_not_emulated(params, ["TenantName"])
        address = str(params["EmailAddress"])
        rules.check_addresses([address])
        (reason,) = rules.suppression_reasons([params["Reason"]])
        with self._lock:
            self._suppress(address, reason, None)
            return {}

    def get_suppressed_destination(self, params: Mapping[str, Any]) -> dict[str, Any]:
        rules.refuse_not_emulated(params, ["TenantName"])
        with self._lock:
            return {"SuppressedDestination": dict(self._suppressed_entry(params["EmailAddress"]))}

    def delete_suppressed_destination(self, params: Mapping[str, Any]) -> dict[str, Any]:
        rules.refuse_not_emulated(params, ["TenantName"])
        with self._lock:
            entry = self._suppressed_entry(params["EmailAddress"])
            del self._suppressed[entry["EmailAddress"].lower()]
            return {}

    def list_suppressed_destinations(self, params: Mapping[str, Any]) -> dict[str, Any]:
        rules.refuse_not_emulated(params, ["TenantName"])
        reasons = set(rules.suppression_reasons(params.get("Reasons") or rules.SUPPRESSION_REASONS))
        start = _epoch(params["StartDate"]) if params.get("StartDate") is not None else float("-inf")
        end = _epoch(params["EndDate"]) if params.get("EndDate") is not None else float("inf")
        with self._lock:
            items = [{key: entry[key] for key in ("EmailAddress", "Reason", "LastUpdateTime")}
                     for entry in self._suppressed.values()
                     if entry["Reason"] in reasons and start <= entry["LastUpdateTime"] < end]
            return rules.page(items, params, "SuppressedDestinationSummaries", "InvalidNextTokenException")

    # -- sending ---------------------------------------------------------------------------------

    def send_email(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Every check in SES's order (see `ses_rules`); refusals are counted by code for `stats`."""
        with self._lock:
            try:
                return {"MessageId": self._send(params)}
            except SesError as error:
                self._refused[error.code] += 1
                raise

    def _send(self, params: Mapping[str, Any]) -> str:
        content = params.get("Content") or {}
        rules.check_content(content)
        rules.refuse_not_emulated(params, _NOT_EMULATED_SEND)
        recipients = rules.recipients_of(params.get("Destination"))
        rules.check_recipient_count(recipients)
        rules.check_tags(params.get("EmailTags") or [])
        rules.check_message_size(content)
        rules.check_addresses(recipients)
        sender = rules.sender_of(params)
        candidates = rules.identities_for(rules.bare_address(sender), self._identities)
        set_name = rules.resolve_configuration_set(params.get("ConfigurationSetName"), candidates, self._sets)
        configuration_set = self._sets.get(set_name) if set_name else None
        rules.check_sending_status(self._account, configuration_set)
        identity = rules.check_sender_verified(sender, candidates, self.region)
        rules.check_mail_from(identity)
        rules.check_sandbox(self._account, recipients, self._identities, self.region)
        now = self._clock()
        rules.check_daily_quota(self._account.max_24_hour_send, self._sent_last_24_hours(now), len(recipients))
        self._bucket = rules.take_send_tokens(self._bucket, self._account.max_send_rate, len(recipients), now)
        self._sent.append((now, len(recipients)))
        self._sent_total += len(recipients)
        return self._accept(params, sender, recipients, configuration_set, identity)

    def _accept(self, params: Mapping[str, Any], sender: str, recipients: list[str],
                configuration_set: ConfigurationSet | None, identity: Identity) -> str:
        accepted_at = self._wall()
        message_id = f"0102{int(accepted_at * 1000):012x}-{uuid.uuid4()}-000000"
        reasons = rules.effective_suppressed_reasons(self._account, configuration_set)
        addresses = {rules.bare_address(recipient).lower() for recipient in recipients}
        listed = {address: self._suppressed[address]["Reason"] for address in addresses & self._suppressed.keys()}
        email = sent_email({**params, "FromEmailAddress": sender}, message_id, accepted_at)  # Raw: its From header
        email.update(configurationSet=configuration_set.name if configuration_set else None, identity=identity.name,
                     sequence=len(self._accepted) + 1,
                     suppressedRecipients=rules.suppressed_recipients(recipients, listed, reasons))
        self._accepted.append(email)
        for recipient in recipients:  # the simulator's bounce or complaint arrives: SES lists the address
            reason = rules.simulator_suppression(recipient, reasons)
            if reason:
                self._suppress(rules.bare_address(recipient), reason, message_id)
        return message_id

    # -- local mode's controls (not SES operations) ----------------------------------------------

    def set_verification(self, identity: str, verified: bool, mail_from_verified: bool | None = None, *,
                         status: str | None = None, mail_from_status: str | None = None) -> None:
        """What SES decides from DNS: the identity (and its DKIM) verified or not, and its MAIL FROM.

        `status` / `mail_from_status` say what SES reports while not verified (PENDING, the default, FAILED or
        TEMPORARY_FAILURE); either is refused for what is verified. An unverified identity never sends.
        """
        for name, value, unverified in (("status", status, not verified),
                                        ("mailFromStatus", mail_from_status, mail_from_verified is False)):
            if value is not None and (value not in UNVERIFIED_STATUSES or not unverified):
                raise ValueError(f"{name} must be one of {list(UNVERIFIED_STATUSES)}, "
                                 "and is given only for what is not verified")
        with self._lock:
            found = self._identity(identity)
            self._store(replace(
                found, verified=verified, unverified_status=status or "PENDING",
                mail_from_verified=found.mail_from_verified if mail_from_verified is None else mail_from_verified,
                mail_from_unverified_status=found.mail_from_unverified_status if mail_from_verified is None
                else mail_from_status or "PENDING"))

    def set_limits(self, max_send_rate: float | None, max_24_hour_send: float | None) -> None:
        """The account's quotas (None = unlimited); the send-rate bucket starts full again."""
        with self._lock:
            self._account = replace(self._account, max_send_rate=max_send_rate, max_24_hour_send=max_24_hour_send)
            self._bucket = None

    def set_account(self, *, production_access: bool | None = None, suspended: bool | None = None,
                    probation: bool | None = None, review_status: str | None = None) -> None:
        """What AWS decides for an account: leave the sandbox, suspend it, put it on probation, decide a request
        for production access (GRANTED also leaves the sandbox; leaving the sandbox grants a pending request).
        Only the values given change."""
        if review_status is not None and review_status not in REVIEW_STATUSES:
            raise ValueError(f"reviewStatus must be one of {list(REVIEW_STATUSES)}")
        with self._lock:
            account = self._account
            if review_status is not None and account.review_status is None:
                raise ValueError("no production access request to review (PutAccountDetails with "
                                 "ProductionAccessEnabled makes one)")
            if review_status is None and production_access and account.review_status == "PENDING":
                review_status = "GRANTED"
            if review_status == "GRANTED" and production_access is None:
                production_access = True
            given: dict[str, Any] = {"production_access": production_access, "suspended": suspended,
                                     "probation": probation, "review_status": review_status}
            self._account = replace(account, **{key: value for key, value in given.items() if value is not None})

    def accepted(self, after: int = 0) -> tuple[int, list[dict[str, Any]]]:
        """(highest sequence, the accepted e-mails with a sequence above `after`)."""
        with self._lock:
            return len(self._accepted), [dict(email) for email in self._accepted[max(0, after):]]

    def stats(self) -> dict[str, Any]:
        """Accepted e-mails and SendEmail refusals by error code."""
        with self._lock:
            return {"accepted": len(self._accepted), "refused": dict(self._refused)}

    # -- helpers (the caller holds the lock) ------------------------------------------------------

    def _suppress(self, address: str, reason: str, message_id: str | None) -> None:
        entry: dict[str, Any] = {"EmailAddress": address, "Reason": reason,
                                 "LastUpdateTime": round(self._wall(), 3)}  # SES keeps milliseconds
        if message_id:
            entry["Attributes"] = {"MessageId": message_id}
        self._suppressed[address.lower()] = entry

    def _suppressed_entry(self, address: str) -> dict[str, Any]:
        entry = self._suppressed.get(str(address).lower())
        if entry is None:
            raise SesError("NotFoundException", f"Email address {address} does not exist on your suppression list.")
        return entry

    def _sent_last_24_hours(self, now: float) -> int:
        while self._sent and self._sent[0][0] <= now - DAY_SECONDS:
            self._sent_total -= self._sent.popleft()[1]
        return self._sent_total
