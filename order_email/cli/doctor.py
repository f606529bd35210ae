"""`doctor`: can the stack send? The SES account, the sender identity, the configuration set and the
stack's resources, each finding with what to do.

Everything is read through the APIs a deployed stack answers (SESv2 GetAccount, GetEmailIdentity,
GetConfigurationSet, GetConfigurationSetEventDestinations; SNS, SQS, DynamoDB, EventBridge and KMS
describe calls), from the stack's outputs (`common.stack_outputs`) and, when the project directory
holds it, the stack's `Pulumi.<stack>.yaml` (sender domain, sandboxMode, sesMaxSendRate). Nothing is
changed. A finding is `ok`, a `warning` (sending works, but look) or an `error` (the stack cannot
send as configured, or doctor could not tell); any error makes the exit code 1.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import boto3
import typer
from botocore.exceptions import ClientError
from rich.markup import escape
from rich.table import Table

from order_email.cli import common
from order_email.cli.common import EXIT_PROBLEM, EXIT_USAGE, Endpoint, JsonFlag, ProjectDir, StackName
from order_email.components.config import PROJECT
from order_email.components.feedback_loop import REQUIRED_EVENT_TYPES
from order_email.components.ses_dns import mail_from_domain
from order_email.mockstack import Project

Severity = Literal["ok", "warning", "error"]

ACCOUNT_CHECKS = ("ses-production-access", "ses-sending", "ses-quota", "ses-send-rate")
IDENTITY_CHECKS = ("identity-verified", "identity-dkim", "identity-mail-from", "dns-records")
CONFIGURATION_SET_CHECKS = ("configuration-set", "configuration-set-events")


@dataclass(frozen=True)
class ResourceOutput:
    key: str
    """The stack output naming the resource."""
    kind: Literal["topic", "queue", "dead-letter-queue", "table", "event-bus", "key"]
    required: bool = True
    """The `order-email` commands read it; a stack without it is broken. Others are checked when exported."""


RESOURCE_OUTPUTS = (
    ResourceOutput("ordersTopicArn", "topic"),
    ResourceOutput("sendQueueUrl", "queue"),
    ResourceOutput("sendDeadLetterQueueUrl", "dead-letter-queue"),
    ResourceOutput("feedbackDeadLetterQueueUrl", "dead-letter-queue"),
    ResourceOutput("statusEventsDeadLetterQueueUrl", "dead-letter-queue", required=False),
    ResourceOutput("deliveriesTableName", "table"),
    ResourceOutput("suppressionTableName", "table"),
    ResourceOutput("statusBusName", "event-bus", required=False),
    ResourceOutput("kmsKeyArn", "key", required=False),
)
CHECKS = (*ACCOUNT_CHECKS, *IDENTITY_CHECKS, *CONFIGURATION_SET_CHECKS,
          *(f"output:{output.key}" for output in RESOURCE_OUTPUTS))
"""Every check, in the order doctor reports them: each run reports exactly one finding per check."""

QUOTA_WARNING_SHARE = 0.8
"""Share of the 24-hour quota used from which doctor warns."""
VERIFICATION_WAIT = "SES keeps looking for the records for up to 72 hours"
READ_PERMISSIONS = ("doctor reads with ses:GetAccount, ses:GetEmailIdentity, ses:ListEmailIdentities, "
                    "ses:GetConfigurationSet, ses:GetConfigurationSetEventDestinations, sns:GetTopicAttributes, "
                    "sqs:GetQueueAttributes, dynamodb:DescribeTable, events:DescribeEventBus and kms:DescribeKey: "
                    "run it with credentials that have them")
_NOT_FOUND = {"NotFoundException", "NotFound", "ResourceNotFoundException", "AWS.SimpleQueueService.NonExistentQueue",
              "QueueDoesNotExist"}
PRODUCTION_ACCESS_DOCS = "https://docs.aws.amazon.com/ses/latest/dg/request-production-access.html"
QUOTA_DOCS = "https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas-request-increase.html"
VERIFICATION_DOCS = "https://docs.aws.amazon.com/ses/latest/dg/troubleshoot-verification.html"
ENFORCEMENT_DOCS = "https://docs.aws.amazon.com/ses/latest/dg/faqs-enforcement.html"


@dataclass(frozen=True)
class Finding:
    check: str
    severity: Severity
    detail: str
    remedy: str | None = None
    """What to do; None when nothing needs doing."""

    @property
    def ok(self) -> bool:
        """Nothing stops the stack sending (a warning is ok, an error is not)."""
        return self.severity != "error"

    def as_json(self) -> dict[str, Any]:
        return {"check": self.check, "ok": self.ok, "severity": self.severity, "detail": self.detail,
                "remedy": self.remedy}


@dataclass(frozen=True)
class StackFacts:
    """What doctor knows of the stack before asking AWS."""

    name: str
    outputs: Mapping[str, Any]
    config: Mapping[str, str]
    """`Pulumi.<stack>.yaml` as the engine passes it (flat keys, structured values as JSON); empty when unknown."""
    config_file: str | None
    """Where the config came from; None when no stack file was found."""

    def setting(self, key: str) -> str | None:
        return self.config.get(f"{PROJECT}:{key}")

    @property
    def sandbox_mode(self) -> bool | None:
        """The stack's sandboxMode (its default is true); None without a stack file."""
        if self.config_file is None:
            return None
        return (self.setting("sandboxMode") or "true").strip().lower() == "true"

    @property
    def region(self) -> str | None:
        """Where the stack is: the orders topic's region, else the config's aws:region."""
        arn = str(self.outputs.get("ordersTopicArn") or "")
        parts = arn.split(":")
        if len(parts) > 3 and parts[0] == "arn" and parts[3]:
            return parts[3]
        return self.config.get("aws:region") or None

    def command(self, text: str) -> str:
        """A command line for this stack (`pulumi …` commands get `--stack`)."""
        return f"{text} --stack {self.name}"


