"""SES's account-level suppression list, kept consistent with ours (which is the only truth).

The stack's configuration set overrides the account-level list with no reasons, so SES neither
checks nor fills it for our e-mails: the hashed suppression table decides alone, and SES keeps no
plain-text copy of our customers' addresses. An account can still hold an address there (added
before the override, by another configuration set, or by hand), and it would bounce our e-mail as
`OnAccountSuppressionList` if the override were ever lifted. So lifting or erasing an address here
also deletes it from SES's list (`DeleteSuppressedDestination`); adding one never writes there.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError


def forget_in_ses(sesv2: Any, address: str) -> bool:
    """Delete the address from SES's account-level list; False when it was not listed."""
    try:
        sesv2.delete_suppressed_destination(EmailAddress=address)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "NotFoundException":
            return False
        raise
    return True
