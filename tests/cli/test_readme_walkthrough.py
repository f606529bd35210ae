"""README's "Deploying for real" walk-through, step by step where a test can.

The commands come from README.md (between the walk-through markers). `pulumi config set` is
applied to an empty config the way the Pulumi CLI applies it (`apply_config_set`: `--path` turns
`a.b` and `a[0]` into nested values and adjusts `true`/`false`/integers; without it a key is
literal), the result runs the program under mocks and the policy pack; the publisher policy is
compared with the topic, key and policies the program declares; `aws` commands are checked against
botocore's models; and the steps from `pulumi up` on (DNS records, production access, doctor) run
against the walk-through's stack in local mode.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import botocore.session
import pytest
import yaml
from botocore import xform_name
from typer.testing import CliRunner

from order_email.cli.main import app
from order_email.components.config import PROJECT, StackConfig, parse_stack_config
from order_email.localmode import LocalSystem
from order_email.mockstack import Project, StackRun, run_stack
from order_email.mockstack.fake_cloud import ACCOUNT_ID
from order_email.policy.parliament_check import PolicyDocument, findings
from tests.support.paths import REPO

START, END = "<!-- walkthrough:start -->", "<!-- walkthrough:end -->"
AWS_GLOBAL_OPTIONS = {"--region", "--profile", "--output", "--query"}


@dataclass(frozen=True)
class Command:
    argv: list[str]
    heredoc: str | None = None
    """The body of a `<<EOF` here-document the command reads, if any."""

    @property
    def text(self) -> str:
        return shlex.join(self.argv)

    def is_(self, *prefix: str) -> bool:
        return tuple(self.argv[:len(prefix)]) == prefix


def walkthrough() -> str:
    readme = (REPO / "README.md").read_text()
    assert readme.count(START) == 1 and readme.count(END) == 1, "README.md lost its walk-through markers"
    return readme[readme.index(START):readme.index(END)]


def commands(text: str) -> list[Command]:
    """Every command of the walk-through's ```sh blocks, in order; comments dropped, here-documents kept."""
    found: list[Command] = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.DOTALL):
        lines = iter(block.splitlines())
        for line in lines:
            argv = shlex.split(line, comments=True)
            if not argv:
                continue
            heredoc = None
            if "<<EOF" in line or "<<'EOF'" in line:
                body = []
                for body_line in lines:
                    if body_line == "EOF":
                        break
                    body.append(body_line)
                heredoc = "\n".join(body)
            for part in _split_and(argv):
                found.append(Command(part, heredoc))
    return found


def _split_and(argv: list[str]) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    for word in argv:
        if word == "&&":
            parts.append([])
        else:
            parts[-1].append(word)
    return [part for part in parts if part]


# -- `pulumi config set` as the Pulumi CLI applies it ---------------------------------------------


class ConfigSetError(ValueError):
    """What the Pulumi CLI would refuse."""


def property_path(name: str) -> list[str | int]:
    """Pulumi's property path (sdk/go/common/resource/properties_path.go): `a.b`, `a[0]`, `a["b.c"]`."""
    elements: list[str | int] = []
    rest = name
    while rest:
        if rest[0] == ".":
            rest = rest[1:]
        elif rest.startswith('["'):
            end = rest.index('"]', 2)
            elements.append(rest[2:end])
            rest = rest[end + 2:]
        elif rest[0] == "[":
            end = rest.index("]")
            elements.append(int(rest[1:end]))
            rest = rest[end + 1:]
        else:
            match = re.match(r"[^.\[]+", rest)
            assert match is not None
            elements.append(match.group(0))
            rest = rest[match.end():]
    return elements


def adjusted(value: str) -> Any:
    """A value set inside an object (sdk/go/common/resource/config/map.go `adjustObjectValue`)."""
    if value in ("true", "false"):
        return value == "true"
    if len(value) > 1 and value.startswith("0"):
        return value
    try:
        return int(value)
    except ValueError:
        return value


