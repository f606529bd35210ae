"""One Lambda function with what it must never be without: its own log group, role and policy.

A wiring helper for the components (each calls it with `parent=self`), not a component itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from order_email.components import packaging
from order_email.components.packaging import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME
from order_email.components.policies import LAMBDA_SERVICE, Document, service_assume_role_policy
from order_email.components.wiring import applied_json


@dataclass(frozen=True)
class LambdaCode:
    """The handler archive and the layers every function of a component runs with."""

    archive: pulumi.Input[pulumi.Archive]
    layers: pulumi.Input[Sequence[pulumi.Input[str]]]
    """A list in Python; an output of a list when another language passes `EmailSender.layer_arns`."""


def lambda_code(
    name: str,
    *,
    archive: pulumi.Input[pulumi.Archive] | None,
    layers: pulumi.Input[Sequence[pulumi.Input[str]]] | None,
    parent: pulumi.Resource,
) -> LambdaCode:
    """What the caller passed, or this package's handlers plus a `<name>-deps` layer built here,
    so a component used alone deploys the same code as the full stack."""
    if layers is None:
        layer = aws.lambda_.LayerVersion(
            f"{name}-deps",
            layer_name=name,
            description="order-email handler dependencies (pydantic, jinja2, powertools, email-validator)",
            code=packaging.layer_archive(),
            compatible_runtimes=[LAMBDA_RUNTIME],
            compatible_architectures=[LAMBDA_ARCHITECTURE],
            opts=pulumi.ResourceOptions(parent=parent),
        )
        layers = [layer.arn]
    return LambdaCode(archive=archive or packaging.handler_code_archive(),
                      layers=list(layers) if isinstance(layers, Sequence) else layers)


@dataclass(frozen=True)
class LambdaParts:
    function: aws.lambda_.Function
    role: aws.iam.Role
    log_group: aws.cloudwatch.LogGroup


TEXT_LOGS: aws.lambda_.FunctionLoggingConfigArgsDict = {"log_format": "Text"}
"""Powertools writes its own structured lines: Lambda passes them through as text."""
JSON_LOGS: aws.lambda_.FunctionLoggingConfigArgsDict = {
    "log_format": "JSON", "application_log_level": "INFO", "system_log_level": "WARN"}
"""A handler with the standard library's logging only: Lambda structures and filters its lines."""


def lambda_function(
    name: str,
    *,
    handler: str,
    description: str,
    code: LambdaCode,
    memory_mb: int,
    timeout_seconds: int,
    environment: Mapping[str, pulumi.Input[str]],
    log_group_name: str,
    log_retention_days: int,
    kms_key_arn: pulumi.Input[str] | None,
    policy: Callable[..., Document],
    policy_inputs: Mapping[str, pulumi.Input[Any]] | None = None,
    tags: pulumi.Input[Mapping[str, str]],
    parent: pulumi.Resource,
    function_name: str | None = None,
    logging: aws.lambda_.FunctionLoggingConfigArgsDict = TEXT_LOGS,
    encrypt_environment: bool = True,
) -> LambdaParts:
    """Declare `<name>-logs`, `<name>-role`, `<name>-policy` and `<name>` under `parent`.

    The role's inline policy is `policy(log_group_arn=..., **policy_inputs)` once those are known.
    `function_name` fixes the physical name (Pulumi picks one when absent); `encrypt_environment=False`
    leaves the environment under Lambda's own key even when `kms_key_arn` encrypts the logs.
    """
    child = pulumi.ResourceOptions(parent=parent)
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-logs",
        name=log_group_name,
        retention_in_days=log_retention_days,
        kms_key_id=kms_key_arn,
        tags=tags,
        opts=child,
    )
    role = service_role(f"{name}-role", LAMBDA_SERVICE, description=f"Least-privilege role of {description}",
                        tags=tags, parent=parent)
    role_policy = aws.iam.RolePolicy(
        f"{name}-policy",
        role=role.id,
        policy=applied_json(policy, log_group_arn=log_group.arn, **(policy_inputs or {})),
        opts=child,
    )
    variables: dict[str, Any] = dict(environment)
    logging_config: aws.lambda_.FunctionLoggingConfigArgsDict = {**logging, "log_group": log_group.name}
    function = aws.lambda_.Function(
        name,
        name=function_name,
        description=description,
        runtime=LAMBDA_RUNTIME,
        architectures=[LAMBDA_ARCHITECTURE],
        handler=handler,
        code=code.archive,
        layers=code.layers,
        memory_size=memory_mb,
        timeout=timeout_seconds,
        role=role.arn,
        environment={"variables": variables},
        logging_config=logging_config,
        kms_key_arn=kms_key_arn if encrypt_environment else None,
        tags=tags,
        # The policy must exist before the function runs, or its first invocations fail on access.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[role_policy, log_group]),
    )
    return LambdaParts(function=function, role=role, log_group=log_group)


def service_role(
    name: str, service: str, *, description: str, tags: pulumi.Input[Mapping[str, str]], parent: pulumi.Resource
) -> aws.iam.Role:
    """A role only `service`, acting for this account, may assume (`policies.service_assume_role_policy`)."""
    account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=parent)).account_id
    return aws.iam.Role(
        name,
        assume_role_policy=applied_json(service_assume_role_policy, service=service, account_id=account_id),
        description=description,
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
