"""A function's declared code archive, unpacked into the directory its local process runs from.

Lambda runs a function from `/var/task`: exactly the files of its deployment package, with the
handler string resolved against them. Local mode does the same with what the program declared
(`aws.lambda_.Function(code=...)` as recorded by the mocks), so a consumer project's own handlers run,
and a handler that imports a file its archive lacks fails here as it would in AWS.

Archives are what Pulumi accepts: an `AssetArchive` of `FileAsset`/`StringAsset` (and nested
archives), a `FileArchive` of a directory or a `.zip`/`.jar` file. A `RemoteArchive`/`RemoteAsset`
(fetched by the engine over the network) or an S3-hosted package is refused with the function's name:
local mode never downloads code.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

import pulumi


class FunctionCodeError(RuntimeError):
    """The declared code cannot be unpacked locally; the message names the function and why."""


def unpack(function: str, code: Any, into: Path) -> Path:
    """Write `code` (the recorded `code` input of `function`) under `into`; returns `into`."""
    if code is None:
        raise FunctionCodeError(f"Lambda function {function} declares no `code` archive (S3 or image packages "
                                "are not run locally)")
    into.mkdir(parents=True, exist_ok=True)
    _write_archive(function, code, into)
    return into


def _write_archive(function: str, archive: Any, into: Path) -> None:
    if isinstance(archive, pulumi.AssetArchive):
        for name, member in sorted(archive.assets.items()):
            target = _inside(function, into, name)
            if isinstance(member, pulumi.Archive):
                _write_archive(function, member, target)
            else:
                _write_asset(function, member, target)
    elif isinstance(archive, pulumi.FileArchive):
        source = Path(archive.path)
        if source.is_dir():
            shutil.copytree(source, into, dirs_exist_ok=True)
        elif zipfile.is_zipfile(source):
            with zipfile.ZipFile(source) as package:
                for entry in package.namelist():
                    _inside(function, into, entry)  # refuse "../" entries before extracting anything
                package.extractall(into)
        else:
            raise FunctionCodeError(f"Lambda function {function}: {source} is neither a directory nor a zip")
    else:
        raise FunctionCodeError(f"Lambda function {function}: a {type(archive).__name__} is fetched by the "
                                "engine, never by local mode; declare a FileArchive or AssetArchive")


def _write_asset(function: str, asset: Any, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(asset, pulumi.FileAsset):
        shutil.copyfile(asset.path, target)
    elif isinstance(asset, pulumi.StringAsset):
        target.write_text(asset.text)
    else:
        raise FunctionCodeError(f"Lambda function {function}: a {type(asset).__name__} is fetched by the "
                                "engine, never by local mode; declare a FileAsset or StringAsset")


def _inside(function: str, root: Path, name: str) -> Path:
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts:
        raise FunctionCodeError(f"Lambda function {function}: archive path {name!r} leaves the package")
    return root.joinpath(*relative.parts)
