"""The product as another team gets it: a wheel, installed into a fresh virtualenv in another folder.

The wheel is built from a clean copy of the checkout (setuptools' `build/` folder keeps stale files
between builds, which could hide a missing package) and installed, with its base dependencies only
(the pinned versions of constraints.txt), into a virtualenv outside the checkout. That installation
then runs `--version`, `schema`, `doctor` against a local system, and `preview --project-dir` on a
copy of the consumer example taken out of the checkout; the commands whose extra it lacks say so.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from order_email import __version__
from order_email.cli.doctor import CHECKS
from order_email.components.packaging import handler_code_files
from tests.support.paths import CONSUMER_EXAMPLE, REPO

_NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "venv", "build", "dist", ".cache", "*.egg-info", "__pycache__", "*.pyc",
    ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis",
)  # fmt: skip

_LISTING = """
import hashlib, json, sys
from order_email import handlers
from order_email.cli.doctor import CHECKS
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
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder outside the checkout, as another team's machine would be."""
    return tmp_path_factory.mktemp("another-team")


@pytest.fixture(scope="module")
def installed(wheel: Path, elsewhere: Path) -> Path:
    """A fresh virtualenv holding the wheel and its base dependencies (no extras); its `bin/`."""
    environment = elsewhere / "venv"
    venv.create(environment, with_pip=True)
    subprocess.run(
        [_python(environment), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--only-binary=:all:",
         "-c", str(REPO / "constraints.txt"), str(wheel)],
        check=True, capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    return environment / "bin"


def _python(environment: Path) -> Path:
    return environment / "bin" / "python"


def _run(installed: Path, *args: str, cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """The installed `order-email`, with nothing of the checkout's environment but PATH and HOME."""
    environment = {"PATH": f"{installed}:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"),
                   "ORDER_EMAIL_LAYER_BUILD": "never", **(env or {})}
    return subprocess.run([str(installed / "order-email"), *args], cwd=cwd, env=environment, capture_output=True,
                          text=True, timeout=timeout, check=False)


def _checkout_listing() -> dict[str, str]:
    return {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in handler_code_files()}


# -- what the wheel holds -------------------------------------------------------------------------


def test_wheel_carries_the_handler_code_and_templates(wheel_names: set[str]) -> None:
    expected = {f"order_email/{name}" for name in _checkout_listing()}
    assert {"order_email/handlers/__init__.py", "order_email/handlers/shared/schema.py"} <= expected
    assert expected <= wheel_names, f"missing from the wheel: {sorted(expected - wheel_names)}"
    templates = {f"order_email/handlers/templates/{p.name}" for p in (REPO / "handlers" / "templates").glob("*")
                 if p.is_file()}
    assert templates <= wheel_names
    assert "order_email/handlers/requirements.txt" in wheel_names, "an installed copy needs it to build the layer"


def test_wheel_carries_the_components_the_pack_and_the_schema(wheel_names: set[str]) -> None:
    components = {f"order_email/components/{p.name}" for p in (REPO / "components").glob("*.py")}
    assert components <= wheel_names, f"missing from the wheel: {sorted(components - wheel_names)}"
    pack = {f"order_email/policy/{name}" for name in ("PulumiPolicy.yaml", "requirements.txt", "__main__.py")}
    assert pack <= wheel_names
    assert {"order_email/py.typed", "order_email/schema.json"} <= wheel_names


def test_wheel_installs_one_import_root(wheel_names: set[str]) -> None:
    """Nothing that collides with a Pulumi project's own components/, handlers/ or policy/ folder."""
    roots = {name.split("/")[0] for name in wheel_names if not name.split("/")[0].endswith(".dist-info")}
    assert roots == {"order_email"}
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in wheel_names)


def test_wheel_has_no_tests_bytecode_or_stack_program(wheel_names: set[str]) -> None:
    assert not [name for name in wheel_names if "/tests/" in name]
    assert not [name for name in wheel_names if "__pycache__" in name or name.endswith(".pyc")]
    assert "__main__.py" not in wheel_names and "order_email/__main__.py" not in wheel_names


# -- what the installation does -------------------------------------------------------------------


def test_installed_copy_packages_the_same_archive_as_the_checkout(installed: Path, elsewhere: Path) -> None:
    result = subprocess.run([str(installed / "python"), "-c", _LISTING], cwd=elsewhere, check=True,
                            capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin"})
    listing = json.loads(result.stdout)
    assert Path(listing["handlers"]).resolve().is_relative_to(installed.parent.resolve()), "imported the checkout"
    assert listing["files"] == _checkout_listing()


def test_version(installed: Path, elsewhere: Path) -> None:
    result = _run(installed, "--version", cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"order-email {__version__}"


def test_schema_is_the_committed_one(installed: Path, elsewhere: Path) -> None:
    result = _run(installed, "schema", cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads((REPO / "order_email" / "schema.json").read_text())


def test_preview_of_another_teams_project_outside_the_checkout(installed: Path, elsewhere: Path) -> None:
    project = elsewhere / "shop-mail"
    shutil.copytree(CONSUMER_EXAMPLE, project, ignore=_NOT_SOURCE, dirs_exist_ok=True)
    result = _run(installed, "preview", "--project-dir", str(project), "--stack", "dev", "--json", cwd=elsewhere)
    assert result.returncode == 0, result.stderr[-3000:]
    declared = json.loads(result.stdout)
    types = {resource["type"] for resource in declared}
    assert {"order-email:index:EmailSender", "aws:lambda/function:Function", "aws:sesv2/emailIdentity:EmailIdentity"
            } <= types
    assert not any(resource["name"].startswith("order-email-") for resource in declared), "ran our own program"


@pytest.mark.parametrize(("command", "extra"), [(["local", "--orders", "1"], "local"), (["policy"], "policy")])
def test_a_command_whose_extra_is_missing_says_which(installed: Path, elsewhere: Path, command: list[str],
                                                     extra: str) -> None:
    result = _run(installed, *command, cwd=elsewhere)
    assert result.returncode == 2
    assert f"pip install 'order-email[{extra}]'" in result.stderr and "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def local_system() -> Iterator[object]:
    from order_email.localmode import LocalSystem

    with LocalSystem("dev", project_dir=REPO) as system:
        yield system


def test_doctor_against_a_local_system(installed: Path, elsewhere: Path, local_system: object) -> None:
    environment = local_system.cli_environment()  # type: ignore[attr-defined]
    result = _run(installed, "doctor", "--stack", "dev", "--json", cwd=elsewhere, env=environment)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert (report["stack"], report["ok"], report["counts"]["error"]) == ("dev", True, 0)
    assert [finding["check"] for finding in report["findings"]] == list(CHECKS)
