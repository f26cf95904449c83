"""One error shape for the whole API, and the mapping of every failure onto it.

    {"error": {"code": "invalid", "message": "...", "fields": {"subject": ["..."]}}}

Domain refusals keep their own message and field; validation problems are listed per field.
Nothing a client sends may produce a 500: unexpected exceptions are logged and answered in the
same shape, so a client never has to parse an HTML error page.
"""

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from escala.core.errors import (
    DomainError,
    Forbidden,
    InvalidTransition,
    NotFound,
    StaleObject,
    ValidationFailed,
)

logger = logging.getLogger(__name__)

DOMAIN_STATUS: list[tuple[type[DomainError], int]] = [
    (NotFound, 404),
    (Forbidden, 403),
    (InvalidTransition, 409),
    (StaleObject, 409),
    (ValidationFailed, 422),
]

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
}

# Where a value came from is not part of its name for the client.
_LOCATIONS = {"body", "query", "path", "form", "file", "header", "cookie"}
_PARAM_NAMES = {"payload", "filters", "data"}


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("rate limited")
        self.retry_after = retry_after


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _field_name(loc: tuple | list) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in _PARAM_NAMES:
        parts = parts[1:]
    elif len(parts) == 1 and parts[0] in _PARAM_NAMES:
        return "__all__"
    return ".".join(parts) or "__all__"


def _message(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind == "string_too_long":
        return _("Too long: at most %(n)s characters.") % {"n": ctx.get("max_length")}
    if kind == "nul_character":
        return _("Text cannot contain NUL characters.")
    if kind == "datetime_range":
        return _("This moment is out of range.")
    if kind == "invalid_unicode":
        return _("Text is not valid Unicode.")
    if kind in {"int_parsing", "int_type"}:
        return _("A whole number is expected.")
    if kind in {"string_type"}:
        return _("Text is expected.")
    if kind in {"enum", "literal_error"}:
        return _("Not one of the allowed values: %(values)s.") % {"values": ctx.get("expected", "")}
    return str(err.get("msg", _("Invalid value.")))


def validation_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for err in errors:
        fields.setdefault(_field_name(err.get("loc", ())), []).append(_message(err))
    return fields


def install(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, body: dict, **headers: str) -> HttpResponse:
        response = api.create_response(request, body, status=status)
        for name, value in headers.items():
            response[name.replace("_", "-")] = value
        return response

    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        status = next((s for cls, s in DOMAIN_STATUS if isinstance(exc, cls)), 422)
        fields = exc.fields
        return respond(request, status, error_body(exc.code, exc.message, fields))

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        body = error_body("invalid", _("Some values are not valid."), validation_fields(exc.errors))
        return respond(request, 422, body)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = _("Authentication required: send a valid token or sign in.")
        return respond(
            request,
            401,
            error_body("unauthorized", message),
            WWW_Authenticate='Bearer realm="escala"',
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        message = str(exc)
        if status == 400:
            message = _("The request body could not be parsed: send valid JSON.")
        return respond(request, status, error_body(HTTP_CODES.get(status, "error"), message))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, error_body("not_found", _("Not found.")))

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 413, error_body("too_large", _("The request is too large.")))

    @api.exception_handler(TooManyFieldsSent)
    def too_many(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 413, error_body("too_large", _("The request has too many fields.")))

    @api.exception_handler(MultiPartParserError)
    def bad_multipart(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(
            request, 400, error_body("bad_request", _("The multipart body is malformed."))
        )

    @api.exception_handler(UnicodeDecodeError)
    def bad_encoding(request: HttpRequest, exc: Exception) -> HttpResponse:
        message = _("The request is not valid UTF-8.")
        return respond(request, 400, error_body("bad_request", message))

    @api.exception_handler(RateLimited)
    def rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
        message = _("Too many requests; try again in %(n)s seconds.") % {"n": exc.retry_after}
        return respond(
            request,
            429,
            error_body("rate_limited", message),
            Retry_After=str(exc.retry_after),
        )

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("Unexpected API error on %s %s", request.method, request.path)
        return respond(
            request, 500, error_body("server_error", _("Something went wrong on our side."))
        )
