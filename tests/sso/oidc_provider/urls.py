import json

from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.models import Group
from django.http import HttpResponse, HttpResponseForbidden
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.models import Application

from .serve import CONTROL_TOKEN


@csrf_exempt
def control(request):
    """The tests change the provider as its administrator would (groups, accounts, redirects)."""
    if request.headers.get("X-Control-Token") != CONTROL_TOKEN or request.method != "POST":
        return HttpResponseForbidden()
    body = json.loads(request.body)
    users = get_user_model().objects
    if "redirect_uri" in body:
        app = Application.objects.get()
        uris = set(app.redirect_uris.split())
        uris.add(body["redirect_uri"])
        app.redirect_uris = " ".join(sorted(uris))
        app.save()
    if "groups" in body:
        user = users.get(username=body["username"])
        user.groups.set([Group.objects.get_or_create(name=n)[0] for n in body["groups"]])
    if "active" in body:
        users.filter(username=body["username"]).update(is_active=body["active"])
    return HttpResponse("ok")


urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("_control/", control),
]
