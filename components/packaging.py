"""Lambda packaging: the handler code as an asset archive, the dependencies as a reproducible layer zip.

Pulumi decides whether to upload new code by hashing what it is given: an `AssetArchive` by its names
and file contents, a `.zip` file by its bytes. So both artefacts are built to hash the same whenever
their inputs are the same:

- Code: `handler_code_archive()` lists the files of the `handlers` package explicitly (sources,
  templates, JSON data; never `__pycache__`, `*.pyc` or tests), sorted, at the package-relative paths
  the handler strings use (`handlers.send_order_email.handler`), plus a team's own e-mail templates
  under `handlers/team_templates/` when a stack has some. The package is found through
  `handlers.__file__`, so a project that pip-installed order-email packages the installed copy.
- Dependencies: `dependency_layer_zip()` runs `pip install --platform manylinux2014_aarch64
  --only-binary=:all: --no-compile` for `handlers/requirements.txt` and writes a zip with fixed
  timestamps and permissions and sorted entries, into a cache keyed by the sha256 of the requirements,
  the platform and the Python version. The same inputs give byte-identical zips (given the same zlib),
  and a cache hit runs no pip at all.

Who builds the layer, and when (`ORDER_EMAIL_LAYER_BUILD`): `layer_archive()` is what a component
passes to `aws.lambda_.LayerVersion(code=...)`. By default (`auto`) it builds the zip unless the cache
already holds it. With `never` it runs no pip and returns a `FileArchive` pointing at the
content-addressed path a build *would* write. That is for runs whose engine never opens archives
(Pulumi mocks in the tests, local mode), so they need no network and no build. No placeholder file is
ever written: if a real `pulumi preview`/`up` is run with `never` before the layer was built, the
engine fails to read the missing file and nothing is deployed. An importing project can also bypass
all of this and hand the component a layer archive of its own.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import TypedDict, Unpack

import pulumi

from order_email import handlers
from order_email.handlers.sender.rendering import TEAM_TEMPLATES_FOLDER

LAMBDA_RUNTIME = "python3.14"
"""Runtime of every function and the only runtime the layer is built for."""

LAMBDA_ARCHITECTURE = "arm64"
"""Architecture of every function (Graviton: cheaper per GB-second); the layer carries aarch64 binaries."""

HANDLERS_DIR = Path(handlers.__file__).resolve().parent
"""The `handlers` package actually imported: the checkout, or the installed copy in an importing project."""

HANDLERS_REQUIREMENTS = HANDLERS_DIR / "requirements.txt"
"""Exact pins of what the handlers import that the Lambda runtime does not provide."""

LAYER_CACHE_ENV = "ORDER_EMAIL_LAYER_CACHE"
"""Overrides the directory holding built layer zips."""

LAYER_BUILD_ENV = "ORDER_EMAIL_LAYER_BUILD"
"""`auto` (default): build the layer if not cached. `never`: reference the cached path, run no pip."""

LAYER_BUILD_MODES = ("auto", "never")

ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
"""The earliest timestamp a zip can hold; every entry gets it so rebuilds are byte-identical."""

ZIP_FILE_MODE = 0o100644
"""Regular file, rw-r--r--: Lambda only reads layer files (dlopen needs no execute bit)."""

_LAYOUT_VERSION = "1"
"""Part of the cache key: bump when the zip layout or filtering changes so old caches are not reused."""

_PLATFORMS = {"arm64": "manylinux2014_aarch64", "x86_64": "manylinux2014_x86_64"}
_RUNTIME = re.compile(r"^python(3\.\d+)$")
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([A-Za-z0-9.+!-]+)$")
_PIP_TIMEOUT_SECONDS = 900


class LayerBuildError(RuntimeError):
    """The dependency layer could not be built; the message says why and what to change."""


# --- handler code -------------------------------------------------------------------------------


def is_handler_code(relative: PurePosixPath) -> bool:
    """Whether a file (path relative to the `handlers` package) belongs in the Lambda code archive."""
    parts = relative.parts
    if not parts or any(part.startswith(".") for part in parts):
        return False  # hidden files and folders: .DS_Store, editor swap files, tool caches
    if any(part in ("__pycache__", "tests", "test") for part in parts[:-1]):
        return False
    name = relative.name
    if name.endswith((".pyc", ".pyo", "~")):
        return False
    if "templates" in parts[:-1]:
        return True
    if relative.suffix == ".py":
        return not (name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py")
    return relative.suffix == ".json"


def handler_code_files(package_dir: Path = HANDLERS_DIR) -> list[tuple[str, Path]]:
    """`(archive path, file)` for every file the functions need, sorted by archive path.

    Archive paths keep the package layout (`handlers/shared/schema.py`), so the handler strings are
    `handlers.<module>.handler`. Computed on every call: the package grows as handlers are added.
    """
    if not (package_dir / "__init__.py").is_file():
        raise FileNotFoundError(f"{package_dir} is not a Python package (no __init__.py)")
    files = []
    for path in package_dir.rglob("*"):
        relative = PurePosixPath(path.relative_to(package_dir).as_posix())
        if path.is_file() and is_handler_code(relative):
            files.append((f"{package_dir.name}/{relative}", path))
    return sorted(files)


def handler_code_archive(package_dir: Path = HANDLERS_DIR,
                         team_templates: Mapping[str, Path] | None = None) -> pulumi.AssetArchive:
    """The handler code as an archive Pulumi hashes by names and contents, never by mtimes.

    `team_templates` (`{file name: path}`, checked by `team_templates.check_team_templates`) go into the
    `handlers/team_templates/` folder the sender renders from, so a changed template changes the
    archive's hash and `pulumi up` deploys it.
    """
    files = handler_code_files(package_dir)
    folder = f"{package_dir.name}/{TEAM_TEMPLATES_FOLDER}"
    files += [(f"{folder}/{name}", path) for name, path in sorted((team_templates or {}).items())]
    return pulumi.AssetArchive({name: pulumi.FileAsset(str(path)) for name, path in files})


# --- dependency layer ---------------------------------------------------------------------------


def python_version_of(runtime: str) -> str:
    """`python3.12` -> `3.12`: the version pip resolves wheels for."""
    match = _RUNTIME.match(runtime)
    if not match:
        raise ValueError(f"runtime {runtime!r} is not a Python Lambda runtime such as 'python3.12'")
    return match.group(1)


def wheel_platform(architecture: str) -> str:
    """The manylinux wheel tag for a Lambda architecture."""
    try:
        return _PLATFORMS[architecture]
    except KeyError:
        raise ValueError(f"architecture {architecture!r} must be one of {sorted(_PLATFORMS)}") from None


def canonical_name(name: str) -> str:
    """PEP 503 name normalisation: `Jinja2`, `typing_extensions` -> `jinja2`, `typing-extensions`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_pins(text: str) -> dict[str, str]:
    """`{canonical name: version}` of a requirements file that must hold only exact `name==version` pins."""
    pins: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = _PIN.match(line)
        if not match:
            raise ValueError(f"line {number}: {line!r} is not an exact pin 'name==version'")
        name = canonical_name(match.group(1))
        if name in pins:
            raise ValueError(f"line {number}: {match.group(1)} is pinned twice")
        pins[name] = match.group(2)
    return pins


