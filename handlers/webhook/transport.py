"""One webhook POST with the standard library: a short timeout, no redirects, TLS verified.

A redirect is not followed: urllib would turn a redirected POST into a GET without the body, or
send the signed change to a host nobody configured. Any answer but 2xx, a timeout or a network
error is a failed attempt, to be retried (a 4xx is usually a receiver's misconfiguration, such as
a rotated secret, that its operator fixes; the DLQ keeps what still fails).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Attempt:
    delivered: bool
    status: int | None
    """The receiver's HTTP status; None when none came (timeout, refused, TLS error)."""
    error: str | None = None
    """Why it failed, without the URL (which may carry a receiver's token)."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def post(url: str, body: bytes, headers: Mapping[str, str], timeout_seconds: float) -> Attempt:
    """POST `body`; the outcome, never an exception for the receiver's or the network's failures."""
    # the URL passed `endpoint.check_endpoint` (https, or http to loopback) when the settings were read
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")  # noqa: S310
    try:
        with _OPENER.open(request, timeout=timeout_seconds) as response:
            status = int(response.status)
            response.read(1024)  # let the receiver finish; its answer is not ours to keep
    except urllib.error.HTTPError as error:
        error.close()
        return Attempt(False, error.code, f"HTTP {error.code}")
    except TimeoutError:
        return Attempt(False, None, f"timed out after {timeout_seconds:g} s")
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, TimeoutError):
            return Attempt(False, None, f"timed out after {timeout_seconds:g} s")
        return Attempt(False, None, f"{type(reason).__name__}: {reason}")
    return Attempt(200 <= status < 300, status, None if 200 <= status < 300 else f"HTTP {status}")
