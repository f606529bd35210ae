"""The components constructed the way another language's program constructs them.

A TypeScript, Go, C# or YAML program reaches the components through Pulumi's component provider
host, which hands them camelCase inputs mapped back to Python names, every number as a float, and
the outputs of other components as outputs. These tests run the YAML example that way under mocks
and require the very resources the same arguments give from Python.
"""

import json
from typing import Any, TypedDict

import pulumi
import pytest
from pulumi.provider.experimental.component import ComponentProvider

from order_email.cli.resource_tree import preview_json
from order_email.components import EncryptionKey, FeedbackLoop
from order_email.components.cross_language import python_args
from order_email.components.observability import ObservabilityArgs
from order_email.mockstack import StackRun, run_program
from tests.support import yaml_runner
from tests.support.package_files import yaml_example

CONFIG = {"senderDomain": "mail.example-shop.test", "fromAddress": "orders@mail.example-shop.test",
          "alarmEmail": "alerts@example-shop.test"}
ENGINE_CONFIG = {"aws:region": "eu-west-1"}


@pytest.fixture(scope="module")
def through_host() -> StackRun:
    return run_program(lambda: yaml_runner.through_provider_host(yaml_example(), stack="dev", config=CONFIG),
                       stack="dev", config=ENGINE_CONFIG, project="order-email-yaml")


@pytest.fixture(scope="module")
def from_python() -> StackRun:
    return run_program(lambda: yaml_runner.from_python(yaml_example(), stack="dev", config=CONFIG),
                       stack="dev", config=ENGINE_CONFIG, project="order-email-yaml")


def test_the_provider_host_gives_the_resources_python_gives(through_host: StackRun, from_python: StackRun) -> None:
    hosted, native = _by_name(through_host), _by_name(from_python)
    assert set(hosted) == set(native) and len(hosted) > 60
    for key, resource in hosted.items():
        assert resource == native[key], f"{key} differs when constructed through the host"
    assert through_host.outputs == from_python.outputs


def _by_name(run: StackRun) -> dict[tuple[str, str], dict[str, Any]]:
    """Each resource's parent and inputs as the engine gets them (registration order varies between runs)."""
    return {(resource["type"], resource["name"]): resource for resource in preview_json(run.resources)}


def test_integers_reach_names_and_variables_as_integers(through_host: StackRun) -> None:
    sender = through_host.named("sender-function").inputs["environment"]["variables"]
    assert sender["RETENTION_DAYS"] == "14" and sender["LEASE_SECONDS"] == "60"
    redrive = json.loads(through_host.named("sender-queue").inputs["redrivePolicy"])
    assert redrive["maxReceiveCount"] == 5 and isinstance(redrive["maxReceiveCount"], int)


def test_code_and_layer_are_shared_through_outputs(through_host: StackRun) -> None:
    """`code: ${sender.codeArchive}` and `layers: ${sender.layerArns}`: one layer for every function."""
    (layer,) = through_host.of_type("aws:lambda/layerVersion:LayerVersion")
    functions = through_host.of_type("aws:lambda/function:Function")
    shared = [function for function in functions if function.inputs.get("layers")]
    assert {function.name for function in shared} == {
        "sender-function", "feedback-function", "feedback-outbox-function", "statusApi-function",
        "intake-function", "observability-quota-probe"}
    assert all(function.inputs["layers"] == [layer.state["arn"]] for function in shared)
    assert len({json.dumps(preview_json([function])[0]["inputs"]["code"]) for function in shared}) == 1


def test_stack_outputs_resolve(through_host: StackRun) -> None:
    assert through_host.outputs["statusApiUrl"].startswith("https://")
    assert {record["type"] for record in through_host.outputs["dnsRecords"]} == {"CNAME", "MX", "TXT"}


