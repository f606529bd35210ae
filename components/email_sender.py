"""`EmailSender`: order events in, exactly one SES e-mail per order and kind out.

Publishers publish the event JSON to the orders topic with the message attribute `eventType`
(`order.confirmed`, `order.shipped`, `order.cancelled`: `sender.kinds`; the subscription filter
drops anything else); SNS delivers it raw
to the send queue, whose event source mapping feeds the sender Lambda in batches of ten.
"""

import functools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NotRequired, TypedDict, cast

import pulumi
import pulumi_aws as aws

from order_email.components import packaging, policies, queues
from order_email.components.cross_language import declared_outputs, python_args
from order_email.components.functions import LambdaCode, LambdaParts, lambda_code, lambda_function
from order_email.components.ses_dns import DnsRecord, dns_records, mail_from_domain
from order_email.components.subscribed_queue import SubscribedQueue, queue_consumer, subscribed_queue
from order_email.components.team_templates import TemplatesError, check_team_templates
from order_email.components.wiring import applied, applied_json
from order_email.handlers.sender.kinds import EVENT_TYPES
from order_email.handlers.sender.rendering import TEAM_TEMPLATES_FOLDER
from order_email.handlers.shared.environment import SENDER, powertools
from order_email.handlers.shared.event_types import EVENT_TYPE_ATTRIBUTE

SUBSCRIPTION_FILTER = {EVENT_TYPE_ATTRIBUTE: list(EVENT_TYPES)}
SENDER_HANDLER = "handlers.send_order_email.handler"
LEASE_MARGIN_SECONDS = 30
SEND_EVENT_GRACE_SECONDS = 900
"""How long a retry waits, after a crashed worker's lease, for SES's Send event to name the message
it may already have sent. SES documents no bound on event publishing; Send events arrive within
seconds (SES → SNS → SQS → feedback Lambda), and AWS's eventual consistency settles "in a few
minutes" in most cases: 15 minutes is three times that. The exactly-once guarantee holds whenever
the event arrives within lease + grace; the only cost of a wide grace is that the rare crash whose
event never comes is retried 15 minutes later."""
HOLD_MAX_DELAY_SECONDS = 900
"""Longest wait between two tries of a held order (SQS's largest DelaySeconds)."""
HOLD_GIVE_UP_SECONDS = 72 * 3600
"""A held order is dead-lettered with its reason after waiting this long: verifying a new domain's
DNS records can take 72 hours, and production access is usually granted within a day."""


def claim_lease_seconds(lambda_timeout_seconds: int) -> int:
    """A claim outlives the invocation holding it: Lambda stops a worker at its timeout."""
    return lambda_timeout_seconds + LEASE_MARGIN_SECONDS


class EmailSenderArgs(TypedDict):
    name_prefix: str
    """Prefix of physical names (configuration set, log group), e.g. `order-email-prod`."""
    environment: str
    """Stack environment; the `service` dimension of metrics and logs."""
    sender_domain: str
    """Domain verified as the SES identity (Easy DKIM + MAIL FROM)."""
    from_address: str
    """The only address the sender may send as (an IAM condition enforces it)."""
    from_name: str
    """Display name of the From header."""
    reply_to: NotRequired[str | None]
    """Reply-To address, if replies should go elsewhere."""
    sandbox_mode: bool
    """Rewrite every recipient to the SES mailbox simulator (dev)."""
    ses_max_send_rate: float
    """The account's SES send quota (e-mails/s); caps sender concurrency."""
    max_receive_count: int
    """Receives before a message moves to the DLQ."""
    deliveries_table_name: pulumi.Input[str]
    """Deliveries table (from `DeliveryStore`)."""
    deliveries_table_arn: pulumi.Input[str]
    """ARN of the deliveries table."""
    suppression_table_name: pulumi.Input[str]
    """Suppression table (from `DeliveryStore`)."""
    suppression_table_arn: pulumi.Input[str]
    """ARN of the suppression table."""
    retention_days: int
    """Days a delivery record is kept (TTL)."""
    log_retention_days: int
    """Days the sender's logs are kept."""
    memory_mb: int
    """Sender Lambda memory."""
    timeout_seconds: int
    """Sender Lambda timeout; the queue's visibility timeout and the claim lease derive from it."""
    code: NotRequired[pulumi.Input[pulumi.Archive]]
    """Handler code archive; this package's handlers (`components.packaging`) when absent."""
    templates_dir: NotRequired[str | None]
    """A team's own e-mail templates (`<kind>.html`, `<kind>.txt`, optionally `<kind>.subject.txt`;
    Jinja2, the event as `order`), relative to the working directory of the program. Rendered with a
    sample event while the program runs, so a broken template fails `pulumi preview` naming the file and
    the variable; packaged into the handler code, kinds it lacks use the built-in templates. Not
    combinable with `code` (package the templates into your own archive instead)."""
    layers: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Layer ARNs with the handlers' dependencies; a layer built by this component when absent."""
    publisher_principals: NotRequired[Sequence[str]]
    """Account ids or IAM ARNs allowed to publish orders; this account when empty."""
    kms_key_arn: NotRequired[pulumi.Input[str] | None]
    """Customer-managed key for the topic, queues and logs; AWS-managed keys when absent."""
    route53_zone_id: NotRequired[str | None]
    """Hosted zone to create the DNS records in; otherwise publish `dns_records` yourself."""
    tags: NotRequired[Mapping[str, str]]
    """Tags for every taggable child."""


