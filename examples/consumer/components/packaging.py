"""Our Lambda code as a deployment package: the files of our `handlers` package, at the paths the
handler strings use (`handlers.order_audit.handler`).

An `AssetArchive` of explicit files rather than a `FileArchive` of the folder, so `__pycache__` and
editor droppings never change the package's hash (and so never cause a needless code update).
"""

from __future__ import annotations

from pathlib import Path

import pulumi

HANDLERS_DIR = Path(__file__).resolve().parent.parent / "handlers"
"""This project's `handlers` package (found from this file, whatever the working directory)."""


def handler_files(package_dir: Path = HANDLERS_DIR) -> dict[str, Path]:
    """`{archive path: file}` for every Python source of the package, sorted."""
    files = {
        f"{package_dir.name}/{path.relative_to(package_dir).as_posix()}": path
        for path in package_dir.rglob("*.py")
        if "__pycache__" not in path.parts and not path.name.startswith(".")
    }
    if f"{package_dir.name}/__init__.py" not in files:
        raise FileNotFoundError(f"{package_dir} is not a Python package (no __init__.py)")
    return dict(sorted(files.items()))


def handler_archive(package_dir: Path = HANDLERS_DIR) -> pulumi.AssetArchive:
    return pulumi.AssetArchive({name: pulumi.FileAsset(str(path)) for name, path in handler_files(package_dir).items()})