def _error_code(error: ClientError) -> tuple[str, str]:
    details = error.response.get("Error", {})
    return str(details.get("Code") or "ClientError"), str(details.get("Message") or error)


def _could_not_check(checks: Sequence[str], error: ClientError) -> list[Finding]:
    code, message = _error_code(error)
    denied = "AccessDenied" in code or code in ("AuthorizationError", "UnauthorizedOperation")
    return [Finding(check, "error", f"could not check: {code}: {message}", READ_PERMISSIONS if denied else None)
            for check in checks]


def _not_checked(checks: Sequence[str], reason: str, remedy: str | None = None) -> list[Finding]:
    return [Finding(check, "error", f"not checked: {reason}", remedy) for check in checks]


def guarded(checks: Sequence[str], run: Callable[[], list[Finding]]) -> list[Finding]:
    """The checks' findings; an AWS refusal is a failed finding for each of them (connection problems, which
    every check would meet, are left to `common.aws_errors`)."""
    try:
        return run()
    except ClientError as error:
        return _could_not_check(checks, error)


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _count(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,g}"


# -- the SES account ---------------------------------------------------------------------------------


def account_findings(ses: Any, facts: StackFacts) -> list[Finding]:
    account = ses.get_account()
    return [production_access(account, facts), sending(account), quota(account), send_rate(account, facts)]


def production_access(account: Mapping[str, Any], facts: StackFacts) -> Finding:
    check = "ses-production-access"
    region = facts.region or "this region"
    if account.get("ProductionAccessEnabled"):
        return Finding(check, "ok", f"production access in {region}: SES sends to any address")
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
        return Finding(check, "warning", detail + " (fine for this stack: sandboxMode is true, every recipient is "
                                                  "rewritten to the mailbox simulator)",
                       f"before mailing customers (sandboxMode: false): {remedy}")
    if facts.sandbox_mode is None:
        detail += f" (no Pulumi.{facts.name}.yaml here, so doctor assumes the stack mails customers)"
    return Finding(check, "error", detail, remedy)


