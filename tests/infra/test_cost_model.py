"""The cost model `make bench` reports (benchmarks/cost_model.py): it prices the stacks' real resource graphs
and DynamoDB's billing rules, so a change to either shows up in the numbers."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import cost_model
import prices

from order_email.components.subscribed_queue import DATA_KEY_REUSE_SECONDS
from order_email.mockstack import run_stack


@pytest.fixture(scope="module", params=["dev", "prod"])
def stack(request: pytest.FixtureRequest) -> tuple[str, dict, object]:
    return request.param, cost_model.stack_inventory(request.param), run_stack(request.param)


def test_fixed_cost_counts_what_the_stack_creates(stack) -> None:
    _, inventory, run = stack
    fixed = cost_model.fixed_monthly(inventory)
    dashboards = len(run.of_type("aws:cloudwatch/dashboard:Dashboard"))
    assert fixed["dashboards"] == pytest.approx(dashboards * prices.DASHBOARD_PER_MONTH)
    assert fixed["kms_keys"] == pytest.approx(len(run.of_type("aws:kms/key:Key")) * prices.KMS_KEY_PER_MONTH)
    watched = 0
    for alarm in run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
        queries = alarm.inputs.get("metricQueries") or []
        watched += sum(1 for query in queries if query.get("metric")) or 1
    assert fixed["alarms"] == pytest.approx(watched * prices.ALARM_PER_METRIC_MONTH)
    # two SQS event source mappings (send, feedback) long-poll even when idle
    assert inventory["queues_polled"] == 2
    assert fixed["sqs_idle_polling"] > 0


def test_snapstart_would_be_a_fixed_cost_of_every_function_in_the_graph(stack) -> None:
    _, inventory, run = stack
    what_if = cost_model.snapstart_what_if(inventory)
    functions = {function.name: float(function.inputs.get("memorySize", 128))
                 for function in run.of_type("aws:lambda/function:Function")}
    assert set(what_if["cache_per_month_usd"]) == set(functions)
    month = prices.DAYS_PER_MONTH * 24 * 3600
    for name, memory in functions.items():
        assert what_if["cache_per_month_usd"][name] == pytest.approx(
            memory / 1024 * month * prices.SNAPSTART_CACHE_PER_GB_SECOND, abs=1e-3)
    # paid idle: more than the whole fixed-cost target of either stack
    assert what_if["cache_total_per_month_usd"] > 1.0


def test_every_encrypted_queue_reuses_its_data_key_within_what_sqs_allows(stack) -> None:
    _, inventory, _ = stack
    queues = [reuse for kind, reuse in inventory["kms_encrypted"].values() if kind == "queue"]
    assert all(reuse == DATA_KEY_REUSE_SECONDS for reuse in queues)
    assert 60 <= DATA_KEY_REUSE_SECONDS <= 86_400  # SetQueueAttributes refuses anything else


def test_an_idle_stack_makes_no_kms_requests_and_traffic_does() -> None:
    inventory = cost_model.stack_inventory("prod")
    local = {"metric_series_per_email": {"OrderEmail/EmailsSent/service": 1.0}, "feedback_events_per_email": 2.0,
             "deliveries_writes_per_email": 10.0}
    idle = cost_model.volume_monthly(0, inventory, local)
    busy = cost_model.volume_monthly(2_000, inventory, local)
    assert idle == {"custom_metrics": 0.0, "kms_requests": 0.0}
    assert busy["kms_requests"] > 0
    # 83 e-mails an hour: the series has data every hour, billed the whole month
    assert busy["custom_metrics"] == pytest.approx(prices.CUSTOM_METRIC_PER_MONTH)


TABLE = {
    "keys": ("orderId", "kind"),
    "indexes": [
        {"name": "bySesMessageId", "hashKey": "sesMessageId", "projectionType": "KEYS_ONLY"},
        {"name": "recentByStatus", "hashKey": "statusShard", "rangeKey": "statusSortKey",
         "projectionType": "INCLUDE", "nonKeyAttributes": ["status"]},
        {"name": "byRecipient", "hashKey": "recipientHash", "rangeKey": "createdAt", "projectionType": "KEYS_ONLY"},
    ],
}


def test_write_units_follow_dynamodbs_index_rules() -> None:
    # one e-mail: claim + record by the sender, one status write (Delivery) by the feedback path
    calls = {cost_model.SENDER_FUNCTION: Counter({"dynamodb.UpdateItem": 2}),
             cost_model.FEEDBACK_FUNCTION: Counter({"dynamodb.UpdateItem": 1})}
    # claim: item 1 + status index put 1 + recipient index put 1; record: item 1 + status key move 2 +
    # message-id index put 1; delivery: item 1 + status key move 2. A KEYS_ONLY recipient index is
    # never written again.
    assert cost_model.deliveries_writes(calls, 1, TABLE, 900) == pytest.approx(3 + 4 + 3)
    # over 1 KB every write of the item costs two units
    assert cost_model.deliveries_writes(calls, 1, TABLE, 1100) == pytest.approx(4 + 5 + 4)
    projecting = {**TABLE, "indexes": [*TABLE["indexes"][:2], {**TABLE["indexes"][2], "projectionType": "INCLUDE",
                                                                "nonKeyAttributes": ["lastUpdated"]}]}
    assert cost_model.deliveries_writes(calls, 1, projecting, 900) == pytest.approx(3 + 5 + 4)


def test_stored_bytes_count_each_index_copy_and_skip_items_outside_an_index() -> None:
    item = {"orderId": "o-1", "kind": "order-confirmation", "status": "SENDING", "statusShard": "S#1",
            "statusSortKey": "t#o-1", "recipientHash": "h", "createdAt": "t", "history": ["x" * 300]}
    sizes = cost_model.stored_bytes([item], TABLE)
    assert sizes["bySesMessageId"] == 0  # not sent yet: not in the message-id index
    assert sizes["item"] > sizes["recentByStatus"] > cost_model.ITEM_OVERHEAD_BYTES
    assert sizes["byRecipient"] < sizes["recentByStatus"]