def apply_config_set(config: dict[str, Any], argv: list[str], project: str = PROJECT) -> None:
    """`pulumi config set [--path] [--secret] [--plaintext] KEY VALUE` applied to the stack file's `config`."""
    words = argv[3:]
    path = "--path" in words
    positional = [word for word in words if word not in ("--path", "--secret", "--plaintext")]
    if len(positional) != 2:
        raise ConfigSetError(f"{shlex.join(argv)}: expected KEY VALUE (without a value Pulumi prompts for it)")
    key, value = positional
    namespace, colon, name = key.partition(":")
    if not colon:
        namespace, name = project, key
    if not path:
        config[f"{namespace}:{name}"] = value
        return
    elements = property_path(name)
    if not elements or not isinstance(elements[0], str):
        raise ConfigSetError(f"{key}: the first path segment must be a name")
    root_key = f"{namespace}:{elements[0]}"
    if len(elements) == 1:
        config[root_key] = value
        return
    container = config.setdefault(root_key, [] if isinstance(elements[1], int) else {})
    for index, element in enumerate(elements[1:], start=1):
        last = index == len(elements) - 1
        child: Any = adjusted(value) if last else ([] if isinstance(elements[index + 1], int) else {})
        if isinstance(element, int):
            if not isinstance(container, list) or element > len(container):
                raise ConfigSetError(f"{key}: array index out of range")
            if element == len(container):
                container.append(child)
            elif last:
                container[element] = child
        else:
            if not isinstance(container, dict):
                raise ConfigSetError(f"{key}: {element!r} indexes a list")
            if last or element not in container:
                container[element] = child
        container = container[element]


def walkthrough_config() -> dict[str, Any]:
    config: dict[str, Any] = {}
    for command in commands(walkthrough()):
        if command.is_("pulumi", "config", "set"):
            apply_config_set(config, command.argv)
    return config


def stack_name() -> str:
    inits = [command for command in commands(walkthrough()) if command.is_("pulumi", "stack", "init")]
    assert len(inits) == 1, "the walk-through creates its stack with one `pulumi stack init` (a fresh backend has none)"
    return inits[0].argv[3]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project whose only stack is the walk-through's, configured by its commands."""
    directory = tmp_path_factory.mktemp("walkthrough")
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(REPO / name, directory / name)
    (directory / f"Pulumi.{stack_name()}.yaml").write_text(yaml.safe_dump({"config": walkthrough_config()}))
    return directory


@pytest.fixture(scope="module")
def stack(project: Path) -> StackRun:
    return run_stack(stack_name(), project_dir=project)


# -- the helper is Pulumi's semantics --------------------------------------------------------------


def test_config_set_helper_follows_pulumi() -> None:
    config: dict[str, Any] = {}
    apply_config_set(config, ["pulumi", "config", "set", "lambda.memoryMb", "512"])
    assert config == {"order-email:lambda.memoryMb": "512"}  # without --path: one literal key, a string
    apply_config_set(config, ["pulumi", "config", "set", "--path", "lambda.memoryMb", "512"])
    apply_config_set(config, ["pulumi", "config", "set", "--path", "alarms.subscribers[0]", "a@example.com"])
    apply_config_set(config, ["pulumi", "config", "set", "--path", "alarms.subscribers[1]", "b@example.com"])
    apply_config_set(config, ["pulumi", "config", "set", "--path", "alarms.guard", "true"])
    apply_config_set(config, ["pulumi", "config", "set", "--path", "alarms.rate", "0.05"])
    apply_config_set(config, ["pulumi", "config", "set", "--path", "tags.zip", "0123"])
    apply_config_set(config, ["pulumi", "config", "set", "--path", 'tags["a.b"]', "x"])
    apply_config_set(config, ["pulumi", "config", "set", "--path", "sandboxMode", "false"])
    apply_config_set(config, ["pulumi", "config", "set", "--secret", "aws:region", "eu-west-1"])
    assert config == {
        "order-email:lambda.memoryMb": "512", "order-email:lambda": {"memoryMb": 512},
        "order-email:alarms": {"subscribers": ["a@example.com", "b@example.com"], "guard": True, "rate": "0.05"},
        "order-email:tags": {"zip": "0123", "a.b": "x"}, "order-email:sandboxMode": "false",
        "aws:region": "eu-west-1"}
    with pytest.raises(ConfigSetError, match="out of range"):
        apply_config_set(config, ["pulumi", "config", "set", "--path", "alarms.subscribers[5]", "c@example.com"])
    with pytest.raises(ConfigSetError, match="prompts"):
        apply_config_set(config, ["pulumi", "config", "set", "fromName"])
    with pytest.raises(ValueError, match=r"order-email:lambda\.memoryMb: unknown key"):
        parse_stack_config({key: json.dumps(value) if isinstance(value, dict | list) else value
                            for key, value in config.items()})