def sending(account: Mapping[str, Any]) -> Finding:
    check = "ses-sending"
    enforcement = str(account.get("EnforcementStatus") or "HEALTHY")
    if enforcement == "SHUTDOWN":
        return Finding(check, "error", "AWS has stopped the account's sending (enforcement status SHUTDOWN)",
                       "find the cause in AWS's e-mail and the reputation metrics (bounce and complaint rates), fix "
                       f"it, then ask AWS to resume sending in the case it opened ({ENFORCEMENT_DOCS})")
    if account.get("SendingEnabled") is False:
        return Finding(check, "error", f"sending is paused for the whole account (SendingEnabled false, enforcement "
                                       f"status {enforcement})",
                       "once the cause is fixed: aws sesv2 put-account-sending-attributes --sending-enabled")
    if enforcement == "PROBATION":
        return Finding(check, "warning", "the account is under review for its reputation (enforcement status "
                                         "PROBATION); it still sends",
                       "bring the bounce and complaint rates down (the dashboard and the reputation alarms show "
                       f"them) before the review ends, or AWS pauses the account ({ENFORCEMENT_DOCS})")
    if enforcement != "HEALTHY":
        return Finding(check, "warning", f"sending enabled; unknown enforcement status {enforcement}",
                       "look at the account's status in the SES console")
    return Finding(check, "ok", "sending enabled, enforcement status HEALTHY")


def quota(account: Mapping[str, Any]) -> Finding:
    check = "ses-quota"
    send_quota = account.get("SendQuota") or {}
    maximum, sent = _number(send_quota.get("Max24HourSend")), _number(send_quota.get("SentLast24Hours"))
    rate = _number(send_quota.get("MaxSendRate"))
    rate_text = "no send-rate limit" if rate < 0 else f"MaxSendRate {_count(rate)}/s"
    if maximum < 0:
        return Finding(check, "ok", f"no daily quota; {rate_text}; {_count(sent)} sent in the last 24 hours")
    detail = f"{_count(sent)} of {_count(maximum)} e-mails sent in the last 24 hours (Max24HourSend); {rate_text}"
    remedy = f"request a higher sending quota for Amazon SES in the Service Quotas console ({QUOTA_DOCS})"
    if sent >= maximum:
        return Finding(check, "error", f"daily quota used up: {detail}; SES refuses sends (the sender holds orders) "
                                       "until the 24-hour window moves on", remedy)
    if sent >= QUOTA_WARNING_SHARE * maximum:
        return Finding(check, "warning", f"close to the daily quota: {detail}", remedy)
    return Finding(check, "ok", detail)


def send_rate(account: Mapping[str, Any], facts: StackFacts) -> Finding:
    check = "ses-send-rate"
    rate = _number((account.get("SendQuota") or {}).get("MaxSendRate"))
    configured = facts.setting("sesMaxSendRate")
    if configured is None:
        return Finding(check, "ok" if facts.config_file is None else "warning",
                       f"sesMaxSendRate unknown (no Pulumi.{facts.name}.yaml here); the account allows "
                       + ("any rate" if rate < 0 else f"{_count(rate)} e-mails/s"))
    value = _number(configured)
    if rate >= 0 and value > rate:
        return Finding(check, "warning", f"sesMaxSendRate {_count(value)} is above the account's MaxSendRate "
                                         f"{_count(rate)}: SES throttles the senders (they slow down and retry)",
                       f"pulumi config set sesMaxSendRate {_count(rate)} --stack {facts.name} && "
                       f"{facts.command('pulumi up')}")
    return Finding(check, "ok", f"sesMaxSendRate {_count(value)} e-mails/s, within the account's "
                                + ("unlimited rate" if rate < 0 else f"MaxSendRate {_count(rate)}"))


# -- the sender identity -----------------------------------------------------------------------------


def _dns_records(facts: StackFacts) -> list[Mapping[str, Any]]:
    records = facts.outputs.get("dnsRecords")
    return [record for record in records if isinstance(record, Mapping)] if isinstance(records, list) else []


