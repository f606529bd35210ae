"""Pulumi mocks that answer like AWS would: realistic ids, ARNs, names and URLs.

Outputs a mock does not return stay unknown in preview and their `apply` never runs, so every
attribute a component reads from a child (arn, name, url, DKIM tokens) is filled in here.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pulumi

ACCOUNT_ID = "123456789012"
"""The account every mocked stack runs in."""
PARTITION = "aws"
"""Its partition (what `aws.get_partition` answers) in a commercial region."""
_PARTITION_OF_REGION = (("cn-", "aws-cn", "amazonaws.com.cn"), ("us-gov-", "aws-us-gov", "amazonaws.com"))
"""Region prefixes of the other partitions, as the AWS provider derives a region's partition."""


def partition_of(region: str) -> tuple[str, str]:
    """(partition, DNS suffix) of `region`."""
    for prefix, partition, dns_suffix in _PARTITION_OF_REGION:
        if region.startswith(prefix):
            return partition, dns_suffix
    return PARTITION, "amazonaws.com"


REGIONAL_ARNS = {
    "aws:dynamodb/table:Table": ("dynamodb", "table/"),
    "aws:kms/alias:Alias": ("kms", ""),
    "aws:cloudwatch/logGroup:LogGroup": ("logs", "log-group:"),
    "aws:lambda/function:Function": ("lambda", "function:"),
    "aws:cloudwatch/eventBus:EventBus": ("events", "event-bus/"),
}
"""Type → (ARN service, resource prefix) of the resources whose ARN is `arn:<partition>:<service>:<region>:<account>:
<prefix><physical name>`; the rest are built below."""


def short_hash(text: str) -> str:
    """Stable 7-character suffix, like the engine's auto-naming but deterministic across runs."""
    return hashlib.sha256(text.encode()).hexdigest()[:7]


class FakeCloud(pulumi.runtime.Mocks):
    """Deterministic resource state and data-source answers for one region and account."""

    def __init__(self, region: str = "eu-west-1", account_id: str = ACCOUNT_ID):
        self.region = region
        self.account_id = account_id
        self.partition, self.dns_suffix = partition_of(region)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        if not args.custom:
            return f"{args.name}-component", inputs
        physical = inputs.get("name") or f"{args.name}-{short_hash(args.typ + args.name)}"
        arn_prefix = f"arn:{self.partition}:{{}}:{self.region}:{self.account_id}"
        state: dict[str, Any] = {"name": physical, **inputs}
        identifier: str = physical
        service = args.typ.split(":")[1].split("/")[0]
        if args.typ in REGIONAL_ARNS:
            arn_service, resource = REGIONAL_ARNS[args.typ]
            state["arn"] = f"{arn_prefix.format(arn_service)}:{resource}{physical}"
        match args.typ:
            case "aws:sns/topic:Topic":
                identifier = state["arn"] = f"{arn_prefix.format('sns')}:{physical}"
            case "aws:sqs/queue:Queue":
                state["arn"] = f"{arn_prefix.format('sqs')}:{physical}"
                identifier = state["url"] = f"https://sqs.{self.region}.{self.dns_suffix}/{self.account_id}/{physical}"
            case "aws:dynamodb/table:Table":
                state["streamArn"] = f"{state['arn']}/stream/2026-01-01T00:00:00.000"
            case "aws:iam/role:Role":
                state["arn"] = f"arn:{self.partition}:iam::{self.account_id}:role/{physical}"
            case "aws:iam/policy:Policy":
                identifier = state["arn"] = f"arn:{self.partition}:iam::{self.account_id}:policy/{physical}"
            case "aws:kms/key:Key":
                identifier = state["keyId"] = f"0000{short_hash(args.name)}-0000-0000-0000-000000000000"[:36]
                state["arn"] = f"{arn_prefix.format('kms')}:key/{identifier}"
            case "aws:lambda/function:Function":
                state["invokeArn"] = (f"arn:{self.partition}:apigateway:{self.region}:lambda:path/functions/"
                                      f"{state['arn']}")
                state["qualifiedArn"] = f"{state['arn']}:$LATEST"
            case "aws:lambda/layerVersion:LayerVersion":
                physical = inputs.get("layerName", physical)
                state["arn"] = f"{arn_prefix.format('lambda')}:layer:{physical}:1"
                state["layerArn"] = f"{arn_prefix.format('lambda')}:layer:{physical}"
            case "aws:lambda/functionUrl:FunctionUrl":
                state["functionUrl"] = f"https://{short_hash(args.name)}abcdefghijklmnopqrstuvw.lambda-url.{self.region}.on.aws/"
            case "aws:lambda/eventSourceMapping:EventSourceMapping":
                identifier = state["uuid"] = f"{short_hash(args.name)}-esm"
            case "aws:sesv2/emailIdentity:EmailIdentity":
                identifier = inputs["emailIdentity"]
                state["arn"] = f"{arn_prefix.format('ses')}:identity/{identifier}"
                state["dkimSigningAttributes"] = {
                    **(inputs.get("dkimSigningAttributes") or {}),
                    "tokens": [f"dkim{index}{short_hash(identifier + str(index))}" for index in range(3)],
                }
            case "aws:sesv2/configurationSet:ConfigurationSet":
                identifier = inputs["configurationSetName"]
                state["arn"] = f"{arn_prefix.format('ses')}:configuration-set/{identifier}"
            case "aws:cloudwatch/metricAlarm:MetricAlarm" | "aws:cloudwatch/compositeAlarm:CompositeAlarm":
                physical = inputs.get("alarmName", physical)
                state["arn"] = f"{arn_prefix.format('cloudwatch')}:alarm:{physical}"
            case "aws:ssm/parameter:Parameter":  # a name with a leading slash: parameter/a/b, else parameter/a
                state["arn"] = f"{arn_prefix.format('ssm')}:parameter/{physical.lstrip('/')}"
            case "aws:cloudwatch/dashboard:Dashboard":
                state["dashboardArn"] = (f"arn:{self.partition}:cloudwatch::{self.account_id}:dashboard/"
                                         f"{inputs.get('dashboardName')}")
            case _:
                state.setdefault("arn", f"{arn_prefix.format(service)}:{physical}")
        return f"{identifier}", state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        return self._answer(args.token), []

    def _answer(self, token: str) -> dict[str, Any]:
        match token:
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return {"accountId": self.account_id, "arn": f"arn:{self.partition}:iam::{self.account_id}:user/mock",
                        "userId": "AIDAMOCK", "id": self.account_id}
            case "aws:index/getRegion:getRegion":
                return {"name": self.region, "region": self.region, "id": self.region,
                        "endpoint": f"ec2.{self.region}.{self.dns_suffix}", "description": self.region}
            case "aws:index/getPartition:getPartition":
                return {"partition": self.partition, "dnsSuffix": self.dns_suffix, "id": self.partition,
                        "reverseDnsPrefix": ".".join(reversed(self.dns_suffix.split(".")))}
        return {}