# -- the steps ------------------------------------------------------------------------------------


def test_the_steps_come_in_an_order_that_works_on_a_fresh_backend() -> None:
    steps = commands(walkthrough())
    texts = [command.text for command in steps]

    def first(*prefix: str) -> int:
        return next(index for index, command in enumerate(steps) if command.is_(*prefix))

    def last(*prefix: str) -> int:
        return max(index for index, command in enumerate(steps) if command.is_(*prefix))

    assert first("pulumi", "login") < first("pulumi", "stack", "init") < first("pulumi", "config", "set")
    assert not [text for text in texts if text.startswith("pulumi stack select") and "--create" not in text]
    assert last("pulumi", "config", "set") < last("pulumi", "up"), "the final config is never deployed"
    assert first("pulumi", "config", "set") < first("pulumi", "preview") < first("pulumi", "up")
    assert first("pulumi", "up") < first("pulumi", "stack", "output") < first("order-email", "doctor")
    assert first("aws", "sesv2", "put-account-details") < first("order-email", "doctor")
    assert first("order-email", "doctor") < last("pulumi", "up")
    name = stack_name()
    assert not (REPO / f"Pulumi.{name}.yaml").exists(), "the walk-through's stack must start from an empty config"
    assert all(command.argv[command.argv.index("--stack") + 1] == name
               for command in steps if command.is_("order-email") and "--stack" in command.argv)


def test_the_config_commands_build_a_config_the_stack_accepts(project: Path) -> None:
    config_commands = [command for command in commands(walkthrough()) if command.is_("pulumi", "config", "set")]
    for command in config_commands:
        key = next(word for word in command.argv[3:] if not word.startswith("--"))
        nested = "." in key.partition(":")[2] or "[" in key
        assert not nested or "--path" in command.argv, f"{command.text}: a nested key needs --path"
    raw = Project.at(project).stack_config(stack_name())
    config = parse_stack_config(raw)
    required = {field.alias or name for name, field in StackConfig.model_fields.items() if field.is_required()}
    assert {key.partition(":")[2] for key in raw if key.startswith(f"{PROJECT}:")} >= required
    assert raw["aws:region"] == "eu-west-1"
    domain = config.from_address.rpartition("@")[2]
    assert domain == config.sender_domain or domain.endswith("." + config.sender_domain)
    assert (config.environment, config.sandbox_mode, config.kms) == ("prod", False, "customer-managed")
    assert config.point_in_time_recovery and config.deletion_protection and config.alarms.reputation_guard
    assert config.lambda_.memory_mb == 512 and config.tags == {"team": "commerce-platform", "cost-center": "cc-1234"}
    assert config.ses_max_send_rate == 14  # the last value set: the granted rate


def test_the_program_runs_and_exports_every_output_the_walkthrough_reads(stack: StackRun) -> None:
    outputs = {match for command in commands(walkthrough())
               for match in re.findall(r"pulumi stack output (\w+)", command.text + (command.heredoc or ""))}
    assert outputs >= {"dnsRecords", "ordersTopicArn", "kmsKeyArn"}
    assert outputs <= set(stack.outputs)
    records = stack.outputs["dnsRecords"]
    assert {record["type"] for record in records} == {"CNAME", "MX", "TXT"}
    assert all(record["name"].endswith("mail.example.com") for record in records)