def sender_domain(ses: Any, facts: StackFacts) -> tuple[str | None, str]:
    """The stack's SES identity and where doctor learnt it: the dnsRecords output, the stack config, or the
    domain identity whose default configuration set is the stack's."""
    for record in _dns_records(facts):
        name = str(record.get("name") or "")
        if name.startswith("_dmarc."):
            return name.removeprefix("_dmarc."), "the dnsRecords output"
        if "._domainkey." in name:
            return name.partition("._domainkey.")[2], "the dnsRecords output"
    if configured := facts.setting("senderDomain"):
        return configured.strip().lower(), f"senderDomain in {facts.config_file}"
    configuration_set = facts.outputs.get("configurationSetName")
    if configuration_set:
        token: str | None = None
        while True:  # botocore has no paginator for SESv2's ListEmailIdentities
            page = ses.list_email_identities(**({"NextToken": token} if token else {}))
            for item in page.get("EmailIdentities") or []:
                if item.get("IdentityType") != "DOMAIN":
                    continue
                name = item["IdentityName"]
                if ses.get_email_identity(EmailIdentity=name).get("ConfigurationSetName") == configuration_set:
                    return name, f"the identity whose default configuration set is {configuration_set}"
            token = page.get("NextToken")
            if not token:
                return None, ""
    return None, ""


def identity_findings(ses: Any, facts: StackFacts) -> list[Finding]:
    domain, source = sender_domain(ses, facts)
    if domain is None:
        return _not_checked(IDENTITY_CHECKS, "doctor cannot tell the stack's sender domain (no dnsRecords output, "
                                             f"no Pulumi.{facts.name}.yaml with senderDomain here)",
                            "run doctor in the project directory (or pass --project-dir), after "
                            f"{facts.command('pulumi up')}")
    try:
        identity = ses.get_email_identity(EmailIdentity=domain)
    except ClientError as error:
        if _error_code(error)[0] != "NotFoundException":
            raise
        return [Finding("identity-verified", "error", f"SES has no identity {domain} in {facts.region or 'this region'}"
                                                      f" (from {source})",
                        f"{facts.command('pulumi up')} creates it ({facts.command('pulumi refresh')} first if it was "
                        "deleted outside Pulumi)"),
                *_not_checked(IDENTITY_CHECKS[1:], f"SES has no identity {domain}")]
    return [verified(domain, identity, facts), dkim(domain, identity, facts), mail_from(domain, identity, facts),
            published_records(domain, identity, facts)]


def _publish(facts: StackFacts, what: str) -> str:
    return (f"publish {what} that `{facts.command('pulumi stack output dnsRecords --json')}` lists at your DNS "
            f"provider (or set route53ZoneId and run {facts.command('pulumi up')}); {VERIFICATION_WAIT}")


def _unverified_remedy(status: str, facts: StackFacts, what: str) -> str:
    if status == "FAILED":
        return (f"SES did not find {what} within 72 hours: check each with `dig +short <name> <type>` (some DNS "
                f"providers append the domain a second time), publish it as dnsRecords gives it, then wait again "
                f"({VERIFICATION_DOCS})")
    if status == "TEMPORARY_FAILURE":
        return ("SES could not read the domain's DNS and retries by itself; check that the domain's name servers "
                f"answer (dig NS <domain>) ({VERIFICATION_DOCS})")
    return _publish(facts, what)


def verified(domain: str, identity: Mapping[str, Any], facts: StackFacts) -> Finding:
    check = "identity-verified"
    status = str(identity.get("VerificationStatus") or "PENDING")
    if identity.get("VerifiedForSendingStatus"):
        return Finding(check, "ok", f"{domain} is verified for sending (VerificationStatus {status})")
    error_type = (identity.get("VerificationInfo") or {}).get("ErrorType")
    detail = f"{domain} is not verified for sending (VerificationStatus {status}" + (
        f", {error_type})" if error_type else ")") + "; SES refuses every send from it and the sender holds orders"
    return Finding(check, "error", detail, _unverified_remedy(status, facts, "the DKIM CNAME records"))


def dkim(domain: str, identity: Mapping[str, Any], facts: StackFacts) -> Finding:
    check = "identity-dkim"
    attributes = identity.get("DkimAttributes") or {}
    status = str(attributes.get("Status") or "NOT_STARTED")
    if status == "SUCCESS" and attributes.get("SigningEnabled", True):
        return Finding(check, "ok", f"Easy DKIM signs for {domain} (DKIM status SUCCESS)")
    if status == "SUCCESS":
        return Finding(check, "error", f"DKIM records found for {domain}, but DKIM signing is disabled",
                       f"aws sesv2 put-email-identity-dkim-attributes --email-identity {domain} --signing-enabled")
    return Finding(check, "error", f"DKIM status {status} for {domain}: SES has not found the DKIM CNAME records",
                   _unverified_remedy(status, facts, "the three DKIM CNAME records"))


