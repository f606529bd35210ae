"""Run a Pulumi program under mocks and record every resource it declares.

Used by the tests, the `order-email preview|graph|policy` commands and local mode, so all of them
see the same resource graph the real engine would be asked to create.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import runpy
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import wait_for_rpcs

from order_email.components import packaging
from order_email.components.config import PROJECT
from order_email.mockstack.fake_cloud import FakeCloud

PROGRAM_FILE = "__main__.py"
"""What the Python language host runs in a project directory (`main:` in Pulumi.yaml can move it)."""


@dataclass(frozen=True)
class RecordedResource:
    """One resource as the engine would receive it: camelCase inputs, plus the mock's state."""

    type: str
    name: str
    urn: str
    parent: str | None
    inputs: dict[str, Any]
    state: dict[str, Any]
    custom: bool
    protect: bool
    dependencies: tuple[str, ...] = ()
    """URNs the engine would wait for before creating it: `depends_on` (a component expanded to its
    children) plus the resources its inputs come from."""
    ignore_changes: tuple[str, ...] = ()
    """Input property paths the engine would not diff on update (`ignore_changes`)."""

    @property
    def parent_name(self) -> str | None:
        return self.parent.rsplit("::", 1)[-1] if self.parent else None


@dataclass
class StackRun:
    """Everything a program declared, in declaration order, and its stack outputs."""

    stack: str
    resources: list[RecordedResource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)

    def of_type(self, type_token: str) -> list[RecordedResource]:
        return [resource for resource in self.resources if resource.type == type_token]

    def named(self, name: str) -> RecordedResource:
        matches = [resource for resource in self.resources if resource.name == name]
        if len(matches) != 1:
            raise KeyError(f"expected one resource named {name!r}, found {len(matches)}")
        return matches[0]

    def by_urn(self, urn: str) -> RecordedResource:
        return next(resource for resource in self.resources if resource.urn == urn)

    def children_of(self, parent: RecordedResource) -> Iterator[RecordedResource]:
        return (resource for resource in self.resources if resource.parent == parent.urn)


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    """Keeps what the plain mock monitor drops: parent, protect, dependencies, ignore_changes and the
    mock's returned state."""

    def __init__(self, cloud: FakeCloud, run: StackRun):
        super().__init__(cloud)
        self._run = run

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            registration = self.resources[response.urn]
            self._run.resources.append(
                RecordedResource(
                    type=request.type,
                    name=request.name,
                    urn=response.urn,
                    parent=request.parent or None,
                    inputs=dict(rpc.deserialize_properties(request.object)),
                    state=dict(registration.state),
                    custom=bool(request.custom),
                    protect=bool(request.protect),
                    dependencies=tuple(request.dependencies),
                    ignore_changes=tuple(request.ignoreChanges),
                )
            )
        return response


@dataclass(frozen=True)
class Project:
    """A Pulumi project directory: its name, its program and its `Pulumi.<stack>.yaml` files."""

    directory: Path
    name: str
    main: Path
    defaults: dict[str, Any]
    """Project-level config (`config:` in Pulumi.yaml) with a `value`: applies unless a stack sets the key."""

    @classmethod
    def at(cls, directory: Path | str | None = None) -> Project:
        """The project in `directory` (default: the current one); a clear error when it is not one."""
        root = Path(directory or Path.cwd()).resolve()
        manifest = root / "Pulumi.yaml"
        if not manifest.is_file():
            raise FileNotFoundError(f"{root} is not a Pulumi project (no Pulumi.yaml)")
        document = yaml.safe_load(manifest.read_text()) or {}
        name = str(document.get("name") or "")
        if not name:
            raise ValueError(f"{manifest}: `name` is required")
        main = root / str(document.get("main") or "")
        main = main / PROGRAM_FILE if main.is_dir() else main
        if not main.is_file():
            raise FileNotFoundError(f"{root} has no Pulumi program ({main.relative_to(root)} is missing)")
        defaults = {}
        for key, entry in (document.get("config") or {}).items():
            if isinstance(entry, dict) and "value" in entry:
                defaults[key if ":" in key else f"{name}:{key}"] = entry["value"]
        return cls(directory=root, name=name, main=main, defaults=defaults)

    @property
    def stacks(self) -> list[str]:
        return sorted(path.name[len("Pulumi."):-len(".yaml")] for path in self.directory.glob("Pulumi.*.yaml"))

    def stack_config(self, stack: str) -> dict[str, str]:
        """`Pulumi.<stack>.yaml` over the project defaults, as the engine passes config: flat keys,
        structured values as JSON."""
        path = self.directory / f"Pulumi.{stack}.yaml"
        if not path.is_file():
            raise FileNotFoundError(
                f"no stack file {path.name} in {self.directory}; known stacks: {', '.join(self.stacks) or 'none'}")
        document = yaml.safe_load(path.read_text()) or {}
        values = {**self.defaults, **(document.get("config") or {})}
        return {key: engine_value(value) for key, value in values.items()}

    @contextlib.contextmanager
    def importable(self) -> Iterator[None]:
        """Run as the language host runs a program: from its directory, its packages importable.

        The project's own top-level modules (its `components`, `handlers`, ...) are forgotten
        afterwards, so two projects run in one process never see each other's packages; modules of
        the same names already loaded (another project's `components`) are set aside meanwhile, so
        the program imports its own, and put back afterwards."""
        previous_cwd, previous_path = Path.cwd(), list(sys.path)
        directory = self.main.parent
        shadowed = {name: module for name, module in sys.modules.items() if _is_project_module(name, directory)}
        for name in shadowed:
            del sys.modules[name]
        before = set(sys.modules)
        sys.path.insert(0, str(directory))
        os.chdir(self.directory)
        try:
            yield
        finally:
            os.chdir(previous_cwd)
            sys.path[:] = previous_path
            for module in set(sys.modules) - before:
                if _is_project_module(module, directory):
                    del sys.modules[module]
            sys.modules.update(shadowed)


