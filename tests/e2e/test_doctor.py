"""`order-email doctor` against the dev stack running on the emulator, as against a deployed stack.

One system for the module; each test breaks one thing the way AWS or an operator would (the SES
controls, the SESv2 API, a deleted queue, a disabled key, an outputs file lacking an output) and the
`healthy` fixture puts it back, so every test starts from a stack on which every check is ok.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from order_email.cli.common import STACK_OUTPUTS_ENV
from order_email.cli.doctor import CHECKS
from order_email.cli.main import app
from order_email.localmode import LocalSystem
from tests.support.local_system import SIM, order
from tests.support.paths import REPO

CLI = Path(sys.executable).parent / "order-email"
FINDING_KEYS = {"check", "ok", "severity", "detail", "remedy"}


@pytest.fixture(scope="module")
def system() -> Iterator[LocalSystem]:
    with LocalSystem(stack="dev", project_dir=REPO) as running:
        yield running


@pytest.fixture(autouse=True)
def healthy(system: LocalSystem) -> Iterator[None]:
    """Each test starts and ends with nothing wrong."""
    yield
    controls = system.ses
    assert controls is not None
    controls.set_limits()
    controls.suspend(False)
    controls.set_probation(False)
    controls.set_production_access(True)
    controls.set_account_sending(True)
    controls.resume()
    controls.verify_identity(True, mail_from=True)


def doctor(system: LocalSystem, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(app, ["doctor", "--stack", "dev", "--project-dir", str(REPO), "--json", *args],
                                env={**system.cli_environment(), **(env or {})})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.stdout)


def finding(report: dict[str, Any], check: str) -> dict[str, Any]:
    return next(item for item in report["findings"] if item["check"] == check)


def failed(report: dict[str, Any]) -> list[str]:
    return [item["check"] for item in report["findings"] if item["severity"] == "error"]


def outputs_file(system: LocalSystem, tmp_path: Path, **changes: Any) -> dict[str, str]:
    """The system's outputs with `changes` (None removes a key), as an ORDER_EMAIL_STACK_OUTPUTS override."""
    outputs = json.loads(Path(system.cli_environment()[STACK_OUTPUTS_ENV]).read_text())
    for key, value in changes.items():
        if value is None:
            outputs.pop(key, None)
        else:
            outputs[key] = value
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs))
    return {STACK_OUTPUTS_ENV: str(path)}


def test_a_healthy_stack_passes_every_check_with_a_stable_json_shape(system: LocalSystem) -> None:
    code, report = doctor(system)
    assert code == 0
    assert set(report) == {"stack", "region", "ok", "counts", "findings"}
    assert report["stack"] == "dev" and report["region"] == "eu-west-1" and report["ok"] is True
    assert [item["check"] for item in report["findings"]] == list(CHECKS)
    assert all(set(item) == FINDING_KEYS for item in report["findings"])
    assert [item for item in report["findings"] if item["severity"] != "ok" or not item["ok"] or item["remedy"]] == []
    assert report["counts"] == {"ok": len(CHECKS), "warning": 0, "error": 0}
    assert "mail.dev.example-shop.com" in finding(report, "identity-verified")["detail"]
    assert "3 DKIM records" in finding(report, "dns-records")["detail"]


def test_the_table_names_each_check_and_the_exit_code_follows_the_errors(system: LocalSystem) -> None:
    result = CliRunner().invoke(app, ["doctor", "--stack", "dev", "--project-dir", str(REPO)],
                                env={**system.cli_environment(), "COLUMNS": "250"})
    assert result.exit_code == 0
    assert all(check in result.stdout for check in CHECKS)
    assert f"0 failed, 0 warning(s), {len(CHECKS)} ok" in result.stdout
    system.ses.verify_identity(False)  # type: ignore[union-attr]
    result = CliRunner().invoke(app, ["doctor", "--stack", "dev", "--project-dir", str(REPO)],
                                env={**system.cli_environment(), "COLUMNS": "250"})
    assert result.exit_code == 1 and "FAIL" in result.stdout and "2 failed" in result.stdout


def test_an_unverified_identity_fails_with_what_to_publish(system: LocalSystem) -> None:
    system.ses.verify_identity(False, mail_from=False)  # type: ignore[union-attr]  # no record published yet
    code, report = doctor(system)
    assert code == 1 and report["ok"] is False
    assert failed(report) == ["identity-verified", "identity-dkim", "identity-mail-from"]
    identity = finding(report, "identity-verified")
    assert "VerificationStatus PENDING" in identity["detail"]
    assert "pulumi stack output dnsRecords --json --stack dev" in identity["remedy"]
    assert "72 hours" in identity["remedy"]
    assert "DKIM status PENDING" in finding(report, "identity-dkim")["detail"]


def test_failed_verification_says_how_to_find_the_wrong_record(system: LocalSystem) -> None:
    system.ses.verify_identity(False, status="FAILED")  # type: ignore[union-attr]
    _, report = doctor(system)
    dkim = finding(report, "identity-dkim")
    assert "DKIM status FAILED" in dkim["detail"] and "dig" in dkim["remedy"]


