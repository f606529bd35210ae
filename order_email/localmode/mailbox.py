"""The SES mailbox simulator's addresses and what each one does to a message (pure).

Real SES reproduced: mail to `success@`, `bounce@`, `complaint@`, `suppressionlist@` and `ooto@`
`simulator.amazonses.com` (a `+label` in the local part is allowed) is accepted and then delivered,
hard-bounced, complained about, bounced as if on the account's suppression list, or answered with an
out-of-the-office reply. Not reproduced: the auto-reply message itself. Any other address at the
simulator domain is treated as delivered (SES documents only these five).
"""

from __future__ import annotations

from enum import StrEnum

SIMULATOR_DOMAIN = "simulator.amazonses.com"


class SimulatorOutcome(StrEnum):
    SUCCESS = "success"
    BOUNCE = "bounce"
    COMPLAINT = "complaint"
    SUPPRESSION_LIST = "suppressionlist"
    OOTO = "ooto"


EXPECTED_STATUS = {
    SimulatorOutcome.SUCCESS: "DELIVERED",
    SimulatorOutcome.OOTO: "DELIVERED",
    SimulatorOutcome.BOUNCE: "BOUNCED",
    SimulatorOutcome.SUPPRESSION_LIST: "BOUNCED",
    SimulatorOutcome.COMPLAINT: "COMPLAINED",
}
"""The delivery status each simulator outcome must end in."""


def outcome_for(address: str) -> SimulatorOutcome:
    """The simulator's verdict for an address; non-simulator addresses are delivered (pure)."""
    local, _, domain = address.strip().lower().rpartition("@")
    if domain != SIMULATOR_DOMAIN:
        return SimulatorOutcome.SUCCESS
    try:
        return SimulatorOutcome(local.split("+", 1)[0])
    except ValueError:
        return SimulatorOutcome.SUCCESS
