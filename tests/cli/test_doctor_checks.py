"""`doctor`'s checks against answers shaped as AWS gives them, checked by botocore's Stubber against the
service models (an answer naming a field the model does not have fails the test), for what local mode
does not produce: real quotas, VerificationInfo, access denied, a key pending deletion, a table being created.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from order_email.cli import doctor
from order_email.cli.doctor import CHECKS, examine
from order_email.cli.doctor_checks.findings import READ_PERMISSIONS, DoctorFinding, StackFacts
from order_email.cli.doctor_checks.identity import sender_domain

REGION = "eu-west-1"
ACCOUNT = "123456789012"
DOMAIN = "mail.example-shop.com"
TOKENS = ["a" * 32, "b" * 32, "c" * 32]
QUEUE = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OUTPUTS: dict[str, Any] = {
    "ordersTopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:orders",
    "sendQueueUrl": QUEUE + "send", "sendDeadLetterQueueUrl": QUEUE + "send-dlq",
    "feedbackDeadLetterQueueUrl": QUEUE + "feedback-dlq", "statusEventsDeadLetterQueueUrl": QUEUE + "outbox-dlq",
    "deliveriesTableName": "deliveries", "suppressionTableName": "suppression", "statusBusName": "status",
    "kmsKeyArn": KEY, "configurationSetName": "order-email-prod",
    "dnsRecords": [*({"name": f"{token}._domainkey.{DOMAIN}", "type": "CNAME", "value": f"{token}.dkim.amazonses.com",
                      "purpose": "DKIM"} for token in TOKENS),
                   {"name": f"_dmarc.{DOMAIN}", "type": "TXT", "value": "v=DMARC1; p=none", "purpose": "DMARC"}],
}
FACTS = StackFacts("prod", OUTPUTS, {"order-email:sandboxMode": "false", "order-email:sesMaxSendRate": "50"},
                   "Pulumi.prod.yaml")
SERVICES = ("sesv2", "sns", "sqs", "dynamodb", "events", "kms")


@pytest.fixture
def stubs(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Stubber]]:
    """One stubbed client per service; doctor's boto3.client hands them out."""
    clients = {service: boto3.client(service, region_name=REGION, aws_access_key_id="testing",  # type: ignore[call-overload]
                                     aws_secret_access_key="testing") for service in SERVICES}
    stubbers = {service: Stubber(client) for service, client in clients.items()}
    monkeypatch.setattr(doctor.boto3, "client", lambda service, **_: clients[service])
    for stubber in stubbers.values():
        stubber.activate()
    yield stubbers
    for stubber in stubbers.values():
        stubber.assert_no_pending_responses()
        stubber.deactivate()


def account(**changes: Any) -> dict[str, Any]:
    return {"DedicatedIpAutoWarmupEnabled": False, "EnforcementStatus": "HEALTHY", "ProductionAccessEnabled": True,
            "SendingEnabled": True,
            "SendQuota": {"Max24HourSend": 50000.0, "MaxSendRate": 14.0, "SentLast24Hours": 120.0},
            "SuppressionAttributes": {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]}, **changes}


def identity(**changes: Any) -> dict[str, Any]:
    return {"IdentityType": "DOMAIN", "FeedbackForwardingStatus": True, "VerifiedForSendingStatus": True,
            "VerificationStatus": "SUCCESS",
            "DkimAttributes": {"SigningEnabled": True, "Status": "SUCCESS", "Tokens": TOKENS,
                               "SigningAttributesOrigin": "AWS_SES", "NextSigningKeyLength": "RSA_2048_BIT",
                               "CurrentSigningKeyLength": "RSA_2048_BIT",
                               "LastKeyGenerationTimestamp": datetime(2026, 1, 1, tzinfo=UTC)},
            "MailFromAttributes": {"MailFromDomain": f"bounce.{DOMAIN}", "MailFromDomainStatus": "SUCCESS",
                                   "BehaviorOnMxFailure": "USE_DEFAULT_VALUE"},
            "Policies": {}, "Tags": [], "ConfigurationSetName": "order-email-prod", **changes}


def expect_stack(stubs: dict[str, Stubber], *, ses_account: dict[str, Any] | None = None,
                 ses_identity: dict[str, Any] | None = None, key_state: str = "Enabled",
                 table_status: str = "ACTIVE") -> None:
    """Every call doctor makes, in its order per service, with these answers."""
    ses = stubs["sesv2"]
    ses.add_response("get_account", ses_account or account())
    ses.add_response("get_email_identity", ses_identity or identity(), {"EmailIdentity": DOMAIN})
    ses.add_response("get_configuration_set", {"ConfigurationSetName": "order-email-prod",
                                               "SendingOptions": {"SendingEnabled": True}},
                     {"ConfigurationSetName": "order-email-prod"})
    events_topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:ses-events"
    ses.add_response("get_configuration_set_event_destinations", {"EventDestinations": [{
        "Name": "delivery-events", "Enabled": True, "SnsDestination": {"TopicArn": events_topic},
        "MatchingEventTypes": ["SEND", "REJECT", "BOUNCE", "COMPLAINT", "DELIVERY", "DELIVERY_DELAY",
                               "RENDERING_FAILURE"]}]}, {"ConfigurationSetName": "order-email-prod"})
    stubs["sns"].add_response("get_topic_attributes", {"Attributes": {"TopicArn": events_topic}},
                              {"TopicArn": events_topic})
    stubs["sns"].add_response("get_topic_attributes", {"Attributes": {"TopicArn": OUTPUTS["ordersTopicArn"]}},
                              {"TopicArn": OUTPUTS["ordersTopicArn"]})
    for key in ("sendQueueUrl", "sendDeadLetterQueueUrl", "feedbackDeadLetterQueueUrl",
                "statusEventsDeadLetterQueueUrl"):
        stubs["sqs"].add_response("get_queue_attributes", {"Attributes": {"QueueArn": "arn",
                                                                          "ApproximateNumberOfMessages": "0"}},
                                  {"QueueUrl": OUTPUTS[key], "AttributeNames": ["QueueArn",
                                                                                "ApproximateNumberOfMessages"]})
    for table in ("deliveries", "suppression"):
        stubs["dynamodb"].add_response("describe_table", {"Table": {"TableName": table, "TableStatus": table_status}},
                                       {"TableName": table})
    stubs["events"].add_response("describe_event_bus", {"Name": "status"}, {"Name": "status"})
    stubs["kms"].add_response("describe_key", {"KeyMetadata": {"KeyId": KEY.rpartition("/")[2], "Arn": KEY,
                                                               "KeyState": key_state}}, {"KeyId": KEY})


