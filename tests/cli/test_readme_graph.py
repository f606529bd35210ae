"""The README's architecture diagram is the one the dev stack's resource graph draws."""

from __future__ import annotations

import re

from order_email.cli.architecture import architecture, to_mermaid
from order_email.mockstack import run_stack
from tests.support.paths import REPO


def test_readme_diagram_matches_the_resource_graph() -> None:
    readme = (REPO / "README.md").read_text()
    match = re.search(r"<!-- graph:dev:start -->\n```mermaid\n(.*?)```\n<!-- graph:dev:end -->", readme, re.DOTALL)
    assert match, "README.md lost its generated diagram block"
    expected = to_mermaid(architecture(run_stack("dev").resources))
    assert match.group(1) == expected, "regenerate: order-email graph --stack dev --format mermaid"
