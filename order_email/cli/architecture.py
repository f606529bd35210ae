"""An architecture diagram derived from the recorded resource graph (never from resource names).

Nodes are the resources a reader of the design cares about; edges come from the wiring the
resources declare: subscriptions, event source mappings, redrive policies, SES event destinations,
identities' default configuration sets, EventBridge targets, pipes (source, enrichment, target,
dead letters) and the environment variables that hand a function a table, queue, topic or bus.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from order_email.mockstack import RecordedResource

NODE_KINDS = {
    "aws:sns/topic:Topic": "topic",
    "aws:sqs/queue:Queue": "queue",
    "aws:lambda/function:Function": "function",
    "aws:dynamodb/table:Table": "table",
    "aws:sesv2/configurationSet:ConfigurationSet": "ses-configuration-set",
    "aws:ses/configurationSet:ConfigurationSet": "ses-configuration-set",
    "aws:sesv2/emailIdentity:EmailIdentity": "ses-identity",
    "aws:ses/domainIdentity:DomainIdentity": "ses-identity",
    "aws:ses/emailIdentity:EmailIdentity": "ses-identity",
    "aws:cloudwatch/eventBus:EventBus": "event-bus",
    "aws:pipes/pipe:Pipe": "pipe",
}
_IDENTIFYING_FIELDS = ("arn", "name", "url", "qualifiedArn", "invokeArn", "configurationSetName",
                       "emailIdentity", "domain", "email", "functionName", "streamArn")
FRAMEWORK_VARIABLES = ("POWERTOOLS_", "AWS_", "_X_AMZN", "LAMBDA_", "PYTHON")
"""Environment variables that configure the runtime, not wiring: their values (a service name equal
to a configuration set's name, say) would only draw false edges."""
_LAMBDA_QUALIFIED = re.compile(r"^(arn:aws[a-z-]*:lambda:[^:]+:\d+:function:[^:]+):[^:]+$")


@dataclass(frozen=True)
class Node:
    id: str
    kind: str
    name: str
    group: str | None
    """Name of the top-level component the resource belongs to (None: declared by the stack)."""


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str


@dataclass
class Architecture:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"nodes": [vars(node) for node in self.nodes], "edges": [vars(edge) for edge in self.edges]}


def _node_id(name: str, taken: set[str]) -> str:
    base = "n_" + re.sub(r"[^A-Za-z0-9_]", "_", name)
    candidate, counter = base, 2
    while candidate in taken:
        candidate, counter = f"{base}_{counter}", counter + 1
    taken.add(candidate)
    return candidate


def _top_component(resource: RecordedResource, by_urn: dict[str, RecordedResource]) -> str | None:
    top: str | None = None
    current = by_urn.get(resource.parent or "")
    while current is not None:
        if not current.custom:
            top = current.name
        current = by_urn.get(current.parent or "")
    return top


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _json_field(value: Any, key: str) -> Any:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value.get(key) if isinstance(value, dict) else None


class _Index:
    """Maps every ARN, name and URL a node is known by to the node."""

    def __init__(self) -> None:
        self._by_identifier: dict[str, str] = {}

    def add(self, node_id: str, resource: RecordedResource) -> None:
        for source in (resource.inputs, resource.state):
            for name in _IDENTIFYING_FIELDS:
                value = source.get(name)
                if isinstance(value, str) and value:
                    self._by_identifier.setdefault(value, node_id)

    def find(self, reference: Any) -> str | None:
        if not isinstance(reference, str) or not reference:
            return None
        if reference in self._by_identifier:
            return self._by_identifier[reference]
        qualified = _LAMBDA_QUALIFIED.match(reference)
        return self._by_identifier.get(qualified.group(1)) if qualified else None


def architecture(resources: Sequence[RecordedResource]) -> Architecture:
    """Nodes and wiring edges of a recorded program, in a stable order (by resource name), so the same
    program always draws the same text whatever order the engine registered its resources in."""
    resources = sorted(resources, key=lambda resource: (resource.name, resource.type))
    by_urn = {resource.urn: resource for resource in resources}
    result, index, taken = Architecture(), _Index(), set[str]()
    node_of: dict[str, str] = {}
    for resource in resources:
        kind = NODE_KINDS.get(resource.type)
        if kind and resource.custom:
            node = Node(_node_id(resource.name, taken), kind, resource.name, _top_component(resource, by_urn))
            result.nodes.append(node)
            node_of[resource.urn] = node.id
            index.add(node.id, resource)
    seen: set[Edge] = set()

    def connect(source: str | None, target: str | None, label: str) -> None:
        edge = Edge(source, target, label) if source and target and source != target else None
        if edge and edge not in seen:
            seen.add(edge)
            result.edges.append(edge)

    for resource in resources:
        connect_wiring(resource, node_of.get(resource.urn), index, connect)
    result.edges.sort(key=lambda edge: (edge.source, edge.target, edge.label))
    return result