def test_publish_dependencies_as_the_host_passes_them() -> None:
    """`publishDependencies: [${key}]` from another language: the host hands over an output whose items are
    URNs (no Python class for the resource here) and whose dependencies are the resources."""

    def program() -> None:
        key = EncryptionKey("key", {"alias": "feedback-test"})
        references = key.urn.apply(lambda urn: [urn])
        FeedbackLoop("feedback", {
            "name_prefix": "feedback-test", "environment": "test", "configuration_set_name": "set",
            "configuration_set_arn": "arn:aws:ses:eu-west-1:123456789012:configuration-set/set",
            "track_opens_and_clicks": False, "deliveries_table_name": "deliveries",
            "deliveries_table_arn": "arn:aws:dynamodb:eu-west-1:123456789012:table/deliveries",
            "deliveries_stream_arn": "arn:aws:dynamodb:eu-west-1:123456789012:table/deliveries/stream/1",
            "suppression_table_name": "suppression",
            "suppression_table_arn": "arn:aws:dynamodb:eu-west-1:123456789012:table/suppression",
            "soft_bounce_count": 3, "soft_bounce_window_days": 7, "ses_max_send_rate": 1, "max_receive_count": 5,
            "log_retention_days": 7, "memory_mb": 128, "timeout_seconds": 10, "topic_kms_key_arn": key.key_arn,
            "publish_dependencies": references,
        })

    run = run_program(program, stack="dev", config=ENGINE_CONFIG)
    destination = run.named("feedback-event-destination")
    alias = run.named("key-alias")  # reachable only through publish_dependencies (the topic waits for the key)
    assert {alias.urn, run.named("feedback-ses-events-policy").urn} <= set(destination.dependencies)


class ProbeArgs(TypedDict):
    count: int


PROBED: list[dict[str, Any]] = []


class Probe(pulumi.ComponentResource):
    """Records the args it is constructed with in PROBED."""

    def __init__(self, name: str, args: ProbeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("probe:index:Probe", name, {}, opts)
        PROBED.append(dict(args))
        self.register_outputs({})


def test_the_host_hands_integers_over_as_floats() -> None:
    """Why `python_args` turns floats back into ints. If this fails, the host now keeps integers (a newer
    pulumi): the int conversion in `components/cross_language.py` has become a no-op and may go."""
    PROBED.clear()

    def program() -> None:
        ComponentProvider([Probe], "probe").construct("probe", "probe:index:Probe", {"count": 3.0},
                                                      pulumi.ResourceOptions())

    run_program(program, stack="dev", config={})
    assert PROBED == [{"count": 3.0}] and isinstance(PROBED[0]["count"], float)


def test_python_args_restores_integers_also_in_nested_types() -> None:
    args: Any = {"environment": "dev", "log_retention_days": 7.0, "subscribers": ["a@example.test"],
                 "thresholds": {"minimum_volume": 100.0, "bounce_rate_percent": 5.0}}
    restored: Any = python_args(args, ObservabilityArgs)
    assert restored["log_retention_days"] == 7 and type(restored["log_retention_days"]) is int
    assert type(restored["thresholds"]["minimum_volume"]) is int
    assert type(restored["thresholds"]["bounce_rate_percent"]) is float
    assert restored["subscribers"] == ["a@example.test"]
    assert args["log_retention_days"] == 7.0, "the caller's dict is not changed"


def test_python_args_refuses_an_output_for_a_plain_value() -> None:
    def program() -> None:
        args: Any = {"environment": pulumi.Output.from_input("dev"), "region": "eu-west-1"}
        with pytest.raises(TypeError, match=r"^environment \(environment\) must be a plain str"):
            python_args(args, ObservabilityArgs)
        nested: Any = {"thresholds": {"minimum_volume": pulumi.Output.from_input(1)}}
        with pytest.raises(TypeError, match=r"^thresholds\.minimumVolume \(thresholds\.minimum_volume\)"):
            python_args(nested, ObservabilityArgs)
        allowed: Any = {"kms_key_arn": pulumi.Output.from_input("arn"), "configuration_set_name": None}
        assert python_args(allowed, ObservabilityArgs) == allowed

    run_program(program, stack="dev", config={})