def test_the_walkthrough_stack_passes_the_policy_pack(project: Path) -> None:
    result = CliRunner().invoke(app, ["policy", "--stack", stack_name(), "--project-dir", str(project), "--json"])
    assert result.exit_code == 0, result.output
    assert {finding["enforcementLevel"] for finding in json.loads(result.stdout)} <= {"advisory"}


def publisher_policy(stack: StackRun) -> dict[str, Any]:
    """The README's policy document with its `$(pulumi …)` substitutions made from the mocked stack."""
    (command,) = [command for command in commands(walkthrough()) if command.heredoc and "publisher-policy" in command.text]
    config = walkthrough_config()
    text = re.sub(r"\$\(pulumi stack output (\w+)\)", lambda match: str(stack.outputs[match.group(1)]),
                  command.heredoc or "")
    text = re.sub(r"\$\(pulumi config get ([\w:.-]+)\)", lambda match: str(config[match.group(1)]), text)
    assert "$(" not in text
    return dict(json.loads(text))


def _statements(document: Any) -> list[dict[str, Any]]:
    document = json.loads(document) if isinstance(document, str) else document
    return [dict(statement) for statement in document["Statement"]]


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def test_the_publisher_policy_grants_exactly_what_publishing_to_the_declared_topic_needs(stack: StackRun) -> None:
    policy = publisher_policy(stack)
    topic_arn, key_arn = stack.outputs["ordersTopicArn"], stack.outputs["kmsKeyArn"]
    grants = {(statement["Effect"], tuple(sorted(_as_list(statement["Action"]))), statement["Resource"],
               json.dumps(statement.get("Condition"), sort_keys=True)) for statement in policy["Statement"]}
    assert grants == {
        ("Allow", ("sns:Publish",), topic_arn, "null"),
        ("Allow", ("kms:Decrypt", "kms:GenerateDataKey*"), key_arn,
         json.dumps({"StringEquals": {"kms:ViaService": "sns.eu-west-1.amazonaws.com"}}, sort_keys=True)),
    }
    assert findings(PolicyDocument("identity", "publisher-policy.json", json.dumps(policy))) == []

    # what the program declares: the topic is encrypted with exactly this key …
    (topic,) = [resource for resource in stack.of_type("aws:sns/topic:Topic") if resource.state["arn"] == topic_arn]
    assert topic.inputs["kmsMasterKeyId"] == key_arn
    # … whose policy lets the stack account's IAM policies grant it (so an identity policy suffices) …
    (key,) = [resource for resource in stack.of_type("aws:kms/key:Key") if resource.state["arn"] == key_arn]
    assert {"Sid": "AccountAdministersThroughIam", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
            "Action": "kms:*", "Resource": "*"} in _statements(key.inputs["policy"])
    # … and the topic policy lets the configured publisher, a role of that account, publish.
    publisher = walkthrough_config()[f"{PROJECT}:publisherPrincipals"][0]
    assert publisher.split(":")[4] == ACCOUNT_ID
    (topic_policy,) = [resource for resource in stack.of_type("aws:sns/topicPolicy:TopicPolicy")
                       if resource.inputs["arn"] == topic_arn]
    allows = [statement for statement in _statements(topic_policy.inputs["policy"]) if statement["Effect"] == "Allow"]
    assert allows == [{"Sid": "AllowConfiguredPublishers", "Effect": "Allow", "Principal": {"AWS": [publisher]},
                       "Action": "sns:Publish", "Resource": topic_arn}]
    (attach,) = [command for command in commands(walkthrough()) if command.is_("aws", "iam", "put-role-policy")]
    assert attach.argv[attach.argv.index("--role-name") + 1] == publisher.rpartition("/")[2]
    assert attach.argv[attach.argv.index("--policy-document") + 1] == "file://publisher-policy.json"


