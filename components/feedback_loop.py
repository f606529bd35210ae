"""`FeedbackLoop`: SES events in, truthful delivery status, suppressions and status-change events out.

The configuration set publishes its events to the ses-events topic (only SES, for this account and
this configuration set, may publish), which feeds the feedback queue and the feedback Lambda. Each
status change the Lambda writes reaches the status bus as an `Email Status Changed` event (schema
`STATUS_CHANGED_SCHEMA`) through the deliveries table's stream and a pipe (`status_outbox`).
"""

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from order_email import handlers
from order_email.components import policies, queues
from order_email.components.cross_language import declared_outputs, python_args
from order_email.components.functions import LambdaCode, LambdaParts, lambda_code, lambda_function
from order_email.components.status_outbox import status_outbox
from order_email.components.subscribed_queue import SubscribedQueue, queue_consumer, subscribed_queue
from order_email.components.wiring import applied_json
from order_email.handlers.shared.environment import FEEDBACK, powertools

FEEDBACK_HANDLER = "handlers.ses_feedback.handler"
STATUS_CHANGED_SCHEMA = Path(handlers.__file__).parent / "feedback" / "status_changed.schema.json"
"""JSON Schema (versioned) of the status-change event's `detail`: the contract for bus consumers."""
REQUIRED_EVENT_TYPES = ("SEND", "REJECT", "BOUNCE", "COMPLAINT", "DELIVERY", "DELIVERY_DELAY", "RENDERING_FAILURE")
TRACKING_EVENT_TYPES = ("OPEN", "CLICK")


def matching_event_types(track_opens_and_clicks: bool) -> list[str]:
    """Every event the status ranking needs, plus engagement events when tracking is on."""
    return list(REQUIRED_EVENT_TYPES) + (list(TRACKING_EVENT_TYPES) if track_opens_and_clicks else [])


def status_bus_name(name_prefix: str) -> str:
    """Name of the status bus; known before it exists, so a key policy can name the bus it encrypts."""
    return f"{name_prefix}-status"