def mail_from(domain: str, identity: Mapping[str, Any], facts: StackFacts) -> Finding:
    check = "identity-mail-from"
    attributes = identity.get("MailFromAttributes") or {}
    name = attributes.get("MailFromDomain")
    if not name:
        return Finding(check, "error", f"{domain} has no custom MAIL FROM domain (the stack declares "
                                       f"{mail_from_domain(domain)})", f"{facts.command('pulumi up')}")
    status = str(attributes.get("MailFromDomainStatus") or "PENDING")
    if status == "SUCCESS":
        return Finding(check, "ok", f"MAIL FROM {name} verified (status SUCCESS)")
    behavior = attributes.get("BehaviorOnMxFailure") or "USE_DEFAULT_VALUE"
    consequence = ("SES refuses every send until it is verified (BehaviorOnMxFailure REJECT_MESSAGE)"
                   if behavior == "REJECT_MESSAGE" else
                   "until then SES sends with its own amazonses.com MAIL FROM, so SPF does not align for DMARC")
    return Finding(check, "error", f"MAIL FROM {name} status {status}: {consequence}",
                   _unverified_remedy(status, facts, f"the MX and SPF TXT records of {name}"))


def published_records(domain: str, identity: Mapping[str, Any], facts: StackFacts) -> Finding:
    """The dnsRecords output (what an operator publishes) names the DKIM tokens SES has for the identity."""
    check = "dns-records"
    records = _dns_records(facts)
    if not records:
        return Finding(check, "warning", "the stack has no dnsRecords output to compare with SES's DKIM tokens",
                       "publish the DKIM records SES lists: aws sesv2 get-email-identity --email-identity "
                       f"{domain}")
    tokens = set((identity.get("DkimAttributes") or {}).get("Tokens") or [])
    published = {str(record.get("name") or "").partition("._domainkey.")[0] for record in records
                 if "._domainkey." in str(record.get("name") or "")}
    if tokens and published != tokens:
        return Finding(check, "error", f"the dnsRecords output names {len(published - tokens)} DKIM record(s) SES "
                                       f"does not use for {domain}, and misses {len(tokens - published)}",
                       f"{facts.command('pulumi refresh')}, then publish "
                       f"`{facts.command('pulumi stack output dnsRecords --json')}` again")
    return Finding(check, "ok", f"the dnsRecords output lists the {len(published)} DKIM records SES uses for {domain}")


# -- the configuration set ---------------------------------------------------------------------------


def configuration_set_findings(ses: Any, sns: Any, facts: StackFacts) -> list[Finding]:
    name = facts.outputs.get("configurationSetName")
    if not name:
        return _not_checked(CONFIGURATION_SET_CHECKS, "the stack has no configurationSetName output",
                            f"{facts.command('pulumi up')} (the program exports it)")
    try:
        found = ses.get_configuration_set(ConfigurationSetName=name)
    except ClientError as error:
        if _error_code(error)[0] != "NotFoundException":
            raise
        return [Finding("configuration-set", "error", f"SES has no configuration set {name}",
                        f"{facts.command('pulumi refresh')}, then {facts.command('pulumi up')} recreates it"),
                *_not_checked(CONFIGURATION_SET_CHECKS[1:], f"SES has no configuration set {name}")]
    if (found.get("SendingOptions") or {}).get("SendingEnabled", True) is False:
        state = Finding("configuration-set", "error",
                        f"sending is paused on configuration set {name} (the reputation guard pauses it when a "
                        "reputation alarm fires)",
                        "find the cause (reputation alarms, bounce and complaint rates on the dashboard), then: "
                        f"aws sesv2 put-configuration-set-sending-options --configuration-set-name {name} "
                        "--sending-enabled")
    else:
        state = Finding("configuration-set", "ok", f"configuration set {name} exists and sending is enabled")
    destinations = ses.get_configuration_set_event_destinations(ConfigurationSetName=name)
    return [state, event_destinations(name, destinations.get("EventDestinations") or [], sns, facts)]


