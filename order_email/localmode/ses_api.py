"""`SesApi`: the emulator's front door. SESv2 goes to `LocalSes`, `/_localmode/ses/` to its controls, the rest to moto.

SESv2 is answered as SES answers it, from botocore's `sesv2` model: routes (method + requestUri),
members read by their location (path, query string, header, JSON body; blobs base64, timestamps
ISO 8601 or epoch), rest-json answers (200 and a JSON body, timestamps as epoch seconds) and errors
(the error shape's HTTP status, `x-amzn-ErrorType: <Code>`, `{"message": …}`). Every client of the
emulator meets the same SES. An SESv2 operation `LocalSes` does not implement is refused with
BadRequestException "<Operation> is not emulated by local mode" rather than handed to moto's SESv2.

Not reproduced: signature and credential checks, member constraints beyond required members
(botocore validates those before sending), and SES's own answer to an unknown path (404 here).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import botocore.session
from botocore import xform_name
from botocore.model import OperationModel, ServiceModel, Shape
from werkzeug.wrappers import Request, Response

from order_email.localmode.ses_rules import SesError
from order_email.localmode.ses_service import IMPLEMENTED, LocalSes

SESV2_PREFIX = "/v2/email/"
CONTROL_PREFIX = "/_localmode/ses/"
_VERIFICATION = re.compile(r"identities/(?P<identity>[^/]+)/verification")
_LABEL = re.compile(r"\{(?P<name>[^}+]+)(?P<greedy>\+?)\}")


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    operation: OperationModel


def route_pattern(request_uri: str) -> re.Pattern[str]:
    """A requestUri's path as a regex: `{Name}` is one path segment, `{Name+}` the rest of the path."""
    path, position, regex = request_uri.split("?", 1)[0], 0, ""
    for label in _LABEL.finditer(path):
        regex += re.escape(path[position:label.start()])
        regex += f"(?P<{label['name']}>{'.+' if label['greedy'] else '[^/]+'})"
        position = label.end()
    return re.compile(regex + re.escape(path[position:]))


def routes(model: ServiceModel) -> list[Route]:
    """Every operation of the model, the most literal paths first (a fixed segment beats a label)."""
    found = [Route(operation.http["method"], route_pattern(operation.http["requestUri"]), operation)
             for operation in map(model.operation_model, model.operation_names)]
    return sorted(found, key=lambda route: -len(_LABEL.sub("", route.operation.http["requestUri"])))


