"""FeedbackLoop under mocks: event destination, topic policy, queue, Lambda, bus and IAM."""

from __future__ import annotations

from order_email.components.feedback_loop import matching_event_types
from order_email.handlers.feedback.settings import FeedbackSettings
from order_email.mockstack import ACCOUNT_ID, StackRun
from tests.support.stacks import policy_of, statements

FEEDBACK = "order-email-feedback"


def test_event_destination_covers_required_types(dev: StackRun, prod: StackRun) -> None:
    for run, tracking in ((dev, True), (prod, False)):
        destination = run.named(f"{FEEDBACK}-event-destination").inputs
        event_destination = destination["eventDestination"]
        assert event_destination["matchingEventTypes"] == matching_event_types(tracking)
        assert {"SEND", "REJECT", "BOUNCE", "COMPLAINT", "DELIVERY", "DELIVERY_DELAY",
                "RENDERING_FAILURE"} <= set(event_destination["matchingEventTypes"])
        assert ("OPEN" in event_destination["matchingEventTypes"]) is tracking
        assert event_destination["snsDestination"]["topicArn"] == run.named(f"{FEEDBACK}-ses-events").state["arn"]
        assert destination["configurationSetName"] == f"order-email-{run.stack}"


def test_ses_events_topic_only_from_ses_for_this_config_set(stack: StackRun) -> None:
    policy = statements(policy_of(stack, f"{FEEDBACK}-ses-events-policy"))
    allowed = policy["AllowSesEventPublishing"]
    assert allowed["Principal"] == {"Service": "ses.amazonaws.com"}
    assert allowed["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
        "ArnLike": {"aws:SourceArn": stack.named("order-email-sender-configuration-set").state["arn"]},
    }
    assert policy["DenyInsecureTransport"]["Effect"] == "Deny"
    key = stack.of_type("aws:kms/key:Key")[0].state["arn"]
    assert stack.named(f"{FEEDBACK}-ses-events").inputs["kmsMasterKeyId"] == key


def test_feedback_function_environment_and_mapping(stack: StackRun) -> None:
    function = stack.named(f"{FEEDBACK}-function").inputs
    assert function["handler"] == "handlers.ses_feedback.handler"
    environment = function["environment"]["variables"]
    assert set(environment) == {
        "DELIVERIES_TABLE", "SUPPRESSION_TABLE", "DLQ_URL", "CONFIGURATION_SET", "SOFT_BOUNCE_COUNT",
        "SOFT_BOUNCE_WINDOW_DAYS", "HISTORY_LIMIT", "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE",
        "POWERTOOLS_LOG_LEVEL", "PYDANTIC_DISABLE_PLUGINS"}
    assert environment["CONFIGURATION_SET"] == stack.named("order-email-sender-configuration-set").state[
        "configurationSetName"]
    mapping = stack.named(f"{FEEDBACK}-mapping").inputs
    assert mapping["functionResponseTypes"] == ["ReportBatchItemFailures"]
    assert stack.named(f"{FEEDBACK}-queue-subscription").inputs["rawMessageDelivery"] is True


def test_feedback_role_is_least_privilege(stack: StackRun) -> None:
    policy = statements(policy_of(stack, f"{FEEDBACK}-function-policy"))
    assert "PublishStatusChanges" not in policy  # the outbox pipe publishes, from the table's stream
    assert policy["FindDeliveryByMessageId"]["Resource"].endswith("/index/bySesMessageId")
    assert "ses:SendEmail" not in str(policy)


def test_status_api_url_uses_iam_auth_and_read_only_role(stack: StackRun) -> None:
    assert stack.named("order-email-status-url").inputs["authorizationType"] == "AWS_IAM"
    policy = statements(policy_of(stack, "order-email-status-function-policy"))
    assert policy["ReadDeliveries"]["Action"] == ["dynamodb:GetItem", "dynamodb:Query"]
    assert stack.outputs["statusApiUrl"].startswith("https://")


def test_feedback_environment_is_what_its_handler_reads(stack: StackRun) -> None:
    environment = stack.named(f"{FEEDBACK}-function").inputs["environment"]["variables"]
    assert FeedbackSettings.from_env(environment).history_limit == 20
