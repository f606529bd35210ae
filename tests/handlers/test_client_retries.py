"""botocore retries exactly as the handlers' timeout arithmetic assumes (found by the chaos runs).

SendEmail has no idempotency token, so it must never be retried by botocore: a read timeout after
SES accepted the e-mail would mail the customer twice. botocore's `max_attempts` counts *retries*
(it becomes `total_max_attempts = max_attempts + 1`), so the configs use `total_max_attempts`.
"""

from __future__ import annotations

import contextlib
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError

from order_email.handlers.sender.addresses import mailbox_header
from order_email.handlers.sender.clients import DYNAMODB_CONFIG, SES_CONFIG
from order_email.handlers.sender.mailer import Mailer, Sender
from order_email.handlers.sender.rendering import RenderedEmail
from order_email.handlers.shared import schema
from order_email.localmode.faults import RawBody, error_response


def _ses_that_accepts_but_whose_first_answer_is_lost(accepted: list[str]) -> Any:
    """A SESv2 client with the sender's own config; 'SES' accepts every request it receives, but the
    answer to the first one never arrives (read timeout), as on a congested network."""
    client = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                   region_name="eu-west-1").client("sesv2", config=SES_CONFIG,
                                                                   endpoint_url="http://127.0.0.1:9")

    def ses(request: Any, **_: Any) -> Any:
        accepted.append(f"msg-{len(accepted) + 1}")
        if len(accepted) == 1:
            raise ReadTimeoutError(endpoint_url=request.url)
        body = f'{{"MessageId": "{accepted[-1]}"}}'.encode()
        return AWSResponse(request.url, 200, {"Content-Type": "application/json"}, RawBody(body))

    client.meta.events.register("before-send.sesv2.SendEmail", ses)
    return client


def test_sendemail_is_never_retried_by_botocore_after_ses_may_have_accepted() -> None:
    accepted: list[str] = []
    mailer = Mailer(_ses_that_accepts_but_whose_first_answer_is_lost(accepted),
                    Sender(from_header=mailbox_header("Shop", "orders@example.com"), from_address="orders@example.com",
                           reply_to=None,
                           configuration_set="cs"))
    email = RenderedEmail(subject="Your order", text="text", html="<p>html</p>")
    with contextlib.suppress(Exception):  # the outcome under test is how many e-mails SES received
        mailer.send("success@simulator.amazonses.com", email, "o-1", schema.ORDER_CONFIRMATION)
    assert accepted == ["msg-1"], f"SES received {len(accepted)} SendEmail requests for one order"


def test_dynamodb_calls_make_the_two_attempts_the_worst_case_arithmetic_assumes() -> None:
    client = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                   region_name="eu-west-1").client("dynamodb", config=DYNAMODB_CONFIG,
                                                                   endpoint_url="http://127.0.0.1:9")
    attempts: list[int] = []

    def unavailable(request: Any, **_: Any) -> Any:
        attempts.append(1)
        return error_response(request.url, 500, "InternalServerError", "x", "json")

    client.meta.events.register("before-send.dynamodb", unavailable)
    with pytest.raises(Exception, match="InternalServerError"):
        client.get_item(TableName="t", Key={"k": {"S": "v"}})
    assert len(attempts) == 2