class EmailSender(pulumi.ComponentResource):
    """Orders topic → send queue (+DLQ) → sender Lambda → SES identity and configuration set."""

    orders_topic_arn: pulumi.Output[str]
    """Where publishers send order events (attribute eventType: order.confirmed, order.shipped or order.cancelled)."""
    orders_topic_name: pulumi.Output[str]
    """Name of the orders topic (for the alarm on orders its subscription filter drops)."""
    send_queue_url: pulumi.Output[str]
    """URL of the send queue."""
    send_queue_arn: pulumi.Output[str]
    """ARN of the send queue."""
    send_queue_name: pulumi.Output[str]
    """Name of the send queue (for alarms)."""
    dead_letter_queue_url: pulumi.Output[str]
    """URL of the send DLQ: invalid orders, with their reason, and exhausted retries."""
    dead_letter_queue_name: pulumi.Output[str]
    """Name of the send DLQ (for alarms)."""
    dead_letter_queue_arn: pulumi.Output[str]
    """ARN of the send DLQ (for a reader's grant, e.g. the status API's count)."""
    function_arn: pulumi.Output[str]
    """ARN of the sender Lambda."""
    function_name: pulumi.Output[str]
    """Name of the sender Lambda (for alarms)."""
    log_group_name: pulumi.Output[str]
    """The sender's log group."""
    configuration_set_name: pulumi.Output[str]
    """SES configuration set every e-mail is sent with."""
    configuration_set_arn: pulumi.Output[str]
    """ARN of the configuration set."""
    identity_arn: pulumi.Output[str]
    """ARN of the SES domain identity."""
    dns_records: pulumi.Output[list[DnsRecord]]
    """DKIM, MAIL FROM and DMARC records to publish for the sender domain."""
    code_archive: pulumi.Output[pulumi.Archive]
    """The handler archive the sender runs: give it to `FeedbackLoop` and `StatusApi` as `code`."""
    layer_arns: pulumi.Output[list[str]]
    """The dependency layers the sender runs with: give them to `FeedbackLoop` and `StatusApi` as
    `layers`, so they run the same code and build no layer of their own."""

    def __init__(self, name: str, args: EmailSenderArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("order-email:index:EmailSender", name, {}, opts)
        args = python_args(args, EmailSenderArgs)
        tags = dict(args.get("tags") or {})
        invoke = pulumi.InvokeOutputOptions(parent=self)
        region = aws.get_region_output(opts=invoke).region
        topic = self._orders_topic(name, args, aws.get_caller_identity_output(opts=invoke).account_id,
                                   aws.get_partition_output(opts=invoke).partition, tags)
        path = subscribed_queue(
            f"{name}-queue",
            topic_arn=topic.arn,
            consumer_timeout_seconds=args["timeout_seconds"],
            max_receive_count=args["max_receive_count"],
            kms_key_arn=args.get("kms_key_arn"),
            tags=tags,
            parent=self,
            filter_policy=SUBSCRIPTION_FILTER,
        )
        configuration_set, identity = self._ses_identity(name, args, tags)
        records = applied(_identity_dns_records, domain=args["sender_domain"],
                          dkim=identity.dkim_signing_attributes, region=region)
        if zone_id := args.get("route53_zone_id"):
            self._publish_dns(name, zone_id, args["sender_domain"], records, region)
        self._code = lambda_code(name, archive=_code_archive(args), layers=args.get("layers"), parent=self)
        parts = self._sender_function(name, args, path, configuration_set, identity, tags)

        self.orders_topic_arn = topic.arn
        self.orders_topic_name = topic.name
        self.send_queue_url = path.queue.url
        self.send_queue_arn = path.queue.arn
        self.send_queue_name = path.queue.name
        self.dead_letter_queue_url = path.dead_letters.url
        self.dead_letter_queue_name = path.dead_letters.name
        self.dead_letter_queue_arn = path.dead_letters.arn
        self.function_arn = parts.function.arn
        self.function_name = parts.function.name
        self.log_group_name = parts.log_group.name
        self.configuration_set_name = configuration_set.configuration_set_name
        self.configuration_set_arn = configuration_set.arn
        self.identity_arn = identity.arn
        self.dns_records = records
        self.code_archive = pulumi.Output.from_input(self._code.archive)
        self.layer_arns = cast(pulumi.Output[list[str]], pulumi.Output.from_input(self._code.layers))
        self.register_outputs(declared_outputs(self))

    def _orders_topic(
        self, name: str, args: EmailSenderArgs, account_id: pulumi.Output[str], partition: pulumi.Output[str],
        tags: dict[str, str],
    ) -> aws.sns.Topic:
        """Where publishers send orders: encrypted, only the configured publishers, TLS only."""
        topic = aws.sns.Topic(f"{name}-orders", kms_master_key_id=args.get("kms_key_arn") or "alias/aws/sns",
                              tags=tags, opts=pulumi.ResourceOptions(parent=self))
        configured_publishers = list(args.get("publisher_principals") or [])
        aws.sns.TopicPolicy(
            f"{name}-orders-policy",
            arn=topic.arn,
            policy=applied_json(
                lambda topic_arn, account_id, partition: policies.orders_topic_policy(
                    topic_arn, policies.publisher_principals(configured_publishers, account_id, partition=partition)),
                topic_arn=topic.arn, account_id=account_id, partition=partition),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return topic

    def _ses_identity(
        self, name: str, args: EmailSenderArgs, tags: dict[str, str]
    ) -> tuple[aws.sesv2.ConfigurationSet, aws.sesv2.EmailIdentity]:
        """The configuration set every e-mail goes through, and the domain identity with its MAIL FROM."""
        domain = args["sender_domain"]
        configuration_set = aws.sesv2.ConfigurationSet(
            f"{name}-configuration-set",
            configuration_set_name=args["name_prefix"],
            reputation_options={"reputation_metrics_enabled": True},
            delivery_options={"tls_policy": "REQUIRE"},
            # An explicit empty list overrides the account-level suppression list for this configuration
            # set (https://docs.aws.amazon.com/ses/latest/dg/sending-email-suppression-list-config-level.html;
            # terraform-provider-aws PR #29671 made [] an override on create, PR #45756 on update): our hashed
            # suppression table is the only source of truth, and SES keeps no plain-text customer addresses.
            suppression_options={"suppressed_reasons": []},
            sending_options={"sending_enabled": True},
            tags=tags,
            # The reputation guard pauses sending at run time (PutConfigurationSetSendingOptions); without
            # this, `pulumi refresh` then `up` would re-enable it. Resume by hand (see `reputation_guard`).
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["sendingOptions"]),
        )
        identity = aws.sesv2.EmailIdentity(
            f"{name}-identity",
            email_identity=domain,
            configuration_set_name=configuration_set.configuration_set_name,
            dkim_signing_attributes={"next_signing_key_length": "RSA_2048_BIT"},
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.sesv2.EmailIdentityMailFromAttributes(
            f"{name}-mail-from",
            email_identity=identity.email_identity,
            mail_from_domain=mail_from_domain(domain),
            behavior_on_mx_failure="USE_DEFAULT_VALUE",
            opts=pulumi.ResourceOptions(parent=self),
        )
        return configuration_set, identity

    def _sender_function(
        self, name: str, args: EmailSenderArgs, path: SubscribedQueue, configuration_set: aws.sesv2.ConfigurationSet,
        identity: aws.sesv2.EmailIdentity, tags: dict[str, str],
    ) -> LambdaParts:
        """The sender Lambda, least privilege, fed by the send queue at a concurrency the SES quota allows."""
        queue, dead_letters, key_arn = path.queue, path.dead_letters, args.get("kms_key_arn")
        reply_to = args.get("reply_to") or ""
        parts = lambda_function(
            f"{name}-function",
            handler=SENDER_HANDLER,
            description=f"{args['name_prefix']} order-confirmation sender",
            code=self._code,
            memory_mb=args["memory_mb"],
            timeout_seconds=args["timeout_seconds"],
            environment=SENDER.environment(
                deliveries_table=args["deliveries_table_name"],
                suppression_table=args["suppression_table_name"],
                dlq_url=dead_letters.url,
                configuration_set=configuration_set.configuration_set_name,
                from_address=args["from_address"],
                from_name=args["from_name"],
                reply_to=reply_to,
                sandbox=args["sandbox_mode"],
                retention_days=args["retention_days"],
                lease_seconds=claim_lease_seconds(args["timeout_seconds"]),
                send_grace_seconds=SEND_EVENT_GRACE_SECONDS,
                send_queue_url=queue.url,
                send_rate_per_worker=queues.send_rate_per_worker(args["ses_max_send_rate"]),
                hold_max_delay_seconds=HOLD_MAX_DELAY_SECONDS,
                hold_give_up_seconds=HOLD_GIVE_UP_SECONDS,
                **powertools(args["environment"]),
            ),
            log_group_name=f"/order-email/{args['name_prefix']}/sender",
            log_retention_days=args["log_retention_days"],
            kms_key_arn=key_arn,
            policy=functools.partial(policies.sender_policy, from_address=args["from_address"]),
            policy_inputs={
                "identity_arn": identity.arn, "configuration_set_arn": configuration_set.arn,
                "deliveries_table_arn": args["deliveries_table_arn"],
                "suppression_table_arn": args["suppression_table_arn"], "queue_arn": queue.arn,
                "dead_letter_arn": dead_letters.arn, "kms_key_arn": key_arn,
            },
            tags=tags,
            parent=self,
        )
        queue_consumer(
            f"{name}-mapping",
            queue_arn=queue.arn,
            function_arn=parts.function.arn,
            maximum_concurrency=queues.maximum_concurrency(args["ses_max_send_rate"]),
            parent=self,
        )
        return parts

    @property
    def code(self) -> LambdaCode:
        """Handler archive and dependency layers, for the other components to run the same code (the
        Python form of `code_archive` and `layer_arns`)."""
        return self._code

    def _publish_dns(
        self, name: str, zone_id: str, domain: str, records: pulumi.Output[list[DnsRecord]],
        region: pulumi.Output[str],
    ) -> None:
        """Route 53 records, one resource per record so each is replaced on its own."""
        child = pulumi.ResourceOptions(parent=self)
        for index in range(3):
            dkim = records.apply(functools.partial(_nth, index))
            aws.route53.Record(
                f"{name}-dkim-{index}",
                zone_id=zone_id,
                name=dkim["name"],
                type="CNAME",
                ttl=1800,
                records=[dkim["value"]],
                opts=child,
            )
        aws.route53.Record(f"{name}-mail-from-mx", zone_id=zone_id, name=mail_from_domain(domain), type="MX",
                           ttl=1800, records=[region.apply(lambda value: f"10 feedback-smtp.{value}.amazonses.com")],
                           opts=child)
        for record_name, purpose in ((mail_from_domain(domain), "SPF"), (f"_dmarc.{domain}", "DMARC")):
            aws.route53.Record(
                f"{name}-{purpose.lower()}",
                zone_id=zone_id,
                name=record_name,
                type="TXT",
                ttl=1800,
                records=[records.apply(functools.partial(_txt_value, name=record_name))],
                opts=child,
            )


def _code_archive(args: EmailSenderArgs) -> pulumi.Input[pulumi.Archive] | None:
    """The caller's archive, or this package's handlers with the team's templates once they rendered."""
    templates_dir = args.get("templates_dir")
    if not templates_dir:
        return args.get("code")
    if args.get("code") is not None:
        raise TemplatesError("templates_dir: not combinable with `code`; package the templates into your "
                             f"archive under handlers/{TEAM_TEMPLATES_FOLDER}/ instead")
    files = check_team_templates(Path(templates_dir).resolve(), setting="templates_dir")
    return packaging.handler_code_archive(team_templates=files)


def _identity_dns_records(domain: str, dkim: dict[str, Any] | None, region: str) -> list[DnsRecord]:
    return dns_records(domain, (dkim or {}).get("tokens") or [], region)


def _nth(index: int, records: list[DnsRecord]) -> DnsRecord:
    return records[index]


def _txt_value(records: list[DnsRecord], name: str) -> str:
    return next(record["value"] for record in records if record["name"] == name and record["type"] == "TXT")
