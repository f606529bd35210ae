"""Local mode runs a function from its declared archive only, as Lambda runs it from /var/task."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pulumi
import pytest

from order_email.components.packaging import handler_code_archive
from order_email.localmode.function_code import FunctionCodeError, unpack


def test_the_handler_archive_unpacks_to_exactly_its_files(tmp_path: Path) -> None:
    archive = handler_code_archive()
    root = unpack("sender", archive, tmp_path / "task")
    written = sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())
    assert written == sorted(archive.assets)
    assert (root / "handlers" / "send_order_email.py").read_bytes() == \
        Path(archive.assets["handlers/send_order_email.py"].path).read_bytes()


def test_nested_archives_string_assets_and_zips(tmp_path: Path) -> None:
    package = tmp_path / "lib.zip"
    with zipfile.ZipFile(package, "w") as zipped:
        zipped.writestr("lib/__init__.py", "VALUE = 1\n")
    folder = tmp_path / "folder"
    (folder / "pkg").mkdir(parents=True)
    (folder / "pkg" / "mod.py").write_text("X = 2\n")
    code = pulumi.AssetArchive({
        "app.py": pulumi.StringAsset("def handler(event, context):\n    return 1\n"),
        "vendor": pulumi.FileArchive(str(package)),
        ".": pulumi.FileArchive(str(folder)),
    })
    root = unpack("f", code, tmp_path / "task")
    assert (root / "app.py").read_text().startswith("def handler")
    assert (root / "vendor" / "lib" / "__init__.py").read_text() == "VALUE = 1\n"
    assert (root / "pkg" / "mod.py").read_text() == "X = 2\n"


@pytest.mark.parametrize(("code", "message"), [
    (None, "declares no `code` archive"),
    (pulumi.RemoteArchive("https://example.com/code.zip"), "fetched by the engine"),
    (pulumi.AssetArchive({"x.py": pulumi.RemoteAsset("https://example.com/x.py")}), "fetched by the engine"),
    (pulumi.AssetArchive({"../escape.py": pulumi.StringAsset("")}), "leaves the package"),
])
def test_what_local_mode_cannot_run_is_refused_with_the_function_name(tmp_path: Path, code: object,
                                                                       message: str) -> None:
    with pytest.raises(FunctionCodeError, match=message) as raised:
        unpack("order-email-sender-function", code, tmp_path / "task")
    assert "order-email-sender-function" in str(raised.value)


def test_a_zip_entry_leaving_the_package_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    package = tmp_path / "evil.zip"
    with zipfile.ZipFile(package, "w") as zipped:
        zipped.writestr("ok.py", "")
        zipped.writestr("../evil.py", "")
    with pytest.raises(FunctionCodeError, match="leaves the package"):
        unpack("f", pulumi.FileArchive(str(package)), tmp_path / "task")
    assert not (tmp_path / "evil.py").exists() and not (tmp_path / "task" / "ok.py").exists()
