"""Create the runtime resources the stack's resource graph declares, in the emulator.

Everything comes from the recorded graph (`mockstack.run_stack`): names, queue attributes and
redrive policies, subscriptions with filter policies and raw delivery, table keys/indexes/TTL, the
SES identity and configuration set, the event bus. Nothing is declared a second time here.

The graph carries the mock's ARNs and URLs; the emulator answers with its own (queue URLs point at
127.0.0.1). `Translation` maps every recorded value to the emulator's, and is applied to the
functions' environment variables and to policy documents.

SES goes to the emulator's local SES with the options the graph declares. An identity (and its
MAIL FROM domain) starts PENDING, as in SES, and is then marked verified through the SES controls:
the stack's DNS records count as published. Event destinations are created there and recorded for
the SES simulator, which publishes the events (the local SES does not).

Rules on a custom event bus whose targets are SQS queues (the webhook's) are created with those
targets, so an event put on the bus reaches the queue as in AWS (moto delivers rule → SQS targets);
schedule rules and Lambda targets are not (`localmode.schedules` runs those). SSM parameters are
created with their (secret) values, so a function reads them as it would in AWS.

KMS keys and aliases are created, so their ARNs and key state answer as in AWS (`order-email
doctor` describes the stack's key), but nothing is encrypted with them: topics, queues and tables
are left unencrypted.

Not emulated (moto cannot, or they do not change behaviour locally): IAM, encryption, log groups,
alarms, dashboards, Lambda functions themselves (they become local workers, see `workers`),
event-source mappings (become queue pollers), function URLs (invoked directly).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from order_email.localmode.provisioned import (
    EventDestination,
    FunctionSpec,
    MappingSpec,
    Provisioned,
    ProvisioningError,
    QueueSpec,
    Translation,
)
from order_email.localmode.resource_requests import (
    SUBSCRIPTION_ATTRIBUTES,
    as_int,
    key_request,
    queue_attributes,
    required,
    sesv2_members,
    stringify,
    table_request,
    time_to_live,
)
from order_email.localmode.schedules import EVENT_RULE, EVENT_TARGET
from order_email.localmode.ses_controls import SesControls
from order_email.mockstack import RecordedResource, StackRun

TABLE = "aws:dynamodb/table:Table"
TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
QUEUE = "aws:sqs/queue:Queue"
QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
EVENT_BUS = "aws:cloudwatch/eventBus:EventBus"
CONFIGURATION_SET = "aws:sesv2/configurationSet:ConfigurationSet"
EMAIL_IDENTITY = "aws:sesv2/emailIdentity:EmailIdentity"
EVENT_DESTINATION = "aws:sesv2/configurationSetEventDestination:ConfigurationSetEventDestination"
MAIL_FROM = "aws:sesv2/emailIdentityMailFromAttributes:EmailIdentityMailFromAttributes"
PIPE = "aws:pipes/pipe:Pipe"
"""Run by `localmode.pipes` once the functions are known."""
FUNCTION = "aws:lambda/function:Function"
FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl"
EVENT_SOURCE_MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
KMS_KEY = "aws:kms/key:Key"
KMS_ALIAS = "aws:kms/alias:Alias"
SSM_PARAMETER = "aws:ssm/parameter:Parameter"
SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"  # noqa: S105 - a marker, not a secret
"""Key Pulumi marks a secret input's wrapper dict with (its plain value under "value")."""


def revealed(value: Any) -> Any:
    """A recorded input with Pulumi's secret wrapper removed (pure)."""
    return value["value"] if isinstance(value, dict) and SECRET_SIGNATURE in value else value

