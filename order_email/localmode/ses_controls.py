"""`SesControls`: the parent's handle on the local SES, for tests and operators (`system.ses`).

What a real account changes by API, it changes by the real SESv2 API (pause/resume a
configuration set as the reputation guard does, account sending, GetAccount); what AWS or DNS
decides (identity verification, quotas, the sandbox and its review, suspension, probation) goes to
the emulator's control endpoints (`ses_api`, under `/_localmode/ses/`). Nothing here reproduces SES itself.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from order_email.localmode.ses_api import CONTROL_PREFIX

TIMEOUT_SECONDS = 10


class SesControlError(RuntimeError):
    """A control endpoint refused the request or did not answer."""


class SesControls:
    """Drive the emulator's SES: `endpoint` is the emulator's URL, `sesv2_client` a boto3 client of it."""

    def __init__(self, endpoint: str, sesv2_client: Any, *, configuration_set: str | None, identity: str | None,
                 on_delay_events: Callable[[float], None] | None = None):
        """`configuration_set` and `identity` are the stack's; `on_delay_events` holds back SES events."""
        if not endpoint.startswith(("http://", "https://")):
            raise ValueError(f"the emulator endpoint must be an http(s) URL, not {endpoint!r}")
        self._endpoint = endpoint.rstrip("/")
        self._ses = sesv2_client
        self.configuration_set = configuration_set
        self.identity = identity
        self._on_delay_events = on_delay_events

    # -- through the SESv2 API, as the stack and its operators do ---------------------------------

    def pause(self) -> None:
        """Disable sending on the stack's configuration set: exactly the reputation guard's call."""
        self._set_sending(False)

    def resume(self) -> None:
        self._set_sending(True)

    def set_account_sending(self, enabled: bool) -> None:
        self._ses.put_account_sending_attributes(SendingEnabled=enabled)

    def account(self) -> dict[str, Any]:
        """GetAccount's answer (ResponseMetadata left out)."""
        answer = dict(self._ses.get_account())
        answer.pop("ResponseMetadata", None)
        return answer

    # -- through the control endpoints: what AWS or DNS decides ---------------------------------

    def verify_identity(self, verified: bool = True, *, identity: str | None = None, mail_from: bool | None = None,
                        status: str | None = None, mail_from_status: str | None = None) -> None:
        """Mark an identity (default: the stack's) verified or not; `mail_from` sets whether its MAIL FROM is.

        What SES reports for the unverified is PENDING unless `status` (the identity and its DKIM) or
        `mail_from_status` say FAILED or TEMPORARY_FAILURE."""
        name = identity or self.identity
        if not name:
            raise SesControlError("no identity given and the stack declares none")
        self._request("POST", f"identities/{quote(name, safe='')}/verification",
                      {"verified": verified, "mailFromVerified": mail_from, "status": status,
                       "mailFromStatus": mail_from_status})

    def set_limits(self, max_send_rate: float | None = None, max_24_hour_send: float | None = None) -> None:
        """The account's quotas, None = unlimited; the send-rate bucket starts full."""
        self._request("POST", "limits", {"maxSendRate": max_send_rate, "max24HourSend": max_24_hour_send})

    def set_production_access(self, enabled: bool) -> None:
        """Leave (True) or enter (False) the sandbox."""
        self._request("POST", "account", {"productionAccess": enabled})

    def suspend(self, suspended: bool = True) -> None:
        """Shut the account down (EnforcementStatus SHUTDOWN: nothing sends) or lift it."""
        self._request("POST", "account", {"suspended": suspended})

    def set_probation(self, probation: bool = True) -> None:
        """Put the account under review for its reputation (EnforcementStatus PROBATION: it still sends) or lift it."""
        self._request("POST", "account", {"probation": probation})

    def review_production_access(self, status: str) -> None:
        """Decide the account's request for production access (PutAccountDetails): GRANTED leaves the sandbox,
        DENIED and FAILED leave it there, PENDING reopens the review."""
        self._request("POST", "account", {"reviewStatus": status})

    def accepted(self, after: int = 0) -> tuple[int, list[dict[str, Any]]]:
        """(highest sequence so far, the e-mails SES accepted after sequence `after`)."""
        answer = self._request("GET", f"accepted?after={int(after)}")
        return int(answer["last"]), list(answer["emails"])

    def stats(self) -> dict[str, Any]:
        """{"accepted": n, "refused": {"<Code>": n}} for SendEmail."""
        return dict(self._request("GET", "stats"))

    # -- in the parent -------------------------------------------------------------------------

    def delay_events(self, seconds: float) -> None:
        """Hold SES events back for `seconds`, as SES's asynchronous publishing can."""
        if self._on_delay_events is None:
            raise RuntimeError("delay_events needs the SES simulator's hook (on_delay_events), and none was given")
        self._on_delay_events(seconds)

    # -- helpers -------------------------------------------------------------------------------

    def _set_sending(self, enabled: bool) -> None:
        if not self.configuration_set:
            raise SesControlError("the stack declares no configuration set to pause or resume")
        self._ses.put_configuration_set_sending_options(ConfigurationSetName=self.configuration_set,
                                                        SendingEnabled=enabled)

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        url = f"{self._endpoint}{CONTROL_PREFIX}{path}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method,  # noqa: S310 - http(s) only, see __init__
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - as above
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")
            raise SesControlError(f"{method} {CONTROL_PREFIX}{path} answered HTTP {error.code}: {detail}") from error
        except urllib.error.URLError as error:
            raise SesControlError(f"{method} {CONTROL_PREFIX}{path} failed: {error.reason}") from error
