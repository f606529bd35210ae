"""The recorded resource graph as a tree of components (rich) or a flat JSON list."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import pulumi
from rich.markup import escape
from rich.tree import Tree

from order_email.mockstack import RecordedResource

SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"  # noqa: S105 - a marker, not a secret
"""Key Pulumi marks a secret value's wrapper dict with."""

KEY_SETTINGS = (
    "billingMode", "deletionProtectionEnabled", "pointInTimeRecovery", "ttl", "serverSideEncryption",
    "runtime", "handler", "memorySize", "timeout", "reservedConcurrentExecutions", "architectures",
    "visibilityTimeoutSeconds", "messageRetentionSeconds", "redrivePolicy", "kmsMasterKeyId",
    "sqsManagedSseEnabled", "protocol", "rawMessageDelivery", "filterPolicy", "batchSize",
    "maximumBatchingWindowInSeconds", "functionResponseTypes", "scalingConfig", "authorizationType",
    "retentionInDays", "emailIdentity", "configurationSetName", "sendingOptions", "trackingOptions",
    "reputationOptions", "deliveryOptions", "matchingEventTypes", "enableKeyRotation", "deletionWindowInDays",
    "metricName", "threshold", "comparisonOperator", "evaluationPeriods", "alarmRule",
)
"""Inputs worth seeing at a glance, shown when a resource has them."""
MAX_VALUE_CHARS = 60


def jsonable(value: Any) -> Any:
    """Recorded inputs as JSON: unchanged, except assets and archives, which become what they point at."""
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, pulumi.AssetArchive):
        return {"assetArchive": {name: jsonable(item) for name, item in value.assets.items()}}
    for kind, attribute in ((pulumi.FileArchive, "path"), (pulumi.FileAsset, "path"),
                            (pulumi.StringAsset, "text"), (pulumi.RemoteAsset, "uri"), (pulumi.RemoteArchive, "uri")):
        if isinstance(value, kind):
            return {kind.__name__[0].lower() + kind.__name__[1:]: str(getattr(value, attribute))}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def preview_json(resources: Sequence[RecordedResource]) -> list[dict[str, Any]]:
    """Every resource in declaration order, inputs exactly as the engine received them."""
    return [{"type": r.type, "name": r.name, "parent": r.parent_name, "inputs": jsonable(r.inputs)}
            for r in resources]


def _short(value: Any) -> str:
    if isinstance(value, dict) and SECRET_SIGNATURE in value:
        return "[secret]"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = value if isinstance(value, str) else json.dumps(jsonable(value), separators=(",", ":"))
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def key_settings(resource: RecordedResource) -> list[str]:
    """`name=value` for the interesting inputs of one resource, plus `protect` when set."""
    settings = [f"{name}={_short(resource.inputs[name])}" for name in KEY_SETTINGS
                if resource.inputs.get(name) not in (None, "", [], {})]
    if resource.protect:
        settings.append("protect=true")
    return settings


def _label(resource: RecordedResource) -> str:
    kind = "component" if not resource.custom else "resource"
    head = f"[bold]{escape(resource.name)}[/bold] [dim]{escape(resource.type)}[/dim]"
    settings = key_settings(resource)
    tail = f"\n[cyan]{escape(', '.join(settings))}[/cyan]" if settings else ""
    return f"{head}{tail}" if kind == "resource" else f"[magenta]{head}[/magenta]{tail}"


def resource_tree(stack: str, resources: Sequence[RecordedResource], outputs: dict[str, Any]) -> Tree:
    """Components with their children nested below them, then the stack outputs."""
    children: dict[str | None, list[RecordedResource]] = defaultdict(list)
    known = {resource.urn for resource in resources}
    for resource in resources:
        children[resource.parent if resource.parent in known else None].append(resource)
    root = Tree(f"[bold]stack {escape(stack)}[/bold] ({len(resources)} resources)")

    def add(branch: Tree, parent: str | None) -> None:
        for resource in children.get(parent, []):
            add(branch.add(_label(resource)), resource.urn)

    add(root, None)
    if outputs:
        outputs_branch = root.add("[bold]outputs[/bold]")
        for key, value in outputs.items():
            outputs_branch.add(f"{escape(key)} = {escape(_short(value))}")
    return root
