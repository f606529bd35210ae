"""The status API as the console reaches it: HTTPS GETs signed with the operator's AWS credentials.

A function URL with `AWS_IAM` auth takes SigV4 for service `lambda`, signed in the function's region
(https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html). Local mode serves the same handler on
a loopback URL (`localmode.serve`) that takes the request as it is, signed or not.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

_URL_REGION = re.compile(r"\.lambda-url\.([a-z0-9-]+)\.on\.aws$")
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
"""Hosts a plain-http status API may be on: local mode's, never a remote one (the request is signed)."""
TIMEOUT_SECONDS = 30


class StatusApiUnavailable(RuntimeError):
    """The status API could not be reached, or answered with something that is not its JSON."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


def url_region(url: str) -> str | None:
    """The region in a function URL's host (`<id>.lambda-url.<region>.on.aws`), else None."""
    found = _URL_REGION.search(urlsplit(url).hostname or "")
    return found[1] if found else None


class StatusApiClient:
    """GETs against one status API base URL, each signed with `credentials` for `region`."""

    def __init__(self, base_url: str, credentials: Credentials, region: str):
        parts = urlsplit(base_url)
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
            raise ValueError(f"status API URL must be https (or http on loopback), got {base_url[:80]!r}")
        self.base_url = base_url.rstrip("/")
        self._credentials = credentials
        self._region = region

    def get(self, path: str, query: Mapping[str, str] | None = None) -> Answer:
        """GET `path` (already percent-encoded) with `query`; the JSON answer, whatever its status."""
        # %20, not "+", for a space: SigV4's canonical query string percent-encodes (RFC 3986)
        url = self.base_url + path + (f"?{urlencode(query, quote_via=quote)}" if query else "")
        request = AWSRequest(method="GET", url=url, headers={"Accept": "application/json"})
        SigV4Auth(self._credentials.get_frozen_credentials(), "lambda", self._region).add_auth(request)
        # S310: the scheme is http(s), checked in __init__
        prepared = urllib.request.Request(url, headers=dict(request.headers.items()), method="GET")  # noqa: S310
        try:
            with urllib.request.urlopen(prepared, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                return Answer(response.status, _json_body(response.read()))
        except urllib.error.HTTPError as error:
            return Answer(error.code, _json_body(error.read(), error.code))
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise StatusApiUnavailable(f"cannot reach the status API at {self.base_url}: {error}") from None


def _json_body(raw: bytes, status: int | None = None) -> dict[str, Any]:
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise StatusApiUnavailable(f"the status API answered {status or ''} without JSON".replace("  ", " ")) from None
    if not isinstance(body, dict):
        raise StatusApiUnavailable("the status API answered JSON that is not an object")
    return body