def connect_wiring(resource: RecordedResource, own_node: str | None, index: _Index,
                   connect: Callable[[str | None, str | None, str], None]) -> None:
    """The edges one resource declares (its own node id when it is a node itself)."""
    inputs = resource.inputs
    match resource.type.split(":")[1] if resource.type.count(":") == 2 else "":
        case "sns/topicSubscription":
            connect(index.find(inputs.get("topic")), index.find(inputs.get("endpoint")),
                    f"{inputs.get('protocol', '')} subscription".strip())
        case "lambda/eventSourceMapping":
            connect(index.find(inputs.get("eventSourceArn")), index.find(inputs.get("functionName")),
                    "triggers")
        case "lambda/function":
            variables = (inputs.get("environment") or {}).get("variables") or {}
            for variable, value in sorted(variables.items()):
                if not variable.startswith(FRAMEWORK_VARIABLES):
                    connect(own_node, index.find(value), variable)
        case "sqs/queue":
            connect(own_node, index.find(_json_field(inputs.get("redrivePolicy"), "deadLetterTargetArn")),
                    "dead letters")
        case "sqs/redrivePolicy":
            dead_letters = _json_field(inputs.get("redrivePolicy"), "deadLetterTargetArn")
            connect(index.find(inputs.get("queueUrl")), index.find(dead_letters), "dead letters")
        case "sesv2/configurationSetEventDestination" | "ses/eventDestination":
            config_set = index.find(inputs.get("configurationSetName"))
            destination = inputs.get("eventDestination", inputs)
            for reference in _strings({key: value for key, value in destination.items()
                                       if key not in ("matchingEventTypes", "enabled", "name")}):
                connect(config_set, index.find(reference), "SES events")
        case "sesv2/emailIdentity":
            connect(own_node, index.find(inputs.get("configurationSetName")), "default configuration set")
        case "pipes/pipe":
            connect(index.find(inputs.get("source")), own_node, "stream")
            connect(own_node, index.find(inputs.get("enrichment")), "enrichment")
            connect(own_node, index.find(inputs.get("target")), "events")
            for reference in _strings(inputs.get("sourceParameters") or {}):
                connect(own_node, index.find(reference), "dead letters")
        case "cloudwatch/eventTarget":
            connect(index.find(inputs.get("eventBusName")), index.find(inputs.get("arn")),
                    f"rule {inputs.get('rule', '')}".strip())


_MERMAID_SHAPES = {"topic": ('{{"', '"}}'), "queue": ('[["', '"]]'), "function": ('("', '")'),
                   "table": ('[("', '")]'), "ses-configuration-set": ('>"', '"]'),
                   "ses-identity": ('>"', '"]'), "event-bus": ('[/"', '"/]'), "pipe": ('[\\"', '"\\]')}
_DOT_SHAPES = {"topic": "hexagon", "queue": "box3d", "function": "box", "table": "cylinder",
               "ses-configuration-set": "cds", "ses-identity": "note", "event-bus": "parallelogram",
               "pipe": "rarrow"}


def _text(value: str) -> str:
    return value.replace('"', "'")


def _groups(nodes: Sequence[Node]) -> dict[str | None, list[Node]]:
    groups: dict[str | None, list[Node]] = {}
    for node in nodes:
        groups.setdefault(node.group, []).append(node)
    return groups


def to_mermaid(diagram: Architecture) -> str:
    lines = ["flowchart LR"]
    for number, (group, nodes) in enumerate(_groups(diagram.nodes).items()):
        indent = "  "
        if group:
            lines.append(f'  subgraph g{number}["{_text(group)}"]')
            indent = "    "
        for node in nodes:
            opening, closing = _MERMAID_SHAPES[node.kind]
            lines.append(f"{indent}{node.id}{opening}{node.kind}: {_text(node.name)}{closing}")
        if group:
            lines.append("  end")
    lines += [f'  {edge.source} -->|"{_text(edge.label)}"| {edge.target}' for edge in diagram.edges]
    return "\n".join(lines) + "\n"


def to_dot(diagram: Architecture) -> str:
    lines = ['digraph "order-email" {', "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];']
    for number, (group, nodes) in enumerate(_groups(diagram.nodes).items()):
        indent = "  "
        if group:
            lines += [f"  subgraph cluster_{number} {{", f'    label="{_text(group)}";']
            indent = "    "
        for node in nodes:
            lines.append(f'{indent}{node.id} [label="{node.kind}\\n{_text(node.name)}", '
                         f"shape={_DOT_SHAPES[node.kind]}];")
        if group:
            lines.append("  }")
    lines += [f'  {edge.source} -> {edge.target} [label="{_text(edge.label)}"];' for edge in diagram.edges]
    return "\n".join(lines) + "\n}\n"