def event_destinations(name: str, destinations: Sequence[Mapping[str, Any]], sns: Any, facts: StackFacts) -> Finding:
    check = "configuration-set-events"
    enabled = [destination for destination in destinations if destination.get("Enabled")]
    covered = {event for destination in enabled for event in destination.get("MatchingEventTypes") or []}
    missing = [event for event in REQUIRED_EVENT_TYPES if event not in covered]
    remedy = f"{facts.command('pulumi refresh')}, then {facts.command('pulumi up')} restores the event destination"
    if missing:
        return Finding(check, "error", f"no enabled event destination of {name} publishes {', '.join(missing)}: "
                                       "delivery status and suppression miss those events", remedy)
    for destination in enabled:
        topic = (destination.get("SnsDestination") or {}).get("TopicArn")
        if not topic:
            continue
        try:
            sns.get_topic_attributes(TopicArn=topic)
        except ClientError as error:
            if _error_code(error)[0] not in _NOT_FOUND:
                raise
            return Finding(check, "error", f"event destination {destination.get('Name')} publishes to {topic}, "
                                           "which does not exist", remedy)
    return Finding(check, "ok", f"{len(enabled)} enabled event destination(s) publish "
                                f"{', '.join(REQUIRED_EVENT_TYPES)}")


# -- the stack's resources ---------------------------------------------------------------------------


def resource_finding(output: ResourceOutput, facts: StackFacts, client: Callable[[str], Any]) -> Finding:
    check = f"output:{output.key}"
    value = facts.outputs.get(output.key)
    if not value:
        return Finding(check, "error" if output.required else "warning", f"the stack has no {output.key} output",
                       f"{facts.command('pulumi up')} with this project's program (it exports {output.key})")
    recreate = f"{facts.command('pulumi refresh')}, then {facts.command('pulumi up')} recreates it"
    try:
        return _describe(output, str(value), facts, client)
    except ClientError as error:
        code = _error_code(error)[0]
        if code in _NOT_FOUND:
            return Finding(check, "error", f"{output.key}: {output.kind} {value} does not exist ({code})", recreate)
        raise


def _describe(output: ResourceOutput, value: str, facts: StackFacts, client: Callable[[str], Any]) -> Finding:
    check = f"output:{output.key}"
    if output.kind == "topic":
        client("sns").get_topic_attributes(TopicArn=value)
        return Finding(check, "ok", f"topic {value.rpartition(':')[2]} exists")
    if output.kind in ("queue", "dead-letter-queue"):
        attributes = client("sqs").get_queue_attributes(
            QueueUrl=value, AttributeNames=["QueueArn", "ApproximateNumberOfMessages"])["Attributes"]
        name, waiting = value.rstrip("/").rpartition("/")[2], int(attributes.get("ApproximateNumberOfMessages", 0))
        if output.kind == "dead-letter-queue" and waiting:
            return Finding(check, "warning", f"dead-letter queue {name} holds about {waiting} message(s)",
                           f"order-email dlq list {value}; redrive once the cause is fixed: "
                           f"order-email dlq redrive {value}")
        return Finding(check, "ok", f"queue {name} exists" + (f" ({waiting} waiting)" if waiting else ""))
    if output.kind == "table":
        status = client("dynamodb").describe_table(TableName=value)["Table"].get("TableStatus", "ACTIVE")
        if status != "ACTIVE":
            return Finding(check, "warning", f"table {value} is {status}", "wait until it is ACTIVE")
        return Finding(check, "ok", f"table {value} is ACTIVE")
    if output.kind == "event-bus":
        client("events").describe_event_bus(Name=value)
        return Finding(check, "ok", f"event bus {value} exists")
    state = client("kms").describe_key(KeyId=value)["KeyMetadata"].get("KeyState", "Enabled")
    if state == "Enabled":
        return Finding(check, "ok", f"KMS key {value.rpartition('/')[2]} is enabled")
    fix = (f"aws kms cancel-key-deletion --key-id {value} && aws kms enable-key --key-id {value}"
           if state == "PendingDeletion" else f"aws kms enable-key --key-id {value}")
    return Finding(check, "error", f"KMS key {value.rpartition('/')[2]} is {state}: nothing encrypted with it can "
                                   "be published, queued or read", fix)


