"""The emulator's local SES through boto3, as any client meets it: SES's error codes, wording and answers."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import botocore.session
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError

from order_email.localmode.emulator import Emulator
from order_email.localmode.ses_api import route_pattern
from order_email.localmode.ses_controls import SesControlError, SesControls
from order_email.localmode.ses_service import IMPLEMENTED, LocalSes

SIM = "simulator.amazonses.com"
NOT_VERIFIED = "Email address is not verified. The following identities failed the check in region EU-WEST-1: "
SEND_KEYS = {"messageId", "from", "to", "cc", "bcc", "replyTo", "subject", "html", "text", "headers", "tags",
             "configurationSet", "acceptedAt", "identity", "suppressedRecipients", "sequence"}


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as started:
        yield started


@pytest.fixture(scope="module")
def ses(emulator: Emulator) -> Any:
    return emulator.client("sesv2")


@pytest.fixture
def controls(emulator: Emulator, ses: Any) -> Iterator[SesControls]:
    """Controls for a fresh verified domain with its own default configuration set; the account restored after."""
    domain = f"shop-{uuid.uuid4().hex[:8]}.example.com"
    ses.create_configuration_set(ConfigurationSetName=domain.split(".")[0])
    ses.create_email_identity(EmailIdentity=domain, ConfigurationSetName=domain.split(".")[0])
    handle = SesControls(emulator.endpoint, ses, configuration_set=domain.split(".")[0], identity=domain)
    handle.verify_identity()
    yield handle
    handle.set_limits()
    handle.set_production_access(True)
    handle.suspend(False)
    handle.set_probation(False)
    handle.set_account_sending(True)


def send(ses: Any, controls: SesControls, to: list[str], **extra: Any) -> str:
    request = {"FromEmailAddress": f"Shop <orders@{controls.identity}>", "Destination": {"ToAddresses": to},
               "Content": {"Simple": {"Subject": {"Data": "Your order"}, "Body": {"Text": {"Data": "Thanks"}}}},
               **extra}
    return str(ses.send_email(**request)["MessageId"])


def refusal(ses: Any, controls: SesControls, to: list[str], **extra: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as raised:
        send(ses, controls, to, **extra)
    response = raised.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


# -- account -----------------------------------------------------------------------------------------


def test_get_account_answers_a_production_account_without_limits(ses: Any) -> None:
    answer = ses.get_account()
    assert answer["ProductionAccessEnabled"] is True and answer["SendingEnabled"] is True
    assert answer["EnforcementStatus"] == "HEALTHY"
    assert answer["SendQuota"]["Max24HourSend"] == -1 and answer["SendQuota"]["MaxSendRate"] == -1
    assert answer["SuppressionAttributes"] == {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]}


def test_controls_change_what_get_account_reports(ses: Any, controls: SesControls) -> None:
    controls.set_limits(max_send_rate=14, max_24_hour_send=50_000)
    controls.set_production_access(False)
    controls.suspend()
    account = controls.account()
    assert account["SendQuota"]["MaxSendRate"] == 14 and account["SendQuota"]["Max24HourSend"] == 50_000
    assert account["ProductionAccessEnabled"] is False
    assert account["EnforcementStatus"] == "SHUTDOWN" and account["SendingEnabled"] is False
    ses.put_account_suppression_attributes(SuppressedReasons=["COMPLAINT"])
    assert ses.get_account()["SuppressionAttributes"]["SuppressedReasons"] == ["COMPLAINT"]
    ses.put_account_suppression_attributes(SuppressedReasons=["BOUNCE", "COMPLAINT"])


def details_request(ses: Any, **changes: Any) -> None:
    ses.put_account_details(**{"ProductionAccessEnabled": True, "MailType": "TRANSACTIONAL",
                               "WebsiteURL": "https://shop.example.com", "ContactLanguage": "EN",
                               "UseCaseDescription": "Order confirmations only.",
                               "AdditionalContactEmailAddresses": ["ops@example.com"], **changes})


def test_put_account_details_requests_production_access_and_waits_for_review(ses: Any,
                                                                             controls: SesControls) -> None:
    controls.set_production_access(False)
    details_request(ses)
    account = ses.get_account()
    assert account["ProductionAccessEnabled"] is False  # in the sandbox until AWS decides
    details = account["Details"]
    assert {key: details[key] for key in ("MailType", "WebsiteURL", "ContactLanguage", "UseCaseDescription",
                                          "AdditionalContactEmailAddresses")} == {
        "MailType": "TRANSACTIONAL", "WebsiteURL": "https://shop.example.com", "ContactLanguage": "EN",
        "UseCaseDescription": "Order confirmations only.", "AdditionalContactEmailAddresses": ["ops@example.com"]}
    first_case = details["ReviewDetails"]["CaseId"]
    assert details["ReviewDetails"]["Status"] == "PENDING" and first_case.isdigit()
    with pytest.raises(ClientError) as raised:
        details_request(ses)
    assert raised.value.response["Error"]["Code"] == "ConflictException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    controls.review_production_access("DENIED")
    account = ses.get_account()
    assert account["Details"]["ReviewDetails"]["Status"] == "DENIED" and account["ProductionAccessEnabled"] is False
    details_request(ses, UseCaseDescription="Order confirmations; bounces suppress the address.")
    assert ses.get_account()["Details"]["ReviewDetails"]["Status"] == "PENDING"
    controls.set_production_access(True)  # AWS grants it
    account = ses.get_account()
    assert account["ProductionAccessEnabled"] is True and account["Details"]["ReviewDetails"]["Status"] == "GRANTED"
    details_request(ses, ProductionAccessEnabled=False, MailType="MARKETING")  # details only: no review
    assert ses.get_account()["Details"]["MailType"] == "MARKETING"
    assert ses.get_account()["Details"]["ReviewDetails"]["Status"] == "GRANTED"


def test_put_account_details_refuses_what_ses_refuses(ses: Any, controls: SesControls) -> None:
    for changes, message in (({"MailType": "NEWSLETTER"}, "Invalid MailType NEWSLETTER."),
                             ({"ContactLanguage": "DE"}, "Invalid ContactLanguage DE."),
                             ({"AdditionalContactEmailAddresses": [f"ops{n}@example.com" for n in range(5)]},
                              "At most 4 additional contact email addresses are allowed.")):
        with pytest.raises(ClientError) as raised:
            details_request(ses, **changes)
        assert raised.value.response["Error"] == {"Code": "BadRequestException", "Message": message}
    with pytest.raises(SesControlError, match="reviewStatus must be one of"):
        controls.review_production_access("MAYBE")
    with pytest.raises(ValueError, match="no production access request to review"):
        LocalSes().set_account(review_status="GRANTED")


def test_probation_is_reported_and_still_sends(ses: Any, controls: SesControls) -> None:
    controls.set_probation()
    account = ses.get_account()
    assert account["EnforcementStatus"] == "PROBATION" and account["SendingEnabled"] is True
    send(ses, controls, [f"success@{SIM}"])
    controls.suspend()
    assert ses.get_account()["EnforcementStatus"] == "SHUTDOWN"  # a shutdown outranks the review


# -- identities --------------------------------------------------------------------------------------


def test_identity_starts_pending_and_refuses_to_send_until_verified(ses: Any, controls: SesControls) -> None:
    domain = f"new-{uuid.uuid4().hex[:8]}.example.com"
    created = ses.create_email_identity(EmailIdentity=domain)
    assert created["IdentityType"] == "DOMAIN" and created["VerifiedForSendingStatus"] is False
    assert created["DkimAttributes"]["Status"] == "PENDING" and len(created["DkimAttributes"]["Tokens"]) == 3
    pending = ses.get_email_identity(EmailIdentity=domain)
    assert pending["VerificationStatus"] == "PENDING" and pending["VerifiedForSendingStatus"] is False
    sender = f"Shop <orders@{domain}>"
    request = {"FromEmailAddress": sender, "Destination": {"ToAddresses": [f"success@{SIM}"]},
               "Content": {"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}}}}
    with pytest.raises(ClientError) as raised:
        ses.send_email(**request)
    assert raised.value.response["Error"] == {"Code": "MessageRejected", "Message": NOT_VERIFIED + sender}
    controls.verify_identity(identity=domain)
    verified = ses.get_email_identity(EmailIdentity=domain)
    assert verified["VerificationStatus"] == "SUCCESS" and verified["VerifiedForSendingStatus"] is True
    assert verified["DkimAttributes"]["Status"] == "SUCCESS"
    assert re.fullmatch(r"0102[0-9a-f]{12}-[0-9a-f-]{36}-000000", ses.send_email(**request)["MessageId"])
    controls.verify_identity(False, identity=domain)
    assert ses.get_email_identity(EmailIdentity=domain)["VerificationStatus"] == "PENDING"


def test_email_address_identity_and_identity_errors(ses: Any) -> None:
    address = f"me-{uuid.uuid4().hex[:8]}@example.org"
    created = ses.create_email_identity(EmailIdentity=address)
    assert created["IdentityType"] == "EMAIL_ADDRESS" and created["DkimAttributes"]["Status"] == "NOT_STARTED"
    with pytest.raises(ClientError) as raised:
        ses.create_email_identity(EmailIdentity=address)
    assert raised.value.response["Error"] == {"Code": "AlreadyExistsException",
                                              "Message": f"Email identity {address} already exist."}
    assert any(item["IdentityName"] == address for item in ses.list_email_identities(PageSize=1000)["EmailIdentities"])
    first = ses.list_email_identities(PageSize=1)
    assert len(first["EmailIdentities"]) == 1 and first["NextToken"]
    ses.delete_email_identity(EmailIdentity=address)
    for call in (ses.get_email_identity, ses.delete_email_identity):
        with pytest.raises(ClientError) as raised:
            call(EmailIdentity=address)
        assert raised.value.response["Error"] == {"Code": "NotFoundException",
                                                  "Message": f"Email identity {address} does not exist."}
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_mail_from_domain(ses: Any, controls: SesControls) -> None:
    domain = controls.identity
    ses.put_email_identity_mail_from_attributes(EmailIdentity=domain, MailFromDomain=f"bounce.{domain}",
                                                BehaviorOnMxFailure="REJECT_MESSAGE")
    assert ses.get_email_identity(EmailIdentity=domain)["MailFromAttributes"] == {
        "MailFromDomain": f"bounce.{domain}", "MailFromDomainStatus": "PENDING", "BehaviorOnMxFailure": "REJECT_MESSAGE"}
    assert refusal(ses, controls, [f"success@{SIM}"]) == (
        "MailFromDomainNotVerifiedException", "The message can't be sent because the sending domain isn't verified.", 400)
    ses.put_email_identity_mail_from_attributes(EmailIdentity=domain, MailFromDomain=f"bounce.{domain}",
                                                BehaviorOnMxFailure="USE_DEFAULT_VALUE")
    send(ses, controls, [f"success@{SIM}"])  # SES falls back to amazonses.com
    ses.put_email_identity_mail_from_attributes(EmailIdentity=domain, MailFromDomain=f"bounce.{domain}",
                                                BehaviorOnMxFailure="REJECT_MESSAGE")
    controls.verify_identity(mail_from=True)
    assert ses.get_email_identity(EmailIdentity=domain)["MailFromAttributes"]["MailFromDomainStatus"] == "SUCCESS"
    send(ses, controls, [f"success@{SIM}"])


def test_verification_failures_are_reported_as_ses_reports_them(ses: Any, controls: SesControls) -> None:
    domain = controls.identity
    controls.verify_identity(False, status="FAILED")
    identity = ses.get_email_identity(EmailIdentity=domain)
    assert identity["VerificationStatus"] == "FAILED" and identity["DkimAttributes"]["Status"] == "FAILED"
    assert identity["VerifiedForSendingStatus"] is False
    assert refusal(ses, controls, [f"success@{SIM}"])[0] == "MessageRejected"
    controls.verify_identity(False, status="TEMPORARY_FAILURE")
    assert ses.get_email_identity(EmailIdentity=domain)["DkimAttributes"]["Status"] == "TEMPORARY_FAILURE"
    ses.put_email_identity_mail_from_attributes(EmailIdentity=domain, MailFromDomain=f"bounce.{domain}")
    controls.verify_identity(True, mail_from=False, mail_from_status="FAILED")
    identity = ses.get_email_identity(EmailIdentity=domain)
    assert identity["VerificationStatus"] == "SUCCESS" and identity["DkimAttributes"]["Status"] == "SUCCESS"
    assert identity["MailFromAttributes"]["MailFromDomainStatus"] == "FAILED"
    ses.put_email_identity_mail_from_attributes(EmailIdentity=domain, MailFromDomain=f"bounce.{domain}")
    assert ses.get_email_identity(EmailIdentity=domain)["MailFromAttributes"]["MailFromDomainStatus"] == "PENDING"
    for arguments in ({"verified": True, "status": "FAILED"}, {"verified": False, "status": "SUCCESS"},
                      {"mail_from": True, "mail_from_status": "FAILED"}):
        with pytest.raises(SesControlError, match=r"HTTP 400.*only for what is not verified"):
            controls.verify_identity(**arguments)


# -- configuration sets ------------------------------------------------------------------------------


def test_configuration_set_answers_and_errors(ses: Any) -> None:
    name = f"cs-{uuid.uuid4().hex[:8]}"
    ses.create_configuration_set(ConfigurationSetName=name, DeliveryOptions={"TlsPolicy": "REQUIRE"})
    bare = ses.get_configuration_set(ConfigurationSetName=name)
    assert bare["DeliveryOptions"] == {"TlsPolicy": "REQUIRE"}
    assert "SendingOptions" not in bare and "SuppressionOptions" not in bare
    ses.put_configuration_set_suppression_options(ConfigurationSetName=name, SuppressedReasons=[])
    ses.put_configuration_set_sending_options(ConfigurationSetName=name, SendingEnabled=True)
    answer = ses.get_configuration_set(ConfigurationSetName=name)
    assert answer["SendingOptions"] == {"SendingEnabled": True} and answer["SuppressionOptions"]["SuppressedReasons"] == []
    assert name in ses.list_configuration_sets(PageSize=1000)["ConfigurationSets"]
    with pytest.raises(ClientError) as raised:
        ses.create_configuration_set(ConfigurationSetName=name)
    assert raised.value.response["Error"]["Code"] == "AlreadyExistsException"
    ses.delete_configuration_set(ConfigurationSetName=name)
    with pytest.raises(ClientError) as raised:
        ses.get_configuration_set(ConfigurationSetName=name)
    assert raised.value.response["Error"] == {"Code": "NotFoundException",
                                              "Message": f"Configuration set {name} does not exist."}


def test_event_destinations(ses: Any) -> None:
    name = f"cs-{uuid.uuid4().hex[:8]}"
    ses.create_configuration_set(ConfigurationSetName=name)
    destination = {"Enabled": True, "MatchingEventTypes": ["SEND", "BOUNCE"],
                   "SnsDestination": {"TopicArn": "arn:aws:sns:eu-west-1:123456789012:ses-events"}}
    ses.create_configuration_set_event_destination(ConfigurationSetName=name, EventDestinationName="events",
                                                   EventDestination=destination)
    assert ses.get_configuration_set_event_destinations(ConfigurationSetName=name)["EventDestinations"] == [
        {"Name": "events", **destination}]
    with pytest.raises(ClientError) as raised:
        ses.create_configuration_set_event_destination(ConfigurationSetName=name, EventDestinationName="events",
                                                       EventDestination=destination)
    assert raised.value.response["Error"]["Code"] == "AlreadyExistsException"
    ses.delete_configuration_set_event_destination(ConfigurationSetName=name, EventDestinationName="events")
    with pytest.raises(ClientError) as raised:
        ses.delete_configuration_set_event_destination(ConfigurationSetName=name, EventDestinationName="events")
    assert raised.value.response["Error"] == {"Code": "NotFoundException",
                                              "Message": "Event destination events does not exist."}


def test_pause_and_resume_are_the_reputation_guards_call(ses: Any, controls: SesControls) -> None:
    controls.pause()
    assert ses.get_configuration_set(ConfigurationSetName=controls.configuration_set)["SendingOptions"] == {
        "SendingEnabled": False}
    assert refusal(ses, controls, [f"success@{SIM}"]) == (
        "SendingPausedException", "The message can't be sent because email sending is disabled for the "
        f"configuration set {controls.configuration_set}.", 400)
    controls.resume()
    send(ses, controls, [f"success@{SIM}"])


# -- the account-level suppression list -------------------------------------------------------------


def test_suppressed_destinations(ses: Any) -> None:
    address = f"Someone.{uuid.uuid4().hex[:8]}@Example.net"
    ses.put_suppressed_destination(EmailAddress=address, Reason="BOUNCE")
    found = ses.get_suppressed_destination(EmailAddress=address.lower())["SuppressedDestination"]
    assert found["EmailAddress"] == address and found["Reason"] == "BOUNCE"
    assert isinstance(found["LastUpdateTime"], datetime)
    listed = ses.list_suppressed_destinations(Reasons=["BOUNCE"], PageSize=1000)["SuppressedDestinationSummaries"]
    assert address in [item["EmailAddress"] for item in listed]
    complaints = ses.list_suppressed_destinations(Reasons=["COMPLAINT"])["SuppressedDestinationSummaries"]
    assert address not in [item["EmailAddress"] for item in complaints]
    assert address in [item["EmailAddress"] for item in ses.list_suppressed_destinations(
        StartDate=found["LastUpdateTime"])["SuppressedDestinationSummaries"]]
    with pytest.raises(ClientError) as raised:
        ses.list_suppressed_destinations(NextToken="not-a-token")
    assert raised.value.response["Error"]["Code"] == "InvalidNextTokenException"
    ses.delete_suppressed_destination(EmailAddress=address.upper())
    for call in (ses.get_suppressed_destination, ses.delete_suppressed_destination):
        with pytest.raises(ClientError) as raised:
            call(EmailAddress=address)
        assert raised.value.response["Error"] == {
            "Code": "NotFoundException", "Message": f"Email address {address} does not exist on your suppression list."}
    with pytest.raises(ClientError) as raised:
        ses.put_suppressed_destination(EmailAddress=address, Reason="MANUAL")
    assert raised.value.response["Error"] == {"Code": "BadRequestException",
                                              "Message": "Invalid suppression reason MANUAL."}


def test_suppressed_recipients_are_accepted_and_simulator_bounces_join_the_list(ses: Any,
                                                                                controls: SesControls) -> None:
    bounce = f"bounce+{uuid.uuid4().hex[:8]}@{SIM}"
    listed = f"listed-{uuid.uuid4().hex[:8]}@example.net"
    ses.put_suppressed_destination(EmailAddress=listed, Reason="COMPLAINT")
    last, _ = controls.accepted()
    send(ses, controls, [f"Listed <{listed}>", bounce])
    send(ses, controls, [bounce])
    ses.put_configuration_set_suppression_options(ConfigurationSetName=controls.configuration_set, SuppressedReasons=[])
    send(ses, controls, [listed, bounce])
    newest, emails = controls.accepted(after=last)
    assert newest == last + 3 and [email["sequence"] for email in emails] == [last + 1, last + 2, last + 3]
    assert set(emails[0]) == SEND_KEYS
    assert [email["suppressedRecipients"] for email in emails] == [[listed], [bounce], []]
    assert emails[0]["configurationSet"] == controls.configuration_set and emails[0]["identity"] == controls.identity
    assert ses.get_suppressed_destination(EmailAddress=bounce)["SuppressedDestination"]["Reason"] == "BOUNCE"


# -- SendEmail refusals ------------------------------------------------------------------------------


def test_request_shape_refusals(ses: Any, controls: SesControls) -> None:
    assert refusal(ses, controls, []) == ("BadRequestException", "Missing required header 'To'.", 400)
    assert refusal(ses, controls, [f"success+{i}@{SIM}" for i in range(51)]) == (
        "MessageRejected", "Recipient count exceeds 50.", 400)
    send(ses, controls, [f"success+{i}@{SIM}" for i in range(50)])
    assert refusal(ses, controls, [f"success@{SIM}"], EmailTags=[{"Name": "orderId", "Value": "ord.1"}]) == (
        "BadRequestException", "Invalid tag value <ord.1>: only alphanumeric ASCII characters, '_', and '-' are "
        "allowed.", 400)
    assert refusal(ses, controls, ["not an address"]) == ("BadRequestException", "Invalid email address not an address.",
                                                          400)
    big = {"Simple": {"Subject": {"Data": ""}, "Body": {"Text": {"Data": "x" * (40 * 1024 * 1024 + 1)}}}}
    assert refusal(ses, controls, [f"success@{SIM}"], Content=big) == (
        "MessageRejected", "Message length is more than 40 MB", 400)
    template = {"Template": {"TemplateName": "t", "TemplateData": "{}"}}
    assert refusal(ses, controls, [f"success@{SIM}"], Content=template) == (
        "BadRequestException", "Content.Template is not emulated by local mode", 400)


def test_configuration_set_refusals(ses: Any, controls: SesControls) -> None:
    assert refusal(ses, controls, [f"success@{SIM}"], ConfigurationSetName="missing") == (
        "NotFoundException", "Configuration set missing does not exist.", 404)
    ses.delete_configuration_set(ConfigurationSetName=controls.configuration_set)  # still the identity's default
    assert refusal(ses, controls, [f"success@{SIM}"]) == (
        "NotFoundException", f"Configuration set {controls.configuration_set} does not exist.", 404)
    ses.put_email_identity_configuration_set_attributes(EmailIdentity=controls.identity)
    send(ses, controls, [f"success@{SIM}"])
    assert controls.accepted(controls.accepted()[0] - 1)[1][0]["configurationSet"] is None


def test_account_refusals(ses: Any, controls: SesControls) -> None:
    controls.set_account_sending(False)
    assert refusal(ses, controls, [f"success@{SIM}"]) == (
        "SendingPausedException", "The message can't be sent because the account's ability to send email is "
        "currently paused.", 400)
    controls.suspend()
    assert refusal(ses, controls, [f"success@{SIM}"]) == (
        "AccountSuspendedException", "The message can't be sent because the account's ability to send email has been "
        "permanently restricted.", 400)


def test_sandbox_refuses_unverified_recipients(ses: Any, controls: SesControls) -> None:
    controls.set_production_access(False)
    assert refusal(ses, controls, [f"success@{SIM}", "Jane <jane@example.net>"]) == (
        "MessageRejected", NOT_VERIFIED + "Jane <jane@example.net>", 400)
    send(ses, controls, [f"success@{SIM}", f"team@{controls.identity}"])


def test_daily_quota_and_send_rate(ses: Any, controls: SesControls) -> None:
    sent = int(ses.get_account()["SendQuota"]["SentLast24Hours"])
    controls.set_limits(max_24_hour_send=sent + 2)
    send(ses, controls, [f"success@{SIM}", f"success+2@{SIM}"])
    assert refusal(ses, controls, [f"success@{SIM}"]) == ("TooManyRequestsException", "Daily message quota exceeded.",
                                                          429)
    controls.set_limits(max_send_rate=0.001)
    send(ses, controls, [f"success@{SIM}"])
    assert refusal(ses, controls, [f"success@{SIM}"]) == ("TooManyRequestsException", "Maximum sending rate exceeded.",
                                                          429)
    controls.set_limits()
    send(ses, controls, [f"success@{SIM}"])


def test_raw_messages_take_recipients_from_the_destination(ses: Any, controls: SesControls) -> None:
    raw = f"From: Shop <orders@{controls.identity}>\r\nTo: x@example.net\r\nSubject: s\r\n\r\nbody".encode()
    last, _ = controls.accepted()
    ses.send_email(Destination={"ToAddresses": [f"success@{SIM}"]}, Content={"Raw": {"Data": raw}})
    email = controls.accepted(last)[1][0]
    assert email["from"] == f"Shop <orders@{controls.identity}>" and email["to"] == [f"success@{SIM}"]
    assert email["identity"] == controls.identity


# -- what is not SESv2, not implemented, or a control ------------------------------------------------


def test_routes_come_from_request_uris_and_every_implemented_operation_has_its_method() -> None:
    pattern = route_pattern("/v2/email/things/{Name}/parts/{Rest+}?x=1")
    match = pattern.fullmatch("/v2/email/things/a%2Fb/parts/c/d")
    assert match is not None and match.groupdict() == {"Name": "a%2Fb", "Rest": "c/d"}
    assert pattern.fullmatch("/v2/email/things/a/b/parts/c") is None
    operations = set(botocore.session.get_session().get_service_model("sesv2").operation_names)
    assert operations >= IMPLEMENTED
    assert all(callable(getattr(LocalSes, xform_name(name), None)) for name in IMPLEMENTED)


def test_unimplemented_sesv2_operations_are_refused_not_sent_to_moto(ses: Any) -> None:
    with pytest.raises(ClientError) as raised:
        ses.list_contact_lists()
    assert raised.value.response["Error"] == {"Code": "BadRequestException",
                                              "Message": "ListContactLists is not emulated by local mode"}


def test_everything_else_still_goes_to_moto(emulator: Emulator) -> None:
    url = emulator.client("sqs").create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    assert url.startswith(emulator.endpoint)


def test_stats_count_acceptances_and_refusals_by_code(ses: Any, controls: SesControls) -> None:
    before = controls.stats()
    send(ses, controls, [f"success@{SIM}"])
    refusal(ses, controls, [f"success@{SIM}"], ConfigurationSetName="missing")
    after = controls.stats()
    assert after["accepted"] == before["accepted"] + 1
    assert after["refused"]["NotFoundException"] == before["refused"].get("NotFoundException", 0) + 1


def test_bad_control_input_is_a_400_with_the_reason(emulator: Emulator, controls: SesControls) -> None:
    with pytest.raises(SesControlError, match="HTTP 400"):
        controls.set_limits(max_send_rate=-1)
    with pytest.raises(SesControlError, match="does not exist"):
        controls.verify_identity(identity="never-created.example.com")
    request = urllib.request.Request(f"{emulator.endpoint}/_localmode/ses/account", data=b'{"sandbox": true}',
                                     method="POST")
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=5)
    assert raised.value.code == 400 and "unknown keys" in json.loads(raised.value.read())["error"]
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(f"{emulator.endpoint}/_localmode/ses/nothing", timeout=5)
    assert raised.value.code == 404


def test_delay_events_needs_the_simulators_hook(emulator: Emulator, ses: Any) -> None:
    delays: list[float] = []
    SesControls(emulator.endpoint, ses, configuration_set=None, identity=None,
                on_delay_events=delays.append).delay_events(2.5)
    assert delays == [2.5]
    with pytest.raises(RuntimeError, match="on_delay_events"):
        SesControls(emulator.endpoint, ses, configuration_set=None, identity=None).delay_events(1)
