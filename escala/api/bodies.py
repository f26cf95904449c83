"""Request bodies are checked before an operation reads them: a body of a content type the
operation does not declare is a 415, an unreadable one a 400, an oversized one a 413, always in
the one error shape. Ninja itself would read a text/plain body as JSON, and let a multipart body
without a boundary escape as a server error.

Installed on every operation by `install(api)` (a decorator of Operation.run): the declared types
come from the operation's own parameter models, so they always match the OpenAPI document.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.params.models import BodyModel, FileModel, FormModel, _MultiPartBodyModel

from .errors import error_body

JSON = "application/json"
MULTIPART = "multipart/form-data"
FORM = "application/x-www-form-urlencoded"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def declared_types(operation: Any) -> frozenset[str]:
    """The media types an operation takes a body in (empty: it takes none)."""
    models = getattr(operation, "models", []) or []
    if any(issubclass(m, FileModel | _MultiPartBodyModel) for m in models):
        return frozenset({MULTIPART})
    if any(issubclass(m, FormModel) for m in models):
        return frozenset({MULTIPART, FORM})
    if any(issubclass(m, BodyModel) for m in models):
        return frozenset({JSON})
    return frozenset()


def _media_type(request: HttpRequest) -> tuple[str, dict[str, str]]:
    raw = request.META.get("CONTENT_TYPE", "")
    main, _sep, rest = raw.partition(";")
    params = {}
    for part in rest.split(";"):
        key, eq, value = part.partition("=")
        if eq:
            params[key.strip().lower()] = value.strip().strip('"')
    return main.strip().lower(), params


def body_problem(request: HttpRequest, declared: frozenset[str]) -> tuple[int, str, str] | None:
    """(status, code, message) when the body cannot be what the operation takes, else None."""
    if request.method not in BODY_METHODS or not declared:
        return None
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 400, "bad_request", _("The Content-Length header is not a number.")
    if length <= 0 and not request.META.get("CONTENT_TYPE"):
        return None  # no body at all: the operation says whether it needs one
    media_type, params = _media_type(request)
    if media_type not in declared:
        return (
            415,
            "unsupported_media_type",
            _("Send the body as %(types)s.") % {"types": " or ".join(sorted(declared))},
        )
    charset = params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        return 415, "unsupported_media_type", _("Send the body encoded as UTF-8.")
    try:
        if media_type == JSON:
            request.body  # noqa: B018 -- read now, so an oversized body is refused here
        else:
            request.POST  # noqa: B018 -- parse now: a broken multipart body is a 400, not a 500
            request.FILES  # noqa: B018
    except (RequestDataTooBig, TooManyFieldsSent):
        return 413, "too_large", _("The request is too large.")
    except (MultiPartParserError, UnicodeDecodeError, ValueError):
        return 400, "bad_request", _("The multipart body is malformed.")
    return None


def checked_body(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    operation = getattr(run, "__self__", None)
    declared = declared_types(operation)
    api: NinjaAPI | None = getattr(operation, "api", None)

    @functools.wraps(run)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        problem = body_problem(request, declared)
        if problem is None:
            return run(request, *args, **kwargs)
        status, code, message = problem
        return (api or operation.api).create_response(  # type: ignore[union-attr]
            request, error_body(code, message), status=status
        )

    return wrapped


def install(api: NinjaAPI) -> None:
    # "view" mode wraps Operation.run, before authentication and parameter parsing.
    api.add_decorator(checked_body, mode="view")
