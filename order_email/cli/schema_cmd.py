"""`schema`: the component package's schema, the one `provider/` serves to `pulumi package add`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

Output = Annotated[Path | None, typer.Option("--output", "-o", dir_okay=False, help="Write here instead of stdout.")]


def package_schema() -> str:
    """The schema the provider's GetSchema serves, as canonical pretty JSON.

    The provider serves `json.dumps` of the schema on one line; this is the same JSON value (equal
    after `json.loads`, which the tests check against a running provider) indented by two spaces with
    sorted keys and a final newline, so the committed copy (`order_email/schema.json`) diffs line by
    line and changes only when the schema does.
    """
    from pulumi.provider.experimental.component import ComponentProvider

    from order_email import __version__
    from order_email.components.package import COMPONENTS, PACKAGE_NAME

    served = ComponentProvider(list(COMPONENTS), PACKAGE_NAME, version=__version__).schema
    if served is None:
        raise RuntimeError("Pulumi's component provider built no schema")
    return json.dumps(json.loads(served), indent=2, sort_keys=True) + "\n"


def schema(output: Output = None) -> None:
    """Print the package schema TypeScript, Go, C# and YAML programs get from `provider/`.

    It is what `pulumi package add` generates their SDKs from, built from the components' type
    annotations by Pulumi's component analyzer: the JSON the provider serves, indented with sorted
    keys. Regenerate the committed copy with `order-email schema -o order_email/schema.json`.
    """
    text = package_schema()
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
