"""The API v1: one NinjaAPI, one router per domain, mounted at /api/v1/.

Extension point for other apps (SLA clocks, knowledge articles, search): write a router in
`escala/api/routers/<domain>.py` calling your app's actions and queries, and add it below with
`api.add_router("/", <domain>.router)`. Use `auth.read` / `auth.write` for its operations and
raise `escala.core.errors` exceptions: the error shape, rate limit and scopes then come for free.
"""

from django.http import HttpRequest
from ninja import NinjaAPI, Schema

from . import auth, bodies, errors
from .routers import directory, knowledge, notifications, problems, reports, tickets, webhooks
from .schemas.common import COMMON_ERRORS

api = NinjaAPI(
    title="Escala API",
    version="1",
    description=(
        "The help desk's REST API. Authenticate with a personal access token "
        "(`Authorization: Bearer esc_...`), created at /api/tokens/ or with "
        "`escala token create`, or with the browser session (send X-CSRFToken on writes). "
        'Errors always read `{"error": {"code", "message", "fields"}}`.'
    ),
    urls_namespace="api-v1",
)
errors.install(api)
bodies.install(api)

api.add_router("/", tickets.router)
api.add_router("/", directory.router)
api.add_router("/", knowledge.router)
api.add_router("/", webhooks.router)
api.add_router("/", reports.router)
api.add_router("/", problems.router)
api.add_router("/", notifications.router)


class MeOut(Schema):
    id: int
    username: str
    name: str
    role: str
    scopes: list[str]


@api.get("/me", response={200: MeOut, **COMMON_ERRORS}, auth=auth.read, tags=["me"])
def me(request: HttpRequest):
    """Who the caller is, and what their token may do."""
    from escala.people.queries import agent_of, is_admin, requester_of

    user = request.auth
    if is_admin(user):
        role = "admin"
    elif (agent := agent_of(user)) is not None:
        role = "supervisor" if agent.is_supervisor else "agent"
    elif requester_of(user) is not None:
        role = "requester"
    else:
        role = "none"
    token = auth.token_of(request)
    return {
        "id": user.pk,
        "username": user.get_username(),
        "name": user.get_full_name() or user.get_username(),
        "role": role,
        "scopes": list(token.scopes) if token else ["tickets:read", "tickets:write", "admin"],
    }