class FeedbackLoopArgs(TypedDict):
    name_prefix: str
    """Prefix of physical names (bus, log group), e.g. `order-email-prod`."""
    environment: str
    """Stack environment; the `service` dimension of metrics and logs."""
    configuration_set_name: pulumi.Input[str]
    """The SES configuration set whose events are consumed (from `EmailSender`)."""
    configuration_set_arn: pulumi.Input[str]
    """Its ARN: the only `aws:SourceArn` allowed to publish to the ses-events topic."""
    track_opens_and_clicks: bool
    """Also publish Open and Click events (counters on the delivery)."""
    deliveries_table_name: pulumi.Input[str]
    """Deliveries table (from `DeliveryStore`)."""
    deliveries_table_arn: pulumi.Input[str]
    """ARN of the deliveries table."""
    deliveries_stream_arn: pulumi.Input[str]
    """The deliveries table's stream (new and old images): the outbox the status events come from."""
    suppression_table_name: pulumi.Input[str]
    """Suppression table (from `DeliveryStore`)."""
    suppression_table_arn: pulumi.Input[str]
    """ARN of the suppression table."""
    soft_bounce_count: int
    """Soft bounces within the window after which an address is suppressed for a while."""
    soft_bounce_window_days: int
    """The soft-bounce counting window (and the temporary suppression's length)."""
    ses_max_send_rate: float
    """The SES send quota; sizes the feedback consumer's concurrency."""
    max_receive_count: int
    """Receives before an event moves to the DLQ."""
    log_retention_days: int
    """Days the feedback logs are kept."""
    memory_mb: int
    """Feedback Lambda memory."""
    timeout_seconds: int
    """Feedback Lambda timeout; the queue's visibility timeout derives from it."""
    code: NotRequired[pulumi.Input[pulumi.Archive]]
    """Handler code archive (`EmailSender.code_archive`); this package's handlers (`components.packaging`)
    when absent."""
    layers: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Layer ARNs with the handlers' dependencies (`EmailSender.layer_arns`); a layer built by this
    component when absent."""
    topic_kms_key_arn: pulumi.Input[str]
    """Customer-managed key for the ses-events topic: SES cannot publish to an `aws/sns`-encrypted topic."""
    publish_dependencies: NotRequired[pulumi.Input[Sequence[Any]]]
    """Resources that must exist before SES may publish: the key (or key-policy) resource behind
    `topic_kms_key_arn`. SES test-publishes to a new event destination when it is created. (Typed
    `Any`: a package schema has no type for "any resource"; pass resources, or references to them.)"""
    kms_key_arn: NotRequired[pulumi.Input[str] | None]
    """Customer-managed key for queues, bus and logs; AWS-managed keys when absent. Its key policy must let
    EventBridge use it for the bus `status_bus_name(name_prefix)` (`EncryptionKey`'s `event_bus_names`)."""
    tags: NotRequired[Mapping[str, str]]
    """Tags for every taggable child."""


class FeedbackLoop(pulumi.ComponentResource):
    """Configuration-set events → ses-events topic → feedback queue (+DLQ) → feedback Lambda → bus."""

    events_topic_arn: pulumi.Output[str]
    """The ses-events topic."""
    feedback_queue_url: pulumi.Output[str]
    """URL of the feedback queue."""
    feedback_queue_name: pulumi.Output[str]
    """Name of the feedback queue (for alarms)."""
    dead_letter_queue_url: pulumi.Output[str]
    """URL of the feedback DLQ: unparseable events, with their reason, and exhausted retries."""
    dead_letter_queue_name: pulumi.Output[str]
    """Name of the feedback DLQ (for alarms)."""
    dead_letter_queue_arn: pulumi.Output[str]
    """ARN of the feedback DLQ (for a reader's grant, e.g. the status API's count)."""
    function_arn: pulumi.Output[str]
    """ARN of the feedback Lambda."""
    function_name: pulumi.Output[str]
    """Name of the feedback Lambda (for alarms)."""
    log_group_name: pulumi.Output[str]
    """The feedback Lambda's log group."""
    event_bus_name: pulumi.Output[str]
    """Bus receiving `Email Status Changed` events; subscribe with your own rules."""
    event_bus_arn: pulumi.Output[str]
    """ARN of the status bus."""
    outbox_function_name: pulumi.Output[str]
    """The pipe's enrichment Lambda (for alarms)."""
    outbox_log_group_name: pulumi.Output[str]
    """Its log group."""
    outbox_dead_letter_queue_name: pulumi.Output[str]
    """Where the pipe puts stream batches it could not deliver to the bus (alarm at 1)."""
    outbox_dead_letter_queue_url: pulumi.Output[str]
    """URL of that DLQ."""
    outbox_dead_letter_queue_arn: pulumi.Output[str]
    """ARN of that DLQ."""

    def __init__(self, name: str, args: FeedbackLoopArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("order-email:index:FeedbackLoop", name, {}, opts)
        args = python_args(args, FeedbackLoopArgs)
        tags = dict(args.get("tags") or {})
        key_arn = args.get("kms_key_arn")
        topic = self._ses_events_topic(name, args, tags)
        path = subscribed_queue(
            f"{name}-queue",
            topic_arn=topic.arn,
            consumer_timeout_seconds=args["timeout_seconds"],
            max_receive_count=args["max_receive_count"],
            kms_key_arn=key_arn,
            tags=tags,
            parent=self,
        )
        bus = aws.cloudwatch.EventBus(
            f"{name}-status-bus", name=status_bus_name(args["name_prefix"]), kms_key_identifier=key_arn, tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        code = lambda_code(name, archive=args.get("code"), layers=args.get("layers"), parent=self)
        parts = self._feedback_function(name, args, code, path, tags)
        outbox = status_outbox(
            f"{name}-outbox",
            name_prefix=args["name_prefix"],
            environment=args["environment"],
            code=code,
            stream_arn=args["deliveries_stream_arn"],
            event_bus_arn=bus.arn,
            log_retention_days=args["log_retention_days"],
            kms_key_arn=key_arn,
            tags=tags,
            parent=self,
        )

        self.events_topic_arn = topic.arn
        self.feedback_queue_url = path.queue.url
        self.feedback_queue_name = path.queue.name
        self.dead_letter_queue_url = path.dead_letters.url
        self.dead_letter_queue_name = path.dead_letters.name
        self.dead_letter_queue_arn = path.dead_letters.arn
        self.function_arn = parts.function.arn
        self.function_name = parts.function.name
        self.log_group_name = parts.log_group.name
        self.event_bus_name = bus.name
        self.event_bus_arn = bus.arn
        self.outbox_function_name = outbox.function.name
        self.outbox_log_group_name = outbox.log_group.name
        self.outbox_dead_letter_queue_name = outbox.dead_letters.name
        self.outbox_dead_letter_queue_url = outbox.dead_letters.url
        self.outbox_dead_letter_queue_arn = outbox.dead_letters.arn
        self.register_outputs(declared_outputs(self))

    def _ses_events_topic(self, name: str, args: FeedbackLoopArgs, tags: dict[str, str]) -> aws.sns.Topic:
        """The topic only SES, for this account and configuration set, may publish to, and the event
        destination that makes the configuration set publish there."""
        account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        topic = aws.sns.Topic(f"{name}-ses-events", kms_master_key_id=args["topic_kms_key_arn"], tags=tags,
                              opts=pulumi.ResourceOptions(parent=self))
        topic_policy = aws.sns.TopicPolicy(
            f"{name}-ses-events-policy",
            arn=topic.arn,
            policy=applied_json(policies.ses_events_topic_policy, topic_arn=topic.arn, account_id=account_id,
                                configuration_set_arn=args["configuration_set_arn"]),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.sesv2.ConfigurationSetEventDestination(
            f"{name}-event-destination",
            configuration_set_name=args["configuration_set_name"],
            event_destination_name="delivery-events",
            event_destination={
                "enabled": True,
                "matching_event_types": matching_event_types(args["track_opens_and_clicks"]),
                "sns_destination": {"topic_arn": topic.arn},
            },
            # SES test-publishes when the destination is created: topic policy and key policy must exist.
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=_with_publish_dependencies(topic_policy, args.get("publish_dependencies"))),
        )
        return topic

    def _feedback_function(
        self, name: str, args: FeedbackLoopArgs, code: LambdaCode, path: SubscribedQueue, tags: dict[str, str]
    ) -> LambdaParts:
        """The feedback Lambda, least privilege, fed by the feedback queue."""
        key_arn = args.get("kms_key_arn")
        parts = lambda_function(
            f"{name}-function",
            handler=FEEDBACK_HANDLER,
            description=f"{args['name_prefix']} SES feedback consumer",
            code=code,
            memory_mb=args["memory_mb"],
            timeout_seconds=args["timeout_seconds"],
            environment=FEEDBACK.environment(
                deliveries_table=args["deliveries_table_name"],
                suppression_table=args["suppression_table_name"],
                dlq_url=path.dead_letters.url,
                configuration_set=args["configuration_set_name"],
                soft_bounce_count=args["soft_bounce_count"],
                soft_bounce_window_days=args["soft_bounce_window_days"],
                **powertools(args["environment"]),
            ),
            log_group_name=f"/order-email/{args['name_prefix']}/feedback",
            log_retention_days=args["log_retention_days"],
            kms_key_arn=key_arn,
            policy=policies.feedback_policy,
            policy_inputs={
                "deliveries_table_arn": args["deliveries_table_arn"],
                "suppression_table_arn": args["suppression_table_arn"], "queue_arn": path.queue.arn,
                "dead_letter_arn": path.dead_letters.arn, "kms_key_arn": key_arn,
            },
            tags=tags,
            parent=self,
        )
        queue_consumer(
            f"{name}-mapping",
            queue_arn=path.queue.arn,
            function_arn=parts.function.arn,
            maximum_concurrency=queues.feedback_concurrency(args["ses_max_send_rate"]),
            parent=self,
        )
        return parts


def _with_publish_dependencies(
    topic_policy: pulumi.Resource, extra: pulumi.Input[Sequence[Any]] | None
) -> pulumi.Output[list[pulumi.Resource]]:
    """`depends_on` for the event destination: the topic policy and `publish_dependencies`.

    From Python these are resources. From another language the provider host hands over an output
    whose dependencies are those resources (what `depends_on` waits for) and whose items are resources
    only where their package is loaded here (else a URN or an id, which must not reach `depends_on`).
    """
    return pulumi.Output.from_input(extra if extra is not None else []).apply(
        lambda resources: [topic_policy, *(item for item in resources if isinstance(item, pulumi.Resource))])
