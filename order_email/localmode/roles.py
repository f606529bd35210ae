"""Which provisioned resource plays which part, read from the graph's wiring, never from its outputs.

A consumer program composes the components under its own names and exports what it likes, so local
mode finds the parts the way the handlers do: through the environment contract the components set.
The sender is the function told its own queue (`SEND_QUEUE_URL`), the feedback processor the one
told the soft-bounce policy (`SOFT_BOUNCE_COUNT`), the order intake the URL function told the orders
topic (`ORDERS_TOPIC_ARN`) (names from `handlers.shared.environment`); their
variables name the tables and dead-letter queues, and the orders topic is the one subscribed to the
sender's queue.
"""

from __future__ import annotations

from dataclasses import dataclass

from order_email.handlers.shared.environment import (
    CONFIGURATION_SET,
    DELIVERIES_TABLE,
    DLQ_URL,
    ORDERS_TOPIC_ARN,
    SEND_QUEUE_URL,
    SOFT_BOUNCE_COUNT,
    SUPPRESSION_TABLE,
)
from order_email.localmode.provision import FunctionSpec, Provisioned, ProvisioningError

SENDER_MARK = SEND_QUEUE_URL.name
FEEDBACK_MARK = SOFT_BOUNCE_COUNT.name
INTAKE_MARK = ORDERS_TOPIC_ARN.name


@dataclass(frozen=True)
class Roles:
    """The emulator's names of the parts the driver and the CLI address."""

    orders_topic_arn: str
    send_queue_url: str
    deliveries_table: str
    suppression_table: str
    configuration_set: str
    send_dead_letter_url: str
    feedback_dead_letter_url: str
    sender_function: str = ""
    """Logical name of the sender function (the program's, e.g. `shop-sender-function`), for per-function stats."""

    def as_outputs(self) -> dict[str, str]:
        """The stack outputs the `order-email` commands read, under the names our own program exports."""
        outputs = {
            "ordersTopicArn": self.orders_topic_arn,
            "sendQueueUrl": self.send_queue_url,
            "deliveriesTableName": self.deliveries_table,
            "suppressionTableName": self.suppression_table,
            "configurationSetName": self.configuration_set,
            "sendDeadLetterQueueUrl": self.send_dead_letter_url,
            "feedbackDeadLetterQueueUrl": self.feedback_dead_letter_url,
        }
        return {key: value for key, value in outputs.items() if value}


def roles_of(resources: Provisioned) -> Roles:
    """The roles of a provisioned graph; ProvisioningError when it declares no sender."""
    sender = _marked(resources, SENDER_MARK)
    if sender is None:
        raise ProvisioningError(f"the program declares no EmailSender (no function sets {SENDER_MARK})")
    feedback = _marked(resources, FEEDBACK_MARK)
    queue_url = sender.environment[SENDER_MARK]
    queue_arns = {queue.arn for queue in resources.queues.values() if queue.url == queue_url}
    topics = [topic for topic, endpoint in resources.subscriptions if endpoint in queue_arns]
    if not topics:
        raise ProvisioningError("no SNS topic is subscribed to the sender's queue (the orders topic)")
    return Roles(
        orders_topic_arn=topics[0],
        send_queue_url=queue_url,
        deliveries_table=sender.environment.get(DELIVERIES_TABLE.name, ""),
        suppression_table=sender.environment.get(SUPPRESSION_TABLE.name, ""),
        configuration_set=sender.environment.get(CONFIGURATION_SET.name, ""),
        send_dead_letter_url=sender.environment.get(DLQ_URL.name, ""),
        feedback_dead_letter_url=feedback.environment.get(DLQ_URL.name, "") if feedback else "",
        sender_function=sender.logical_name,
    )


def url_parts(resources: Provisioned) -> tuple[FunctionSpec | None, FunctionSpec | None]:
    """(status API, order intake) among the functions behind a function URL: the intake is the one told
    the orders topic (`INTAKE_MARK`), the status API the other; None for a part the program lacks."""
    intake = [spec for spec in resources.url_functions if INTAKE_MARK in spec.environment]
    others = [spec for spec in resources.url_functions if INTAKE_MARK not in spec.environment]
    return (others[0] if others else None), (intake[0] if intake else None)


def _marked(resources: Provisioned, variable: str) -> FunctionSpec | None:
    marked = [spec for spec in resources.functions.values() if variable in spec.environment]
    if len(marked) > 1:
        names = ", ".join(sorted(spec.logical_name for spec in marked))
        raise ProvisioningError(f"local mode runs one EmailSender stack at a time; {names} all set {variable}")
    return marked[0] if marked else None
