"""Lambda packaging: which files ship, that the layer zip is reproducible, and that it really is aarch64."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path, PurePosixPath
from typing import cast

import pulumi
import pulumi_aws as aws
import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement

from order_email.components import packaging
from order_email.components.packaging import (
    HANDLERS_DIR,
    HANDLERS_REQUIREMENTS,
    LAYER_BUILD_ENV,
    LAYER_CACHE_ENV,
    ZIP_DATE_TIME,
    LayerBuildError,
    canonical_name,
    check_installed_closure,
    default_layer_cache_dir,
    dependency_layer_zip,
    handler_code_archive,
    handler_code_files,
    is_handler_code,
    is_layer_content,
    layer_archive,
    layer_cache_key,
    layer_zip_path,
    parse_pins,
    python_version_of,
    wheel_platform,
    write_reproducible_zip,
)
from order_email.mockstack.runner import run_program

REPO = Path(__file__).resolve().parents[2]
CONSTRAINTS = REPO / "constraints.txt"
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer", "urllib3", "python-dateutil", "six"}
"""What every Python Lambda runtime ships; the layer must not shadow it."""


# --- handler code -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relative", "included"),
    [
        ("__init__.py", True),
        ("send_order_email.py", True),
        ("shared/schema.py", True),
        ("feedback/status_changed.schema.json", True),
        ("templates/order_confirmation.html", True),
        ("templates/order_confirmation.subject.txt", True),
        ("templates/emails/receipt.html", True),
        ("sender/templates/x.txt", True),
        ("requirements.txt", False),
        ("README.md", False),
        ("py.typed", False),
        ("__pycache__/schema.cpython-311.pyc", False),
        ("shared/__pycache__/schema.cpython-312.pyc", False),
        ("templates/__pycache__/x.pyc", False),
        ("stale.pyc", False),
        ("test_sender.py", False),
        ("sender_test.py", False),
        ("conftest.py", False),
        ("tests/helpers.py", False),
        ("tests/data.json", False),
        (".hidden.py", False),
        ("templates/.order.html.swp", False),
        ("templates/order.html~", False),
        (".mypy_cache/x.json", False),
    ],
)
def test_which_files_are_handler_code(relative: str, included: bool) -> None:
    assert is_handler_code(PurePosixPath(relative)) is included


def _fake_package(root: Path) -> Path:
    package = root / "handlers"
    files = {
        "__init__.py": "",
        "entry.py": "def handler(event, context): ...\n",
        "shared/__init__.py": "",
        "shared/util.py": "X = 1\n",
        "shared/__pycache__/util.cpython-311.pyc": "junk",
        "templates/mail.html": "<p>{{ name }}</p>\n",
        "schema.json": "{}\n",
        "test_entry.py": "def test(): ...\n",
        "notes.md": "not shipped\n",
    }
    for relative, text in files.items():
        path = package / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return package


def test_listing_is_explicit_sorted_and_keeps_the_package_layout(tmp_path: Path) -> None:
    package = _fake_package(tmp_path)
    names = [name for name, _ in handler_code_files(package)]
    assert names == [
        "handlers/__init__.py",
        "handlers/entry.py",
        "handlers/schema.json",
        "handlers/shared/__init__.py",
        "handlers/shared/util.py",
        "handlers/templates/mail.html",
    ]


def test_listing_is_computed_at_call_time(tmp_path: Path) -> None:
    package = _fake_package(tmp_path)
    before = {name for name, _ in handler_code_files(package)}
    (package / "new_handler.py").write_text("")
    assert {name for name, _ in handler_code_files(package)} == before | {"handlers/new_handler.py"}


def test_a_folder_without_init_is_refused(tmp_path: Path) -> None:
    (tmp_path / "handlers").mkdir()
    with pytest.raises(FileNotFoundError, match="not a Python package"):
        handler_code_files(tmp_path / "handlers")


def test_archive_maps_each_listed_name_to_its_file(tmp_path: Path) -> None:
    package = _fake_package(tmp_path)
    archive = handler_code_archive(package)
    assert list(archive.assets) == sorted(archive.assets)
    for name, asset in archive.assets.items():
        assert isinstance(asset, pulumi.FileAsset)
        assert Path(asset.path) == tmp_path / name


def _archived_bytes(package: Path) -> dict[str, bytes]:
    contents = {}
    for name, asset in handler_code_archive(package).assets.items():
        assert isinstance(asset, pulumi.FileAsset)
        contents[name] = Path(asset.path).read_bytes()
    return contents


def test_archive_ignores_bytecode_and_mtimes(tmp_path: Path) -> None:
    package = _fake_package(tmp_path)
    first = _archived_bytes(package)
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "entry.cpython-312.pyc").write_bytes(b"\x00")
    os.utime(package / "entry.py", (0, 0))
    second = _archived_bytes(package)
    assert first == second


def test_real_handlers_package_is_packaged_from_its_import_location() -> None:
    from order_email import handlers

    assert Path(handlers.__file__).resolve().parent == HANDLERS_DIR
    files = dict(handler_code_files())
    assert "handlers/__init__.py" in files
    assert {f"handlers/shared/{p.name}" for p in (HANDLERS_DIR / "shared").glob("*.py")} <= set(files)
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in files)
    assert all(path.is_relative_to(HANDLERS_DIR) for path in files.values())
    for entry in ("send_order_email.py", "ses_feedback.py", "delivery_status.py"):
        if (HANDLERS_DIR / entry).exists():
            assert f"handlers/{entry}" in files
    for template in (HANDLERS_DIR / "templates").glob("*"):
        if template.is_file() and not template.name.startswith("."):
            assert f"handlers/templates/{template.name}" in files


# --- requirements -------------------------------------------------------------------------------


def _constraints() -> dict[str, str]:
    lines = [line for line in CONSTRAINTS.read_text().splitlines() if not line.startswith("#")]
    return parse_pins("\n".join(lines))


def test_every_layer_pin_equals_constraints() -> None:
    pins = parse_pins(HANDLERS_REQUIREMENTS.read_text())
    constraints = _constraints()
    assert pins, "handlers/requirements.txt pins nothing"
    mismatched = {
        name: (version, constraints.get(name)) for name, version in pins.items() if constraints.get(name) != version
    }
    assert not mismatched, f"pin differs from constraints.txt (layer, constraints): {mismatched}"


def test_layer_pins_what_the_handlers_import_and_not_the_runtime() -> None:
    pins = set(parse_pins(HANDLERS_REQUIREMENTS.read_text()))
    assert {"pydantic", "pydantic-core", "email-validator", "jinja2", "aws-lambda-powertools"} <= pins
    assert not pins & RUNTIME_PROVIDED


def test_layer_pins_are_a_closed_set_for_the_lambda_platform() -> None:
    """Every requirement of a pinned distribution (as installed here) is pinned or in the runtime."""
    from importlib.metadata import distribution

    pins = parse_pins(HANDLERS_REQUIREMENTS.read_text())
    lambda_env: dict[str, str] = {
        **cast("dict[str, str]", default_environment()),
        "python_version": python_version_of(packaging.LAMBDA_RUNTIME),
        "python_full_version": python_version_of(packaging.LAMBDA_RUNTIME) + ".0",
        "sys_platform": "linux",
        "platform_machine": "aarch64",
        "implementation_name": "cpython",
    }
    missing = set()
    for name in pins:
        for text in distribution(name).requires or []:
            requirement = Requirement(text)
            if requirement.marker and not requirement.marker.evaluate({**lambda_env, "extra": ""}):
                continue
            dependency = canonical_name(requirement.name)
            if dependency not in pins and dependency not in RUNTIME_PROVIDED:
                missing.add(f"{name} needs {requirement}")
            elif dependency in pins:
                assert requirement.specifier.contains(pins[dependency], prereleases=True), (name, text)
    assert not missing


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("pydantic>=2", "not an exact pin"),
        ("-e .", "not an exact pin"),
        ("pydantic==2.1\nPydantic==2.2", "pinned twice"),
    ],
)
def test_requirements_must_be_exact_pins(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse_pins(text)


def test_pins_parse_comments_and_normalise_names() -> None:
    assert parse_pins("# c\nJinja2==3.1.6  # inline\n\ntyping_extensions == 4.16.0\n") == {
        "jinja2": "3.1.6",
        "typing-extensions": "4.16.0",
    }


# --- layer inputs and cache ---------------------------------------------------------------------


def test_runtime_and_architecture_mapping() -> None:
    assert python_version_of("python3.12") == "3.12"
    assert wheel_platform("arm64") == "manylinux2014_aarch64"
    assert wheel_platform("x86_64") == "manylinux2014_x86_64"
    with pytest.raises(ValueError, match="not a Python Lambda runtime"):
        python_version_of("nodejs20.x")
    with pytest.raises(ValueError, match="must be one of"):
        wheel_platform("aarch64")


def test_cache_key_changes_with_every_input() -> None:
    base = layer_cache_key(b"a==1\n", "manylinux2014_aarch64", "3.12")
    assert base == layer_cache_key(b"a==1\n", "manylinux2014_aarch64", "3.12")
    variants = {
        base,
        layer_cache_key(b"a==2\n", "manylinux2014_aarch64", "3.12"),
        layer_cache_key(b"a==1\n", "manylinux2014_x86_64", "3.12"),
        layer_cache_key(b"a==1\n", "manylinux2014_aarch64", "3.13"),
    }
    assert len(variants) == 4


def test_cache_dir_defaults_to_the_checkout_and_honours_the_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(LAYER_CACHE_ENV, raising=False)
    assert default_layer_cache_dir() == REPO / ".cache" / "layers"
    monkeypatch.setenv(LAYER_CACHE_ENV, "/somewhere/layers")
    assert default_layer_cache_dir() == Path("/somewhere/layers")
    assert layer_zip_path().parent == Path("/somewhere/layers")


def test_zip_path_is_keyed_by_requirements_content(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("a==1\n")
    first = layer_zip_path(cache_dir=tmp_path, requirements=requirements)
    assert first.name.startswith(f"deps-py{python_version_of(packaging.LAMBDA_RUNTIME)}-manylinux2014_aarch64-")
    assert first.suffix == ".zip"
    requirements.write_text("a==2\n")
    assert layer_zip_path(cache_dir=tmp_path, requirements=requirements) != first


@pytest.fixture
def no_pip(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("pip must not run")

    monkeypatch.setattr(packaging, "_pip_install", refuse)


@pytest.mark.usefixtures("no_pip")
def test_cache_hit_returns_the_file_without_running_pip(tmp_path: Path) -> None:
    cached = layer_zip_path(cache_dir=tmp_path)
    cached.write_bytes(b"built earlier")
    assert dependency_layer_zip(cache_dir=tmp_path) == cached
    assert cached.read_bytes() == b"built earlier"


@pytest.mark.usefixtures("no_pip")
def test_build_mode_never_references_the_keyed_path_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(LAYER_BUILD_ENV, "never")
    archive = layer_archive(cache_dir=tmp_path / "cache")
    assert isinstance(archive, pulumi.FileArchive)
    assert archive.path == str(layer_zip_path(cache_dir=tmp_path / "cache"))
    assert not (tmp_path / "cache").exists()


def test_build_mode_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LAYER_BUILD_ENV, "sometimes")
    with pytest.raises(ValueError, match=LAYER_BUILD_ENV):
        layer_archive()


def test_a_failing_pip_fails_the_build_and_caches_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    failing_python = tmp_path / "python"
    failing_python.write_text("#!/bin/sh\necho 'ERROR: no matching distribution' >&2\nexit 1\n")
    failing_python.chmod(0o755)
    monkeypatch.setattr(packaging.sys, "executable", str(failing_python))
    with pytest.raises(LayerBuildError, match=r"(?s)pip could not install.*no matching distribution"):
        dependency_layer_zip(cache_dir=tmp_path / "cache")
    assert list((tmp_path / "cache").iterdir()) == []


def test_unpinned_dependencies_fail_the_build(tmp_path: Path) -> None:
    for name, version in (("pydantic", "2.14.3"), ("sneaky_dep", "1.0")):
        info = tmp_path / f"{name}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    check_installed_closure(tmp_path, {"pydantic": "2.14.3", "sneaky-dep": "1.0"})
    with pytest.raises(LayerBuildError, match=r"sneaky-dep==1\.0"):
        check_installed_closure(tmp_path, {"pydantic": "2.14.3"})


# --- reproducible zip ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relative", "included"),
    [
        ("pydantic/main.py", True),
        ("pydantic_core/_pydantic_core.cpython-312-aarch64-linux-gnu.so", True),
        ("jinja2-3.1.6.dist-info/RECORD", True),
        ("bin/jp.py", False),
        ("pydantic/__pycache__/main.cpython-312.pyc", False),
        ("stale.pyc", False),
    ],
)
def test_which_installed_files_go_into_the_layer(relative: str, included: bool) -> None:
    assert is_layer_content(PurePosixPath(relative)) is included


def _fake_site(root: Path, mtime: int, mode: int) -> Path:
    site = root / "python"
    files = {
        "zeta/__init__.py": b"Z = 1\n",
        "alpha/mod.py": b"A = 1\n",
        "alpha/_native.cpython-312-aarch64-linux-gnu.so": b"\x7fELF...",
        "alpha/__pycache__/mod.cpython-311.pyc": b"junk",
        "bin/alpha-cli": b"#!" + str(root).encode() + b"/python\n",
        "alpha-1.0.dist-info/RECORD": b"alpha/mod.py,sha256=x,6\n../../bin/alpha-cli,sha256=y,30\n",
    }
    for relative, data in files.items():
        path = site / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(mode)
        os.utime(path, (mtime, mtime))
    return site


def test_layer_zip_is_byte_identical_whatever_the_mtimes_permissions_and_location(tmp_path: Path) -> None:
    first, second = tmp_path / "one.zip", tmp_path / "two.zip"
    write_reproducible_zip(_fake_site(tmp_path / "a", 1_700_000_000, 0o644), first, prefix="python")
    write_reproducible_zip(_fake_site(tmp_path / "b", 1_600_000_000, 0o755), second, prefix="python")
    assert first.read_bytes() == second.read_bytes()

    with zipfile.ZipFile(first) as archive:
        infos = archive.infolist()
        names = [info.filename for info in infos]
        assert names == sorted(names)
        assert names == [
            "python/alpha-1.0.dist-info/RECORD",
            "python/alpha/_native.cpython-312-aarch64-linux-gnu.so",
            "python/alpha/mod.py",
            "python/zeta/__init__.py",
        ]
        assert {info.date_time for info in infos} == {ZIP_DATE_TIME}
        assert {info.external_attr >> 16 for info in infos} == {0o100644}
        assert archive.read("python/alpha-1.0.dist-info/RECORD") == b"alpha/mod.py,sha256=x,6\n"


# --- under Pulumi mocks -------------------------------------------------------------------------


def test_archives_reach_the_engine_as_declared_without_building(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_pip: None
) -> None:
    monkeypatch.setenv(LAYER_BUILD_ENV, "never")
    monkeypatch.setenv(LAYER_CACHE_ENV, str(tmp_path))

    def program() -> None:
        aws.lambda_.LayerVersion(
            "deps",
            layer_name="deps",
            code=layer_archive(),
            compatible_runtimes=[packaging.LAMBDA_RUNTIME],
            compatible_architectures=[packaging.LAMBDA_ARCHITECTURE],
        )
        aws.lambda_.Function(
            "fn",
            role="arn:aws:iam::123456789012:role/fn",
            runtime=packaging.LAMBDA_RUNTIME,
            architectures=[packaging.LAMBDA_ARCHITECTURE],
            handler="handlers.send_order_email.handler",
            code=handler_code_archive(),
        )

    run = run_program(program, stack="dev", config={"aws:region": "eu-west-1"})
    layer = run.named("deps").inputs["code"]
    assert isinstance(layer, pulumi.FileArchive) and layer.path == str(layer_zip_path(cache_dir=tmp_path))
    code = run.named("fn").inputs["code"]
    assert isinstance(code, pulumi.AssetArchive)
    assert sorted(code.assets) == [name for name, _ in handler_code_files()]


# --- the real layer (network to the package registry) --------------------------------------------


@pytest.fixture(scope="session")
def real_layers(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The real layer built twice, into two separate caches, once per test session."""
    root = tmp_path_factory.mktemp("layers")
    return dependency_layer_zip(cache_dir=root / "one"), dependency_layer_zip(cache_dir=root / "two")


