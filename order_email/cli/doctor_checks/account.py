"""The SES account: production access, sending status, the daily quota and the send rate."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from order_email.cli.doctor_checks.findings import (
    ENFORCEMENT_DOCS,
    PRODUCTION_ACCESS_DOCS,
    QUOTA_DOCS,
    DoctorFinding,
    StackFacts,
    count,
    number,
)

ACCOUNT_CHECKS = ("ses-production-access", "ses-sending", "ses-quota", "ses-send-rate")
QUOTA_WARNING_SHARE = 0.8
"""Share of the 24-hour quota used from which doctor warns."""


def account_findings(ses: Any, facts: StackFacts) -> list[DoctorFinding]:
    account = ses.get_account()
    return [production_access(account, facts), sending(account), quota(account), send_rate(account, facts)]


def production_access(account: Mapping[str, Any], facts: StackFacts) -> DoctorFinding:
    check = "ses-production-access"
    region = facts.region or "this region"
    if account.get("ProductionAccessEnabled"):
        return DoctorFinding(check, "ok", f"production access in {region}: SES sends to any address")
    review = (account.get("Details") or {}).get("ReviewDetails") or {}
    status, case = review.get("Status"), review.get("CaseId")
    detail = f"the account is in the SES sandbox in {region}: it sends only to verified identities and the " \
             f"mailbox simulator"
    request = ("request production access: aws sesv2 put-account-details --production-access-enabled "
               "--mail-type TRANSACTIONAL --website-url https://<your shop> --use-case-description '<what you send, "
               f"how you handle bounces and complaints>' ({PRODUCTION_ACCESS_DOCS})")
    if status == "PENDING":
        detail += f"; the request for production access is under review (case {case})"
        remedy = f"wait for AWS's answer to case {case} (usually within a day); this check turns ok once it is granted"
    elif status in ("DENIED", "FAILED"):
        detail += f"; the request for production access was {status.lower()} (case {case})"
        remedy = f"answer case {case} in the AWS Support Center with what AWS asks for, or {request}"
    else:
        detail += "; production access has not been requested"
        remedy = request
    if facts.sandbox_mode:
        return DoctorFinding(check, "warning", detail + " (fine for this stack: sandboxMode is true, every "
                                                        "recipient is rewritten to the mailbox simulator)",
                             f"before mailing customers (sandboxMode: false): {remedy}")
    if facts.sandbox_mode is None:
        detail += f" (no Pulumi.{facts.name}.yaml here, so doctor assumes the stack mails customers)"
    return DoctorFinding(check, "error", detail, remedy)


def sending(account: Mapping[str, Any]) -> DoctorFinding:
    check = "ses-sending"
    enforcement = str(account.get("EnforcementStatus") or "HEALTHY")
    if enforcement == "SHUTDOWN":
        return DoctorFinding(check, "error", "AWS has stopped the account's sending (enforcement status SHUTDOWN)",
                             "find the cause in AWS's e-mail and the reputation metrics (bounce and complaint "
                             "rates), fix it, then ask AWS to resume sending in the case it opened "
                             f"({ENFORCEMENT_DOCS})")
    if account.get("SendingEnabled") is False:
        return DoctorFinding(check, "error", "sending is paused for the whole account (SendingEnabled false, "
                                             f"enforcement status {enforcement})",
                             "once the cause is fixed: aws sesv2 put-account-sending-attributes --sending-enabled")
    if enforcement == "PROBATION":
        return DoctorFinding(check, "warning", "the account is under review for its reputation (enforcement status "
                                               "PROBATION); it still sends",
                             "bring the bounce and complaint rates down (CloudWatch's AWS/SES Reputation.BounceRate "
                             "and Reputation.ComplaintRate; a full stack's dashboard and reputation alarms show them) "
                             f"before the review ends, or AWS pauses the account ({ENFORCEMENT_DOCS})")
    if enforcement != "HEALTHY":
        return DoctorFinding(check, "warning", f"sending enabled; unknown enforcement status {enforcement}",
                             "look at the account's status in the SES console")
    return DoctorFinding(check, "ok", "sending enabled, enforcement status HEALTHY")


def quota(account: Mapping[str, Any]) -> DoctorFinding:
    check = "ses-quota"
    send_quota = account.get("SendQuota") or {}
    maximum, sent = number(send_quota.get("Max24HourSend")), number(send_quota.get("SentLast24Hours"))
    rate = number(send_quota.get("MaxSendRate"))
    rate_text = "no send-rate limit" if rate < 0 else f"MaxSendRate {count(rate)}/s"
    if maximum < 0:
        return DoctorFinding(check, "ok", f"no daily quota; {rate_text}; {count(sent)} sent in the last 24 hours")
    detail = f"{count(sent)} of {count(maximum)} e-mails sent in the last 24 hours (Max24HourSend); {rate_text}"
    remedy = f"request a higher sending quota for Amazon SES in the Service Quotas console ({QUOTA_DOCS})"
    if sent >= maximum:
        return DoctorFinding(check, "error", f"daily quota used up: {detail}; SES refuses sends (the sender holds "
                                             "orders) until the 24-hour window moves on", remedy)
    if sent >= QUOTA_WARNING_SHARE * maximum:
        return DoctorFinding(check, "warning", f"close to the daily quota: {detail}", remedy)
    return DoctorFinding(check, "ok", detail)


def send_rate(account: Mapping[str, Any], facts: StackFacts) -> DoctorFinding:
    check = "ses-send-rate"
    rate = number((account.get("SendQuota") or {}).get("MaxSendRate"))
    configured = facts.setting("sesMaxSendRate")
    if configured is None:
        return DoctorFinding(check, "ok" if facts.config_file is None else "warning",
                             f"sesMaxSendRate unknown (no Pulumi.{facts.name}.yaml here); the account allows "
                             + ("any rate" if rate < 0 else f"{count(rate)} e-mails/s"))
    value = number(configured)
    if rate >= 0 and value > rate:
        return DoctorFinding(check, "warning", f"sesMaxSendRate {count(value)} is above the account's MaxSendRate "
                                               f"{count(rate)}: SES throttles the senders (they slow down and retry)",
                             f"pulumi config set sesMaxSendRate {count(rate)} --stack {facts.name} && "
                             f"{facts.command('pulumi up')}")
    return DoctorFinding(check, "ok", f"sesMaxSendRate {count(value)} e-mails/s, within the account's "
                                      + ("unlimited rate" if rate < 0 else f"MaxSendRate {count(rate)}"))