def test_a_pending_mail_from_alone_fails_its_check(system: LocalSystem) -> None:
    system.ses.verify_identity(True, mail_from=False)  # type: ignore[union-attr]
    code, report = doctor(system)
    assert code == 1 and failed(report) == ["identity-mail-from"]
    mail_from = finding(report, "identity-mail-from")
    assert "bounce.mail.dev.example-shop.com status PENDING" in mail_from["detail"]
    assert "amazonses.com MAIL FROM" in mail_from["detail"]  # the stack's USE_DEFAULT_VALUE still sends
    assert "MX and SPF TXT records" in mail_from["remedy"] and "72 hours" in mail_from["remedy"]


def test_dns_records_naming_other_dkim_tokens_fail(system: LocalSystem, tmp_path: Path) -> None:
    outputs = json.loads(Path(system.cli_environment()[STACK_OUTPUTS_ENV]).read_text())
    stale = [dict(record, name="stale0token._domainkey.mail.dev.example-shop.com")
             if record["type"] == "CNAME" else record for record in outputs["dnsRecords"]]
    code, report = doctor(system, env=outputs_file(system, tmp_path, dnsRecords=stale))
    assert code == 1 and failed(report) == ["dns-records"]
    assert "pulumi refresh --stack dev" in finding(report, "dns-records")["remedy"]


def test_the_sandbox_is_a_warning_for_a_sandbox_mode_stack_and_an_error_otherwise(system: LocalSystem,
                                                                               tmp_path: Path) -> None:
    system.ses.set_production_access(False)  # type: ignore[union-attr]
    code, report = doctor(system)
    sandbox = finding(report, "ses-production-access")
    assert code == 0 and sandbox["severity"] == "warning" and "sandboxMode is true" in sandbox["detail"]

    project = tmp_path / "project"
    project.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(REPO / name, project / name)
    stack = yaml.safe_load((REPO / "Pulumi.dev.yaml").read_text())
    stack["config"]["order-email:sandboxMode"] = False
    (project / "Pulumi.dev.yaml").write_text(yaml.safe_dump(stack))
    result = CliRunner().invoke(app, ["doctor", "--stack", "dev", "--project-dir", str(project), "--json"],
                                env=system.cli_environment())
    report = json.loads(result.stdout)
    assert result.exit_code == 1 and failed(report) == ["ses-production-access"]
    sandbox = finding(report, "ses-production-access")
    assert "SES sandbox in eu-west-1" in sandbox["detail"] and "not been requested" in sandbox["detail"]
    assert "aws sesv2 put-account-details --production-access-enabled" in sandbox["remedy"]


def test_a_production_access_request_is_followed_to_its_answer(system: LocalSystem, tmp_path: Path) -> None:
    system.ses.set_production_access(False)  # type: ignore[union-attr]
    system.client("sesv2").put_account_details(ProductionAccessEnabled=True, MailType="TRANSACTIONAL",
                                               WebsiteURL="https://shop.example.com",
                                               UseCaseDescription="Order confirmations only.")
    _, report = doctor(system)
    sandbox = finding(report, "ses-production-access")
    assert "under review (case " in sandbox["detail"] and "wait for AWS's answer" in sandbox["remedy"]
    assert "shop.example.com" not in json.dumps(report)  # the account's details are not echoed
    system.ses.review_production_access("DENIED")  # type: ignore[union-attr]
    assert "was denied" in finding(doctor(system)[1], "ses-production-access")["detail"]
    system.ses.review_production_access("GRANTED")  # type: ignore[union-attr]
    assert finding(doctor(system)[1], "ses-production-access")["severity"] == "ok"


@pytest.mark.parametrize(("breaking", "check", "words"), [
    ("pause", "configuration-set", "put-configuration-set-sending-options --configuration-set-name order-email-dev"),
    ("account", "ses-sending", "put-account-sending-attributes --sending-enabled"),
    ("suspend", "ses-sending", "resume sending"),
])
def test_paused_or_suspended_sending_fails_with_how_to_resume(system: LocalSystem, breaking: str, check: str,
                                                              words: str) -> None:
    controls = system.ses
    assert controls is not None
    {"pause": controls.pause, "account": lambda: controls.set_account_sending(False),
     "suspend": controls.suspend}[breaking]()
    code, report = doctor(system)
    assert code == 1 and failed(report) == [check]
    assert words in finding(report, check)["remedy"]
    if breaking == "suspend":
        assert "SHUTDOWN" in finding(report, check)["detail"]


def test_probation_is_a_warning(system: LocalSystem) -> None:
    system.ses.set_probation()  # type: ignore[union-attr]
    code, report = doctor(system)
    assert code == 0 and finding(report, "ses-sending")["severity"] == "warning"
    assert "PROBATION" in finding(report, "ses-sending")["detail"]


