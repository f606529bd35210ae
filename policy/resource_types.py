"""Pulumi type tokens the rules look at (pulumi-aws 7), in one place so a typo cannot hide a rule."""

from __future__ import annotations

SQS_QUEUE = "aws:sqs/queue:Queue"
SQS_QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
SNS_TOPIC = "aws:sns/topic:Topic"
SNS_TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
SNS_SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
DYNAMODB_TABLE = "aws:dynamodb/table:Table"
LAMBDA_FUNCTION = "aws:lambda/function:Function"
PIPE = "aws:pipes/pipe:Pipe"
LAMBDA_FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl"
LAMBDA_PERMISSION = "aws:lambda/permission:Permission"
LAMBDA_EVENT_SOURCE_MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
LAMBDA_EVENT_INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE_ALARM = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
EVENT_BUS = "aws:cloudwatch/eventBus:EventBus"
IAM_ROLE = "aws:iam/role:Role"
IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
IAM_POLICY = "aws:iam/policy:Policy"
IAM_USER_POLICY = "aws:iam/userPolicy:UserPolicy"
IAM_GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy"
IAM_ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
KMS_KEY = "aws:kms/key:Key"
SESV2_CONFIGURATION_SET = "aws:sesv2/configurationSet:ConfigurationSet"
SESV2_EVENT_DESTINATION = "aws:sesv2/configurationSetEventDestination:ConfigurationSetEventDestination"
SESV2_EMAIL_IDENTITY = "aws:sesv2/emailIdentity:EmailIdentity"
SES_CONFIGURATION_SET = "aws:ses/configurationSet:ConfigurationSet"
SES_EVENT_DESTINATION = "aws:ses/eventDestination:EventDestination"

IDENTITY_POLICY_TYPES = frozenset({IAM_ROLE_POLICY, IAM_POLICY, IAM_USER_POLICY, IAM_GROUP_POLICY})
"""Resources whose `policy` input is an identity-based policy document."""
RESOURCE_POLICY_TYPES = frozenset({SNS_TOPIC_POLICY, SQS_QUEUE_POLICY})
"""Resources whose `policy` input is a resource-based policy of a topic or queue."""

TAGGABLE_TYPES = frozenset({
    SQS_QUEUE, SNS_TOPIC, DYNAMODB_TABLE, LAMBDA_FUNCTION, LOG_GROUP, METRIC_ALARM, COMPOSITE_ALARM,
    EVENT_RULE, EVENT_BUS, IAM_ROLE, IAM_POLICY, KMS_KEY, SESV2_CONFIGURATION_SET, SESV2_EMAIL_IDENTITY,
})
"""Resources that cost money or hold data, so must say who owns them. (Event source mappings,
policies-as-resources, subscriptions and aliases are free, and most cannot be tagged.)"""
