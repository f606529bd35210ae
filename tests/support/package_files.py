"""Where the package tests find the committed schema, the provider folder and the YAML example."""

from __future__ import annotations

import json
from typing import Any

import yaml

from tests.support.paths import REPO

SCHEMA_FILE = REPO / "order_email" / "schema.json"
PROVIDER_DIR = REPO / "provider"
YAML_EXAMPLE = REPO / "examples" / "yaml" / "Pulumi.yaml"
REGENERATE = "regenerate it with `order-email schema -o order_email/schema.json` and commit it"


def committed_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def yaml_example() -> dict[str, Any]:
    return yaml.safe_load(YAML_EXAMPLE.read_text(encoding="utf-8"))