def engine_value(value: Any) -> str:
    """A config value as the engine passes it to a program: text, structured values as JSON."""
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _is_project_module(module: str, directory: Path) -> bool:
    """A module of the project's own top-level packages (never order-email's, which it imports, nor the
    interpreter's `__main__`, which a project's `__main__.py` would otherwise seem to be)."""
    top = module.partition(".")[0]
    if top in ("order_email", "__main__"):
        return False
    return (directory / top / "__init__.py").is_file() or (directory / f"{top}.py").is_file()


def stack_config(stack: str, project_dir: Path | str | None = None) -> dict[str, str]:
    """The config the engine would pass the program of `project_dir` (default: current directory)."""
    return Project.at(project_dir).stack_config(stack)


def run_program(
    program: Callable[[], None],
    *,
    stack: str,
    config: Mapping[str, str],
    preview: bool = False,
    project: str = PROJECT,
) -> StackRun:
    """Run `program` against fresh mocks on a fresh event loop; raise what the program raises."""
    run = StackRun(stack=stack)
    # Mocks never read archives, so no layer is built: components reference the cached path only.
    previous_layer_mode = os.environ.get(packaging.LAYER_BUILD_ENV)
    os.environ[packaging.LAYER_BUILD_ENV] = "never"
    cloud = FakeCloud(region=config.get("aws:region", "eu-west-1"))
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        pulumi_settings.reset_options()
        pulumi_settings.set_root_resource(None)  # type: ignore[arg-type]
        pulumi.runtime.set_all_config(dict(config))
        pulumi.runtime.set_mocks(
            cloud, project=project, stack=stack, preview=preview, monitor=_RecordingMonitor(cloud, run)
        )
        try:
            program()
        except BaseException:
            # Let what the program had already registered finish, so nothing leaks into the next run.
            with contextlib.suppress(Exception):
                loop.run_until_complete(wait_for_rpcs())
            raise
        loop.run_until_complete(wait_for_rpcs())
        root = pulumi_settings.get_root_resource()
        for key, value in getattr(root, "outputs", {}).items():
            run.outputs[key] = loop.run_until_complete(pulumi.Output.from_input(value).future())
    finally:
        loop.close()
        asyncio.set_event_loop(None)
        if previous_layer_mode is None:
            os.environ.pop(packaging.LAYER_BUILD_ENV, None)
        else:
            os.environ[packaging.LAYER_BUILD_ENV] = previous_layer_mode
    return run


def run_stack(
    stack: str,
    *,
    overrides: Mapping[str, str | None] | None = None,
    project_dir: Path | str | None = None,
    preview: bool = False,
) -> StackRun:
    """Run a project's program (default: the current directory's) with its real `Pulumi.<stack>.yaml`
    (plus overrides; None removes)."""
    project = Project.at(project_dir)
    config = project.stack_config(stack)
    for key, value in (overrides or {}).items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value

    def program() -> None:
        runpy.run_path(str(project.main), run_name="__main__")

    # Importable until every registration has resolved, not only while the program runs: the runtime
    # resolves a resource's outputs later, reading its class's annotations in the class's module, and a
    # project's own component module (`components.x`) is forgotten when `importable()` ends.
    with project.importable():
        return run_program(program, stack=stack, config=config, preview=preview, project=project.name)
