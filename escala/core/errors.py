"""Domain errors: what an action raises when it refuses.

Each carries a message for people and, where a single input is at fault, the field it belongs to,
so forms and the API can show it there."""

from django.utils.functional import Promise


class DomainError(Exception):
    """An action was refused; nothing was changed."""

    code = "refused"

    def __init__(
        self,
        message: str | Promise,
        *,
        field: str | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.field = field or (next(iter(fields)) if fields else None)
        # Several inputs at fault at once: {name: [messages]} (`field` is the first of them).
        self.fields = fields or ({field: [self.message]} if field else {})


class NotFound(DomainError):
    """The object does not exist *for this user*: used for objects they may not see as well."""

    code = "not_found"


class Forbidden(DomainError):
    """The user may see the object but not do this to it."""

    code = "forbidden"


class InvalidTransition(DomainError):
    code = "invalid_transition"


class StaleObject(DomainError):
    """The object changed since the user's form was loaded."""

    code = "stale"


class ValidationFailed(DomainError):
    code = "invalid"