def aws_request(argv: list[str]) -> tuple[str, str, dict[str, Any], dict[str, str]]:
    """An `aws SERVICE OPERATION --options` line as (service, boto3 method, parameters, global options), from
    botocore's model: an option that is no member of the operation fails, as the AWS CLI would."""
    service, operation = argv[1], argv[2]
    model = botocore.session.get_session().get_service_model(service)
    names = {xform_name(name, "-"): name for name in model.operation_names}
    assert operation in names, f"aws {service} has no {operation}"
    shape = model.operation_model(names[operation]).input_shape
    members = {f"--{xform_name(name, '-')}": (name, member) for name, member in shape.members.items()}
    params: dict[str, Any] = {}
    options: dict[str, str] = {}
    words = argv[3:]
    index = 0
    while index < len(words):
        word = words[index]
        if word in AWS_GLOBAL_OPTIONS:
            options[word], index = words[index + 1], index + 2
            continue
        negated = word.startswith("--no-") and f"--{word[5:]}" in members
        name, member = members.get(f"--{word[5:]}" if negated else word, (None, None))
        assert member is not None, f"aws {service} {operation} has no option {word}"
        if member.type_name == "boolean":
            params[name], index = not negated, index + 1
        elif member.type_name == "list":
            values = []
            index += 1
            while index < len(words) and not words[index].startswith("--"):
                values.append(words[index])
                index += 1
            params[name] = values
        else:
            params[name], index = words[index + 1], index + 2
    missing = set(shape.required_members) - set(params)
    assert not missing, f"aws {service} {operation} lacks {sorted(missing)}"
    return service, xform_name(names[operation]), params, options


def test_every_aws_command_is_one_the_aws_cli_accepts() -> None:
    lines = [command for command in commands(walkthrough()) if command.is_("aws")]
    assert {tuple(command.argv[1:3]) for command in lines} == {("sesv2", "put-account-details"),
                                                              ("iam", "put-role-policy")}
    for command in lines:
        _, _, _, options = aws_request(command.argv)
        assert options.get("--region", "eu-west-1") == walkthrough_config()["aws:region"]


@pytest.fixture
def deployed(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalSystem]:
    """The walk-through's stack after its first `pulumi up`, in local mode: a new account (the sandbox) whose
    identity SES has not verified yet; commands run in the project directory, as the walk-through's do."""
    with LocalSystem(stack=stack_name(), project_dir=project) as system:
        assert system.ses is not None
        system.ses.set_production_access(False)
        system.ses.verify_identity(False, mail_from=False)
        monkeypatch.chdir(project)
        yield system


def run(system: LocalSystem, command: Command) -> tuple[int, dict[str, Any]]:
    assert command.is_("order-email")
    result = CliRunner().invoke(app, [*command.argv[1:], "--json"], env=system.cli_environment())
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.stdout)


def test_from_the_first_deploy_to_a_green_doctor_in_local_mode(deployed: LocalSystem) -> None:
    steps = commands(walkthrough())
    (doctor,) = [command for command in steps if command.is_("order-email", "doctor")]
    (records,) = [command for command in steps if command.is_("pulumi", "stack", "output", "dnsRecords")]
    (request,) = [command for command in steps if command.is_("aws", "sesv2", "put-account-details")]
    controls = deployed.ses
    assert controls is not None

    code, report = run(deployed, doctor)  # right after `pulumi up`: nothing published, nothing requested
    failing = {item["check"]: item for item in report["findings"] if item["severity"] == "error"}
    assert code == 1 and set(failing) == {"ses-production-access", "identity-verified", "identity-dkim",
                                          "identity-mail-from"}
    assert f"{records.text} --stack {stack_name()}" in failing["identity-verified"]["remedy"]
    assert "aws sesv2 put-account-details --production-access-enabled" in failing["ses-production-access"]["remedy"]

    controls.verify_identity(True, mail_from=True)  # step 4: the records are published and SES finds them
    _, method, params, _ = aws_request(request.argv)  # step 5, against the local SES
    getattr(deployed.client("sesv2"), method)(**params)
    code, report = run(deployed, doctor)
    failing = {item["check"]: item for item in report["findings"] if item["severity"] == "error"}
    assert code == 1 and list(failing) == ["ses-production-access"]
    assert "under review" in failing["ses-production-access"]["detail"]

    controls.review_production_access("GRANTED")  # AWS answers the case
    code, report = run(deployed, doctor)
    assert code == 0 and report["counts"]["error"] == 0, report