def _timestamp(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def _scalar(shape: Shape, text: str) -> Any:
    """A query-string or header value as its shape's type."""
    if shape.type_name in ("integer", "long"):
        return int(text)
    if shape.type_name == "boolean":
        return text.lower() == "true"
    if shape.type_name == "timestamp":
        return _timestamp(text)
    return text


def _from_json(shape: Shape, value: Any) -> Any:
    """A JSON body value as botocore hands it over: blobs decoded, timestamps as epoch seconds."""
    if shape.type_name == "structure":
        members = shape.members  # type: ignore[attr-defined]
        return {name: _from_json(members[name], item) for name, item in dict(value).items() if name in members}
    if shape.type_name == "list":
        return [_from_json(shape.member, item) for item in list(value)]  # type: ignore[attr-defined]
    if shape.type_name == "map":
        return {key: _from_json(shape.value, item) for key, item in dict(value).items()}  # type: ignore[attr-defined]
    if shape.type_name == "blob":
        return base64.b64decode(value, validate=True)
    if shape.type_name == "timestamp":
        return _timestamp(value)
    return value


def parse_request(operation: OperationModel, labels: Mapping[str, str], query: Any, headers: Any,
                  body: bytes) -> dict[str, Any]:
    """The operation's parameters, by botocore member name, from where the model puts each member.

    `labels` are the route's path labels (still percent-encoded), `query` a werkzeug MultiDict and
    `headers` a case-insensitive mapping.
    """
    shape = operation.input_shape
    if shape is None:
        return {}
    try:
        document = json.loads(body) if body.strip() else {}
        if not isinstance(document, dict):
            raise ValueError("the body is not a JSON object")
        params: dict[str, Any] = {}
        for name, member in shape.members.items():
            value: Any
            location, wire = member.serialization.get("location"), member.serialization.get("name", name)
            if location == "uri":
                value = unquote(labels[wire]) if wire in labels else None
            elif location == "querystring" and member.type_name == "list":
                value = [_scalar(member.member, item) for item in query.getlist(wire)] or None  # type: ignore[attr-defined]
            elif location in ("querystring", "header"):
                text = (query if location == "querystring" else headers).get(wire)
                value = None if text is None else _scalar(member, text)
            else:
                value = _from_json(member, document[wire]) if wire in document else None
            if value is not None:
                params[name] = value
    except (ValueError, TypeError, binascii.Error) as error:
        raise SesError("BadRequestException", f"The request is not valid: {error}") from error
    missing = [name for name in shape.required_members if name not in params]
    if missing:
        raise SesError("BadRequestException", f"Missing required parameter: {', '.join(missing)}.")
    return params


def _json(status: int, document: Any, headers: Mapping[str, str] | None = None) -> Response:
    return Response(json.dumps(document), status, headers=dict(headers or {}), content_type="application/json")


def _raw_path(environ: Mapping[str, Any]) -> str:
    """The path as sent, still percent-encoded (PATH_INFO is decoded: an encoded `/` would split a label)."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    return urlsplit(raw).path if raw else quote(environ.get("PATH_INFO", ""))


def _body_object(request: Request, allowed: Iterable[str]) -> dict[str, Any]:
    document = json.loads(request.get_data() or b"{}")
    if not isinstance(document, dict):
        raise ValueError("the body must be a JSON object")
    unknown = sorted(set(document) - set(allowed))
    if unknown:
        raise ValueError(f"unknown keys {unknown}; allowed: {sorted(allowed)}")
    return document


def _flag(document: Mapping[str, Any], key: str, required: bool = False) -> bool | None:
    value = document.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, bool):
        raise ValueError(f"{key} must be true or false")
    return value


def _text(document: Mapping[str, Any], key: str) -> str | None:
    value = document.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{key} must be null or a string")
    return value


def _limit(document: Mapping[str, Any], key: str, minimum: float) -> float | None:
    value = document.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise ValueError(f"{key} must be null or a number of at least {minimum}")
    return float(value)


class SesApi:
    """WSGI middleware in front of `app` (moto's dispatcher) that owns SESv2 and the SES controls."""

    def __init__(self, app: Any, ses: LocalSes, model: ServiceModel | None = None):
        self._app = app
        self._ses = ses
        self._model = model or botocore.session.get_session().get_service_model("sesv2")
        self._routes = routes(self._model)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith(SESV2_PREFIX):
            response = self._sesv2(Request(environ), _raw_path(environ))
        elif path.startswith(CONTROL_PREFIX):
            response = self._control(Request(environ), _raw_path(environ)[len(CONTROL_PREFIX):])
        else:
            return self._app(environ, start_response)
        return response(environ, start_response)

    # -- SESv2 -----------------------------------------------------------------------------------

    def _sesv2(self, request: Request, path: str) -> Response:
        headers = {"x-amzn-RequestId": str(uuid.uuid4())}
        for route in self._routes:
            match = route.pattern.fullmatch(path) if route.method == request.method else None
            if match:
                return self._call(route.operation, match.groupdict(), request, headers)
        return _json(404, {"message": f"No SESv2 operation is {request.method} {path}"},
                     {**headers, "x-amzn-ErrorType": "UnknownOperationException"})

    def _call(self, operation: OperationModel, labels: dict[str, str], request: Request,
              headers: dict[str, str]) -> Response:
        try:
            if operation.name not in IMPLEMENTED:
                raise SesError("BadRequestException", f"{operation.name} is not emulated by local mode")
            params = parse_request(operation, labels, request.args, request.headers, request.get_data())
            answer = getattr(self._ses, xform_name(operation.name))(params)
        except SesError as error:
            return self._error(error, headers)
        except Exception as error:  # a bug of the local SES: answered as SES's own failure, not a dropped request
            return self._error(SesError("InternalServiceErrorException", f"{type(error).__name__}: {error}"), headers)
        return _json(200, answer, headers)

    def _error(self, error: SesError, headers: dict[str, str]) -> Response:
        try:
            status = int(self._model.shape_for(error.code).metadata["error"]["httpStatusCode"])
        except (KeyError, LookupError):
            status = 400
        return _json(status, {"message": error.message}, {**headers, "x-amzn-ErrorType": error.code})

    # -- local mode's controls -------------------------------------------------------------------

    def _control(self, request: Request, route: str) -> Response:
        try:
            answer = self._control_answer(request, route)
        except (ValueError, SesError) as error:
            return _json(400, {"error": str(error)})
        if answer is None:
            return _json(404, {"error": f"no control {request.method} {CONTROL_PREFIX}{route}"})
        return _json(200, answer)

    def _control_answer(self, request: Request, route: str) -> Any:
        """The control's JSON answer; None when no control has this method and path."""
        verification = _VERIFICATION.fullmatch(route)
        if request.method == "POST" and verification:
            body = _body_object(request, ("verified", "mailFromVerified", "status", "mailFromStatus"))
            self._ses.set_verification(unquote(verification["identity"]), bool(_flag(body, "verified", True)),
                                       _flag(body, "mailFromVerified"), status=_text(body, "status"),
                                       mail_from_status=_text(body, "mailFromStatus"))
        elif request.method == "POST" and route == "limits":
            body = _body_object(request, ("maxSendRate", "max24HourSend"))
            self._ses.set_limits(_limit(body, "maxSendRate", 1e-9), _limit(body, "max24HourSend", 0))
        elif request.method == "POST" and route == "account":
            body = _body_object(request, ("productionAccess", "suspended", "probation", "reviewStatus"))
            self._ses.set_account(production_access=_flag(body, "productionAccess"), suspended=_flag(body, "suspended"),
                                  probation=_flag(body, "probation"), review_status=_text(body, "reviewStatus"))
        elif request.method == "GET" and route == "accepted":
            last, emails = self._ses.accepted(int(request.args.get("after", "0")))
            return {"last": last, "emails": emails}
        elif request.method == "GET" and route == "stats":
            return self._ses.stats()
        else:
            return None
        return {}
