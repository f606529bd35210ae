"""The wheel carries the handler code, so a project importing EmailSender deploys the same Lambda code.

Built from a clean copy of the checkout (setuptools' `build/` folder keeps stale files between
builds, which could hide a missing package), then unpacked and asked, in a separate interpreter
whose `handlers` is the unpacked one, for the archive listing that `handler_code_archive()` uses.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from order_email.components.packaging import handler_code_files

REPO = Path(__file__).resolve().parents[1]

_NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", ".cache", "*.egg-info", "__pycache__", "*.pyc",
    ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis",
)  # fmt: skip

_LISTING = """
import hashlib, json, sys
from order_email import handlers
from order_email.components.packaging import handler_code_files
json.dump({
    "handlers": handlers.__file__,
    "files": {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in handler_code_files()},
}, sys.stdout)
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wheel")
    source = root / "src"
    shutil.copytree(REPO, source, ignore=_NOT_SOURCE)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "--quiet",
         "-w", str(root / "dist"), str(source)],
        check=True, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    (built,) = (root / "dist").glob("order_email-*.whl")
    return built


@pytest.fixture(scope="module")
def wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


def _checkout_listing() -> dict[str, str]:
    return {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in handler_code_files()}


def test_wheel_carries_the_handler_code_and_templates(wheel_names: set[str]) -> None:
    expected = {f"order_email/{name}" for name in _checkout_listing()}
    assert {"order_email/handlers/__init__.py", "order_email/handlers/shared/schema.py"} <= expected
    assert expected <= wheel_names, f"missing from the wheel: {sorted(expected - wheel_names)}"
    templates = {f"order_email/handlers/templates/{p.name}" for p in (REPO / "handlers" / "templates").glob("*")
                 if p.is_file()}
    assert templates <= wheel_names
    assert "order_email/handlers/requirements.txt" in wheel_names, "an installed copy needs it to build the layer"


def test_wheel_carries_the_components_and_the_policy_pack(wheel_names: set[str]) -> None:
    components = {f"order_email/components/{p.name}" for p in (REPO / "components").glob("*.py")}
    assert components <= wheel_names, f"missing from the wheel: {sorted(components - wheel_names)}"
    pack = {f"order_email/policy/{name}" for name in ("PulumiPolicy.yaml", "requirements.txt", "__main__.py")}
    assert pack <= wheel_names


def test_wheel_installs_one_import_root(wheel_names: set[str]) -> None:
    """Nothing that collides with a Pulumi project's own components/, handlers/ or policy/ folder."""
    roots = {name.split("/")[0] for name in wheel_names if not name.split("/")[0].endswith(".dist-info")}
    assert roots == {"order_email"}


def test_wheel_has_no_tests_bytecode_or_stack_program(wheel_names: set[str]) -> None:
    assert not [name for name in wheel_names if "/tests/" in name]
    assert not [name for name in wheel_names if "__pycache__" in name or name.endswith(".pyc")]
    assert "__main__.py" not in wheel_names and "order_email/__main__.py" not in wheel_names


def test_installed_copy_packages_the_same_archive_as_the_checkout(installed: Path) -> None:
    environment = {**os.environ, "PYTHONPATH": str(installed)}
    result = subprocess.run(
        [sys.executable, "-c", _LISTING],
        cwd=installed.parent, env=environment, check=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    listing = json.loads(result.stdout)
    assert Path(listing["handlers"]).resolve().is_relative_to(installed.resolve()), "imported the checkout"
    assert listing["files"] == _checkout_listing()
