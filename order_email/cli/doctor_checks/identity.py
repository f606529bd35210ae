"""The sender identity: verification, DKIM, MAIL FROM, and the DNS records the stack tells an operator to
publish."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from order_email.cli.doctor_checks.findings import (
    VERIFICATION_DOCS,
    DoctorFinding,
    StackFacts,
    if_exists,
    missing,
    not_checked,
)
from order_email.components.ses_dns import mail_from_domain

IDENTITY_CHECKS = ("identity-verified", "identity-dkim", "identity-mail-from", "dns-records")
VERIFICATION_WAIT = "SES keeps looking for the records for up to 72 hours"


def dns_records(facts: StackFacts) -> list[Mapping[str, Any]]:
    records = facts.outputs.get("dnsRecords")
    return [record for record in records if isinstance(record, Mapping)] if isinstance(records, list) else []


def sender_domain(ses: Any, facts: StackFacts) -> tuple[str | None, str]:
    """The stack's SES identity and where doctor learnt it: the dnsRecords output, the stack config, or the
    domain identity whose default configuration set is the stack's."""
    for record in dns_records(facts):
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


def identity_findings(ses: Any, facts: StackFacts) -> list[DoctorFinding]:
    domain, source = sender_domain(ses, facts)
    if domain is None:
        return not_checked(IDENTITY_CHECKS, "doctor cannot tell the stack's sender domain (no dnsRecords output, "
                                            f"no Pulumi.{facts.name}.yaml with senderDomain here)",
                           "run doctor in the project directory (or pass --project-dir), after "
                           f"{facts.command('pulumi up')}")
    identity = if_exists(lambda: ses.get_email_identity(EmailIdentity=domain))
    if identity is None:
        return missing(IDENTITY_CHECKS, f"SES has no identity {domain}",
                       f"{facts.command('pulumi up')} creates it ({facts.command('pulumi refresh')} first if it was "
                       "deleted outside Pulumi)", f" in {facts.region or 'this region'} (from {source})")
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


def verified(domain: str, identity: Mapping[str, Any], facts: StackFacts) -> DoctorFinding:
    check = "identity-verified"
    status = str(identity.get("VerificationStatus") or "PENDING")
    if identity.get("VerifiedForSendingStatus"):
        return DoctorFinding(check, "ok", f"{domain} is verified for sending (VerificationStatus {status})")
    error_type = (identity.get("VerificationInfo") or {}).get("ErrorType")
    detail = f"{domain} is not verified for sending (VerificationStatus {status}" + (
        f", {error_type})" if error_type else ")") + "; SES refuses every send from it and the sender holds orders"
    return DoctorFinding(check, "error", detail, _unverified_remedy(status, facts, "the DKIM CNAME records"))


def dkim(domain: str, identity: Mapping[str, Any], facts: StackFacts) -> DoctorFinding:
    check = "identity-dkim"
    attributes = identity.get("DkimAttributes") or {}
    status = str(attributes.get("Status") or "NOT_STARTED")
    if status == "SUCCESS" and attributes.get("SigningEnabled", True):
        return DoctorFinding(check, "ok", f"Easy DKIM signs for {domain} (DKIM status SUCCESS)")
    if status == "SUCCESS":
        return DoctorFinding(check, "error", f"DKIM records found for {domain}, but DKIM signing is disabled",
                             f"aws sesv2 put-email-identity-dkim-attributes --email-identity {domain} "
                             "--signing-enabled")
    return DoctorFinding(check, "error", f"DKIM status {status} for {domain}: SES has not found the DKIM CNAME records",
                         _unverified_remedy(status, facts, "the three DKIM CNAME records"))


def mail_from(domain: str, identity: Mapping[str, Any], facts: StackFacts) -> DoctorFinding:
    check = "identity-mail-from"
    attributes = identity.get("MailFromAttributes") or {}
    name = attributes.get("MailFromDomain")
    if not name:
        return DoctorFinding(check, "error", f"{domain} has no custom MAIL FROM domain (the stack declares "
                                             f"{mail_from_domain(domain)})", f"{facts.command('pulumi up')}")
    status = str(attributes.get("MailFromDomainStatus") or "PENDING")
    if status == "SUCCESS":
        return DoctorFinding(check, "ok", f"MAIL FROM {name} verified (status SUCCESS)")
    behavior = attributes.get("BehaviorOnMxFailure") or "USE_DEFAULT_VALUE"
    consequence = ("SES refuses every send until it is verified (BehaviorOnMxFailure REJECT_MESSAGE)"
                   if behavior == "REJECT_MESSAGE" else
                   "until then SES sends with its own amazonses.com MAIL FROM, so SPF does not align for DMARC")
    return DoctorFinding(check, "error", f"MAIL FROM {name} status {status}: {consequence}",
                         _unverified_remedy(status, facts, f"the MX and SPF TXT records of {name}"))


def published_records(domain: str, identity: Mapping[str, Any], facts: StackFacts) -> DoctorFinding:
    """The dnsRecords output (what an operator publishes) names the DKIM tokens SES has for the identity."""
    check = "dns-records"
    records = dns_records(facts)
    if not records:
        return DoctorFinding(check, "warning", "the stack has no dnsRecords output to compare with SES's DKIM tokens",
                             "publish the DKIM records SES lists: aws sesv2 get-email-identity --email-identity "
                             f"{domain}")
    tokens = set((identity.get("DkimAttributes") or {}).get("Tokens") or [])
    published = {str(record.get("name") or "").partition("._domainkey.")[0] for record in records
                 if "._domainkey." in str(record.get("name") or "")}
    if tokens and published != tokens:
        return DoctorFinding(check, "error", f"the dnsRecords output names {len(published - tokens)} DKIM record(s) "
                                             f"SES does not use for {domain}, and misses {len(tokens - published)}",
                             f"{facts.command('pulumi refresh')}, then publish "
                             f"`{facts.command('pulumi stack output dnsRecords --json')}` again")
    return DoctorFinding(check, "ok", f"the dnsRecords output lists the {len(published)} DKIM records SES uses for "
                                      f"{domain}")
