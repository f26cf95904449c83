"""Bases shared by every schema: inputs refuse unknown fields and text a database cannot keep."""

from datetime import UTC, datetime
from typing import Annotated, Any

from django.utils import timezone
from ninja import Schema
from pydantic import AfterValidator, ConfigDict, field_validator
from pydantic_core import PydanticCustomError

MAX_ID = 2**63 - 1


def clean_text(value: Any) -> Any:
    if isinstance(value, str):
        if "\x00" in value:
            raise PydanticCustomError("nul_character", "Text cannot contain NUL characters.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise PydanticCustomError("invalid_unicode", "Text is not valid Unicode.") from None
    elif isinstance(value, list):
        for item in value:
            clean_text(item)
    return value


def _storable_moment(value: datetime) -> datetime:
    """In UTC, as the database compares it: an offset such as -22:12 is valid ISO 8601 but not
    an offset PostgreSQL accepts; a time without one is read in the server's time zone."""
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise PydanticCustomError("datetime_range", "This moment is out of range.") from None


# A moment given as input (a filter bound): always aware, in UTC.
Moment = Annotated[datetime, AfterValidator(_storable_moment)]


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_unstorable_text(cls, value: Any) -> Any:
        return clean_text(value)


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class ErrorOut(Schema):
    error: ErrorDetail


class Ref(Schema):
    id: int
    name: str


class TierRef(Schema):
    id: int
    level: int
    code: str
    name: str


class CategoryRef(Schema):
    id: int
    code: str
    name: str


# Responses every authenticated operation may give, documented once.
COMMON_ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}
WRITE_ERRORS: dict[int, type[Schema]] = {**COMMON_ERRORS, 409: ErrorOut}
