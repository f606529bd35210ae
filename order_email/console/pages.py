"""What each console path shows: the status API requests it makes and the HTML it renders.

Every answer of the status API is shown as it comes (addresses already masked by the API); its 400s
and 404s become the console's own 400 and 404 pages with the API's message, so a bad order id or
address is refused by the one rule the API applies. Anything the console echoes back from the
request (a searched address) is masked before it is rendered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape

from order_email.cli.status_cmd import timeline
from order_email.console.client import Answer, StatusApiClient, StatusApiUnavailable
from order_email.handlers.shared.masking import mask_address
from order_email.handlers.shared.statuses import EmailStatus

DEFAULT_STATUS = EmailStatus.DELIVERED
_templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
_templates.filters["order_path"] = lambda order_id: "/orders/" + quote(str(order_id), safe="")


@dataclass(frozen=True)
class Page:
    status: int
    html: str = ""
    headers: dict[str, str] = field(default_factory=dict)


def render(template: str, status: int = 200, **context: Any) -> Page:
    return Page(status, _templates.get_template(template).render(statuses=list(EmailStatus), **context))


def error_page(status: int, title: str, message: str, parameter: str | None = None) -> Page:
    return render("error.html", status, title=title, message=message, parameter=parameter)


class Console:
    """The console's pages over one status API client."""

    def __init__(self, api: StatusApiClient):
        self._api = api

    def page(self, target: str, form: str = "") -> Page:
        """The page for a request target (`/orders/A%2F1?x=y`) and a posted form's body; never raises
        for bad input. The recipient search is posted, so an address stays out of URLs and history."""
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query)) | dict(parse_qsl(form))
        try:
            if parts.path == "/":
                return self._home(query)
            if parts.path.startswith("/orders/") and parts.path.count("/") == 2:
                return self._order(parts.path.removeprefix("/orders/"))
            if parts.path == "/search":
                return self._search(query)
            if parts.path == "/recipients":
                return self._recipient(query)
            if parts.path == "/suppressions":
                return self._suppressions(query)
        except StatusApiUnavailable as error:
            return error_page(502, "Status API unavailable", str(error))
        return error_page(404, "Not found", f"There is no console page at {parts.path[:200]}.")

    def _home(self, query: dict[str, str]) -> Page:
        status = query.get("status") or DEFAULT_STATUS.value
        listing_query = {"status": status} | ({"cursor": query["cursor"]} if query.get("cursor") else {})
        listing = self._api.get("/deliveries", listing_query)
        if listing.status != 200:
            return _refused(listing)
        overview = self._api.get("/overview")
        if overview.status != 200:
            return _refused(overview)
        return render("home.html", overview=overview.body, listing=listing.body, current=listing.body["status"])

    def _order(self, raw_id: str) -> Page:
        order_id = unquote(raw_id)
        answer = self._api.get("/orders/" + quote(order_id, safe=""))
        if answer.status != 200:
            return _refused(answer)
        emails = [dict(email, timeline=timeline(email)) for email in answer.body["emails"]]
        return render("order.html", order_id=answer.body["orderId"], emails=emails)

    def _search(self, query: dict[str, str]) -> Page:
        order_id = query.get("orderId", "").strip()
        if not order_id:
            return error_page(400, "Bad request", "orderId is required: type an order id to look up.", "orderId")
        return Page(303, headers={"Location": "/orders/" + quote(order_id, safe="")})

    def _recipient(self, query: dict[str, str]) -> Page:
        address = query.get("address", "").strip()
        if not address:
            return error_page(400, "Bad request", "address is required: type the recipient's address.", "address")
        answer = self._api.get("/recipients", {"address": address})
        if answer.status != 200:
            return _refused(answer, echo=mask_address(address))
        return render("recipient.html", recipient=answer.body.get("recipient") or mask_address(address),
                      emails=answer.body.get("emails") or [], more=bool(answer.body.get("cursor")))

    def _suppressions(self, query: dict[str, str]) -> Page:
        answer = self._api.get("/suppressions", {"cursor": query["cursor"]} if query.get("cursor") else None)
        if answer.status != 200:
            return _refused(answer)
        return render("suppressions.html", suppressions=answer.body["suppressions"], cursor=answer.body["cursor"])


def _refused(answer: Answer, echo: str | None = None) -> Page:
    """The status API's refusal as the console's page: 400 and 404 as they are, the rest as 502."""
    message = str(answer.body.get("error") or answer.body.get("Message") or "no message")
    if echo:
        message = f"{message} ({echo})"
    if answer.status == 400:
        return error_page(400, "Bad request", message, answer.body.get("parameter"))
    if answer.status == 404:
        return error_page(404, "Not found", message)
    return error_page(502, "Status API error", f"the status API answered {answer.status}: {message}")