class Provisioner:
    """Walks the graph once per resource kind, in dependency order."""

    def __init__(self, graph: StackRun, client: Callable[[str], Any], ses_controls: SesControls | None = None):
        """`ses_controls` verifies identities (default: those of the emulator `client("sesv2")` points at)."""
        self._graph = graph
        self._client = client
        self._ses_controls = ses_controls
        self.result = Provisioned(translation=Translation())

    def run(self) -> Provisioned:
        handled = {TABLE, TOPIC, TOPIC_POLICY, SUBSCRIPTION, QUEUE, QUEUE_POLICY, EVENT_BUS, CONFIGURATION_SET,
                   EMAIL_IDENTITY, MAIL_FROM, EVENT_DESTINATION, FUNCTION, FUNCTION_URL, EVENT_SOURCE_MAPPING, PIPE,
                   KMS_KEY, KMS_ALIAS, SSM_PARAMETER}
        for resource in self._of(KMS_KEY):
            self._key(resource)
        for resource in self._of(KMS_ALIAS):
            self._client("kms").create_alias(AliasName=required(resource, "name"),
                                             TargetKeyId=self._t(required(resource, "targetKeyId")))
        for resource in self._of(TABLE):
            self._table(resource)
        for resource in self._of(TOPIC):
            self._topic(resource)
        queues = self._of(QUEUE)
        for resource in queues:
            self._queue(resource)
        for resource in queues:  # redrive after every queue exists, whatever the declaration order
            self._redrive(resource)
        for resource in self._of(EVENT_BUS):
            created = self._client("events").create_event_bus(Name=required(resource, "name"))
            self.result.translation.add(resource.state.get("arn"), created["EventBusArn"])
        for resource in self._of(CONFIGURATION_SET):
            self._configuration_set(resource)
        for resource in self._of(EMAIL_IDENTITY):
            self._identity(resource)
        for resource in self._of(MAIL_FROM):
            self._mail_from(resource)
        for resource in self._of(EVENT_DESTINATION):
            self._event_destination(resource)
        for resource in self._of(SUBSCRIPTION):
            self._subscription(resource)
        for resource in self._of(QUEUE_POLICY):
            self._client("sqs").set_queue_attributes(
                QueueUrl=self._t(required(resource, "queueUrl")),
                Attributes={"Policy": self._t(stringify(required(resource, "policy")))})
        for resource in self._of(TOPIC_POLICY):
            self._client("sns").set_topic_attributes(
                TopicArn=self._t(required(resource, "arn")), AttributeName="Policy",
                AttributeValue=self._t(stringify(required(resource, "policy"))))
        for resource in self._of(SSM_PARAMETER):
            self._client("ssm").put_parameter(**{"Name": required(resource, "name"), "Type": required(resource, "type"),
                                                 "Value": stringify(revealed(resource.inputs["value"]))})
        created = self._bus_rules_to_queues()
        for resource in self._of(FUNCTION):
            self._function(resource)
        for resource in self._of(EVENT_SOURCE_MAPPING):
            self._mapping(resource)
        for resource in self._of(FUNCTION_URL):
            self.result.url_functions.append(self._function_named(required(resource, "functionName")))
        for resource in self._graph.resources:
            if resource.custom and resource.type not in handled and resource.name not in created:
                self.result.skipped[resource.type] = self.result.skipped.get(resource.type, 0) + 1
        return self.result

    # -- helpers ---------------------------------------------------------------------------------

    def _of(self, type_token: str) -> list[RecordedResource]:
        return self._graph.of_type(type_token)

    def _t(self, value: Any) -> Any:
        return self.result.translation(value)

    # -- resources -------------------------------------------------------------------------------

    def _table(self, resource: RecordedResource) -> None:
        request = table_request(resource)
        name = request["TableName"]
        dynamodb = self._client("dynamodb")
        dynamodb.create_table(**request)
        ttl = time_to_live(resource)
        if ttl is not None:
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        self.result.tables[resource.name] = name
        described = dynamodb.describe_table(TableName=name)["Table"]
        self.result.translation.add(resource.state.get("streamArn"), described.get("LatestStreamArn") or "")
        self.result.translation.add(resource.state.get("arn"), described["TableArn"])

    def _topic(self, resource: RecordedResource) -> None:
        state = resource.state
        attributes = {}
        if state.get("fifoTopic"):
            attributes["FifoTopic"] = "true"
        arn = self._client("sns").create_topic(Name=required(resource, "name"), Attributes=attributes)["TopicArn"]
        self.result.topics[resource.name] = arn
        self.result.translation.add(state.get("arn"), arn)

    def _key(self, resource: RecordedResource) -> None:
        """The key exists (so its ARN and state answer as in AWS); nothing is encrypted with it locally."""
        kms = self._client("kms")
        created = kms.create_key(**key_request(resource))["KeyMetadata"]
        if resource.state.get("enableKeyRotation"):
            kms.enable_key_rotation(KeyId=created["KeyId"])
        self.result.translation.add(resource.state.get("arn"), created["Arn"])
        self.result.translation.add(resource.state.get("keyId"), created["KeyId"])

    def _queue(self, resource: RecordedResource) -> None:
        state = resource.state
        name = required(resource, "name")
        sqs = self._client("sqs")
        url = sqs.create_queue(QueueName=name, Attributes=queue_attributes(resource))["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.result.translation.add(state.get("url"), url)
        self.result.translation.add(state.get("arn"), arn)
        self.result.queues[resource.name] = QueueSpec(resource.name, name, url, arn)

    def _redrive(self, resource: RecordedResource) -> None:
        raw = resource.state.get("redrivePolicy")
        if not raw:
            return
        policy = json.loads(raw) if isinstance(raw, str) else dict(raw)
        policy["deadLetterTargetArn"] = self._t(policy["deadLetterTargetArn"])
        queue = self.result.queues[resource.name]
        self.result.queue_by_arn(policy["deadLetterTargetArn"])  # dangling reference → loud error
        self._client("sqs").set_queue_attributes(QueueUrl=queue.url,
                                                 Attributes={"RedrivePolicy": json.dumps(policy)})
        self.result.queues[resource.name] = replace(queue, dead_letter_arn=policy["deadLetterTargetArn"])

    def _bus_rules_to_queues(self) -> set[str]:
        """Rules on a custom bus with their SQS targets; the logical names of the rules and targets created."""
        queue_arns = {queue.arn for queue in self.result.queues.values()}
        rules = {str(rule.state.get("name")): rule for rule in self._of(EVENT_RULE)
                 if rule.state.get("eventBusName") and rule.state.get("eventPattern")}
        targets = [target for target in self._of(EVENT_TARGET)
                   if str(target.state.get("rule")) in rules and self._t(target.state.get("arn")) in queue_arns]
        events = self._client("events")
        for name in dict.fromkeys(str(target.state["rule"]) for target in targets):
            rule = rules[name]
            events.put_rule(Name=name, EventBusName=self._t(rule.state["eventBusName"]),
                            EventPattern=stringify(rule.state["eventPattern"]), State="ENABLED")
        for index, target in enumerate(targets):
            events.put_targets(Rule=str(target.state["rule"]), EventBusName=self._t(target.state["eventBusName"]),
                               Targets=[{"Id": str(target.state.get("targetId") or f"target-{index}"),
                                         "Arn": self._t(target.state["arn"])}])
        return {target.name for target in targets} | {rules[str(target.state["rule"])].name for target in targets}

    def _verified(self, identity: str, mail_from: bool | None = None) -> None:
        """Identities start PENDING, as in SES; the stack's DNS records count as published, so SES verifies them."""
        if self._ses_controls is None:
            sesv2 = self._client("sesv2")
            self._ses_controls = SesControls(sesv2.meta.endpoint_url, sesv2, configuration_set=None, identity=None)
        self._ses_controls.verify_identity(True, identity=identity, mail_from=mail_from)

    def _configuration_set(self, resource: RecordedResource) -> None:
        """No suppressionOptions: the account's reasons apply; an empty list: the account list is not used."""
        name = required(resource, "configurationSetName")
        options = ("sendingOptions", "suppressionOptions", "deliveryOptions", "reputationOptions", "trackingOptions",
                   "vdmOptions")
        self._client("sesv2").create_configuration_set(**sesv2_members(
            {key: resource.state.get(key) for key in ("configurationSetName", *options)}))
        self.result.configuration_sets.add(name)

    def _identity(self, resource: RecordedResource) -> None:
        identity = required(resource, "emailIdentity")
        default_set = resource.state.get("configurationSetName") or None
        key_length = (resource.state.get("dkimSigningAttributes") or {}).get("nextSigningKeyLength")
        created = self._client("sesv2").create_email_identity(**sesv2_members({
            "emailIdentity": identity, "configurationSetName": default_set,
            "dkimSigningAttributes": {"nextSigningKeyLength": key_length} if key_length else None}))
        recorded = (resource.state.get("dkimSigningAttributes") or {}).get("tokens") or []
        for mock_token, token in zip(recorded, created.get("DkimAttributes", {}).get("Tokens") or [], strict=False):
            self.result.translation.add(mock_token, token)  # the dnsRecords output then names SES's own tokens
        self._verified(identity)
        self.result.identities[identity] = default_set

    def _mail_from(self, resource: RecordedResource) -> None:
        identity = required(resource, "emailIdentity")
        self._client("sesv2").put_email_identity_mail_from_attributes(**sesv2_members({
            "emailIdentity": identity, "mailFromDomain": required(resource, "mailFromDomain"),
            "behaviorOnMxFailure": resource.state.get("behaviorOnMxFailure")}))
        self._verified(identity, mail_from=True)

    def _event_destination(self, resource: RecordedResource) -> None:
        destination = resource.state.get("eventDestination") or {}
        self._client("sesv2").create_configuration_set_event_destination(**sesv2_members({
            "configurationSetName": required(resource, "configurationSetName"),
            "eventDestinationName": required(resource, "eventDestinationName"),
            "eventDestination": self._t(destination)}))
        topic = (destination.get("snsDestination") or {}).get("topicArn")
        if destination.get("enabled") is False or not topic:
            return
        self.result.event_destinations.append(EventDestination(
            configuration_set=required(resource, "configurationSetName"),
            topic_arn=self._t(topic),
            event_types=frozenset(destination.get("matchingEventTypes") or ()),
        ))

    def _subscription(self, resource: RecordedResource) -> None:
        state = resource.state
        attributes = {aws: stringify(self._t(state[key])) for key, aws in SUBSCRIPTION_ATTRIBUTES.items()
                      if state.get(key) not in (None, "")}
        topic, endpoint = self._t(required(resource, "topic")), self._t(required(resource, "endpoint"))
        self.result.subscriptions.append((topic, endpoint))
        self._client("sns").subscribe(
            TopicArn=topic,
            Protocol=required(resource, "protocol"),
            Endpoint=endpoint,
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )

    def _function(self, resource: RecordedResource) -> None:
        state = resource.state
        variables = ((state.get("environment") or {}).get("variables")) or {}
        self.result.functions[resource.name] = FunctionSpec(
            logical_name=resource.name,
            name=required(resource, "name"),
            arn=required(resource, "arn"),
            handler=required(resource, "handler"),
            environment={key: self._t(stringify(value)) for key, value in variables.items()},
            timeout_seconds=float(state.get("timeout") or 3),
            memory_mb=as_int(state.get("memorySize"), 128) or 128,
            runtime=str(state.get("runtime") or "python3.12"),
            code=resource.inputs.get("code"),
        )

    def _function_named(self, reference: str) -> FunctionSpec:
        for function in self.result.functions.values():
            if reference in (function.arn, function.name, function.logical_name) or \
                    reference.startswith(function.arn + ":"):
                return function
        raise ProvisioningError(f"no Lambda function {reference!r} in the graph")

    def _mapping(self, resource: RecordedResource) -> None:
        state = resource.state
        source = self._t(required(resource, "eventSourceArn"))
        if ":sqs:" not in source:
            self.result.skipped[f"{resource.type} (non-SQS)"] = 1
            return
        scaling = state.get("scalingConfig") or {}
        self.result.mappings.append(MappingSpec(
            function=self._function_named(required(resource, "functionName")),
            queue=self.result.queue_by_arn(source),
            batch_size=as_int(state.get("batchSize"), 10) or 10,
            maximum_concurrency=as_int(scaling.get("maximumConcurrency")),
            report_batch_item_failures="ReportBatchItemFailures" in (state.get("functionResponseTypes") or []),
            batching_window_seconds=float(state.get("maximumBatchingWindowInSeconds") or 0),
            enabled=state.get("enabled") is not False,
        ))


def provision(graph: StackRun, client: Callable[[str], Any], ses_controls: SesControls | None = None) -> Provisioned:
    """Create the graph's runtime resources through `client(service)`; return what local mode drives."""
    return Provisioner(graph, client, ses_controls).run()
