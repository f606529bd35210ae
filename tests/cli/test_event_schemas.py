"""`order-email schema --events`: a JSON Schema per order event that agrees with the sender's models."""

from __future__ import annotations

import json

import jsonschema
from typer.testing import CliRunner

from order_email.cli.main import app
from order_email.handlers.sender.kinds import KINDS
from tests.handlers.test_order_kinds import CANCELLED, SHIPPED
from tests.support.send_helpers import order


def test_every_event_type_has_its_kind_and_a_schema_that_takes_its_events() -> None:
    result = CliRunner().invoke(app, ["schema", "--events"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert list(document) == list(KINDS)
    assert {event_type: entry["emailKind"] for event_type, entry in document.items()} == {
        event_type: spec.kind for event_type, spec in KINDS.items()}
    samples = {"order.confirmed": order(), "order.shipped": SHIPPED, "order.cancelled": CANCELLED}
    for event_type, sample in samples.items():
        schema = document[event_type]["schema"]
        jsonschema.validate(sample, schema)
        for other, wrong in samples.items():
            if other != event_type:  # unknown fields are refused, so no event passes for another
                assert not jsonschema.Draft202012Validator(schema).is_valid(wrong), (event_type, other)