def test_quota_warns_near_the_limit_and_fails_when_used_up(system: LocalSystem) -> None:
    system.ses.set_limits(max_24_hour_send=system.ses.account()["SendQuota"]["SentLast24Hours"] + 5)  # type: ignore[union-attr]
    for index in range(4):
        system.publish_order(order(f"Q-{index}", f"success+q{index}@{SIM}"))
    system.run_until_idle(timeout=60)
    code, report = doctor(system)
    assert code == 0 and finding(report, "ses-quota")["severity"] == "warning"
    assert "close to the daily quota" in finding(report, "ses-quota")["detail"]
    system.publish_order(order("Q-4", f"success+q4@{SIM}"))
    system.run_until_idle(timeout=60)
    code, report = doctor(system)
    assert code == 1 and failed(report) == ["ses-quota"]
    assert "Service Quotas" in finding(report, "ses-quota")["remedy"]


def test_a_send_rate_above_the_accounts_is_a_warning_naming_the_rate_to_set(system: LocalSystem) -> None:
    system.ses.set_limits(max_send_rate=0.5)  # type: ignore[union-attr]
    code, report = doctor(system)  # Pulumi.dev.yaml: sesMaxSendRate 1
    rate = finding(report, "ses-send-rate")
    assert code == 0 and rate["severity"] == "warning"
    assert rate["remedy"].startswith("pulumi config set sesMaxSendRate 0.5 --stack dev")


def test_a_missing_output_is_named(system: LocalSystem, tmp_path: Path) -> None:
    code, report = doctor(system, env=outputs_file(system, tmp_path, ordersTopicArn=None, kmsKeyArn=None))
    assert code == 1 and failed(report) == ["output:ordersTopicArn"]
    assert finding(report, "output:ordersTopicArn")["detail"] == "the stack has no ordersTopicArn output"
    assert finding(report, "output:kmsKeyArn")["severity"] == "warning"  # optional: checked when exported


def test_a_deleted_queue_is_named_with_how_to_recreate_it(system: LocalSystem) -> None:
    sqs = system.client("sqs")
    url = json.loads(Path(system.cli_environment()[STACK_OUTPUTS_ENV]).read_text())["sendDeadLetterQueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    sqs.delete_queue(QueueUrl=url)
    try:
        code, report = doctor(system)
    finally:
        kept = {key: value for key, value in attributes.items()
                if key in ("VisibilityTimeout", "MessageRetentionPeriod", "KmsMasterKeyId", "SqsManagedSseEnabled")}
        sqs.create_queue(QueueName=url.rpartition("/")[2], Attributes=kept)
    assert code == 1 and failed(report) == ["output:sendDeadLetterQueueUrl"]
    queue = finding(report, "output:sendDeadLetterQueueUrl")
    assert url in queue["detail"] and "does not exist" in queue["detail"]
    assert queue["remedy"] == "pulumi refresh --stack dev, then pulumi up --stack dev recreates it"


def test_dead_letters_waiting_are_a_warning_with_the_dlq_commands(system: LocalSystem) -> None:
    sqs = system.client("sqs")
    url = json.loads(Path(system.cli_environment()[STACK_OUTPUTS_ENV]).read_text())["feedbackDeadLetterQueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="{}")
    try:
        code, report = doctor(system)
    finally:
        sqs.purge_queue(QueueUrl=url)
    letters = finding(report, "output:feedbackDeadLetterQueueUrl")
    assert code == 0 and letters["severity"] == "warning"
    assert f"order-email dlq list {url}" in letters["remedy"]


def test_a_disabled_key_fails(system: LocalSystem) -> None:
    kms = system.client("kms")
    key = json.loads(Path(system.cli_environment()[STACK_OUTPUTS_ENV]).read_text())["kmsKeyArn"]
    kms.disable_key(KeyId=key.rpartition("/")[2])  # moto takes the id (AWS either)
    try:
        code, report = doctor(system)
    finally:
        kms.enable_key(KeyId=key.rpartition("/")[2])
    assert code == 1 and failed(report) == ["output:kmsKeyArn"]
    assert finding(report, "output:kmsKeyArn")["remedy"] == f"aws kms enable-key --key-id {key}"


def test_no_outputs_at_all_is_a_usage_error(system: LocalSystem) -> None:
    result = CliRunner().invoke(app, ["doctor", "--stack", "dev"],
                                env={**system.cli_environment(), STACK_OUTPUTS_ENV: "", "PATH": ""})
    assert result.exit_code == 2 and "no outputs for stack 'dev'" in result.stderr


def test_an_unreachable_endpoint_is_one_line_not_a_traceback(system: LocalSystem) -> None:
    environment = {**os.environ, **system.cli_environment(), "AWS_MAX_ATTEMPTS": "1",
                   "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    result = subprocess.run([str(CLI), "doctor", "--stack", "dev", "--project-dir", str(REPO)], env=environment,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.startswith("error: Could not connect")
    assert len(result.stderr.strip().splitlines()) == 1
