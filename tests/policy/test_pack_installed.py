"""The pack serves from where `pulumi policy enable` installs it, with nothing but its own requirements.

The Pulumi CLI installs a published pack into `~/.pulumi/policies/<org>/pulumi-analyzer-<name>-v<version>/`,
creates a virtualenv there from the pack's requirements.txt, and starts it as
`python -u -m pulumi.policy <engine address> <pack folder>`, reading the port the pack prints. This
test does the same out of the checkout, then talks to the pack over gRPC as the engine does.
"""

from __future__ import annotations

import json
import select
import shutil
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from order_email.policy.rules import PACK_NAME, POLICIES
from tests.support.paths import REPO

PACK = REPO / "policy"
START_TIMEOUT_SECONDS = 60


def _installed_folder(root: Path) -> Path:
    version = yaml.safe_load((PACK / "PulumiPolicy.yaml").read_text())["version"]
    folder = root / "policies" / "acme" / f"pulumi-analyzer-{PACK_NAME}-v{version}"
    shutil.copytree(PACK, folder, ignore=shutil.ignore_patterns("venv", "__pycache__", "*.pyc"))
    return folder


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    root = tmp_path_factory.mktemp("pulumi-home")
    folder = _installed_folder(root)
    environment = folder / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--only-binary=:all:",
                    "-r", folder / "requirements.txt", "-c", REPO / "constraints.txt"],
                   check=True, capture_output=True, text=True, timeout=900)
    process = subprocess.Popen([python, "-u", "-m", "pulumi.policy", "127.0.0.1:1", str(folder)],
                               cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], START_TIMEOUT_SECONDS)
        line = process.stdout.readline().strip() if ready else ""
        if not line.isdigit():
            process.kill()
            raise AssertionError(f"the pack did not serve (said {line!r}): {process.stderr.read()[-3000:]}")
        with grpc.insecure_channel(f"127.0.0.1:{line}") as channel:
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        process.kill()
        process.wait(timeout=10)


def test_the_pack_folder_holds_what_pulumi_installs() -> None:
    names = {path.name for path in PACK.iterdir()}
    assert {"PulumiPolicy.yaml", "__main__.py", "requirements.txt", "__init__.py", "rules.py"} <= names
    requirements = [line.split(">")[0].split("=")[0].strip() for line in (PACK / "requirements.txt").read_text()
                    .splitlines() if line.strip() and not line.startswith("#")]
    assert requirements == ["pulumi-policy", "parliament"]


def test_the_pack_version_is_the_package_version() -> None:
    import order_email

    assert yaml.safe_load((PACK / "PulumiPolicy.yaml").read_text())["version"] == order_email.__version__


def test_the_installed_pack_describes_every_rule(served: analyzer_pb2_grpc.AnalyzerStub) -> None:
    info = served.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
    assert info.name == PACK_NAME
    assert {policy.name for policy in info.policies} == {policy.name for policy in POLICIES}


def test_the_installed_pack_finds_a_violation(served: analyzer_pb2_grpc.AnalyzerStub) -> None:
    properties = struct_pb2.Struct()
    properties.update({"name": "orders", "tags": {"app": "x"}})
    answer = served.Analyze(analyzer_pb2.AnalyzeRequest(
        type="aws:sqs/queue:Queue", properties=properties, name="orders",
        urn="urn:pulumi:dev::shop::aws:sqs/queue:Queue::orders"), timeout=30)
    found = {diagnostic.policyName: diagnostic for diagnostic in answer.diagnostics}
    assert "sqs-encryption-enabled" in found, json.dumps([d.policyName for d in answer.diagnostics])
    assert found["sqs-encryption-enabled"].policyPackName == PACK_NAME


def test_the_checkout_imports_nothing_the_pack_venv_lacks() -> None:
    """The pack's modules import only the standard library, pulumi-policy, parliament and each other."""
    script = ("import sys; import order_email.policy.rules; "
              "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi_aws', 'boto3', 'pydantic', 'moto')"
              " or m.startswith('order_email.components')); sys.exit(repr(bad) if bad else 0)")
    subprocess.run([sys.executable, "-c", script], check=True)
