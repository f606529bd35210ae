"""The real stacks with the webhook on (stack key `webhook`) against the pack: no mandatory violation, no new
advisory, every policy document parliament-clean, every queue TLS-only."""

from __future__ import annotations

import json

import pytest

from order_email.cli.policy_run import stack_pack_config
from order_email.mockstack import Project, StackRun
from order_email.policy import documents, parliament_check
from order_email.policy import resource_types as t
from order_email.policy.check import check_resources
from tests.policy.test_stacks import KNOWN_ADVISORIES
from tests.support.paths import REPO
from tests.support.stacks import recorded_stack_with_webhook


@pytest.fixture(params=["dev", "prod"])
def run(request: pytest.FixtureRequest) -> StackRun:
    return recorded_stack_with_webhook(request.param)


def test_the_webhook_stack_passes_the_pack_with_only_the_known_advisories(run: StackRun) -> None:
    assert any(resource.name == "order-email-webhook-function" for resource in run.resources)
    found = check_resources(run.resources, stack_pack_config(Project.at(REPO), run.stack))
    assert [violation for violation in found if violation.mandatory] == []
    assert {(violation.rule, violation.resource_name) for violation in found} <= KNOWN_ADVISORIES


def test_the_webhook_documents_pass_parliament(run: StackRun) -> None:
    webhook = [resource for resource in run.resources if resource.name.startswith("order-email-webhook")]
    found = [(resource.name, document) for resource in webhook
             for document in parliament_check.policy_documents(resource.type, resource.inputs)]
    assert {document.kind for _, document in found} >= {"identity", "trust", "resource"}
    assert {name: parliament_check.unexplained_findings(document) for name, document in found
            if parliament_check.unexplained_findings(document)} == {}


def test_the_webhook_queues_deny_insecure_transport(run: StackRun) -> None:
    policies = {r.inputs["queueUrl"]: json.loads(r.inputs["policy"]) for r in run.of_type(t.SQS_QUEUE_POLICY)}
    for name in ("order-email-webhook-queue", "order-email-webhook-dlq"):
        queue = run.named(name).state
        assert any(documents.denies_insecure_transport(statement) and queue["arn"] in documents.resources(statement)
                   for statement in documents.statements(policies[queue["url"]])), name
