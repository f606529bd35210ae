"""Chaos runs of local mode: the fault plan, the in-process injector, and one small chaos profile end to end."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from typer.testing import CliRunner

from order_email.handlers.sender.mailer import SendErrorKind, classify_send_error
from order_email.handlers.shared.masking import address_hash
from order_email.handlers.shared.order_ids import to_tag_value
from order_email.localmode import LocalSystem
from order_email.localmode.chaos import POISON_KINDS, distinct_letters, plan_scenario, run_chaos
from order_email.localmode.faults import FaultInjector, FaultPlan, profile, scaled_environment, scaled_seconds
from tests.support.json_keys import non_camel_keys
from tests.support.local_system import SIM, order, status

# -- the plan ---------------------------------------------------------------------------------------


def test_chaos_profile_has_the_issue_rates_and_round_trips_through_json() -> None:
    plan = FaultPlan.chaos(42)
    assert (plan.duplicate_rate, plan.ses_throttle_rate, plan.dynamodb_error_rate, plan.crash_rate,
            plan.poison_rate) == (0.10, 0.05, 0.02, 0.01, 0.01)
    assert plan.unprocessed_keys_rate == 0.05  # batch reads answered in part, as a throttled partition does
    assert plan.reorder_events and plan.late_event_rate > 0 and plan.event_duplicate_rate > 0
    assert plan.send_rate == 20 and plan.pause_after == 0.3 and plan.pause_seconds == 20  # dev's 1/s, compressed 20x
    assert FaultPlan.from_json(plan.to_json()) == plan
    assert profile("chaos", 42) == plan
    assert profile("none", 42) is None
    with pytest.raises(ValueError, match="unknown fault profile"):
        profile("mayhem", 1)


@pytest.mark.parametrize(("declared", "scale", "local"), [(60, 0.05, 3), (300, 0.05, 15), (181, 0.05, 9),
                                                           (60, 0.001, 1), (300, 1.0, 300)])
def test_scaled_seconds(declared: int, scale: float, local: int) -> None:
    assert scaled_seconds(declared, scale) == local


def test_time_scale_touches_only_the_lease_grace_hold_and_rate_variables() -> None:
    declared = {"LEASE_SECONDS": "60", "SEND_GRACE_SECONDS": "300", "RETENTION_DAYS": "30", "DLQ_URL": "u"}
    assert scaled_environment(declared, 0.05) == {**declared, "LEASE_SECONDS": "3", "SEND_GRACE_SECONDS": "15"}
    assert scaled_environment(declared, None) == declared
    assert scaled_environment({"DLQ_URL": "u"}, 0.05) == {"DLQ_URL": "u"}
    sender = {"HOLD_MAX_DELAY_SECONDS": "900", "HOLD_GIVE_UP_SECONDS": "259200", "SEND_RATE_PER_WORKER": "0.5"}
    assert scaled_environment(sender, 0.05) == {"HOLD_MAX_DELAY_SECONDS": "45", "HOLD_GIVE_UP_SECONDS": "12960",
                                                "SEND_RATE_PER_WORKER": "10"}
    # without a time scale only the hold backoff is compressed, so held orders resume within a minute
    assert scaled_environment(sender, None) == {**sender, "HOLD_MAX_DELAY_SECONDS": "18",
                                                "HOLD_GIVE_UP_SECONDS": "5184"}


def test_scenario_is_seeded_and_holds_every_kind_of_input() -> None:
    plan = FaultPlan.chaos(9, poison_rate=0.06, duplicate_rate=0.2)
    scenario = plan_scenario(100, plan)
    assert plan_scenario(100, plan).inputs == scenario.inputs
    kinds = Counter(item.kind for item in scenario.inputs)
    assert kinds["duplicate"] == round(len(scenario.expected_emails) * 0.2)
    assert {kind for kind in POISON_KINDS} <= set(kinds)
    assert sum(kinds[kind] for kind in POISON_KINDS) == 6
    assert len(scenario.sender_poison) + len(scenario.feedback_poison) == 6
    assert kinds["suppressed"] == 1 and sum(scenario.expected_emails.values()) == len(scenario.expected_emails) - 1
    bounced = [order_id for order_id, status in scenario.expected_status.items() if status in ("BOUNCED", "COMPLAINED")]
    assert len(scenario.suppressed_hashes) == len(bounced) + 1
    assert address_hash(scenario.pre_suppressed[0]) in scenario.suppressed_hashes


def test_dead_letter_copies_of_one_redelivered_record_count_once() -> None:
    letter = {"body": "x", "attributes": {"reason": "r", "errorType": "InvalidJson", "originalMessageId": "m1"}}
    redrive = {"body": "y", "attributes": {}}
    assert distinct_letters([letter, dict(letter), redrive, redrive]) == [letter, redrive, redrive]


# -- the injector: real botocore clients, answers parsed as real ones --------------------------------


def _client(service: str, injector: FaultInjector, attempts: int = 1) -> Any:
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                    region_name="eu-west-1")
    injector.attach(session._session)
    return session.client(service, endpoint_url="http://127.0.0.1:9",  # never reached: the hook answers
                          config=Config(retries={"mode": "standard", "total_max_attempts": attempts}))


def test_ses_throttle_is_the_error_ses_sends_and_the_sender_classifies_it_as_a_throttle() -> None:
    injector = FaultInjector(FaultPlan(ses_throttle_rate=1.0), "fn", 0, on_crash=lambda: None)
    with pytest.raises(ClientError) as raised:
        _client("sesv2", injector).send_email(FromEmailAddress="a@example.com", Destination={"ToAddresses": []},
                                              Content={"Simple": {"Subject": {"Data": "s"}, "Body": {}}})
    error = raised.value.response
    assert error["Error"]["Code"] == "TooManyRequestsException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert classify_send_error(error["Error"]["Code"], error["Error"]["Message"]).kind is SendErrorKind.THROTTLED
    assert injector.drain() == {"sesv2.TooManyRequestsException": 1}


def test_dynamodb_faults_are_transient_errors_that_botocore_retries() -> None:
    injector = FaultInjector(FaultPlan(dynamodb_error_rate=1.0, seed=3), "fn", 0, on_crash=lambda: None)
    with pytest.raises(ClientError) as raised:
        _client("dynamodb", injector, attempts=3).get_item(TableName="t", Key={"k": {"S": "v"}})
    assert raised.value.response["Error"]["Code"] in ("ProvisionedThroughputExceededException", "InternalServerError")
    assert sum(injector.drain().values()) == 3  # every attempt was answered by the injector: botocore retried


def test_partial_suppression_reads_send_every_order_once() -> None:
    """Every batch read of two keys or more answered in part (as a throttled partition answers): the sender
    asks again, or retries the orders it could not check later, and never sends one unchecked or twice."""
    plan = FaultPlan(unprocessed_keys_rate=1.0, seed=11)
    with LocalSystem("dev", faults=plan) as system:
        orders = [f"UK-{n}" for n in range(10)]
        suppressed = orders[::3]  # a held-back key of one of these must never let its e-mail out
        for order_id in suppressed:
            system.suppress(f"success+{order_id.lower()}@{SIM}")
        for order_id in orders:
            system.publish_order(order(order_id, f"success+{order_id.lower()}@{SIM}"))
        system.run_until_idle(timeout=120)
        assert {order_id: status(system, order_id) for order_id in orders} == {
            order_id: "SUPPRESSED" if order_id in suppressed else "DELIVERED" for order_id in orders}
        tags = Counter(email["tags"].get("orderId") for email in system.sent_emails())
        mailed = sorted(to_tag_value(order_id) for order_id in orders if order_id not in suppressed)
        assert sorted(tags) == mailed and set(tags.values()) == {1}
        assert system.faults_injected().get("dynamodb.UnprocessedKeys", 0) >= 1


# -- one small chaos profile, end to end (CI: ~30-45 s on 2 cores) ------------------------------------


@pytest.fixture(scope="module")
def chaos() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    plan = FaultPlan.chaos(20260101, crash_rate=0.15, ses_throttle_rate=0.15, dynamodb_error_rate=0.08,
                           poison_rate=0.12, duplicate_rate=0.2, late_event_rate=0.2, event_duplicate_rate=0.2,
                           feedback_crash_rate=0.1, very_late_rate=0.1, very_late_seconds=40.0,
                           send_rate=15.0, pause_seconds=6.0, time_scale=1 / 30)
    with LocalSystem("dev", faults=plan) as system:
        summary = run_chaos(system, 50, timeout=150)
        return summary, system.errors()


def test_every_invariant_holds_under_chaos(chaos: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    summary, _ = chaos
    failing = {name: check for name, check in summary["invariants"].items() if not check["ok"]}
    assert summary["invariantsOk"], json.dumps(failing, indent=1)
    assert summary["duplicates"] == summary["duplicatesAfterVeryLateSendEvents"] and summary["lost"] == 0
    # one recipient suppressed up front; a duplicate only where the stated bound was exceeded
    assert summary["emailsSent"] == summary["validOrders"] - 1 + summary["duplicates"]
    assert summary["deadLettered"] == 6
    assert non_camel_keys(summary) == []  # what `local --faults chaos --json` prints


def test_every_fault_actually_fired(chaos: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    summary, errors = chaos
    fired = summary["faultsInjected"]
    assert fired.get("crash.after_send", 0) >= 1
    assert fired.get("sesv2.TooManyRequestsException", 0) >= 1
    assert sum(count for name, count in fired.items() if name.startswith("dynamodb.")) >= 1
    assert fired["ses.late_events"] >= 1 and fired["ses.duplicated_events"] >= 1
    assert summary["heldOrders"] >= 1 and summary["sesRefusals"].get("SendingPausedException", 0) >= 1
    assert fired.get("crash.after_feedback_write", 0) >= 1 and fired["ses.very_late_emails"] >= 1
    crashes = [error for error in errors if error["errorType"] == "Runtime.ExitError"]
    # each crash is an invocation error, like Lambda's
    assert len(crashes) == fired["crash.after_send"] + fired.get("crash.after_feedback_write", 0)


def test_the_time_compression_is_reported(chaos: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    compression = chaos[0]["timeCompression"]
    assert compression["order-email-sender-function LEASE_SECONDS"] == "60 → 2"
    assert compression["order-email-sender-function SEND_GRACE_SECONDS"] == "900 → 30"
    assert compression["order-email-sender-queue visibility timeout"] == "181 → 6"


# -- the CLI's contract -------------------------------------------------------------------------------


class _FakeSystem:
    def __init__(self, stack: str, project_dir: Any = None, faults: FaultPlan | None = None):
        self.project_dir = project_dir
        self.faults = faults

    def __enter__(self) -> _FakeSystem:
        return self

    def __exit__(self, *_: object) -> None:
        return None


@pytest.mark.parametrize(("ok", "code"), [(True, 0), (False, 1)])
def test_cli_faults_chaos_prints_the_invariant_keys_and_exits_1_when_one_fails(
        monkeypatch: pytest.MonkeyPatch, ok: bool, code: int) -> None:
    from order_email.cli.main import app
    from order_email.localmode import chaos, system

    seen: dict[str, Any] = {}

    def fake_run(system: _FakeSystem, orders: int, reporter: Any = None) -> dict[str, Any]:
        seen["plan"] = system.faults
        return {"validOrders": orders, "emailsSent": orders, "duplicates": 0, "lost": 0, "deadLettered": 0,
                "invariantsOk": ok}

    monkeypatch.setattr(system, "LocalSystem", _FakeSystem)
    monkeypatch.setattr(chaos, "run_chaos", fake_run)
    result = CliRunner().invoke(app, ["local", "--faults", "chaos", "--orders", "7", "--seed", "5", "--json"])
    assert result.exit_code == code, result.output
    body = json.loads(result.stdout)
    assert {"validOrders", "emailsSent", "duplicates", "lost", "deadLettered", "invariantsOk"} <= set(body)
    assert seen["plan"] == FaultPlan.chaos(5)


def test_cli_rejects_an_unknown_fault_profile() -> None:
    from order_email.cli.main import app

    result = CliRunner().invoke(app, ["local", "--faults", "mayhem"])
    assert result.exit_code == 2
