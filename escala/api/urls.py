from django.http import HttpRequest, JsonResponse
from django.urls import path, re_path
from django.utils.translation import gettext as _

from . import views
from .errors import error_body
from .main import api


def unknown(request: HttpRequest, rest: str) -> JsonResponse:
    return JsonResponse(error_body("not_found", _("There is no such API endpoint.")), status=404)


urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<rest>.*)$", unknown),
    path("api/tokens/", views.tokens_page, name="api_tokens"),
    path("api/tokens/<int:token_id>/revoke", views.revoke, name="api_token_revoke"),
    path("api/webhooks/", views.webhooks_page, name="api_webhooks"),
    path("api/webhooks/<int:subscription_id>/test", views.webhook_test, name="api_webhook_test"),
    path(
        "api/webhooks/<int:subscription_id>/deactivate",
        views.webhook_deactivate,
        name="api_webhook_deactivate",
    ),
]