# -- the command -------------------------------------------------------------------------------------


def stack_facts(stack: str, project_dir: Any) -> StackFacts:
    outputs = common.stack_outputs(stack)
    if outputs is None:
        common.fail(f"no outputs for stack {stack!r}: install the Pulumi CLI and log in to the stack's backend, "
                    f"or set {common.STACK_OUTPUTS_ENV} to a file of `pulumi stack output --json`", EXIT_USAGE)
    try:
        project = Project.at(project_dir)
    except (OSError, ValueError) as error:
        if project_dir is not None:
            common.fail(str(error), EXIT_USAGE)
        return StackFacts(stack, outputs, {}, None)
    try:
        config = project.stack_config(stack)
    except FileNotFoundError:
        return StackFacts(stack, outputs, {}, None)
    except ValueError as error:
        common.fail(f"Pulumi.{stack}.yaml: {error}", EXIT_USAGE)
    return StackFacts(stack, outputs, config, f"Pulumi.{stack}.yaml")


def examine(facts: StackFacts, endpoint: str | None) -> list[Finding]:
    """Every check's finding, in `CHECKS` order."""
    clients: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in clients:
            clients[service] = boto3.client(service, endpoint_url=endpoint or None,  # type: ignore[call-overload]
                                            region_name=facts.region)
        return clients[service]

    ses = client("sesv2")
    findings = guarded(ACCOUNT_CHECKS, lambda: account_findings(ses, facts))
    findings += guarded(IDENTITY_CHECKS, lambda: identity_findings(ses, facts))
    findings += guarded(CONFIGURATION_SET_CHECKS, lambda: configuration_set_findings(ses, client("sns"), facts))
    for output in RESOURCE_OUTPUTS:
        findings += guarded([f"output:{output.key}"], functools.partial(_resource_findings, output, facts, client))
    return findings


def _resource_findings(output: ResourceOutput, facts: StackFacts, client: Callable[[str], Any]) -> list[Finding]:
    return [resource_finding(output, facts, client)]


def report(facts: StackFacts, findings: Sequence[Finding]) -> dict[str, Any]:
    counts = {severity: sum(finding.severity == severity for finding in findings)
              for severity in ("ok", "warning", "error")}
    return {"stack": facts.name, "region": facts.region, "ok": counts["error"] == 0, "counts": counts,
            "findings": [finding.as_json() for finding in findings]}


_MARKS = {"ok": "[green]ok[/green]", "warning": "[yellow]warn[/yellow]", "error": "[red]FAIL[/red]"}


def doctor(stack: StackName = "dev", endpoint: Endpoint = None, json_output: JsonFlag = False,
           project_dir: ProjectDir = None) -> None:
    """Check that the stack can send: SES production access, sending status and quotas, the sender domain's
    verification, DKIM and MAIL FROM, the configuration set and its event destinations, and every resource the
    stack's outputs name. Each finding says what to do.

    Reads the outputs through the Pulumi CLI (or $ORDER_EMAIL_STACK_OUTPUTS) and, when the project directory
    holds it, Pulumi.<stack>.yaml. Exit 0 when nothing fails (warnings allowed), 1 when a check fails, 2 when
    the stack's outputs cannot be read. --json prints {stack, region, ok, counts, findings: [{check, ok,
    severity, detail, remedy}]}.
    """
    facts = stack_facts(stack, project_dir)
    with common.aws_errors():
        findings = examine(facts, endpoint)
    result = report(facts, findings)
    if json_output:
        common.print_json(result)
    else:
        table = Table(title=f"order-email doctor: stack {escape(stack)} ({escape(str(facts.region or '?'))})")
        for column in ("", "check", "finding", "what to do"):
            table.add_column(column, overflow="fold")
        for finding in findings:
            table.add_row(_MARKS[finding.severity], escape(finding.check), escape(finding.detail),
                          escape(finding.remedy or ""))
        common.console.print(table)
        counts = result["counts"]
        common.console.print(f"{counts['error']} failed, {counts['warning']} warning(s), {counts['ok']} ok")
    if not result["ok"]:
        raise typer.Exit(EXIT_PROBLEM)
