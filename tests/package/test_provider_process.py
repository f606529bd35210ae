"""`provider/` started the way Pulumi starts a Python plugin, then asked over gRPC what the engine asks.

Pulumi's Python language host runs `python <plugin folder> <engine address>` (the folder's
`__main__.py`) from wherever the engine is; the plugin prints the port it serves on and serves until
it is stopped. GetSchema is what `pulumi package add` generates SDKs from.
"""

from __future__ import annotations

import json
import selectors
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from order_email import __version__
from tests.support.package_files import PROVIDER_DIR, REGENERATE, committed_schema

STARTUP_LIMIT_SECONDS = 120
"""How long to wait for the port line before calling the start failed (a hang guard, not a measurement)."""


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    process = subprocess.Popen(
        [sys.executable, str(PROVIDER_DIR), "127.0.0.1:1"],  # an engine address; GetSchema never calls it
        cwd=tmp_path_factory.mktemp("elsewhere"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        port = _port_line(process)
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield provider_pb2_grpc.ResourceProviderStub(channel)
    finally:
        process.kill()
        process.wait(timeout=30)
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        process.stderr.close()


def _port_line(process: subprocess.Popen[str]) -> int:
    assert process.stdout is not None and process.stderr is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=STARTUP_LIMIT_SECONDS):
            pytest.fail("provider printed no port")
    line = process.stdout.readline()
    if not line.strip().isdigit():
        process.kill()
        pytest.fail(f"provider did not start: stdout {line!r}, stderr:\n{process.stderr.read()}")
    return int(line)


def test_get_schema_serves_the_committed_schema(provider: provider_pb2_grpc.ResourceProviderStub) -> None:
    served = provider.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=60).schema
    assert json.loads(served) == committed_schema(), f"the provider serves another schema: {REGENERATE}"


def test_plugin_version_is_the_package_version(provider: provider_pb2_grpc.ResourceProviderStub) -> None:
    assert provider.GetPluginInfo(empty_pb2.Empty(), timeout=60).version == __version__


def test_plugin_manifest_runs_python_from_its_own_virtualenv() -> None:
    manifest = yaml.safe_load((PROVIDER_DIR / "PulumiPlugin.yaml").read_text(encoding="utf-8"))
    assert manifest["runtime"]["name"] == "python"
    assert manifest["runtime"]["options"] == {"toolchain": "pip", "virtualenv": "venv"}


def test_plugin_requirements_install_this_checkout(tmp_path: Path) -> None:
    """What Pulumi runs to fill the plugin's virtualenv (`pip install -r requirements.txt` from the
    plugin folder) resolves `order-email` to the repository the folder is in, within its constraints."""
    report = tmp_path / "report.json"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--ignore-installed", "--quiet",
         "--disable-pip-version-check", "--report", str(report), "-r", "requirements.txt"],
        cwd=PROVIDER_DIR, check=True, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    (install,) = json.loads(report.read_text(encoding="utf-8"))["install"]
    assert install["metadata"]["name"] == "order-email"
    assert install["metadata"]["version"] == __version__
    assert install["download_info"]["url"] == PROVIDER_DIR.parent.resolve().as_uri()