def layer_cache_key(requirements: bytes, platform: str, python_version: str) -> str:
    """sha256 over everything that decides the layer's bytes."""
    digest = hashlib.sha256()
    for part in (_LAYOUT_VERSION.encode(), platform.encode(), python_version.encode(), requirements):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def default_layer_cache_dir() -> Path:
    """`$ORDER_EMAIL_LAYER_CACHE`, else `.cache/layers` in the checkout, else in the working directory.

    An installed copy has no checkout to write into; Pulumi runs a program from its project
    directory, so the cache then sits with the project that deploys.
    """
    override = os.environ.get(LAYER_CACHE_ENV)
    if override:
        return Path(override).expanduser()
    checkout = HANDLERS_DIR.parent
    root = checkout if (checkout / "pyproject.toml").is_file() else Path.cwd()
    return root / ".cache" / "layers"


class LayerInputs(TypedDict, total=False):
    """What a dependency layer is built from; each defaults to what the components deploy."""

    runtime: str
    """`LAMBDA_RUNTIME` by default."""
    architecture: str
    """`LAMBDA_ARCHITECTURE` by default."""
    requirements: Path
    """`HANDLERS_REQUIREMENTS` by default."""


def _layer_inputs(inputs: LayerInputs) -> tuple[str, str, Path]:
    return (inputs.get("runtime", LAMBDA_RUNTIME), inputs.get("architecture", LAMBDA_ARCHITECTURE),
            inputs.get("requirements", HANDLERS_REQUIREMENTS))


def layer_zip_path(cache_dir: Path | None = None, **inputs: Unpack[LayerInputs]) -> Path:
    """Where the layer for these inputs is (or would be) cached; builds nothing."""
    runtime, architecture, requirements = _layer_inputs(inputs)
    python_version = python_version_of(runtime)
    platform = wheel_platform(architecture)
    key = layer_cache_key(requirements.read_bytes(), platform, python_version)
    return (cache_dir or default_layer_cache_dir()) / f"deps-py{python_version}-{platform}-{key[:24]}.zip"