def test_real_layer_is_reproducible_and_carries_aarch64_binaries(real_layers: tuple[Path, Path]) -> None:
    first, second = real_layers
    assert first != second
    assert hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(second.read_bytes()).digest()

    with zipfile.ZipFile(first) as archive:
        names = archive.namelist()
        metadata = [archive.read(name).decode() for name in names if name.endswith(".dist-info/METADATA")]
    assert f"python/pydantic_core/_pydantic_core.cpython-{packaging.LAMBDA_RUNTIME.removeprefix('python').replace('.', '')}-aarch64-linux-gnu.so" in names
    assert not [name for name in names if name.endswith(".pyc") or "__pycache__" in name]
    assert not [name for name in names if name.startswith("python/bin/")]
    assert not [name for name in names if "x86_64" in name]
    assert all(name.startswith("python/") for name in names)
    installed = {}
    for text in metadata:
        fields = dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)
        installed[canonical_name(fields["Name"])] = fields["Version"]
    assert installed == parse_pins(HANDLERS_REQUIREMENTS.read_text())
    modules = ("pydantic", "email_validator", "jinja2", "markupsafe", "aws_lambda_powertools", "jmespath")
    for module in modules:
        assert any(name.startswith(f"python/{module}/") for name in names), module


def test_real_layer_cache_hit_runs_no_pip(real_layers: tuple[Path, Path], no_pip: None) -> None:
    first, _ = real_layers
    before = first.read_bytes()
    assert dependency_layer_zip(cache_dir=first.parent) == first
    assert first.read_bytes() == before
