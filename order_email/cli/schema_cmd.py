"""`schema`: the component package's schema, the one `provider/` serves to `pulumi package add`; with
`--events`, the JSON Schema of each order event the orders topic takes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

Output = Annotated[Path | None, typer.Option("--output", "-o", dir_okay=False, help="Write here instead of stdout.")]
Events = Annotated[bool, typer.Option("--events", help="Print the order events' JSON Schemas instead, by eventType.")]


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


def event_schemas() -> str:
    """`{eventType: {"emailKind", "schema"}}`: each event body's JSON Schema (pydantic's, draft 2020-12),
    from the models the sender validates with, so a publisher can check an event before publishing."""
    from order_email.handlers.sender.kinds import KINDS

    document = {event_type: {"emailKind": spec.kind, "schema": spec.model.model_json_schema()}
                for event_type, spec in KINDS.items()}
    return json.dumps(document, indent=2) + "\n"


def schema(output: Output = None, events: Events = False) -> None:
    """Print the package schema TypeScript, Go, C# and YAML programs get from `provider/`.

    It is what `pulumi package add` generates their SDKs from, built from the components' type
    annotations by Pulumi's component analyzer: the JSON the provider serves, indented with sorted
    keys. Regenerate the committed copy with `order-email schema -o order_email/schema.json`.
    `--events` prints the JSON Schema of every order event instead (`eventType` → e-mail kind and schema).
    """
    text = event_schemas() if events else package_schema()
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