def dependency_layer_zip(cache_dir: Path | None = None, **inputs: Unpack[LayerInputs]) -> Path:
    """The layer zip for these inputs: from the cache, or built with pip and cached atomically."""
    destination = layer_zip_path(cache_dir, **inputs)
    if destination.is_file():
        return destination
    runtime, architecture, requirements = _layer_inputs(inputs)
    pins = parse_pins(requirements.read_text())
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".build-", dir=destination.parent) as staging:
        site = Path(staging) / "python"
        _pip_install(site, requirements, wheel_platform(architecture), python_version_of(runtime))
        check_installed_closure(site, pins)
        partial = Path(staging) / destination.name
        write_reproducible_zip(site, partial, prefix="python")
        os.replace(partial, destination)
    return destination


def layer_archive(cache_dir: Path | None = None, **inputs: Unpack[LayerInputs]) -> pulumi.FileArchive:
    """The layer as `LayerVersion(code=...)` wants it; honours `ORDER_EMAIL_LAYER_BUILD` (module docs)."""
    mode = os.environ.get(LAYER_BUILD_ENV, "auto").strip().lower() or "auto"
    if mode not in LAYER_BUILD_MODES:
        raise ValueError(f"{LAYER_BUILD_ENV}={mode!r}: must be one of {', '.join(LAYER_BUILD_MODES)}")
    locate = dependency_layer_zip if mode == "auto" else layer_zip_path
    return pulumi.FileArchive(str(locate(cache_dir, **inputs)))


def _pip_install(target: Path, requirements: Path, platform: str, python_version: str) -> None:
    """Install binary wheels for the Lambda platform; never compile (the .pyc would be for this Python)."""
    command = [
        sys.executable, "-m", "pip", "install",
        "--disable-pip-version-check", "--no-input", "--quiet",
        "--platform", platform, "--implementation", "cp", "--python-version", python_version,
        "--only-binary=:all:", "--no-compile",
        "--target", str(target), "-r", str(requirements),
    ]  # fmt: skip
    try:
        subprocess.run(  # noqa: S603 - fixed argument list, no shell
            command, check=True, capture_output=True, text=True, timeout=_PIP_TIMEOUT_SECONDS
        )
    except subprocess.CalledProcessError as error:
        tail = "\n".join(error.stderr.strip().splitlines()[-15:])
        raise LayerBuildError(f"pip could not install {requirements} for {platform}:\n{tail}") from None
    except subprocess.TimeoutExpired:
        raise LayerBuildError(f"pip did not finish within {_PIP_TIMEOUT_SECONDS}s") from None


def installed_distributions(site: Path) -> dict[str, str]:
    """`{canonical name: version}` of what pip installed into `site`, read from the dist-info folders."""
    found: dict[str, str] = {}
    for metadata in sorted(site.glob("*.dist-info/METADATA")):
        fields = dict(line.split(": ", 1) for line in metadata.read_text(encoding="utf-8").splitlines() if ": " in line)
        found[canonical_name(fields["Name"])] = fields["Version"]
    return found


def check_installed_closure(site: Path, pins: dict[str, str]) -> None:
    """Fail the build when pip pulled in a dependency nobody pinned: the layer must be fully pinned."""
    installed = installed_distributions(site)
    unpinned = sorted(f"{name}=={version}" for name, version in installed.items() if name not in pins)
    if unpinned:
        raise LayerBuildError(
            f"pip installed unpinned dependencies {', '.join(unpinned)}: add them to "
            f"{HANDLERS_REQUIREMENTS.name} with the versions in constraints.txt"
        )


def is_layer_content(relative: PurePosixPath) -> bool:
    """Whether an installed file goes into the layer zip.

    Dropped: bytecode (wrong Python, and it would change every build) and `bin/` console scripts,
    whose shebang names the build machine's interpreter and which Lambda never runs.
    """
    parts = relative.parts
    return bool(parts) and parts[0] != "bin" and "__pycache__" not in parts and relative.suffix != ".pyc"


def _layer_bytes(path: Path, relative: PurePosixPath) -> bytes:
    """A file's bytes; a dist-info RECORD loses its lines for the dropped `bin/` scripts."""
    data = path.read_bytes()
    if relative.name == "RECORD" and relative.parent.name.endswith(".dist-info"):
        lines = data.decode("utf-8").splitlines(keepends=True)
        data = "".join(line for line in lines if not line.startswith("../")).encode("utf-8")
    return data


def write_reproducible_zip(source: Path, destination: Path, *, prefix: str) -> None:
    """Zip `source` under `prefix/` with sorted entries, fixed timestamps and fixed permissions."""
    entries = []
    for path in source.rglob("*"):
        relative = PurePosixPath(path.relative_to(source).as_posix())
        if path.is_file() and is_layer_content(relative):
            entries.append((f"{prefix}/{relative}", path, relative))
    entries.sort()
    with zipfile.ZipFile(destination, "w") as archive:
        for name, path, relative in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.create_system = 3  # Unix, so external_attr carries the mode on every build host
            info.external_attr = ZIP_FILE_MODE << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, _layer_bytes(path, relative), compresslevel=9)