def by_check(findings: list[DoctorFinding]) -> dict[str, DoctorFinding]:
    assert [finding.check for finding in findings] == list(CHECKS)
    return {finding.check: finding for finding in findings}


def test_a_healthy_production_stack(stubs: dict[str, Stubber]) -> None:
    expect_stack(stubs)
    findings = by_check(examine(FACTS, None))
    assert {check: finding.severity for check, finding in findings.items() if finding.severity != "ok"} == {
        "ses-send-rate": "warning"}  # sesMaxSendRate 50 > the account's 14
    assert findings["ses-quota"].detail == ("120 of 50,000 e-mails sent in the last 24 hours (Max24HourSend); "
                                            "MaxSendRate 14/s")
    assert findings["ses-send-rate"].remedy == ("pulumi config set sesMaxSendRate 14 --stack prod && "
                                                "pulumi up --stack prod")


def test_near_the_quota_a_failed_verification_a_key_pending_deletion_and_a_new_table(stubs: dict[str, Stubber]) -> None:
    expect_stack(
        stubs, ses_account=account(SendQuota={"Max24HourSend": 50000.0, "MaxSendRate": 14.0,
                                              "SentLast24Hours": 45000.0}),
        ses_identity=identity(VerifiedForSendingStatus=False, VerificationStatus="FAILED", VerificationInfo={
            "LastCheckedTimestamp": datetime(2026, 1, 4, tzinfo=UTC), "ErrorType": "TYPE_NOT_FOUND"}),
        key_state="PendingDeletion", table_status="CREATING")
    findings = by_check(examine(FACTS, None))
    assert findings["ses-quota"].severity == "warning" and "close to the daily quota" in findings["ses-quota"].detail
    assert findings["identity-verified"].severity == "error"
    assert "VerificationStatus FAILED, TYPE_NOT_FOUND" in findings["identity-verified"].detail
    assert findings["output:kmsKeyArn"].remedy == f"aws kms cancel-key-deletion --key-id {KEY} && " \
                                                  f"aws kms enable-key --key-id {KEY}"
    assert findings["output:deliveriesTableName"].severity == "warning"


def test_access_denied_is_a_finding_per_check_naming_the_permissions(stubs: dict[str, Stubber]) -> None:
    ses = stubs["sesv2"]
    for operation in ("get_account", "get_email_identity", "get_configuration_set"):
        ses.add_client_error(operation, "AccessDeniedException", "User is not authorized to perform ses:" + operation,
                             403)
    for service, operation, count in (("sns", "get_topic_attributes", 1), ("sqs", "get_queue_attributes", 4),
                                      ("dynamodb", "describe_table", 2), ("events", "describe_event_bus", 1),
                                      ("kms", "describe_key", 1)):
        for _ in range(count):
            stubs[service].add_client_error(operation, "AccessDenied" if service == "sqs" else "AccessDeniedException",
                                            "not authorized", 403)
    findings = by_check(examine(FACTS, None))
    assert all(finding.severity == "error" and finding.detail.startswith("could not check: AccessDenied")
               and finding.remedy == READ_PERMISSIONS for finding in findings.values())


def test_the_sender_domain_comes_from_the_identity_listing_without_records_or_config(stubs: dict[str, Stubber]) -> None:
    facts = StackFacts("prod", {"configurationSetName": "order-email-prod"}, {}, None)
    ses = stubs["sesv2"]
    ses.add_response("list_email_identities", {"EmailIdentities": [
        {"IdentityType": "EMAIL_ADDRESS", "IdentityName": "someone@example.org"},
        {"IdentityType": "DOMAIN", "IdentityName": "other.example.org"}], "NextToken": "page-2"}, {})
    ses.add_response("get_email_identity", identity(ConfigurationSetName="another-set"),
                     {"EmailIdentity": "other.example.org"})
    ses.add_response("list_email_identities", {"EmailIdentities": [{"IdentityType": "DOMAIN", "IdentityName": DOMAIN}]},
                     {"NextToken": "page-2"})
    ses.add_response("get_email_identity", identity(), {"EmailIdentity": DOMAIN})
    domain, source = sender_domain(stubs["sesv2"].client, facts)
    assert (domain, source) == (DOMAIN, "the identity whose default configuration set is order-email-prod")
