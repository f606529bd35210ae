"""Parliament findings we accept, each with the reason next to it.

Parliament lints identity policies. The stacks also hold trust (assume-role) policies and a KMS key
policy, whose grammar differs in ways it does not know about; only those differences are listed
here. An identity or topic/queue policy finding is never allowed: fix the document instead.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AllowedFinding:
    kind: str
    """Document kind the finding is accepted in: `trust`, `key`, `identity` or `resource`."""
    issue: str
    """Parliament's issue code, e.g. `RESOURCE_STAR`."""
    detail_contains: str
    """Text the finding's detail must contain ("" for any detail of that issue)."""
    reason: str


ALLOWED_FINDINGS: tuple[AllowedFinding, ...] = (
    AllowedFinding(
        "trust", "MALFORMED", "neither Resource nor NotResource",
        "A trust policy names no Resource: the role it is attached to is the resource, and IAM rejects a "
        "Resource element in an assume-role policy.",
    ),
    AllowedFinding(
        "key", "RESOURCE_STAR", "",
        "In a KMS key policy `Resource: \"*\"` means the key the policy is attached to, and nothing else; "
        "a key policy cannot name other resources.",
    ),
    AllowedFinding(
        "key", "UNKNOWN_CONDITION_FOR_ACTION", "kms:EncryptionContext:aws:logs:arn",
        "The CloudWatch Logs statement is the one AWS documents for encrypted log groups; parliament's "
        "condition table lacks the logs encryption-context key for the kms:Describe* actions. The "
        "condition only narrows the grant to this account's log groups.",
    ),
    AllowedFinding(
        "key", "MISMATCHED_TYPE", "ArnLike requires a value of type Arn",
        "Parliament types kms:EncryptionContext:* as String; AWS documents ArnLike on "
        "kms:EncryptionContext:aws:logs:arn, whose values are log group ARNs.",
    ),
)
